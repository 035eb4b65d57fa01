//! Decoding of the IP packets that cross the TUN device, for the wire tap and the lab's
//! step-by-step view. Every header goes through smoltcp's checked `wire` views
//! (`new_checked` before any accessor), so garbage yields an error value, never a panic.
//! Fragments and IPv6 extension headers are reported as such and not looked into.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use smoltcp::wire::{IpProtocol, Ipv4Packet, Ipv6Packet, TcpPacket, UdpPacket};

/// TCP flag bits as they sit in byte 13 of the header (RFC 9293 §3.1).
pub mod flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
}

/// The parts of a TCP segment the tap and the lab look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpSeg {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    /// The raw 16-bit window field, before any window scaling.
    pub window: u16,
    /// Payload bytes (a GSO super-packet counts all of its payload).
    pub len: u32,
    /// MSS option (RFC 9293 §3.7.1), only meaningful on SYN segments.
    pub mss: Option<u16>,
    /// Window-scale option (RFC 7323 §2.2), only meaningful on SYN segments.
    pub wscale: Option<u8>,
}

impl TcpSeg {
    pub fn has(&self, f: u8) -> bool {
        self.flags & f != 0
    }

    /// Sequence space the segment occupies: payload plus one for SYN and for FIN.
    pub fn seq_len(&self) -> u32 {
        self.len + u32::from(self.has(flags::SYN)) + u32::from(self.has(flags::FIN))
    }
}

/// One decoded packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packet {
    Tcp(TcpSeg),
    Udp {
        src: SocketAddr,
        dst: SocketAddr,
        len: u32,
    },
    Icmp {
        src: IpAddr,
        dst: IpAddr,
        v6: bool,
        kind: u8,
    },
    /// A fragment, an extension header or another protocol: not looked into.
    Other {
        src: IpAddr,
        dst: IpAddr,
        proto: u8,
    },
}

/// Why a packet could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadPacket {
    Empty,
    Version(u8),
    Ip,
    Transport,
}

impl fmt::Display for BadPacket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadPacket::Empty => f.write_str("empty packet"),
            BadPacket::Version(v) => write!(f, "IP version {v}"),
            BadPacket::Ip => f.write_str("malformed IP header"),
            BadPacket::Transport => f.write_str("malformed transport header"),
        }
    }
}

pub fn parse(pkt: &[u8]) -> Result<Packet, BadPacket> {
    let version = pkt.first().ok_or(BadPacket::Empty)? >> 4;
    let (src, dst, proto, payload, whole) = match version {
        4 => {
            let ip = Ipv4Packet::new_checked(pkt).map_err(|_| BadPacket::Ip)?;
            let whole = !ip.more_frags() && ip.frag_offset() == 0;
            let (s, d) = (IpAddr::V4(ip.src_addr()), IpAddr::V4(ip.dst_addr()));
            (s, d, ip.next_header(), ip.payload(), whole)
        }
        6 => {
            let ip = Ipv6Packet::new_checked(pkt).map_err(|_| BadPacket::Ip)?;
            let (s, d) = (IpAddr::V6(ip.src_addr()), IpAddr::V6(ip.dst_addr()));
            (s, d, ip.next_header(), ip.payload(), true)
        }
        v => return Err(BadPacket::Version(v)),
    };
    if !whole {
        return Ok(Packet::Other {
            src,
            dst,
            proto: u8::from(proto),
        });
    }
    match proto {
        IpProtocol::Tcp => {
            let t = TcpPacket::new_checked(payload).map_err(|_| BadPacket::Transport)?;
            let opts = t.options_summary().unwrap_or_default();
            let mut fl = 0;
            for (on, bit) in [
                (t.fin(), flags::FIN),
                (t.syn(), flags::SYN),
                (t.rst(), flags::RST),
                (t.psh(), flags::PSH),
                (t.ack(), flags::ACK),
            ] {
                if on {
                    fl |= bit;
                }
            }
            Ok(Packet::Tcp(TcpSeg {
                src: SocketAddr::new(src, t.src_port()),
                dst: SocketAddr::new(dst, t.dst_port()),
                seq: t.seq_number().0 as u32,
                ack: t.ack_number().0 as u32,
                flags: fl,
                window: t.window_len(),
                len: t.payload().len() as u32,
                mss: opts.max_segment_size,
                wscale: opts.window_scale,
            }))
        }
        IpProtocol::Udp => {
            let u = UdpPacket::new_checked(payload).map_err(|_| BadPacket::Transport)?;
            Ok(Packet::Udp {
                src: SocketAddr::new(src, u.src_port()),
                dst: SocketAddr::new(dst, u.dst_port()),
                len: u.payload().len() as u32,
            })
        }
        IpProtocol::Icmp | IpProtocol::Icmpv6 => Ok(Packet::Icmp {
            src,
            dst,
            v6: proto == IpProtocol::Icmpv6,
            kind: *payload.first().ok_or(BadPacket::Transport)?,
        }),
        p => Ok(Packet::Other {
            src,
            dst,
            proto: u8::from(p),
        }),
    }
}

/// tcpdump-like flag letters: `S`, `.` for ACK, `F`, `R`, `P`.
pub fn flag_letters(f: u8) -> String {
    let mut s = String::new();
    for (bit, c) in [
        (flags::SYN, 'S'),
        (flags::FIN, 'F'),
        (flags::RST, 'R'),
        (flags::PSH, 'P'),
        (flags::ACK, '.'),
    ] {
        if f & bit != 0 {
            s.push(c);
        }
    }
    s
}

impl fmt::Display for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Packet::Tcp(t) => {
                write!(
                    f,
                    "TCP {} > {} [{}] seq={}",
                    t.src,
                    t.dst,
                    flag_letters(t.flags),
                    t.seq
                )?;
                if t.has(flags::ACK) {
                    write!(f, " ack={}", t.ack)?;
                }
                write!(f, " win={} len={}", t.window, t.len)?;
                if let Some(m) = t.mss {
                    write!(f, " mss={m}")?;
                }
                if let Some(w) = t.wscale {
                    write!(f, " wscale={w}")?;
                }
                Ok(())
            }
            Packet::Udp { src, dst, len } => write!(f, "UDP {src} > {dst} len={len}"),
            Packet::Icmp { src, dst, v6, kind } => {
                let name = match (v6, kind) {
                    (false, 8) | (true, 128) => "echo request",
                    (false, 0) | (true, 129) => "echo reply",
                    (true, 133..=137) => "neighbour discovery",
                    _ => "other",
                };
                write!(
                    f,
                    "ICMP{} {src} > {dst} {name} (type {kind})",
                    if *v6 { "v6" } else { "" }
                )
            }
            Packet::Other { src, dst, proto } => write!(f, "IP {src} > {dst} proto {proto}"),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An IPv4 TCP SYN from 10.7.0.1:40000 to 10.7.0.2:7, seq 1000, window 64240,
    /// options MSS 1460 and window scale 7. Checksums are not filled: the parser does not
    /// verify them (smoltcp does, after the tap).
    pub fn syn_v4() -> Vec<u8> {
        let mut p = vec![
            0x45, 0, 0, 48, // version/IHL, TOS, total length 20 + 28
            0, 0, 0x40, 0, // id, DF
            64, 6, 0, 0, // TTL, TCP, checksum
            10, 7, 0, 1, // source
            10, 7, 0, 2, // destination
            0x9c, 0x40, 0, 7, // ports 40000 → 7
            0, 0, 0x03, 0xe8, // seq 1000
            0, 0, 0, 0, // ack
            0x70, 0x02, 0xfa, 0xf0, // data offset 7 words, SYN, window 64240
            0, 0, 0, 0, // checksum, urgent
            2, 4, 0x05, 0xb4, // MSS 1460
            3, 3, 7, 0, // window scale 7, end of options
        ];
        p.truncate(48);
        p
    }

    #[test]
    fn decodes_a_syn() {
        let Packet::Tcp(t) = parse(&syn_v4()).unwrap() else {
            panic!("not tcp")
        };
        assert_eq!(t.src, "10.7.0.1:40000".parse().unwrap());
        assert_eq!(t.dst, "10.7.0.2:7".parse().unwrap());
        assert_eq!(
            (t.seq, t.flags, t.window, t.len),
            (1000, flags::SYN, 64240, 0)
        );
        assert_eq!((t.mss, t.wscale), (Some(1460), Some(7)));
        assert_eq!(t.seq_len(), 1);
        assert_eq!(
            Packet::Tcp(t).to_string(),
            "TCP 10.7.0.1:40000 > 10.7.0.2:7 [S] seq=1000 win=64240 len=0 mss=1460 wscale=7"
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert_eq!(parse(&[]), Err(BadPacket::Empty));
        assert_eq!(parse(&[0x50]), Err(BadPacket::Version(5)));
        assert_eq!(parse(&[0x45, 0, 0]), Err(BadPacket::Ip));
        let mut p = syn_v4();
        p[32] = 0xf0; // data offset 60 bytes, beyond the packet
        assert_eq!(parse(&p), Err(BadPacket::Transport));
        let mut p = syn_v4();
        p[6] = 0x20; // more fragments
        assert!(matches!(parse(&p), Ok(Packet::Other { proto: 6, .. })));
    }
}
