//! TSO on send: consecutive full-sized TCP segments of one flow, as smoltcp emits them in
//! one poll, are merged into one GSO super-packet and handed to the kernel in a single
//! write with a `virtio_net_hdr` that says how to cut it (include/uapi/linux/virtio_net.h:
//! `gso_type` TCPV4/TCPV6, `gso_size` = segment payload, `NEEDS_CSUM` with the TCP checksum
//! field holding the pseudo-header sum, as the kernel's own TSO path leaves it).
//!
//! Only plain data segments join a batch: ACK set; SYN, FIN, RST and URG clear; no IPv4
//! options or IPv6 extension headers; equal TCP header lengths; each segment starting where
//! the previous one ended. A shorter segment ends its batch. Anything else is written as is.

use super::checksum::{ones_sum, pseudo_sum, tcp_layout};

/// `VIRTIO_NET_HDR_F_NEEDS_CSUM`, `VIRTIO_NET_HDR_GSO_TCPV4`, `VIRTIO_NET_HDR_GSO_TCPV6`.
const NEEDS_CSUM: u8 = 1;
const GSO_TCPV4: u8 = 1;
const GSO_TCPV6: u8 = 4;
/// Largest IP packet a batch may grow to.
const MAX_PACKET: usize = 65_535;

/// The parts of a segment that decide whether it may join a batch.
#[derive(Debug, Clone, Copy)]
struct Seg {
    ip_hlen: usize,
    tcp_hlen: usize,
    seq: u32,
    payload: usize,
    v6: bool,
}

/// Recognises a plain data segment (see the module doc); `None` for anything else.
fn data_segment(p: &[u8]) -> Option<Seg> {
    // TCP, not a fragment, no IPv4 options or IPv6 extension headers.
    let (ip_hlen, v6) = tcp_layout(p).filter(|&(h, v6)| v6 || h == 20)?;
    let t = &p[ip_hlen..];
    let tcp_hlen = usize::from(t[12] >> 4) * 4;
    let flags = t[13];
    // ACK set; FIN, SYN, RST, URG clear.
    if tcp_hlen < 20 || t.len() <= tcp_hlen || flags & 0x10 == 0 || flags & 0x27 != 0 {
        return None;
    }
    Some(Seg {
        ip_hlen,
        tcp_hlen,
        seq: u32::from_be_bytes([t[4], t[5], t[6], t[7]]),
        payload: t.len() - tcp_hlen,
        v6,
    })
}

/// A batch being built: the virtio header space, the first segment's headers, and the
/// payload of every segment so far.
#[derive(Default)]
pub(crate) struct Batch {
    buf: Vec<u8>,
    first: Option<Seg>,
    next_seq: u32,
    segs: u32,
    closed: bool,
}

impl Batch {
    /// Adds `pkt` if it continues the batch; returns false when it does not (the caller
    /// flushes and retries, or writes it alone).
    pub fn try_add(&mut self, pkt: &[u8], hdr_len: usize) -> bool {
        let Some(s) = data_segment(pkt) else {
            return false;
        };
        let Some(f) = self.first else {
            self.buf.clear();
            self.buf.resize(hdr_len, 0);
            self.buf.extend_from_slice(pkt);
            self.first = Some(s);
            self.next_seq = s.seq.wrapping_add(s.payload as u32);
            self.segs = 1;
            self.closed = false;
            return true;
        };
        let h = f.ip_hlen + f.tcp_hlen;
        let same_flow = {
            let (a, b) = (&self.buf[hdr_len..], pkt);
            // Addresses and ports: IPv4 12..20, IPv6 8..40, then the ports.
            let addr = if f.v6 { 8..40 } else { 12..20 };
            a[addr.clone()] == b[addr] && a[f.ip_hlen..f.ip_hlen + 4] == b[f.ip_hlen..f.ip_hlen + 4]
        };
        if self.closed
            || s.v6 != f.v6
            || s.tcp_hlen != f.tcp_hlen
            || !same_flow
            || s.seq != self.next_seq
            || s.payload > f.payload
            || self.buf.len() - hdr_len + s.payload > MAX_PACKET
        {
            return false;
        }
        // The newest ACK number, window and PSH go in the merged header.
        let t = hdr_len + f.ip_hlen;
        self.buf[t + 8..t + 12].copy_from_slice(&pkt[f.ip_hlen + 8..f.ip_hlen + 12]);
        self.buf[t + 14..t + 16].copy_from_slice(&pkt[f.ip_hlen + 14..f.ip_hlen + 16]);
        self.buf[t + 13] |= pkt[f.ip_hlen + 13] & 0x08;
        self.buf.extend_from_slice(&pkt[h..]);
        self.next_seq = s.seq.wrapping_add(s.payload as u32);
        self.segs += 1;
        self.closed = s.payload < f.payload;
        true
    }

    /// Finishes the batch and returns the frame to write (virtio header included). Its
    /// checksum is left to the kernel (see [`offload_checksum`]), merged or not.
    pub fn finish(&mut self, hdr_len: usize) -> Option<&[u8]> {
        let f = self.first.take()?;
        let segs = std::mem::take(&mut self.segs);
        let (h, p) = self.buf.split_at_mut(hdr_len);
        h.fill(0);
        if segs > 1 {
            let ip_total = p.len();
            let tcp_len = ip_total - f.ip_hlen;
            if f.v6 {
                p[4..6].copy_from_slice(&(tcp_len as u16).to_be_bytes());
            } else {
                p[2..4].copy_from_slice(&(ip_total as u16).to_be_bytes());
                p[10..12].copy_from_slice(&[0, 0]);
                let c = !ones_sum(&p[..20]);
                p[10..12].copy_from_slice(&c.to_be_bytes());
            }
            h[1] = if f.v6 { GSO_TCPV6 } else { GSO_TCPV4 };
            h[2..4].copy_from_slice(&((f.ip_hlen + f.tcp_hlen) as u16).to_ne_bytes());
            h[4..6].copy_from_slice(&(f.payload as u16).to_ne_bytes());
        }
        offload_checksum(h, p);
        Some(&self.buf[..])
    }
}

/// Leaves TCP segment `pkt`'s checksum to the kernel, as its own TSO path does: the
/// checksum field holds the pseudo-header sum and the virtio header `hdr` says
/// `NEEDS_CSUM` from the TCP header on. smoltcp computes no TCP checksum when the device
/// has the virtio header, so every TCP segment written goes through here. Returns false,
/// changing nothing, when `pkt` is not a TCP segment.
pub(crate) fn offload_checksum(hdr: &mut [u8], pkt: &mut [u8]) -> bool {
    let Some((ip_hlen, v6)) = tcp_layout(pkt) else {
        return false;
    };
    let sum = pseudo_sum(pkt, ip_hlen, v6);
    let c = ip_hlen + 16;
    pkt[c..c + 2].copy_from_slice(&sum.to_be_bytes());
    hdr[0] = NEEDS_CSUM;
    hdr[6..8].copy_from_slice(&(ip_hlen as u16).to_ne_bytes());
    hdr[8..10].copy_from_slice(&16u16.to_ne_bytes());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An IPv4 ACK data segment 10.77.0.2:19 → 10.77.0.1:40000 with `len` payload bytes.
    fn seg(seq: u32, len: usize, flags: u8) -> Vec<u8> {
        let mut p = vec![
            0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 77, 0, 2, 10, 77, 0, 1, // IPv4
            0, 19, 0x9c, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 0x50, flags, 0x10, 0, 0, 0, 0,
            0, // TCP
        ];
        p[24..28].copy_from_slice(&seq.to_be_bytes());
        let total = (40 + len) as u16;
        p[2..4].copy_from_slice(&total.to_be_bytes());
        p.extend(std::iter::repeat_n(b'a', len));
        p
    }

    #[test]
    fn consecutive_segments_merge_into_one_gso_frame() {
        let mut b = Batch::default();
        assert!(b.try_add(&seg(1000, 1460, 0x10), 10));
        assert!(b.try_add(&seg(2460, 1460, 0x18), 10));
        assert!(b.try_add(&seg(3920, 100, 0x10), 10));
        // A short segment closed the batch.
        assert!(!b.try_add(&seg(4020, 1460, 0x10), 10));
        let f = b.finish(10).unwrap().to_vec();
        assert_eq!(f.len(), 10 + 40 + 3020);
        assert_eq!((f[0], f[1]), (NEEDS_CSUM, GSO_TCPV4));
        assert_eq!(u16::from_ne_bytes([f[4], f[5]]), 1460); // gso_size
        assert_eq!(u16::from_ne_bytes([f[6], f[7]]), 20); // csum_start
        let ip = &f[10..];
        assert_eq!(u16::from_be_bytes([ip[2], ip[3]]) as usize, 40 + 3020);
        assert_eq!(ones_sum(&ip[..20]), 0xffff, "IPv4 checksum");
        assert_eq!(ip[33] & 0x08, 0x08, "PSH carried over");
        assert_eq!(b.segs, 0);
    }

    #[test]
    fn gaps_control_segments_and_other_flows_are_not_merged() {
        let mut b = Batch::default();
        assert!(b.try_add(&seg(1000, 1460, 0x10), 10));
        assert!(!b.try_add(&seg(9999, 1460, 0x10), 10), "gap");
        assert!(!b.try_add(&seg(2460, 1460, 0x11), 10), "FIN");
        let mut other = seg(2460, 1460, 0x10);
        other[21] = 20; // another source port
        assert!(!b.try_add(&other, 10), "other flow");
        // A single segment goes out unmerged, its checksum still left to the kernel.
        let f = b.finish(10).unwrap();
        assert_eq!((f[0], f[1]), (NEEDS_CSUM, 0));
        assert_eq!(&f[2..6], &[0; 4], "no GSO");
        let ip = &f[10..];
        assert_eq!(
            u16::from_be_bytes([ip[36], ip[37]]),
            pseudo_sum(ip, 20, false),
            "the pseudo-header sum in the checksum field"
        );
        assert!(Batch::default().finish(10).is_none());
        assert!(!Batch::default().try_add(&[0x45, 0, 1], 10), "garbage");
    }
}
