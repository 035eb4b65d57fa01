//! Netlink attributes (`struct nlattr`, include/uapi/linux/netlink.h) and the inet_diag
//! ones a record is filled from.
//!
//! Attribute types from include/uapi/linux/inet_diag.h: `INET_DIAG_INFO` 2,
//! `INET_DIAG_VEGASINFO` 3, `INET_DIAG_CONG` 4, `INET_DIAG_SKMEMINFO` 7,
//! `INET_DIAG_SHUTDOWN` 8, `INET_DIAG_DCTCPINFO` 9, `INET_DIAG_SKV6ONLY` 11,
//! `INET_DIAG_MARK` 15, `INET_DIAG_BBRINFO` 16, `INET_DIAG_CGROUP_ID` 21. Values that are
//! shorter than their type are ignored, never read past.

use rnetstat_model::{CongInfo, Congestion, MemInfo, Proto, Socket};

const INET_DIAG_INFO: u16 = 2;
const INET_DIAG_VEGASINFO: u16 = 3;
const INET_DIAG_CONG: u16 = 4;
const INET_DIAG_SKMEMINFO: u16 = 7;
const INET_DIAG_SHUTDOWN: u16 = 8;
const INET_DIAG_DCTCPINFO: u16 = 9;
const INET_DIAG_SKV6ONLY: u16 = 11;
const INET_DIAG_MARK: u16 = 15;
const INET_DIAG_BBRINFO: u16 = 16;
const INET_DIAG_CGROUP_ID: u16 = 21;

/// Iterates `(type, value)` over a run of attributes, stopping at the first malformed one.
/// The nested and byte-order flags are masked off the type.
pub fn iter(mut b: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        if b.len() < 4 {
            return None;
        }
        let len = usize::from(u16::from_ne_bytes([b[0], b[1]]));
        let kind = u16::from_ne_bytes([b[2], b[3]]) & 0x3fff;
        if len < 4 || len > b.len() {
            return None;
        }
        let value = &b[4..len];
        b = &b[len.next_multiple_of(4).min(b.len())..];
        Some((kind, value))
    })
}

pub fn u32_at(v: &[u8], i: usize) -> Option<u32> {
    v.get(i..i + 4)
        .map(|w| u32::from_ne_bytes([w[0], w[1], w[2], w[3]]))
}

pub(crate) fn u64_at(v: &[u8], i: usize) -> Option<u64> {
    v.get(i..i + 8)
        .map(|w| u64::from_ne_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]))
}

/// `SK_MEMINFO_*` (include/uapi/linux/sock_diag.h): nine u32 in this order.
pub fn meminfo(v: &[u8]) -> Option<MemInfo> {
    let w = |i: usize| u32_at(v, i * 4);
    Some(MemInfo {
        rmem_alloc: w(0)?,
        rcvbuf: w(1)?,
        wmem_alloc: w(2)?,
        sndbuf: w(3)?,
        fwd_alloc: w(4)?,
        wmem_queued: w(5)?,
        optmem: w(6)?,
        backlog: w(7)?,
        // Linux 4.x added drops; older kernels send eight words.
        drops: w(8).unwrap_or(0),
    })
}

/// Fills `s` from an inet_diag reply's attributes.
pub fn inet<'a>(b: &'a [u8], s: &mut Socket<'a>) {
    let mut cong_name: Option<&'a str> = None;
    let mut cong_info = None;
    for (kind, v) in iter(b) {
        match kind {
            // MPTCP sends its own mptcp_info under the same type; only TCP's is tcp_info.
            INET_DIAG_INFO if s.proto == Proto::Tcp => {
                s.tcp_info = Some(Box::new(super::tcp_info::decode(v)))
            }
            INET_DIAG_CONG => {
                let name = v.split(|&c| c == 0).next().unwrap_or(&[]);
                cong_name = std::str::from_utf8(name).ok().filter(|n| !n.is_empty());
            }
            INET_DIAG_VEGASINFO => {
                // struct tcpvegas_info { u32 enabled, rttcnt, rtt, minrtt; }
                if let (Some(enabled), Some(rttcnt), Some(rtt), Some(minrtt)) =
                    (u32_at(v, 0), u32_at(v, 4), u32_at(v, 8), u32_at(v, 12))
                {
                    cong_info = Some(CongInfo::Vegas {
                        enabled,
                        rttcnt,
                        rtt,
                        minrtt,
                    });
                }
            }
            // struct tcp_dctcp_info { u16 enabled, ce_state; u32 alpha, ab_ecn, ab_tot; }
            INET_DIAG_DCTCPINFO if v.len() >= 16 => {
                cong_info = Some(CongInfo::Dctcp {
                    enabled: u16::from_ne_bytes([v[0], v[1]]),
                    ce_state: u16::from_ne_bytes([v[2], v[3]]),
                    alpha: u32_at(v, 4).unwrap_or(0),
                    ab_ecn: u32_at(v, 8).unwrap_or(0),
                    ab_tot: u32_at(v, 12).unwrap_or(0),
                });
            }
            INET_DIAG_BBRINFO => {
                // struct tcp_bbr_info { u32 bw_lo, bw_hi, min_rtt, pacing_gain, cwnd_gain; }
                if let (Some(lo), Some(hi), Some(min_rtt), Some(pg), Some(cg)) = (
                    u32_at(v, 0),
                    u32_at(v, 4),
                    u32_at(v, 8),
                    u32_at(v, 12),
                    u32_at(v, 16),
                ) {
                    cong_info = Some(CongInfo::Bbr {
                        bw: u64::from(hi) << 32 | u64::from(lo),
                        min_rtt,
                        pacing_gain: pg,
                        cwnd_gain: cg,
                    });
                }
            }
            INET_DIAG_SKMEMINFO => s.mem = meminfo(v),
            INET_DIAG_SHUTDOWN => s.shutdown = v.first().copied(),
            INET_DIAG_SKV6ONLY => s.v6only = v.first().map(|&b| b != 0),
            INET_DIAG_MARK => s.mark = u32_at(v, 0),
            INET_DIAG_CGROUP_ID => s.cgroup_id = u64_at(v, 0),
            _ => {}
        }
    }
    if let Some(name) = cong_name {
        s.cong = Some(Congestion {
            name,
            info: cong_info,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::push_attr;
    use rnetstat_model::Family;

    #[test]
    fn every_attribute_lands_in_its_field() {
        let mut b = Vec::new();
        push_attr(&mut b, INET_DIAG_SHUTDOWN, &[2]); // send side shut
        push_attr(&mut b, INET_DIAG_CONG, b"bbr\0");
        let mut bbr = Vec::new();
        for w in [0x10u32, 0x1, 5000, 739, 512] {
            bbr.extend_from_slice(&w.to_ne_bytes()); // bw_lo, bw_hi, min_rtt, gains
        }
        push_attr(&mut b, INET_DIAG_BBRINFO, &bbr);
        let mem: Vec<u8> = (1..=9u32).flat_map(|w| w.to_ne_bytes()).collect();
        push_attr(&mut b, INET_DIAG_SKMEMINFO, &mem);
        push_attr(&mut b, INET_DIAG_SKV6ONLY, &[1]);
        push_attr(&mut b, INET_DIAG_MARK, &0x42u32.to_ne_bytes());
        push_attr(&mut b, 14, &[]); // INET_DIAG_PAD
        push_attr(&mut b, INET_DIAG_CGROUP_ID, &77u64.to_ne_bytes());
        let mut s = Socket::inet(Proto::Tcp, Family::Inet6);
        inet(&b, &mut s);
        assert_eq!(s.shutdown, Some(2));
        let c = s.cong.unwrap();
        assert_eq!(c.name, "bbr");
        assert_eq!(
            c.info,
            Some(CongInfo::Bbr {
                bw: 0x1_0000_0010,
                min_rtt: 5000,
                pacing_gain: 739,
                cwnd_gain: 512
            })
        );
        let m = s.mem.unwrap();
        assert_eq!((m.rmem_alloc, m.sndbuf, m.drops), (1, 4, 9));
        assert_eq!(
            (s.v6only, s.mark, s.cgroup_id),
            (Some(true), Some(0x42), Some(77))
        );
    }

    #[test]
    fn short_and_broken_attributes_are_skipped() {
        let mut b = Vec::new();
        push_attr(&mut b, INET_DIAG_MARK, &[1, 2]); // too short for a u32
        push_attr(&mut b, INET_DIAG_SKMEMINFO, &[0; 12]); // too short
        b.extend_from_slice(&[200, 0, 15, 0]); // claims 200 bytes
        let mut s = Socket::inet(Proto::Tcp, Family::Inet);
        inet(&b, &mut s);
        assert_eq!((s.mark, s.mem), (None, None));
        assert_eq!(iter(&b).count(), 2);
    }
}
