//! One entry point for everything that reads packets from the TUN device: the virtio
//! header check, the wire tap, smoltcp's packet input and the services behind it. The
//! `fuzz/` target (cargo fuzz) and the seeded robustness test both drive it; the device is a
//! datagram socket pair, which keeps packet boundaries as a TUN descriptor does.

use std::os::fd::OwnedFd;
use std::os::unix::net::UnixDatagram;

use super::device::TunDevice;
use super::engine::Engine;
use super::tap::Tap;
use super::{StackConfig, services::Service};

/// A stack wired to an in-memory device.
pub(crate) struct Harness {
    pub engine: Engine,
    feed: UnixDatagram,
}

impl Harness {
    /// `vnet`: frames carry a virtio-net header, as with `IFF_VNET_HDR`.
    pub fn new(vnet: bool) -> std::io::Result<Harness> {
        let (ours, theirs) = UnixDatagram::pair()?;
        ours.set_nonblocking(true)?;
        theirs.set_nonblocking(true)?;
        let cfg = StackConfig::default();
        let dev = TunDevice::new(OwnedFd::from(ours), vnet, cfg.mtu as usize, Tap::new(64));
        let mut limits = cfg.limits;
        limits.rx_buffer = 4096;
        limits.tx_buffer = 4096;
        let ports = vec![(Service::Echo, 7), (Service::Hold, 9999)];
        let engine = Engine::new(dev, "fuzz".into(), cfg.addrs, ports, limits, 1);
        Ok(Harness {
            engine,
            feed: theirs,
        })
    }

    /// Delivers one frame and lets the stack process it (and answer: answers are dropped).
    pub fn feed(&mut self, frame: &[u8]) {
        if self.feed.send(frame).is_ok() {
            self.engine.poll();
        }
        let mut sink = [0u8; 2048];
        while self.feed.recv(&mut sink).is_ok() {}
    }
}

/// The fuzz target's body: the first byte picks the framing, the rest is one frame.
pub fn fuzz_one(data: &[u8]) {
    let Some((&mode, frame)) = data.split_first() else {
        return;
    };
    if let Ok(mut h) = Harness::new(mode & 1 == 1) {
        h.feed(frame);
        let _ = h.engine.snapshot();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 20,000 random and mutated frames (seeded, so repeatable) through both framings:
    /// no panic, and the stack still answers a snapshot afterwards.
    #[test]
    fn garbage_frames_never_panic() {
        let mut rng = rnetstat_sys::rng::Rng::new(0x9e37_79b9_7f4a_7c15);
        let mut next = move || rng.next_u64();
        let valid = crate::packet::tests::syn_v4();
        for vnet in [false, true] {
            let mut h = Harness::new(vnet).expect("harness");
            for i in 0..10_000 {
                let mut f: Vec<u8> = if i % 2 == 0 {
                    let mut v = if vnet { vec![0u8; 10] } else { Vec::new() };
                    v.extend_from_slice(&valid);
                    v
                } else {
                    (0..(next() % 200)).map(|_| next() as u8).collect()
                };
                // Mutate a few bytes, including the virtio header's checksum fields.
                for _ in 0..(next() % 6) {
                    if !f.is_empty() {
                        let at = (next() as usize) % f.len();
                        f[at] = next() as u8;
                    }
                }
                if next() % 4 == 0 {
                    f.truncate((next() as usize) % (f.len() + 1));
                }
                h.feed(&f);
            }
            let snap = h.engine.snapshot();
            assert!(snap.sockets.len() <= 256);
            assert!(snap.tap_flows <= 64);
        }
    }
}
