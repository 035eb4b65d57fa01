//! The wire tap: per-connection TCP state derived from the segments crossing the device.
//!
//! smoltcp keeps sequence numbers, windows, RTT and counters private, so the stack watches
//! every segment in both directions and keeps its own account, keyed by the 4-tuple as the
//! stack sees it. What is derived, and from which rule:
//! - snd_una / snd_nxt from the stack's segments and the kernel's ACKs; rcv_nxt from the
//!   kernel's in-order segments (RFC 9293 §3.3.1).
//! - Windows scaled by the shift each side announced in its SYN, applied only when both SYNs
//!   carried the option and never to a SYN's own window (RFC 7323 §2.2–2.3).
//! - MSS from the SYN options (RFC 9293 §3.7.1).
//! - RTT: one segment timed at a time; a retransmission cancels the timing (Karn's rule),
//!   srtt/rttvar/rto per RFC 6298 §2.
//! - Retransmissions: a segment of the stack's that starts below snd_nxt and occupies
//!   sequence space.
//!
//! The table is bounded (`capacity`): a flood of SYNs evicts the oldest entries.

use std::net::SocketAddr;

use rnetstat_model::TcpInfo;

use super::packet::{Packet, TcpSeg, flags};

/// Which way a packet crossed the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Kernel → stack.
    In,
    /// Stack → kernel.
    Out,
}

/// `a < b` in sequence space (RFC 9293 §3.4).
fn seq_lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

#[derive(Debug, Clone, Default)]
pub struct Flow {
    pub last_seen_us: u64,
    iss: Option<u32>,
    irs: Option<u32>,
    snd_una: u32,
    snd_nxt: u32,
    rcv_nxt: u32,
    own_ws: Option<u8>,
    peer_ws: Option<u8>,
    own_mss: Option<u16>,
    peer_mss: Option<u16>,
    own_wnd: u32,
    peer_wnd: u32,
    /// The segment being timed: (sequence number that acknowledges it, send time).
    timing: Option<(u32, u64)>,
    srtt_us: Option<u32>,
    rttvar_us: u32,
    min_rtt_us: Option<u32>,
    retrans: u32,
    segs_out: u32,
    segs_in: u32,
    data_segs_out: u32,
    data_segs_in: u32,
    bytes_sent: u64,
    bytes_retrans: u64,
    /// Both sides have closed, or a reset was seen: the entry may be dropped.
    pub finished: bool,
    fin_out: bool,
    fin_in: bool,
}

impl Flow {
    fn scaling(&self) -> bool {
        self.own_ws.is_some() && self.peer_ws.is_some()
    }

    fn out(&mut self, s: &TcpSeg, now: u64) {
        self.segs_out = self.segs_out.wrapping_add(1);
        if s.len > 0 {
            self.data_segs_out = self.data_segs_out.wrapping_add(1);
            self.bytes_sent += u64::from(s.len);
        }
        let syn = s.has(flags::SYN);
        if syn {
            self.own_ws = s.wscale;
            self.own_mss = s.mss;
            if self.iss.is_none() {
                self.iss = Some(s.seq);
                self.snd_una = s.seq;
                self.snd_nxt = s.seq;
            }
        }
        self.own_wnd = if syn || !self.scaling() {
            u32::from(s.window)
        } else {
            u32::from(s.window) << self.own_ws.unwrap_or(0).min(14)
        };
        let occupied = s.seq_len();
        if self.iss.is_some() && occupied > 0 {
            let end = s.seq.wrapping_add(occupied);
            if seq_lt(s.seq, self.snd_nxt) {
                // RFC 6298 §3 / Karn: never time a retransmitted segment.
                self.retrans = self.retrans.wrapping_add(1);
                self.bytes_retrans += u64::from(s.len);
                self.timing = None;
            } else if self.timing.is_none() {
                self.timing = Some((end, now));
            }
            if seq_lt(self.snd_nxt, end) {
                self.snd_nxt = end;
            }
        }
        self.fin_out |= s.has(flags::FIN);
        self.finished |= s.has(flags::RST);
    }

    fn inbound(&mut self, s: &TcpSeg, now: u64) {
        self.segs_in = self.segs_in.wrapping_add(1);
        if s.len > 0 {
            self.data_segs_in = self.data_segs_in.wrapping_add(1);
        }
        let syn = s.has(flags::SYN);
        if syn {
            self.peer_ws = s.wscale;
            self.peer_mss = s.mss;
            self.irs = Some(s.seq);
            self.rcv_nxt = s.seq;
        }
        self.peer_wnd = if syn || !self.scaling() {
            u32::from(s.window)
        } else {
            u32::from(s.window) << self.peer_ws.unwrap_or(0).min(14)
        };
        if self.irs.is_some() {
            let end = s.seq.wrapping_add(s.seq_len());
            // In order (or overlapping what was already received): rcv_nxt moves on.
            if !seq_lt(self.rcv_nxt, s.seq) && seq_lt(self.rcv_nxt, end) {
                self.rcv_nxt = end;
            }
        }
        if s.has(flags::ACK) && self.iss.is_some() {
            let ack = s.ack;
            if seq_lt(self.snd_una, ack) && !seq_lt(self.snd_nxt, ack) {
                self.snd_una = ack;
            }
            if let Some((end, sent)) = self.timing
                && !seq_lt(ack, end)
            {
                self.sample(now.saturating_sub(sent));
                self.timing = None;
            }
        }
        self.fin_in |= s.has(flags::FIN);
        self.finished |= s.has(flags::RST);
    }

    /// RFC 6298 §2.2–2.3 with α = 1/8, β = 1/4.
    fn sample(&mut self, r_us: u64) {
        let r = u32::try_from(r_us).unwrap_or(u32::MAX);
        match self.srtt_us {
            None => {
                self.srtt_us = Some(r);
                self.rttvar_us = r / 2;
            }
            Some(srtt) => {
                let diff = srtt.abs_diff(r);
                self.rttvar_us = (3 * u64::from(self.rttvar_us) / 4 + u64::from(diff) / 4) as u32;
                self.srtt_us = Some((7 * u64::from(srtt) / 8 + u64::from(r) / 8) as u32);
            }
        }
        self.min_rtt_us = Some(self.min_rtt_us.map_or(r, |m| m.min(r)));
    }

    /// The derived state in `tcp_info` terms.
    pub fn info(&self) -> TcpInfo {
        let scaling = self.scaling();
        // As Linux counts them: bytes_acked includes the SYN (snd_una starts at iss),
        // bytes_received does not (rcv_nxt starts at irs + 1); both include a FIN.
        let acked = self
            .iss
            .map(|iss| u64::from(self.snd_una.wrapping_sub(iss)));
        let received = self
            .irs
            .map(|irs| u64::from(self.rcv_nxt.wrapping_sub(irs).saturating_sub(1)));
        TcpInfo {
            // RFC 6298 §2.3: RTO = SRTT + max(G, 4·RTTVAR); smoltcp's own floor is not visible.
            rto: self.srtt_us.map(|s| s.saturating_add(4 * self.rttvar_us)),
            rtt: self.srtt_us,
            rttvar: self.srtt_us.map(|_| self.rttvar_us),
            min_rtt: self.min_rtt_us,
            snd_mss: self.peer_mss.map(u32::from),
            advmss: self.own_mss.map(u32::from),
            snd_wscale: scaling.then(|| self.peer_ws.unwrap_or(0)),
            rcv_wscale: scaling.then(|| self.own_ws.unwrap_or(0)),
            snd_wnd: self.irs.map(|_| self.peer_wnd),
            rcv_wnd: self.iss.map(|_| self.own_wnd),
            total_retrans: Some(self.retrans),
            segs_out: Some(self.segs_out),
            segs_in: Some(self.segs_in),
            data_segs_out: Some(self.data_segs_out),
            data_segs_in: Some(self.data_segs_in),
            bytes_sent: Some(self.bytes_sent),
            bytes_retrans: Some(self.bytes_retrans),
            bytes_acked: acked,
            bytes_received: received,
            snd_una: self.iss.map(|_| self.snd_una),
            snd_nxt: self.iss.map(|_| self.snd_nxt),
            rcv_nxt: self.irs.map(|_| self.rcv_nxt),
            ..TcpInfo::default()
        }
    }
}

/// Connection key as the stack sees it: (stack's endpoint, kernel's endpoint).
pub(crate) type FlowKey = (SocketAddr, SocketAddr);

pub struct Tap {
    /// Hashed with the quick hasher: the tap looks up every packet's flow. The map holds at
    /// most `capacity` flows, so colliding keys cost a bounded scan, not a flood.
    flows: rnetstat_sys::hash::Map<FlowKey, Flow>,
    capacity: usize,
    /// Packets the tap could not decode (they still go to smoltcp, which drops them).
    pub undecodable: u64,
}

impl Tap {
    pub fn new(capacity: usize) -> Tap {
        Tap {
            flows: rnetstat_sys::hash::Map::default(),
            capacity: capacity.max(1),
            undecodable: 0,
        }
    }

    /// Accounts one packet that crossed the device at `now_us`. Returns the decoded packet
    /// so the caller (the lab) can print it.
    pub fn observe(&mut self, dir: Dir, pkt: &[u8], now_us: u64) -> Option<Packet> {
        let p = match super::packet::parse(pkt) {
            Ok(p) => p,
            Err(_) => {
                self.undecodable += 1;
                return None;
            }
        };
        if let Packet::Tcp(s) = &p {
            let key = match dir {
                Dir::Out => (s.src, s.dst),
                Dir::In => (s.dst, s.src),
            };
            if !self.flows.contains_key(&key) && self.flows.len() >= self.capacity {
                self.evict();
            }
            let f = self.flows.entry(key).or_default();
            f.last_seen_us = now_us;
            match dir {
                Dir::Out => f.out(s, now_us),
                Dir::In => f.inbound(s, now_us),
            }
            if f.fin_in && f.fin_out {
                f.finished = true;
            }
        }
        Some(p)
    }

    /// Drops finished flows first, else the least recently seen one.
    fn evict(&mut self) {
        let victim = self
            .flows
            .iter()
            .min_by_key(|(_, f)| (!f.finished, f.last_seen_us))
            .map(|(k, _)| *k);
        if let Some(k) = victim {
            self.flows.remove(&k);
        }
    }

    pub fn get(&self, key: &FlowKey) -> Option<&Flow> {
        self.flows.get(key)
    }

    pub fn len(&self) -> usize {
        self.flows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Forgets flows for which `keep` says no.
    pub fn retain(&mut self, mut keep: impl FnMut(&FlowKey, &Flow) -> bool) {
        self.flows.retain(|k, f| keep(k, f));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: &str = "10.7.0.1:40000";
    const S: &str = "10.7.0.2:7";

    fn seg(src: &str, dst: &str, seq: u32, ack: u32, fl: u8, window: u16, len: u32) -> TcpSeg {
        TcpSeg {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            seq,
            ack,
            flags: fl,
            window,
            len,
            mss: None,
            wscale: None,
        }
    }

    fn feed(tap: &mut Tap, dir: Dir, s: TcpSeg, now: u64) {
        let key = match dir {
            Dir::Out => (s.src, s.dst),
            Dir::In => (s.dst, s.src),
        };
        if tap.flows.len() >= tap.capacity && !tap.flows.contains_key(&key) {
            tap.evict();
        }
        let f = tap.flows.entry(key).or_default();
        match dir {
            Dir::Out => f.out(&s, now),
            Dir::In => f.inbound(&s, now),
        }
    }

    /// A handshake with window scaling, data both ways, a retransmission and RTT samples.
    #[test]
    fn follows_a_connection() {
        let mut tap = Tap::new(16);
        let (a, b) = (flags::ACK, flags::SYN);
        let mut syn = seg(K, S, 1000, 0, b, 64240, 0);
        syn.mss = Some(1460);
        syn.wscale = Some(7);
        feed(&mut tap, Dir::In, syn, 0);
        let mut synack = seg(S, K, 5000, 1001, b | a, 8192, 0);
        synack.mss = Some(1460);
        synack.wscale = Some(2);
        feed(&mut tap, Dir::Out, synack, 10);
        // The ACK of the SYN-ACK arrives 100 µs later: the first RTT sample.
        feed(&mut tap, Dir::In, seg(K, S, 1001, 5001, a, 502, 0), 110);
        // 300 bytes from the kernel, 200 from the stack (sent at 200, acked at 400).
        feed(&mut tap, Dir::In, seg(K, S, 1001, 5001, a, 502, 300), 150);
        feed(&mut tap, Dir::Out, seg(S, K, 5001, 1301, a, 1000, 200), 200);
        // The same 200 bytes again: a retransmission, so the ACK gives no sample.
        feed(&mut tap, Dir::Out, seg(S, K, 5001, 1301, a, 1000, 200), 300);
        feed(&mut tap, Dir::In, seg(K, S, 1301, 5201, a, 500, 0), 400);
        let f = tap.get(&(S.parse().unwrap(), K.parse().unwrap())).unwrap();
        let i = f.info();
        assert_eq!(i.rtt, Some(100));
        assert_eq!(i.rttvar, Some(50));
        assert_eq!(i.rto, Some(300));
        assert_eq!((i.snd_wscale, i.rcv_wscale), (Some(7), Some(2)));
        assert_eq!(i.snd_wnd, Some(500 << 7));
        assert_eq!(i.rcv_wnd, Some(1000 << 2));
        assert_eq!((i.snd_mss, i.advmss), (Some(1460), Some(1460)));
        assert_eq!(
            (i.snd_una, i.snd_nxt, i.rcv_nxt),
            (Some(5201), Some(5201), Some(1301))
        );
        assert_eq!((i.bytes_acked, i.bytes_received), (Some(201), Some(300)));
        assert_eq!(
            (i.total_retrans, i.bytes_retrans, i.bytes_sent),
            (Some(1), Some(200), Some(400))
        );
        assert_eq!(
            (i.segs_out, i.segs_in, i.data_segs_out, i.data_segs_in),
            (Some(3), Some(4), Some(2), Some(1))
        );
    }

    /// Without the option in both SYNs, windows are not scaled (RFC 7323 §2.2).
    #[test]
    fn one_sided_window_scale_is_ignored() {
        let mut tap = Tap::new(4);
        let mut syn = seg(K, S, 1, 0, flags::SYN, 1000, 0);
        syn.wscale = Some(7);
        feed(&mut tap, Dir::In, syn, 0);
        feed(
            &mut tap,
            Dir::Out,
            seg(S, K, 9, 2, flags::SYN | flags::ACK, 800, 0),
            1,
        );
        feed(&mut tap, Dir::In, seg(K, S, 2, 10, flags::ACK, 1000, 0), 2);
        let i = tap
            .get(&(S.parse().unwrap(), K.parse().unwrap()))
            .unwrap()
            .info();
        assert_eq!(i.snd_wnd, Some(1000));
        assert_eq!(i.snd_wscale, None);
    }

    /// A SYN flood from many ports keeps the table at its capacity.
    #[test]
    fn capacity_bounds_the_table() {
        let mut tap = Tap::new(64);
        let mut pkt = crate::packet::tests::syn_v4();
        for port in 0..5000u16 {
            pkt[20..22].copy_from_slice(&port.to_be_bytes());
            tap.observe(Dir::In, &pkt, u64::from(port));
        }
        assert_eq!(tap.len(), 64);
        tap.observe(Dir::In, &[0x45, 1, 2], 0);
        assert_eq!(tap.undecodable, 1);
    }
}
