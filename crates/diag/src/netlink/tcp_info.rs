//! `INET_DIAG_INFO`: the kernel's `struct tcp_info` (include/uapi/linux/tcp.h).
//!
//! Length-tolerant: the struct has grown over the years and keeps growing, so each field is
//! read only if the kernel sent enough bytes for it, and longer structs are fine. Offsets
//! are those of the uapi header:
//! ```text
//!   0 u8  state, ca_state, retransmits, probes, backoff, options
//!   6 u8  snd_wscale:4, rcv_wscale:4
//!   7 u8  delivery_rate_app_limited:1, fastopen_client_fail:2
//!   8 u32 rto, ato, snd_mss, rcv_mss                              (8 … 20)
//!  24 u32 unacked, sacked, lost, retrans, fackets                 (24 … 40)
//!  44 u32 last_data_sent, last_ack_sent, last_data_recv, last_ack_recv   (ms)
//!  60 u32 pmtu, rcv_ssthresh, rtt, rttvar                         (60 … 72)
//!  76 u32 snd_ssthresh, snd_cwnd, advmss, reordering, rcv_rtt, rcv_space, total_retrans
//! 104 u64 pacing_rate, max_pacing_rate, bytes_acked, bytes_received   (104 … 128)
//! 136 u32 segs_out, segs_in, notsent_bytes, min_rtt, data_segs_in, data_segs_out
//! 160 u64 delivery_rate, busy_time, rwnd_limited, sndbuf_limited (160 … 184)
//! 192 u32 delivered, delivered_ce
//! 200 u64 bytes_sent, bytes_retrans
//! 216 u32 dsack_dups, reord_seen, rcv_ooopack, snd_wnd, rcv_wnd, rehash   (216 … 236)
//! 240 u16 total_rto, total_rto_recoveries; 244 u32 total_rto_time (ms)     → 248 bytes
//! 248 u32 received_ce, delivered_e1/e0/ce_bytes, received_e1/e0/ce_bytes   (AccECN, 7.0)
//! ```
//! `TCPI_OPT_WSCALE` (bit 2 of `options`) says whether the window-scale nibbles mean
//! anything. Millisecond fields are converted to microseconds, the unit of every other time.

use rnetstat_model::TcpInfo;

/// `INET_DIAG_INFO` attribute type (include/uapi/linux/inet_diag.h).
pub const INET_DIAG_INFO: u16 = 2;
pub const TCPI_OPT_TIMESTAMPS: u8 = 1;
pub const TCPI_OPT_SACK: u8 = 2;
pub(crate) const TCPI_OPT_WSCALE: u8 = 4;
pub const TCPI_OPT_ECN: u8 = 8;
pub const TCPI_OPT_ECN_SEEN: u8 = 16;
pub const TCPI_OPT_SYN_DATA: u8 = 32;
pub const TCPI_OPT_USEC_TS: u8 = 64;

pub fn decode(b: &[u8]) -> TcpInfo {
    let u8_at = |o: usize| b.get(o).copied();
    let u16_at = |o: usize| b.get(o..o + 2).map(|w| u16::from_ne_bytes([w[0], w[1]]));
    let u32_at = |o: usize| {
        b.get(o..o + 4)
            .map(|w| u32::from_ne_bytes([w[0], w[1], w[2], w[3]]))
    };
    let u64_at = |o: usize| {
        b.get(o..o + 8)
            .map(|w| u64::from_ne_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]))
    };
    let ms = |o: usize| u32_at(o).map(|v| v.saturating_mul(1000));
    let wscale = match (u8_at(5), u8_at(6)) {
        (Some(opts), Some(ws)) if opts & TCPI_OPT_WSCALE != 0 => Some((ws & 0x0f, ws >> 4)),
        _ => None,
    };
    TcpInfo {
        ca_state: u8_at(1),
        retransmits: u8_at(2),
        probes: u8_at(3),
        backoff: u8_at(4),
        options: u8_at(5),
        snd_wscale: wscale.map(|w| w.0),
        rcv_wscale: wscale.map(|w| w.1),
        delivery_rate_app_limited: u8_at(7).map(|v| v & 1 != 0),
        fastopen_client_fail: u8_at(7).map(|v| (v >> 1) & 3),
        rto: u32_at(8),
        ato: u32_at(12),
        snd_mss: u32_at(16),
        rcv_mss: u32_at(20),
        unacked: u32_at(24),
        sacked: u32_at(28),
        lost: u32_at(32),
        retrans: u32_at(36),
        fackets: u32_at(40),
        last_data_sent: ms(44),
        last_ack_sent: ms(48),
        last_data_recv: ms(52),
        last_ack_recv: ms(56),
        pmtu: u32_at(60),
        rcv_ssthresh: u32_at(64),
        rtt: u32_at(68),
        rttvar: u32_at(72),
        snd_ssthresh: u32_at(76),
        snd_cwnd: u32_at(80),
        advmss: u32_at(84),
        reordering: u32_at(88),
        rcv_rtt: u32_at(92),
        rcv_space: u32_at(96),
        total_retrans: u32_at(100),
        pacing_rate: u64_at(104),
        max_pacing_rate: u64_at(112),
        bytes_acked: u64_at(120),
        bytes_received: u64_at(128),
        segs_out: u32_at(136),
        segs_in: u32_at(140),
        notsent_bytes: u32_at(144),
        min_rtt: u32_at(148),
        data_segs_in: u32_at(152),
        data_segs_out: u32_at(156),
        delivery_rate: u64_at(160),
        busy_time: u64_at(168),
        rwnd_limited: u64_at(176),
        sndbuf_limited: u64_at(184),
        delivered: u32_at(192),
        delivered_ce: u32_at(196),
        bytes_sent: u64_at(200),
        bytes_retrans: u64_at(208),
        dsack_dups: u32_at(216),
        reord_seen: u32_at(220),
        rcv_ooopack: u32_at(224),
        snd_wnd: u32_at(228),
        rcv_wnd: u32_at(232),
        rehash: u32_at(236),
        total_rto: u16_at(240),
        total_rto_recoveries: u16_at(242),
        total_rto_time: u32_at(244).map(|v| u64::from(v) * 1000),
        received_ce: u32_at(248),
        delivered_e1_bytes: u32_at(252),
        delivered_e0_bytes: u32_at(256),
        delivered_ce_bytes: u32_at(260),
        received_e1_bytes: u32_at(264),
        received_e0_bytes: u32_at(268),
        received_ce_bytes: u32_at(272),
        snd_una: None,
        snd_nxt: None,
        rcv_nxt: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put32(b: &mut [u8], o: usize, v: u32) {
        b[o..o + 4].copy_from_slice(&v.to_ne_bytes());
    }
    fn put64(b: &mut [u8], o: usize, v: u64) {
        b[o..o + 8].copy_from_slice(&v.to_ne_bytes());
    }

    /// A 6.x kernel's 248-byte tcp_info for an established loopback connection, every
    /// field distinct so a wrong offset shows.
    fn long_fixture() -> Vec<u8> {
        let mut b = vec![0u8; 248];
        b[0] = 1; // state: ESTABLISHED
        b[1] = 0; // ca_state: open
        b[2] = 3; // retransmits
        b[3] = 4; // probes
        b[4] = 5; // backoff
        b[5] = TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE; // options
        b[6] = 0x97; // snd_wscale 7, rcv_wscale 9
        b[7] = 0b101; // delivery_rate_app_limited 1, fastopen_client_fail 2
        for (i, o) in (8..104).step_by(4).enumerate() {
            put32(&mut b, o, 1000 + i as u32); // rto=1000, ato=1001 … total_retrans=1023
        }
        for (i, o) in (104..136).step_by(8).enumerate() {
            put64(&mut b, o, (1 << 40) + i as u64); // pacing … bytes_received
        }
        for (i, o) in (136..160).step_by(4).enumerate() {
            put32(&mut b, o, 2000 + i as u32); // segs_out … data_segs_out
        }
        for (i, o) in (160..192).step_by(8).enumerate() {
            put64(&mut b, o, (2 << 40) + i as u64); // delivery_rate … sndbuf_limited
        }
        put32(&mut b, 192, 3000); // delivered
        put32(&mut b, 196, 3001); // delivered_ce
        put64(&mut b, 200, 3 << 40); // bytes_sent
        put64(&mut b, 208, (3 << 40) + 1); // bytes_retrans
        for (i, o) in (216..240).step_by(4).enumerate() {
            put32(&mut b, o, 4000 + i as u32); // dsack_dups … rehash
        }
        b[240..242].copy_from_slice(&7u16.to_ne_bytes()); // total_rto
        b[242..244].copy_from_slice(&8u16.to_ne_bytes()); // total_rto_recoveries
        put32(&mut b, 244, 9); // total_rto_time, ms
        b
    }

    #[test]
    fn long_struct_decodes_every_field() {
        let i = decode(&long_fixture());
        assert_eq!(
            (i.ca_state, i.retransmits, i.probes, i.backoff),
            (Some(0), Some(3), Some(4), Some(5))
        );
        assert_eq!((i.snd_wscale, i.rcv_wscale), (Some(7), Some(9)));
        assert_eq!(
            (i.delivery_rate_app_limited, i.fastopen_client_fail),
            (Some(true), Some(2))
        );
        assert_eq!(
            (i.rto, i.ato, i.snd_mss, i.rcv_mss),
            (Some(1000), Some(1001), Some(1002), Some(1003))
        );
        assert_eq!((i.unacked, i.fackets), (Some(1004), Some(1008)));
        // last_* are milliseconds in the kernel, microseconds here.
        assert_eq!(i.last_data_sent, Some(1009 * 1000));
        assert_eq!(i.last_ack_recv, Some(1012 * 1000));
        assert_eq!(
            (i.pmtu, i.rtt, i.rttvar),
            (Some(1013), Some(1015), Some(1016))
        );
        assert_eq!(
            (i.snd_cwnd, i.advmss, i.reordering),
            (Some(1018), Some(1019), Some(1020))
        );
        assert_eq!((i.rcv_space, i.total_retrans), (Some(1022), Some(1023)));
        assert_eq!(i.pacing_rate, Some(1 << 40));
        assert_eq!(i.bytes_received, Some((1 << 40) + 3));
        assert_eq!(
            (i.segs_out, i.min_rtt, i.data_segs_out),
            (Some(2000), Some(2003), Some(2005))
        );
        assert_eq!(
            (i.delivery_rate, i.sndbuf_limited),
            (Some(2 << 40), Some((2 << 40) + 3))
        );
        assert_eq!((i.delivered, i.delivered_ce), (Some(3000), Some(3001)));
        assert_eq!(
            (i.bytes_sent, i.bytes_retrans),
            (Some(3 << 40), Some((3 << 40) + 1))
        );
        assert_eq!(
            (i.dsack_dups, i.snd_wnd, i.rcv_wnd, i.rehash),
            (Some(4000), Some(4003), Some(4004), Some(4005))
        );
        assert_eq!((i.total_rto, i.total_rto_recoveries), (Some(7), Some(8)));
        assert_eq!(i.total_rto_time, Some(9000));
        assert_eq!(i.received_ce, None); // a 6.x kernel stops at 248 bytes
        // A 7.x kernel's AccECN tail is read when present.
        let mut longer = long_fixture();
        longer.extend_from_slice(&11u32.to_ne_bytes());
        longer.extend_from_slice(&[0; 28]);
        assert_eq!(decode(&longer).received_ce, Some(11));
    }

    #[test]
    fn short_struct_leaves_newer_fields_empty() {
        // tcp_info as of Linux 3.x: up to total_retrans (104 bytes), wscale not negotiated.
        let full = long_fixture();
        let mut b = full[..104].to_vec();
        b[5] = 0;
        let i = decode(&b);
        assert_eq!((i.rtt, i.total_retrans), (Some(1015), Some(1023)));
        assert_eq!(
            (i.bytes_acked, i.snd_wnd, i.rcv_wnd, i.total_rto),
            (None, None, None, None)
        );
        assert_eq!(i.snd_wscale, None);
        // Cut inside a field: that field is absent, earlier ones are not.
        let i = decode(&full[..70]);
        assert_eq!((i.rcv_ssthresh, i.rtt), (Some(1014), None));
        assert_eq!(decode(&[]), TcpInfo::default());
    }
}
