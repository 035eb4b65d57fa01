//! `INET_DIAG_INFO`: the kernel's `struct tcp_info` (include/uapi/linux/tcp.h).
//!
//! Length-tolerant: the struct has grown over the years and keeps growing, so each field is
//! read only if the kernel sent enough bytes for it, and longer structs are fine. Offsets
//! are those of the uapi header:
//! ```text
//!   0 u8 state, ca_state, retransmits, probes, backoff, options
//!   6 u8 snd_wscale:4, rcv_wscale:4
//!   8 u32 rto, ato, snd_mss, rcv_mss             (8, 12, 16, 20)
//!  24 u32 unacked, sacked, lost, retrans, fackets (24 … 40)
//!  44 u32 last_data_sent, last_ack_sent, last_data_recv, last_ack_recv
//!  60 u32 pmtu, rcv_ssthresh, rtt, rttvar          (60, 64, 68, 72)
//!  76 u32 snd_ssthresh, snd_cwnd, advmss, reordering, rcv_rtt, rcv_space, total_retrans
//! 104 u64 pacing_rate, max_pacing_rate, bytes_acked, bytes_received (104 … 128)
//! 136 u32 segs_out, segs_in, notsent_bytes, min_rtt, data_segs_in, data_segs_out
//! 160 u64 delivery_rate, busy_time, rwnd_limited, sndbuf_limited
//! 192 u32 delivered, delivered_ce; 200 u64 bytes_sent, bytes_retrans
//! 216 u32 dsack_dups, reord_seen, rcv_ooopack, snd_wnd (216 … 228); 232 u32 rcv_wnd
//! ```
//! `TCPI_OPT_WSCALE` (bit 2 of `options`) says whether the window-scale nibbles mean
//! anything.

use crate::model::TcpInfo;

/// `INET_DIAG_INFO` attribute type (include/uapi/linux/inet_diag.h).
pub const INET_DIAG_INFO: u16 = 2;
const TCPI_OPT_WSCALE: u8 = 4;

pub fn decode(b: &[u8]) -> TcpInfo {
    let u32_at = |o: usize| {
        b.get(o..o + 4)
            .map(|w| u32::from_ne_bytes([w[0], w[1], w[2], w[3]]))
    };
    let u64_at = |o: usize| {
        b.get(o..o + 8)
            .map(|w| u64::from_ne_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]))
    };
    let wscale = match (b.get(5), b.get(6)) {
        (Some(opts), Some(ws)) if opts & TCPI_OPT_WSCALE != 0 => Some((ws & 0x0f, ws >> 4)),
        _ => None,
    };
    TcpInfo {
        rto: u32_at(8),
        rtt: u32_at(68),
        rttvar: u32_at(72),
        min_rtt: u32_at(148),
        snd_mss: u32_at(16),
        advmss: u32_at(84),
        snd_wscale: wscale.map(|w| w.0),
        rcv_wscale: wscale.map(|w| w.1),
        snd_wnd: u32_at(228),
        rcv_wnd: u32_at(232),
        total_retrans: u32_at(100),
        segs_out: u32_at(136),
        segs_in: u32_at(140),
        data_segs_out: u32_at(156),
        data_segs_in: u32_at(152),
        bytes_sent: u64_at(200),
        bytes_retrans: u64_at(208),
        bytes_acked: u64_at(120),
        bytes_received: u64_at(128),
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

    #[test]
    fn long_struct_decodes_every_known_field() {
        let mut b = vec![0u8; 248]; // a 6.x kernel's size, longer than what we read
        b[5] = TCPI_OPT_WSCALE;
        b[6] = 0x97; // snd_wscale 7, rcv_wscale 9
        put32(&mut b, 8, 204_000); // rto
        put32(&mut b, 16, 1448); // snd_mss
        put32(&mut b, 68, 31); // rtt
        put32(&mut b, 72, 15); // rttvar
        put32(&mut b, 84, 1460); // advmss
        put32(&mut b, 100, 2); // total_retrans
        b[120..128].copy_from_slice(&5000u64.to_ne_bytes()); // bytes_acked
        put32(&mut b, 228, 65_536); // snd_wnd
        put32(&mut b, 232, 131_072); // rcv_wnd
        let i = decode(&b);
        assert_eq!(
            (i.rto, i.rtt, i.rttvar),
            (Some(204_000), Some(31), Some(15))
        );
        assert_eq!((i.snd_wscale, i.rcv_wscale), (Some(7), Some(9)));
        assert_eq!(
            (i.snd_mss, i.advmss, i.total_retrans),
            (Some(1448), Some(1460), Some(2))
        );
        assert_eq!(i.bytes_acked, Some(5000));
        assert_eq!((i.snd_wnd, i.rcv_wnd), (Some(65_536), Some(131_072)));
    }

    #[test]
    fn short_struct_leaves_newer_fields_empty() {
        let mut b = vec![0u8; 104]; // tcp_info as of Linux 3.x: up to total_retrans
        put32(&mut b, 68, 42);
        let i = decode(&b);
        assert_eq!(i.rtt, Some(42));
        assert_eq!((i.bytes_acked, i.snd_wnd, i.rcv_wnd), (None, None, None));
        assert_eq!(i.snd_wscale, None); // TCPI_OPT_WSCALE not set
        assert_eq!(decode(&[]), TcpInfo::default());
    }
}
