//! `SOCK_DESTROY` (include/uapi/linux/sock_diag.h): asks the kernel to close one socket,
//! named exactly by protocol, family, 4-tuple, interface and cookie (the same
//! `inet_diag_req_v2` a dump uses). The kernel answers with an ack carrying an errno:
//! `EOPNOTSUPP` without `CONFIG_INET_DIAG_DESTROY` or for a protocol that cannot be
//! destroyed, `EPERM` without CAP_NET_ADMIN, `ENOENT` when the socket is already gone.

use std::io;

use super::Transport;
use rnetstat_model::{Proto, Socket};

const SOCK_DESTROY: u16 = 21;
const NLMSG_ERROR: u16 = 2;
/// `NLM_F_REQUEST | NLM_F_ACK`.
const REQUEST_ACK: u16 = 0x5;

/// The request that destroys `s`.
pub fn request(s: &Socket<'_>, seq: u32) -> Vec<u8> {
    let mut b = super::message(SOCK_DESTROY, REQUEST_ACK, seq);
    let protocol = match s.proto {
        Proto::Mptcp => libc::IPPROTO_TCP as u8,
        p => p.ipproto().unwrap_or(0),
    };
    super::inet::push_req_v2(&mut b, s.family, protocol, 0, u32::MAX, Some(s));
    super::finish(b)
}

/// Sends the destroy request and reads the kernel's ack.
pub fn destroy<T: Transport>(t: &mut T, s: &Socket<'_>, seq: u32) -> io::Result<()> {
    t.send(&request(s, seq))?;
    let mut buf = [0u8; 1024];
    loop {
        let n = t.recv(&mut buf)?.min(buf.len());
        let b = &buf[..n];
        if b.len() < 20 {
            return Err(io::Error::other("short netlink ack"));
        }
        let kind = u16::from_ne_bytes([b[4], b[5]]);
        let rseq = u32::from_ne_bytes([b[8], b[9], b[10], b[11]]);
        if rseq != seq {
            continue;
        }
        if kind != NLMSG_ERROR {
            return Err(io::Error::other(format!(
                "unexpected netlink reply type {kind}"
            )));
        }
        let err = i32::from_ne_bytes([b[16], b[17], b[18], b[19]]);
        return if err == 0 {
            Ok(())
        } else {
            Err(io::Error::from_raw_os_error(-err))
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnetstat_model::{Endpoint, Family};

    #[test]
    fn request_names_the_socket_exactly() {
        let mut s = Socket::inet(Proto::Tcp, Family::Inet);
        s.local = Endpoint {
            addr: "127.0.0.1".parse().unwrap(),
            port: 8080,
        };
        s.remote = Endpoint {
            addr: "127.0.0.2".parse().unwrap(),
            port: 40000,
        };
        s.cookie = 0x1_0000_0002;
        let r = request(&s, 7);
        assert_eq!(r.len(), 72);
        assert_eq!(u16::from_ne_bytes([r[4], r[5]]), 21); // SOCK_DESTROY
        assert_eq!((r[16], r[17]), (2, 6)); // AF_INET, IPPROTO_TCP
        assert_eq!(&r[24..26], &8080u16.to_be_bytes()); // idiag_sport
        assert_eq!(&r[26..28], &40000u16.to_be_bytes()); // idiag_dport
        assert_eq!(&r[28..32], &[127, 0, 0, 1]); // idiag_src
        assert_eq!(&r[44..48], &[127, 0, 0, 2]); // idiag_dst
        assert_eq!(&r[64..68], &2u32.to_ne_bytes()); // cookie low
        assert_eq!(&r[68..72], &1u32.to_ne_bytes()); // cookie high
    }

    struct Ack(i32);
    impl Transport for Ack {
        fn send(&mut self, _: &[u8]) -> io::Result<()> {
            Ok(())
        }
        fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let mut b = 36u32.to_ne_bytes().to_vec();
            b.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
            b.extend_from_slice(&0u16.to_ne_bytes());
            b.extend_from_slice(&3u32.to_ne_bytes()); // seq
            b.extend_from_slice(&0u32.to_ne_bytes());
            b.extend_from_slice(&self.0.to_ne_bytes());
            b.extend_from_slice(&[0; 16]);
            buf[..b.len()].copy_from_slice(&b);
            Ok(b.len())
        }
    }

    #[test]
    fn acks_become_results() {
        let s = Socket::inet(Proto::Tcp, Family::Inet);
        assert!(destroy(&mut Ack(0), &s, 3).is_ok());
        let e = destroy(&mut Ack(-libc::EOPNOTSUPP), &s, 3).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EOPNOTSUPP));
    }
}
