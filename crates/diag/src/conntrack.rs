//! The kernel's connection tracking table, for following connections through NAT
//! (`--peer`). Read per network namespace (each has its own table) over ctnetlink
//! (`NETLINK_NETFILTER`, an `IPCTNL_MSG_CT_GET` dump), or from `/proc/net/nf_conntrack`
//! when netlink is refused. Both need CAP_NET_ADMIN (root).
//!
//! ctnetlink's messages (include/uapi/linux/netfilter/nfnetlink_conntrack.h): a
//! `struct nfgenmsg` (family, version, res_id), then attributes; `CTA_TUPLE_ORIG` and
//! `CTA_TUPLE_REPLY` nest `CTA_TUPLE_IP` (`CTA_IP_V4_SRC/DST`, `CTA_IP_V6_SRC/DST`) and
//! `CTA_TUPLE_PROTO` (`CTA_PROTO_NUM`, `CTA_PROTO_SRC_PORT/DST_PORT`, big-endian).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::netlink;
use rnetstat_model::{Endpoint, Flow};

/// `NETLINK_NETFILTER`.
pub const NETLINK_NETFILTER: isize = 12;
/// `(NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET`.
const CT_GET: u16 = (1 << 8) | 1;
const CTA_TUPLE_ORIG: u16 = 1;
const CTA_TUPLE_REPLY: u16 = 2;
const CTA_TUPLE_IP: u16 = 1;
const CTA_TUPLE_PROTO: u16 = 2;
const CTA_IP_V4_SRC: u16 = 1;
const CTA_IP_V4_DST: u16 = 2;
const CTA_IP_V6_SRC: u16 = 3;
const CTA_IP_V6_DST: u16 = 4;
const CTA_PROTO_NUM: u16 = 1;
const CTA_PROTO_SRC_PORT: u16 = 2;
const CTA_PROTO_DST_PORT: u16 = 3;
/// The flag bits of `nla_type` (NLA_F_NESTED, NLA_F_NET_BYTEORDER).
const NLA_TYPE_MASK: u16 = 0x3fff;

/// The ctnetlink dump request for every flow of the namespace it is sent in.
pub fn request(seq: u32) -> Vec<u8> {
    let mut req = netlink::message(CT_GET, netlink::DUMP_FLAGS, seq);
    // struct nfgenmsg: AF_UNSPEC (both families), NFNETLINK_V0, res_id 0.
    req.extend_from_slice(&[0, 0, 0, 0]);
    netlink::finish(req)
}

/// One ctnetlink message's payload (after the `nlmsghdr`) → a flow; `None` for what is
/// not a TCP/UDP/SCTP flow with both tuples, or is malformed.
pub fn decode(payload: &[u8]) -> Option<Flow> {
    let attrs = payload.get(4..)?; // struct nfgenmsg
    let (mut orig, mut reply) = (None, None);
    for (kind, v) in attrs_of(attrs) {
        match kind {
            CTA_TUPLE_ORIG => orig = tuple(v),
            CTA_TUPLE_REPLY => reply = tuple(v),
            _ => {}
        }
    }
    let ((p1, o), (p2, r)) = (orig?, reply?);
    (p1 == p2 && matches!(p1, 6 | 17 | 132)).then_some(Flow {
        proto: p1,
        orig: o,
        reply: r,
    })
}

/// A `CTA_TUPLE_*`: (protocol, (source, destination)).
fn tuple(b: &[u8]) -> Option<(u8, (Endpoint, Endpoint))> {
    let (mut src, mut dst, mut proto, mut sport, mut dport) = (None, None, None, None, None);
    for (kind, v) in attrs_of(b) {
        match kind {
            CTA_TUPLE_IP => {
                for (k, a) in attrs_of(v) {
                    let addr = match (k, a.len()) {
                        (CTA_IP_V4_SRC | CTA_IP_V4_DST, 4) => {
                            IpAddr::V4(Ipv4Addr::new(a[0], a[1], a[2], a[3]))
                        }
                        (CTA_IP_V6_SRC | CTA_IP_V6_DST, 16) => {
                            IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(a).ok()?))
                        }
                        _ => continue,
                    };
                    if matches!(k, CTA_IP_V4_SRC | CTA_IP_V6_SRC) {
                        src = Some(addr);
                    } else {
                        dst = Some(addr);
                    }
                }
            }
            CTA_TUPLE_PROTO => {
                for (k, a) in attrs_of(v) {
                    match (k, a) {
                        (CTA_PROTO_NUM, [n, ..]) => proto = Some(*n),
                        (CTA_PROTO_SRC_PORT, [x, y, ..]) => {
                            sport = Some(u16::from_be_bytes([*x, *y]))
                        }
                        (CTA_PROTO_DST_PORT, [x, y, ..]) => {
                            dport = Some(u16::from_be_bytes([*x, *y]))
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Some((
        proto?,
        (
            Endpoint {
                addr: src?,
                port: sport?,
            },
            Endpoint {
                addr: dst?,
                port: dport?,
            },
        ),
    ))
}

/// The netlink attributes in `b` as (type without flags, value); stops at the first one
/// whose length does not fit.
fn attrs_of(mut b: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        if b.len() < 4 {
            return None;
        }
        let len = usize::from(u16::from_ne_bytes([b[0], b[1]]));
        let kind = u16::from_ne_bytes([b[2], b[3]]) & NLA_TYPE_MASK;
        if len < 4 || len > b.len() {
            b = &[];
            return None;
        }
        let v = &b[4..len];
        b = b.get(len.next_multiple_of(4)..).unwrap_or(&[]);
        Some((kind, v))
    })
}

/// The flows of a `/proc/net/nf_conntrack` text: per line the family, the protocol, and
/// two `src= dst= sport= dport=` groups (original, then reply). Lines of other protocols
/// or shapes are skipped.
pub fn parse_proc(text: &str) -> Vec<Flow> {
    text.lines().filter_map(proc_line).collect()
}

fn proc_line(line: &str) -> Option<Flow> {
    let mut w = line.split_ascii_whitespace();
    let _family = w.next()?;
    let _family_num = w.next()?;
    let _proto_name = w.next()?;
    let proto: u8 = w.next()?.parse().ok()?;
    if !matches!(proto, 6 | 17 | 132) {
        return None;
    }
    let mut ends: Vec<Endpoint> = Vec::with_capacity(4);
    let (mut src, mut dst) = (None::<IpAddr>, None::<IpAddr>);
    let mut sport = None::<u16>;
    for field in w {
        let Some((k, v)) = field.split_once('=') else {
            continue;
        };
        match k {
            "src" => src = v.parse().ok(),
            "dst" => dst = v.parse().ok(),
            "sport" => sport = v.parse().ok(),
            "dport" => {
                let dport: u16 = v.parse().ok()?;
                ends.push(Endpoint {
                    addr: src.take()?,
                    port: sport.take()?,
                });
                ends.push(Endpoint {
                    addr: dst.take()?,
                    port: dport,
                });
                if ends.len() == 4 {
                    break;
                }
            }
            _ => {}
        }
    }
    (ends.len() == 4).then(|| Flow {
        proto,
        orig: (ends[0], ends[1]),
        reply: (ends[2], ends[3]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(s: &str) -> Endpoint {
        let a: std::net::SocketAddr = s.parse().unwrap();
        Endpoint {
            addr: a.ip(),
            port: a.port(),
        }
    }

    #[test]
    fn proc_lines() {
        let text = "\
ipv4     2 tcp      6 431999 ESTABLISHED src=127.0.0.1 dst=127.0.0.1 sport=41234 dport=18080 src=10.88.0.8 dst=10.88.0.1 sport=8080 dport=41234 [ASSURED] mark=0 zone=0 use=2
ipv6     10 udp      17 29 src=fd00::1 dst=fd00::2 sport=5353 dport=53 [UNREPLIED] src=fd00::2 dst=fd00::1 sport=53 dport=5353 mark=0 zone=0 use=2
ipv4     2 icmp     1 29 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=1 src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=1 mark=0 use=1
garbage line
ipv4 2 tcp 6 10 SYN_SENT src=1.2.3.4 dst=5.6.7.8 sport=1
";
        let f = parse_proc(text);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].proto, 6);
        assert_eq!(f[0].orig, (ep("127.0.0.1:41234"), ep("127.0.0.1:18080")));
        assert_eq!(f[0].reply, (ep("10.88.0.8:8080"), ep("10.88.0.1:41234")));
        assert!(f[0].translated());
        assert_eq!(f[1].orig, (ep("[fd00::1]:5353"), ep("[fd00::2]:53")));
        assert!(!f[1].translated());
    }

    /// A netlink attribute, padded.
    fn nla(kind: u16, v: &[u8]) -> Vec<u8> {
        let mut b = ((4 + v.len()) as u16).to_ne_bytes().to_vec();
        b.extend_from_slice(&kind.to_ne_bytes());
        b.extend_from_slice(v);
        b.resize(b.len().next_multiple_of(4), 0);
        b
    }

    fn tuple_attr(kind: u16, src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16) -> Vec<u8> {
        let ip = [nla(CTA_IP_V4_SRC, &src), nla(CTA_IP_V4_DST, &dst)].concat();
        let proto = [
            nla(CTA_PROTO_NUM, &[6]),
            nla(CTA_PROTO_SRC_PORT, &sport.to_be_bytes()),
            nla(CTA_PROTO_DST_PORT, &dport.to_be_bytes()),
        ]
        .concat();
        // Nested attributes carry NLA_F_NESTED (0x8000), which decoding masks off.
        nla(
            kind | 0x8000,
            &[
                nla(CTA_TUPLE_IP | 0x8000, &ip),
                nla(CTA_TUPLE_PROTO | 0x8000, &proto),
            ]
            .concat(),
        )
    }

    #[test]
    fn ctnetlink_messages() {
        let mut m = vec![2, 0, 0, 0]; // nfgenmsg: AF_INET
        m.extend(tuple_attr(
            CTA_TUPLE_ORIG,
            [127, 0, 0, 1],
            [127, 0, 0, 1],
            41234,
            18080,
        ));
        m.extend(tuple_attr(
            CTA_TUPLE_REPLY,
            [10, 88, 0, 8],
            [10, 88, 0, 1],
            8080,
            41234,
        ));
        m.extend(nla(3, &2u32.to_be_bytes())); // CTA_STATUS, ignored
        let f = decode(&m).unwrap();
        assert_eq!(f.orig, (ep("127.0.0.1:41234"), ep("127.0.0.1:18080")));
        assert_eq!(f.reply, (ep("10.88.0.8:8080"), ep("10.88.0.1:41234")));
        // Without its reply tuple, or cut short anywhere, it is no flow and no panic.
        let only = [
            vec![2, 0, 0, 0],
            tuple_attr(CTA_TUPLE_ORIG, [1; 4], [2; 4], 1, 2),
        ]
        .concat();
        assert_eq!(decode(&only), None);
        for cut in 0..m.len() {
            let _ = decode(&m[..cut]);
        }
        let mut bad = m.clone();
        bad[4] = 0xff; // an attribute longer than the message
        assert_eq!(decode(&bad), None);
    }
}
