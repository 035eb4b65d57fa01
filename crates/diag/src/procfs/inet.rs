//! Parser for `/proc/net/{tcp,tcp6,udp,udp6,raw,raw6}` lines.
//!
//! Format from `net/ipv4/tcp_ipv4.c` (`get_tcp4_sock`) and `net/ipv4/udp.c`
//! (`udp4_format_sock`), the same for raw and the IPv6 files:
//! ```text
//!   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
//!    0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 …
//! ```
//! Addresses are the raw `__be32` words printed with `%08X` as host-order integers, so the
//! bytes come back by re-reading each word in native order. `tm->when` is in USER_HZ (1/100 s)
//! ticks. TIME_WAIT and request-socket lines end after `inode`; later fields are ignored.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rnetstat_model::{Endpoint, Family, Proto, Socket, State, Timer, TimerKind};

/// Why a line did not parse.
#[derive(Debug, PartialEq, Eq)]
pub struct BadLine(pub &'static str);

/// Parses one data line (not the header) of an inet `/proc/net` table.
pub fn parse_line(line: &str, proto: Proto) -> Result<Socket<'static>, BadLine> {
    let mut f = line.split_ascii_whitespace();
    let mut next = |what: &'static str| f.next().ok_or(BadLine(what));
    let sl = next("slot")?;
    if !sl.ends_with(':') {
        return Err(BadLine("slot"));
    }
    let (laddr, lport) = endpoint(next("local address")?)?;
    let (raddr, rport) = endpoint(next("remote address")?)?;
    let st = hex_u8(next("state")?).ok_or(BadLine("state"))?;
    let (tx, rx) = pair(next("queues")?).ok_or(BadLine("queues"))?;
    let (tr, when) = pair(next("timer")?).ok_or(BadLine("timer"))?;
    let retr = u32::from_str_radix(next("retransmits")?, 16).map_err(|_| BadLine("retransmits"))?;
    let uid = next("uid")?.parse::<u32>().map_err(|_| BadLine("uid"))?;
    let _timeout = next("timeout")?;
    let inode = next("inode")?
        .parse::<u32>()
        .map_err(|_| BadLine("inode"))?;

    let family = match laddr {
        IpAddr::V4(_) => Family::Inet,
        IpAddr::V6(_) => Family::Inet6,
    };
    if family != family_of(&raddr) {
        return Err(BadLine("remote address"));
    }
    let mut s = Socket::inet(proto, family);
    s.state = State::from_kernel(st).ok_or(BadLine("state"))?;
    s.local = Endpoint {
        addr: laddr,
        port: lport,
    };
    s.remote = Endpoint {
        addr: raddr,
        port: rport,
    };
    s.recv_q = rx;
    s.send_q = tx;
    s.uid = uid;
    s.inode = inode;
    if proto == Proto::Tcp {
        s.timer = Some(Timer {
            kind: TimerKind::from_kernel(u8::try_from(tr).unwrap_or(u8::MAX)),
            // USER_HZ is 100 on every Linux ABI: one tick is 10 ms.
            expires_ms: when.saturating_mul(10),
            retrans: retr,
        });
    }
    Ok(s)
}

fn family_of(a: &IpAddr) -> Family {
    match a {
        IpAddr::V4(_) => Family::Inet,
        IpAddr::V6(_) => Family::Inet6,
    }
}

/// `0100007F:0016` → (127.0.0.1, 22); 32 hex digits for IPv6.
fn endpoint(s: &str) -> Result<(IpAddr, u16), BadLine> {
    let (a, p) = s.split_once(':').ok_or(BadLine("address"))?;
    let port = u16::from_str_radix(p, 16).map_err(|_| BadLine("port"))?;
    let word = |w: &str| {
        u32::from_str_radix(w, 16)
            .map(u32::to_ne_bytes)
            .map_err(|_| BadLine("address"))
    };
    let addr = match a.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(a)?)),
        32 => {
            let mut o = [0u8; 16];
            for i in 0..4 {
                // `get`: a line of non-ASCII bytes has no char boundary at 8, 16, 24.
                let w = a.get(i * 8..i * 8 + 8).ok_or(BadLine("address"))?;
                o[i * 4..i * 4 + 4].copy_from_slice(&word(w)?);
            }
            IpAddr::V6(Ipv6Addr::from(o))
        }
        _ => return Err(BadLine("address")),
    };
    Ok((addr, port))
}

fn hex_u8(s: &str) -> Option<u8> {
    u8::from_str_radix(s, 16).ok()
}

/// `XXXXXXXX:YYYYYYYY` as two hex numbers.
fn pair(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once(':')?;
    Some((
        u32::from_str_radix(a, 16).ok()?,
        u32::from_str_radix(b, 16).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! bad_lines {
        ($($name:ident: $line:expr,)*) => {$(
            #[test]
            fn $name() {
                assert!(parse_line($line, Proto::Tcp).is_err(), "{:?}", $line);
            }
        )*};
    }

    #[test]
    fn tcp4_listener() {
        // sl, 127.0.0.1:22, 0.0.0.0:0, LISTEN, tx 0 rx 3, no timer, uid 0, inode 12345
        let l = "   0: 0100007F:0016 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0";
        let s = parse_line(l, Proto::Tcp).unwrap();
        assert_eq!(s.state, State::Listen);
        assert_eq!(
            s.local,
            Endpoint {
                addr: "127.0.0.1".parse().unwrap(),
                port: 22
            }
        );
        assert_eq!(s.remote, Endpoint::UNSPECIFIED);
        assert_eq!((s.recv_q, s.send_q, s.inode, s.uid), (3, 0, 12345, 0));
        assert_eq!(s.timer.unwrap().kind, TimerKind::Off);
    }

    #[test]
    fn tcp4_time_wait_short_line() {
        // TIME_WAIT lines stop after the inode; timer 3 with 0xF5A ticks = 39.30 s
        let l = "   1: 0100007F:9C40 0100007F:0016 06 00000000:00000000 03:00000F5A 00000000     0        0 0 3 0000000000000000";
        let s = parse_line(l, Proto::Tcp).unwrap();
        assert_eq!(s.state, State::TimeWait);
        assert_eq!(
            s.timer,
            Some(Timer {
                kind: TimerKind::TimeWait,
                expires_ms: 39_300,
                retrans: 0
            })
        );
        assert_eq!(s.inode, 0);
    }

    #[test]
    fn tcp6_v4_mapped_and_loopback() {
        // ::ffff:127.0.0.1 port 8080 ← ::1 port 40000, ESTABLISHED, uid 1000
        let l = "   2: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000001000000:9C40 01 00000005:00000007 02:000AF0E6 00000000  1000        0 555 1 0000000000000000 20 4 30 10 -1";
        let s = parse_line(l, Proto::Tcp).unwrap();
        assert_eq!(s.family, Family::Inet6);
        assert_eq!(s.local.addr, "::ffff:127.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(s.remote.addr, "::1".parse::<IpAddr>().unwrap());
        assert_eq!((s.send_q, s.recv_q, s.uid), (5, 7, 1000));
        assert_eq!(s.timer.unwrap().kind, TimerKind::KeepAlive);
    }

    #[test]
    fn udp_has_no_timer_and_raw_port_is_protocol() {
        let l = "  5: 00000000:0001 00000000:0000 07 00000000:00000300 00:00000000 00000000     0        0 99 2 0000000000000000 0";
        let s = parse_line(l, Proto::Raw).unwrap();
        assert_eq!((s.state, s.local.port, s.recv_q), (State::Close, 1, 0x300));
        assert_eq!(s.timer, None);
    }

    bad_lines! {
        empty: "",
        header: "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
        missing_inode: "   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0",
        odd_address_length: "   0: 0100007:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1",
        mixed_families: "   0: 0100007F:0016 00000000000000000000000001000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1",
        bad_state: "   0: 0100007F:0016 00000000:0000 0E 00000000:00000000 00:00000000 00000000     0        0 1",
        state_zero: "   0: 0100007F:0016 00000000:0000 00 00000000:00000000 00:00000000 00000000     0        0 1",
        bad_port: "   0: 0100007F:XYZW 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1",
        bad_uid: "   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000    -1        0 1",
        no_colon_slot: "   0 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1",
        non_ascii: "   0: 0100007F:0016 00000000:0000 0A 0000é000:00000000 00:00000000 00000000     0        0 1",
        // Found by the proc_tables fuzz target: a 32-byte address whose multibyte
        // character straddles an 8-byte word boundary used to panic when sliced.
        non_ascii_v6_address: "   0: 0000000é00000000000000000000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1",
    }
}
