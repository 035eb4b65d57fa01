//! The smoltcp `Device` over a TUN descriptor.
//!
//! - One receive and one transmit buffer, allocated once and reused for every packet.
//! - With `IFF_VNET_HDR` each packet starts with a `virtio_net_hdr` (include/uapi/linux/
//!   virtio_net.h). Receive accepts the kernel's GSO super-packets (up to 64 KiB of TCP
//!   payload in one read). TCP checksums are not computed in user space at all: a segment
//!   the kernel marks `NEEDS_CSUM` is its own, never on a wire, and is taken as it is; any
//!   other TCP segment is checked here (smoltcp is told not to); other protocols' partial
//!   checksums are completed for smoltcp to check. Transmit merges runs of data segments
//!   into GSO super-packets (`gso`), so the kernel takes a window's worth in one write, and
//!   leaves every TCP checksum to the kernel (`NEEDS_CSUM`).
//! - Every packet in both directions goes through the wire tap before smoltcp (receive) or
//!   after it (transmit).
//! - With a [`Line`] (impairment, or the lab) every packet goes onto the impaired link
//!   (`impair`) instead of straight through: the device delivers each when it is due, or,
//!   in manual mode (the lab), the lab releases them one at a time so it can look at both
//!   sockets between packets. The stack's own segments are shown to the tap as they are
//!   sent, before the link, so a lost one still counts as sent and its resend as a
//!   retransmission.

use rnetstat_diag::stack_reply::DevStats;
use std::collections::VecDeque;
use std::os::fd::{AsFd, OwnedFd};

use smoltcp::phy::{self, DeviceCapabilities, Medium};
use smoltcp::time::Instant;

use super::checksum::{ones_sum, tcp_layout, tcp_ok};
use super::gso::{Batch, offload_checksum};
use super::impair::{Impairment, Link, Pending};
use super::tap::{Dir, Tap};

/// `sizeof(struct virtio_net_hdr)` without `num_buffers`.
pub(crate) const VNET_HDR_LEN: usize = 10;
/// `VIRTIO_NET_HDR_F_NEEDS_CSUM`.
const NEEDS_CSUM: u8 = 1;

/// The link between the kernel and smoltcp when it is impaired or stepped.
pub struct Line {
    pub link: Link,
    /// The lab releases due packets itself, one at a time; otherwise the device does.
    pub manual: bool,
    /// Released inbound packets waiting for smoltcp to take them.
    ready_in: VecDeque<Vec<u8>>,
}

impl Line {
    pub fn new(imp: &Impairment, manual: bool) -> Line {
        Line {
            link: Link::new(imp),
            manual,
            ready_in: VecDeque::new(),
        }
    }
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
    pub line: Option<Line>,
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
            line: None,
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

    /// With a line: moves everything the kernel has sent onto the link.
    pub fn take_incoming(&mut self) {
        if self.line.is_none() {
            return;
        }
        while let Some(r) = self.read_one() {
            let pkt = self.rx[r].to_vec();
            if let Some(l) = self.line.as_mut() {
                l.link.push(Dir::In, pkt, self.now_us);
            }
        }
    }

    /// Takes the earliest packet due on the link and delivers it (to smoltcp or to the
    /// kernel) unless the link dropped it. Returns it with its fate.
    pub fn release_one(&mut self) -> Option<Pending> {
        let line = self.line.as_mut()?;
        let p = line.link.pop_due(self.now_us)?;
        if p.fate.delivered() {
            match p.dir {
                Dir::In => line.ready_in.push_back(p.pkt.clone()),
                Dir::Out => {
                    write_packet(&self.fd, self.vnet, &mut self.tx, &p.pkt, &mut self.stats)
                }
            }
        }
        Some(p)
    }

    /// Automatic mode: delivers every packet that is due.
    pub fn pump(&mut self) {
        if self.line.as_ref().is_some_and(|l| !l.manual) {
            self.take_incoming();
            while self.release_one().is_some() {}
        }
    }

    /// When the link next has a packet due (µs since start).
    pub fn next_due(&self) -> Option<u64> {
        self.line.as_ref().and_then(|l| l.link.next_due())
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

/// Checks the virtio header of a received frame and its checksum (see the module doc): a
/// TCP segment marked `NEEDS_CSUM` is taken as it is, another protocol's partial checksum
/// is completed, and a TCP segment without the mark must carry a right checksum. Returns
/// whether the frame is a GSO super-packet.
fn finish_vnet_rx(frame: &mut [u8]) -> Result<bool, ()> {
    if frame.len() <= VNET_HDR_LEN {
        return Err(());
    }
    let (hdr, pkt) = frame.split_at_mut(VNET_HDR_LEN);
    let flags = hdr[0];
    let gso_type = hdr[1];
    let tcp = tcp_layout(pkt).is_some();
    if flags & NEEDS_CSUM != 0 {
        let start = usize::from(u16::from_ne_bytes([hdr[6], hdr[7]]));
        let offset = usize::from(u16::from_ne_bytes([hdr[8], hdr[9]]));
        let field = start.checked_add(offset).ok_or(())?;
        if start >= pkt.len() || field + 2 > pkt.len() {
            return Err(());
        }
        if !tcp {
            // The field holds the pseudo-header sum; the sum from csum_start on completes it.
            let sum = !ones_sum(&pkt[start..]);
            pkt[field..field + 2].copy_from_slice(&sum.to_be_bytes());
        }
    } else if tcp && tcp_ok(pkt) == Some(false) {
        return Err(());
    }
    Ok(gso_type != 0)
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
    line: Option<&'a mut Line>,
    /// Present when segments may be merged (vnet header, not step mode).
    batch: Option<&'a mut Batch>,
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let off = if self.vnet { VNET_HDR_LEN } else { 0 };
        let end = off + len;
        // smoltcp writes every byte of the packet: the buffer only grows, never re-zeroed.
        if self.buf.len() < end {
            self.buf.resize(end, 0);
        }
        let frame = &mut self.buf[..end];
        frame[..off].fill(0);
        let r = f(&mut frame[off..]);
        self.tap.observe(Dir::Out, &frame[off..], self.now_us);
        match self.line {
            Some(l) => l.link.push(Dir::Out, frame[off..].to_vec(), self.now_us),
            None => match self.batch {
                Some(b) => {
                    if !b.try_add(&frame[off..], off) {
                        flush_batch(self.fd, b, self.stats);
                        if !b.try_add(&frame[off..], off) {
                            let (hdr, pkt) = frame.split_at_mut(off);
                            offload_checksum(hdr, pkt);
                            send(self.fd, frame, self.stats);
                        }
                    }
                }
                None => send(self.fd, frame, self.stats),
            },
        }
        r
    }
}

impl phy::Device for TunDevice {
    type RxToken<'a> = RxToken<'a>;
    type TxToken<'a> = TxToken<'a>;

    fn receive(&mut self, _: Instant) -> Option<(RxToken<'_>, TxToken<'_>)> {
        if self.line.is_some() {
            self.pump();
        }
        let range = match self.line.as_mut() {
            Some(l) => {
                let pkt = l.ready_in.pop_front()?;
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
            line,
            batch,
            ..
        } = self;
        let batching = *vnet && line.is_none();
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
                line: line.as_mut(),
                batch: batching.then_some(batch),
            },
        ))
    }

    fn transmit(&mut self, _: Instant) -> Option<TxToken<'_>> {
        let batching = self.vnet && self.line.is_none();
        Some(TxToken {
            fd: &self.fd,
            vnet: self.vnet,
            buf: &mut self.tx,
            tap: &mut self.tap,
            now_us: self.now_us,
            stats: &mut self.stats,
            line: self.line.as_mut(),
            batch: batching.then_some(&mut self.batch),
        })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut c = DeviceCapabilities::default();
        c.medium = Medium::Ip;
        c.max_transmission_unit = self.mtu;
        if self.vnet {
            // TCP checksums are the device's and the kernel's business (see the module doc).
            c.checksum.tcp = phy::Checksum::None;
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
