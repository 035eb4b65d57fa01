//! Bad input gets an error, never a panic: random and mutated bytes through every
//! decoder (a seeded generator keeps the test repeatable).
use crate::netlink::{self, Transport};
use crate::procfs;
use rnetstat_model::Proto;

use rnetstat_sys::rng::Rng;

struct Once(Option<Vec<u8>>);
impl Transport for Once {
    fn send(&mut self, _: &[u8]) -> std::io::Result<()> {
        Ok(())
    }
    fn recv(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let d = self
            .0
            .take()
            .ok_or_else(|| std::io::Error::from_raw_os_error(libc::EAGAIN))?;
        let n = d.len().min(buf.len());
        buf[..n].copy_from_slice(&d[..n]);
        Ok(d.len())
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    let mut buf = vec![0u8; 4096];
    for round in 0..5000u32 {
        let len = rng.below(300) as usize;
        let mut b = rng.bytes(len);
        // Half the rounds look like a plausible nlmsghdr with our sequence number.
        if round.is_multiple_of(2) && b.len() >= 16 {
            let l = rng.below(b.len() as u64 + 8) as u32;
            b[0..4].copy_from_slice(&l.to_ne_bytes());
            b[4..6].copy_from_slice(&20u16.to_ne_bytes());
            b[8..12].copy_from_slice(&1u32.to_ne_bytes());
        }
        let _: Result<_, rnetstat_model::error::NetlinkError> =
            netlink::dump(&mut Once(Some(b.clone())), b"", 1, &mut buf, |_, p| {
                let _ = netlink::unix::decode(p);
                if let Ok(m) = netlink::inet::InetDiagMsg::new_checked(p) {
                    let _ = m.to_socket(Proto::Tcp);
                }
                Ok(())
            });
        let _ = netlink::unix::decode(&b);
        if let Ok(m) = netlink::inet::InetDiagMsg::new_checked(&b) {
            let _ = m.to_socket(Proto::Udp);
        }
        let text = String::from_utf8_lossy(&b);
        for p in [Proto::Tcp, Proto::Unix] {
            let _ = procfs::for_each(&format!("header\n{text}"), p, |_| Ok(()), |_, _| {});
        }
    }
}

#[test]
fn mutated_proc_lines_never_panic() {
    let good = "   0: 0100007F:0016 00000000:0000 0A 00000000:00000002 00:00000000 00000000     0        0 100 1 0000000000000000 100 0 0 10 0";
    let mut rng = Rng::new(42);
    for _ in 0..20000 {
        let mut b = good.as_bytes().to_vec();
        for _ in 0..(1 + rng.below(4)) {
            let i = (rng.next_u64() as usize) % b.len();
            b[i] = b" :0123456789ABCDEFXz\t-"[(rng.next_u64() % 22) as usize];
        }
        if rng.next_u64().is_multiple_of(3) {
            b.truncate((rng.next_u64() as usize) % b.len());
        }
        let line = String::from_utf8_lossy(&b);
        let _ = procfs::inet::parse_line(&line, Proto::Tcp);
        let _ = procfs::unix::parse_line(&line);
    }
}
