//! The smoltcp `Device` over a TUN descriptor.
//!
//! - One receive and one transmit buffer, allocated once and reused for every packet.
//! - With `IFF_VNET_HDR` each packet starts with a `virtio_net_hdr` (include/uapi/linux/
//!   virtio_net.h). Receive accepts the kernel's GSO super-packets (up to 64 KiB of TCP
//!   payload in one read) and completes their partial checksums (`NEEDS_CSUM`), so smoltcp
//!   sees ordinary, verified segments. Transmit merges runs of data segments into GSO
//!   super-packets (`gso`), so the kernel takes a window's worth in one write.
//! - Every packet in both directions goes through the wire tap before smoltcp (receive) or
//!   after it (transmit).
//! - In step mode (the lab's `--step`) packets are not delivered but held in a queue; the
//!   engine releases them one at a time.

use std::collections::VecDeque;
use std::os::fd::{AsFd, OwnedFd};

use smoltcp::phy::{self, DeviceCapabilities, Medium};
use smoltcp::time::Instant;

use super::gso::Batch;
use super::tap::{Dir, Tap};

/// `sizeof(struct virtio_net_hdr)` without `num_buffers`.
pub const VNET_HDR_LEN: usize = 10;
/// `VIRTIO_NET_HDR_F_NEEDS_CSUM`.
const NEEDS_CSUM: u8 = 1;

/// Counters of the device layer.
#[derive(Debug, Default, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct DevStats {
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    /// Packets whose virtio header or checksum fields were inconsistent.
    pub rx_bad: u64,
    pub tx_errors: u64,
    /// Kernel GSO super-packets received (more than one segment in one read).
    pub rx_gso: u64,
}

/// Packets held back in step mode, oldest first.
#[derive(Default)]
pub struct Gate {
    pub held: VecDeque<(Dir, Vec<u8>)>,
    /// A released inbound packet waiting for smoltcp to take it.
    ready_in: Option<Vec<u8>>,
}

pub struct TunDevice {
    fd: OwnedFd,
    vnet: bool,
    mtu: usize,
    rx: Vec<u8>,
    tx: Vec<u8>,
    pub tap: Tap,
    /// Microseconds since the stack started; the engine sets it before each poll.
    pub now_us: u64,
    pub stats: DevStats,
    pub gate: Option<Gate>,
    /// Segments being merged into one GSO write (vnet header only).
    batch: Batch,
}

impl TunDevice {
    pub fn new(fd: OwnedFd, vnet: bool, mtu: usize, tap: Tap) -> TunDevice {
        // A GSO super-packet is at most 64 KiB of IP packet plus the virtio header.
        let rx_len = if vnet {
            65_536 + VNET_HDR_LEN
        } else {
            mtu.max(1280)
        };
        TunDevice {
            fd,
            vnet,
            mtu,
            rx: vec![0; rx_len],
            tx: Vec::with_capacity(mtu + VNET_HDR_LEN),
            tap,
            now_us: 0,
            stats: DevStats::default(),
            gate: None,
            batch: Batch::default(),
        }
    }

    /// Writes out the pending GSO batch; the engine calls this after every poll.
    pub fn flush(&mut self) {
        flush_batch(&self.fd, &mut self.batch, &mut self.stats);
    }

    pub fn vnet(&self) -> bool {
        self.vnet
    }

    pub fn fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Reads one packet into the receive buffer; returns the IP packet's range.
    fn read_one(&mut self) -> Option<std::ops::Range<usize>> {
        loop {
            let n = match rustix::io::read(&self.fd, &mut self.rx) {
                Ok(n) => n,
                Err(rustix::io::Errno::INTR) => continue,
                Err(_) => return None,
            };
            self.stats.rx_packets += 1;
            self.stats.rx_bytes += n as u64;
            if !self.vnet {
                return Some(0..n);
            }
            match finish_vnet_rx(&mut self.rx[..n]) {
                Ok(gso) => {
                    self.stats.rx_gso += u64::from(gso);
                    return Some(VNET_HDR_LEN..n);
                }
                Err(()) => self.stats.rx_bad += 1,
            }
        }
    }

    /// Step mode: moves everything the kernel has sent into the gate.
    pub fn hold_incoming(&mut self) {
        while let Some(r) = self.read_one() {
            let pkt = self.rx[r].to_vec();
            if let Some(g) = self.gate.as_mut() {
                g.held.push_back((Dir::In, pkt));
            }
        }
    }

    /// Step mode: delivers the oldest held packet (to smoltcp or to the kernel).
    pub fn release_one(&mut self) -> Option<(Dir, Vec<u8>)> {
        let g = self.gate.as_mut()?;
        let (dir, pkt) = g.held.pop_front()?;
        match dir {
            Dir::In => g.ready_in = Some(pkt.clone()),
            Dir::Out => {
                self.tap.observe(Dir::Out, &pkt, self.now_us);
                write_packet(&self.fd, self.vnet, &mut self.tx, &pkt, &mut self.stats);
            }
        }
        Some((dir, pkt))
    }
}

/// Writes one IP packet, prefixed with a zero virtio header when `vnet`.
fn write_packet(fd: &OwnedFd, vnet: bool, buf: &mut Vec<u8>, pkt: &[u8], st: &mut DevStats) {
    buf.clear();
    if vnet {
        buf.extend_from_slice(&[0; VNET_HDR_LEN]);
    }
    buf.extend_from_slice(pkt);
    send(fd, buf, st);
}

fn flush_batch(fd: &OwnedFd, batch: &mut Batch, st: &mut DevStats) {
    if let Some(frame) = batch.finish(VNET_HDR_LEN) {
        send(fd, frame, st);
    }
}

fn send(fd: &OwnedFd, frame: &[u8], st: &mut DevStats) {
    match rustix::io::write(fd, frame) {
        Ok(n) => {
            st.tx_packets += 1;
            st.tx_bytes += n as u64;
        }
        Err(_) => st.tx_errors += 1,
    }
}

/// Checks the virtio header of a received frame and completes a partial checksum.
/// Returns whether the frame is a GSO super-packet.
fn finish_vnet_rx(frame: &mut [u8]) -> Result<bool, ()> {
    if frame.len() <= VNET_HDR_LEN {
        return Err(());
    }
    let (hdr, pkt) = frame.split_at_mut(VNET_HDR_LEN);
    let flags = hdr[0];
    let gso_type = hdr[1];
    if flags & NEEDS_CSUM != 0 {
        let start = usize::from(u16::from_ne_bytes([hdr[6], hdr[7]]));
        let offset = usize::from(u16::from_ne_bytes([hdr[8], hdr[9]]));
        let field = start.checked_add(offset).ok_or(())?;
        if start >= pkt.len() || field + 2 > pkt.len() {
            return Err(());
        }
        // The field holds the pseudo-header sum; the sum from csum_start on completes it.
        let sum = !ones_sum(&pkt[start..]);
        pkt[field..field + 2].copy_from_slice(&sum.to_be_bytes());
    }
    Ok(gso_type != 0)
}

/// RFC 1071 one's-complement sum, folded to 16 bits.
pub(crate) fn ones_sum(data: &[u8]) -> u16 {
    let mut acc: u64 = 0;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        let (s, carry) = acc.overflowing_add(w);
        acc = s + u64::from(carry);
    }
    let rest = chunks.remainder();
    let mut tail = [0u8; 8];
    tail[..rest.len()].copy_from_slice(rest);
    let (s, carry) = acc.overflowing_add(u64::from_be_bytes(tail));
    acc = s + u64::from(carry);
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

pub struct RxToken<'a> {
    buf: &'a [u8],
}

impl phy::RxToken for RxToken<'_> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(self.buf)
    }
}

pub struct TxToken<'a> {
    fd: &'a OwnedFd,
    vnet: bool,
    buf: &'a mut Vec<u8>,
    tap: &'a mut Tap,
    now_us: u64,
    stats: &'a mut DevStats,
    gate: Option<&'a mut Gate>,
    /// Present when segments may be merged (vnet header, not step mode).
    batch: Option<&'a mut Batch>,
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let off = if self.vnet { VNET_HDR_LEN } else { 0 };
        self.buf.clear();
        self.buf.resize(off + len, 0);
        let r = f(&mut self.buf[off..]);
        match self.gate {
            Some(g) => g.held.push_back((Dir::Out, self.buf[off..].to_vec())),
            None => {
                self.tap.observe(Dir::Out, &self.buf[off..], self.now_us);
                match self.batch {
                    Some(b) => {
                        if !b.try_add(&self.buf[off..], off) {
                            flush_batch(self.fd, b, self.stats);
                            if !b.try_add(&self.buf[off..], off) {
                                send(self.fd, self.buf, self.stats);
                            }
                        }
                    }
                    None => send(self.fd, self.buf, self.stats),
                }
            }
        }
        r
    }
}

impl phy::Device for TunDevice {
    type RxToken<'a> = RxToken<'a>;
    type TxToken<'a> = TxToken<'a>;

    fn receive(&mut self, _: Instant) -> Option<(RxToken<'_>, TxToken<'_>)> {
        let range = match self.gate.as_mut() {
            Some(g) => {
                let pkt = g.ready_in.take()?;
                let n = pkt.len().min(self.rx.len());
                self.rx[..n].copy_from_slice(&pkt[..n]);
                0..n
            }
            None => self.read_one()?,
        };
        let Self {
            fd,
            vnet,
            rx,
            tx,
            tap,
            now_us,
            stats,
            gate,
            batch,
            ..
        } = self;
        let batching = *vnet && gate.is_none();
        tap.observe(Dir::In, &rx[range.clone()], *now_us);
        Some((
            RxToken { buf: &rx[range] },
            TxToken {
                fd,
                vnet: *vnet,
                buf: tx,
                tap,
                now_us: *now_us,
                stats,
                gate: gate.as_mut(),
                batch: batching.then_some(batch),
            },
        ))
    }

    fn transmit(&mut self, _: Instant) -> Option<TxToken<'_>> {
        let batching = self.vnet && self.gate.is_none();
        Some(TxToken {
            fd: &self.fd,
            vnet: self.vnet,
            buf: &mut self.tx,
            tap: &mut self.tap,
            now_us: self.now_us,
            stats: &mut self.stats,
            gate: self.gate.as_mut(),
            batch: batching.then_some(&mut self.batch),
        })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut c = DeviceCapabilities::default();
        c.medium = Medium::Ip;
        c.max_transmission_unit = self.mtu;
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ones_sum_matches_rfc1071_example() {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        assert_eq!(
            ones_sum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            0xddf2
        );
        assert_eq!(ones_sum(&[0xff]), 0xff00);
    }

    #[test]
    fn partial_checksum_is_completed() {
        let mut frame = vec![0u8; VNET_HDR_LEN];
        frame[0] = NEEDS_CSUM;
        frame[6..8].copy_from_slice(&2u16.to_ne_bytes()); // csum_start
        frame[8..10].copy_from_slice(&2u16.to_ne_bytes()); // csum_offset
        frame.extend_from_slice(&[9, 9, 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
        // Field at 4..6 holds 0xf203; the sum over 2.. is ddf2, so the result is !ddf2.
        assert_eq!(finish_vnet_rx(&mut frame), Ok(false));
        let pkt = &frame[VNET_HDR_LEN..];
        assert_eq!(u16::from_be_bytes([pkt[4], pkt[5]]), !0xddf2);
    }

    #[test]
    fn inconsistent_headers_are_rejected() {
        let mut short = vec![0u8; VNET_HDR_LEN];
        assert_eq!(finish_vnet_rx(&mut short), Err(()));
        let mut frame = vec![0u8; VNET_HDR_LEN + 4];
        frame[0] = NEEDS_CSUM;
        frame[6..8].copy_from_slice(&3u16.to_ne_bytes());
        frame[8..10].copy_from_slice(&u16::MAX.to_ne_bytes());
        assert_eq!(finish_vnet_rx(&mut frame), Err(()));
    }
}
