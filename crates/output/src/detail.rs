//! The detail line ss prints under a socket: `-ee` extras, `-m` memory and `--info` TCP
//! internals, in ss's words (`misc/ss.c`, `tcp_stats_print`, `print_skmeminfo`), so
//! people who read `ss -tiem` read this too. Times are printed in milliseconds as ss does;
//! the JSON form keeps microseconds.

use std::fmt::Write;

use rnetstat_collect::netlink::tcp_info::{
    TCPI_OPT_ECN, TCPI_OPT_ECN_SEEN, TCPI_OPT_SACK, TCPI_OPT_SYN_DATA, TCPI_OPT_TIMESTAMPS,
    TCPI_OPT_USEC_TS,
};
use rnetstat_model::{CongInfo, Congestion, Socket, TcpInfo};

/// Which parts of the detail line to print.
#[derive(Debug, Clone, Copy, Default)]
pub struct Detail {
    pub extended: bool,
    pub memory: bool,
    pub info: bool,
}

impl Detail {
    pub fn any(self) -> bool {
        self.extended || self.memory || self.info
    }
}

use rnetstat_model::CgroupPaths;

/// Appends `\t…` for `s`, or nothing when there is nothing to say.
pub fn push(l: &mut String, s: &Socket<'_>, d: Detail, cgroups: Option<&CgroupPaths>) {
    let start = l.len();
    l.push('\t');
    let mark = l.len();
    if d.extended {
        extended(l, s, cgroups);
    }
    if d.memory
        && let Some(m) = s.mem
    {
        let _ = write!(
            l,
            " skmem:(r{},rb{},t{},tb{},f{},w{},o{},bl{},d{})",
            m.rmem_alloc,
            m.rcvbuf,
            m.wmem_alloc,
            m.sndbuf,
            m.fwd_alloc,
            m.wmem_queued,
            m.optmem,
            m.backlog,
            m.drops
        );
    }
    if d.info
        && let Some(i) = &s.tcp_info
    {
        info(l, i, s.cong);
    }
    if l.len() == mark {
        l.truncate(start);
    } else {
        // Items are written with a leading space; the tab replaces the first.
        l.remove(mark);
    }
}

fn extended(l: &mut String, s: &Socket<'_>, cgroups: Option<&CgroupPaths>) {
    if s.cookie != 0 {
        let _ = write!(l, " sk:{:x}", s.cookie);
    }
    if let Some(id) = s.cgroup_id {
        match cgroups.and_then(|c| c.get(&id)) {
            Some(p) => {
                l.push_str(" cgroup:");
                crate::sanitize::push_sanitized(l, p.as_bytes());
            }
            None => {
                let _ = write!(l, " cgroup_id:{id}");
            }
        }
    }
    if let Some(m) = s.mark.filter(|&m| m != 0) {
        let _ = write!(l, " fwmark:0x{m:x}");
    }
    if let Some(v) = s.v6only {
        let _ = write!(l, " v6only:{}", u8::from(v));
    }
    if let Some(sh) = s.shutdown {
        // ss: '<' while the receive side is open, '>' while the send side is.
        l.push(' ');
        l.push(if sh & 1 != 0 { '-' } else { '<' });
        l.push('-');
        l.push(if sh & 2 != 0 { '-' } else { '>' });
    }
}

/// Microseconds as milliseconds, the way ss's `%g` shows them (204, 0.031, 1.5).
fn ms(l: &mut String, us: u64) {
    let _ = write!(l, "{}", us / 1000);
    let frac = us % 1000;
    if frac != 0 {
        let _ = write!(l, ".{frac:03}");
        while l.ends_with('0') {
            l.pop();
        }
    }
}

/// A rate in bits per second as ss's `sprint_bw` writes it.
fn bw(l: &mut String, bps: f64) {
    let _ = if bps > 1e9 {
        write!(l, "{:.1}Gbps", bps / 1e9)
    } else if bps > 1e6 {
        write!(l, "{:.1}Mbps", bps / 1e6)
    } else if bps > 1e3 {
        write!(l, "{:.1}Kbps", bps / 1e3)
    } else {
        write!(l, "{bps}bps")
    };
}

/// ` name:value` for each value present.
fn counters(l: &mut String, items: &[(&str, Option<u64>)]) {
    for (name, v) in items {
        if let Some(v) = v {
            let _ = write!(l, "{name}{v}");
        }
    }
}

fn info(l: &mut String, i: &TcpInfo, algo: Option<Congestion<'_>>) {
    let cong = algo.and_then(|c| c.info);
    let nz = |v: Option<u32>| v.filter(|&v| v != 0);
    let nz64 = |v: Option<u64>| v.filter(|&v| v != 0);
    if let Some(o) = i.options {
        for (bit, name) in [
            (TCPI_OPT_TIMESTAMPS, " ts"),
            (TCPI_OPT_USEC_TS, " usec_ts"),
            (TCPI_OPT_SACK, " sack"),
            (TCPI_OPT_ECN, " ecn"),
            (TCPI_OPT_ECN_SEEN, " ecnseen"),
            (TCPI_OPT_SYN_DATA, " fastopen"),
        ] {
            if o & bit != 0 {
                l.push_str(name);
            }
        }
    }
    if let Some(c) = algo {
        l.push(' ');
        crate::sanitize::push_sanitized(l, c.name.as_bytes());
    }
    if let (Some(s), Some(r)) = (i.snd_wscale, i.rcv_wscale) {
        let _ = write!(l, " wscale:{s},{r}");
    }
    if let Some(v) = nz(i.rto) {
        l.push_str(" rto:");
        ms(l, u64::from(v));
    }
    if let Some(v) = i.backoff.filter(|&b| b != 0) {
        let _ = write!(l, " backoff:{v}");
    }
    if let Some(v) = nz(i.rtt) {
        l.push_str(" rtt:");
        ms(l, u64::from(v));
        l.push('/');
        ms(l, u64::from(i.rttvar.unwrap_or(0)));
    }
    if let Some(v) = nz(i.ato) {
        l.push_str(" ato:");
        ms(l, u64::from(v));
    }
    counters(
        l,
        &[
            (" mss:", nz(i.snd_mss).map(u64::from)),
            (" pmtu:", nz(i.pmtu).map(u64::from)),
            (" rcvmss:", nz(i.rcv_mss).map(u64::from)),
            (" advmss:", nz(i.advmss).map(u64::from)),
            (" cwnd:", nz(i.snd_cwnd).map(u64::from)),
            // TCP_INFINITE_SSTHRESH means "not yet set"; ss hides it.
            (
                " ssthresh:",
                i.snd_ssthresh.filter(|&v| v < 0xffff).map(u64::from),
            ),
        ],
    );
    counters(
        l,
        &[
            (" bytes_sent:", nz64(i.bytes_sent)),
            (" bytes_retrans:", nz64(i.bytes_retrans)),
            (" bytes_acked:", nz64(i.bytes_acked)),
            (" bytes_received:", nz64(i.bytes_received)),
            (" segs_out:", nz(i.segs_out).map(u64::from)),
            (" segs_in:", nz(i.segs_in).map(u64::from)),
            (" data_segs_out:", nz(i.data_segs_out).map(u64::from)),
            (" data_segs_in:", nz(i.data_segs_in).map(u64::from)),
        ],
    );
    match cong {
        Some(CongInfo::Dctcp { enabled: 0, .. }) => l.push_str(" dctcp:fallback_mode"),
        Some(CongInfo::Dctcp {
            ce_state,
            alpha,
            ab_ecn,
            ab_tot,
            ..
        }) => {
            let _ = write!(
                l,
                " dctcp:(ce_state:{ce_state},alpha:{alpha},ab_ecn:{ab_ecn},ab_tot:{ab_tot})"
            );
        }
        Some(CongInfo::Bbr {
            bw: b,
            min_rtt,
            pacing_gain,
            cwnd_gain,
        }) => {
            l.push_str(" bbr:(bw:");
            bw(l, b as f64 * 8.0);
            l.push_str(",mrtt:");
            ms(l, u64::from(min_rtt));
            if pacing_gain != 0 {
                let _ = write!(l, ",pacing_gain:{}", f64::from(pacing_gain) / 256.0);
            }
            if cwnd_gain != 0 {
                let _ = write!(l, ",cwnd_gain:{}", f64::from(cwnd_gain) / 256.0);
            }
            l.push(')');
        }
        Some(CongInfo::Vegas {
            enabled,
            rttcnt,
            rtt,
            minrtt,
        }) if enabled != 0 => {
            let _ = write!(l, " vegas:(rttcnt:{rttcnt},rtt:{rtt},minrtt:{minrtt})");
        }
        _ => {}
    }
    // ss's "send": cwnd × mss per RTT.
    if let (Some(rtt), Some(cwnd), Some(mss)) = (nz(i.rtt), nz(i.snd_cwnd), nz(i.snd_mss)) {
        l.push_str(" send ");
        bw(
            l,
            f64::from(cwnd) * f64::from(mss) * 8.0 * 1e6 / f64::from(rtt),
        );
    }
    for (name, v) in [
        (" lastsnd:", nz(i.last_data_sent)),
        (" lastrcv:", nz(i.last_data_recv)),
        (" lastack:", nz(i.last_ack_recv)),
    ] {
        if let Some(v) = v {
            let _ = write!(l, "{name}{}", v / 1000);
        }
    }
    if let Some(p) = nz64(i.pacing_rate).filter(|&p| p != u64::MAX) {
        l.push_str(" pacing_rate ");
        bw(l, p as f64 * 8.0);
        if let Some(m) = nz64(i.max_pacing_rate).filter(|&m| m != u64::MAX) {
            l.push('/');
            bw(l, m as f64 * 8.0);
        }
    }
    if let Some(d) = nz64(i.delivery_rate) {
        l.push_str(" delivery_rate ");
        bw(l, d as f64 * 8.0);
    }
    if let Some(v) = nz(i.delivered) {
        let _ = write!(l, " delivered:{v}");
    }
    if let Some(v) = nz(i.delivered_ce) {
        let _ = write!(l, " delivered_ce:{v}");
    }
    if i.delivery_rate_app_limited == Some(true) {
        l.push_str(" app_limited");
    }
    if let Some(busy) = nz64(i.busy_time) {
        let _ = write!(l, " busy:{}ms", busy / 1000);
        for (name, v) in [
            (" rwnd_limited:", nz64(i.rwnd_limited)),
            (" sndbuf_limited:", nz64(i.sndbuf_limited)),
        ] {
            if let Some(v) = v {
                let pct = 100.0 * v as f64 / busy as f64;
                let _ = write!(l, "{name}{}ms({pct:.1}%)", v / 1000);
            }
        }
    }
    if let Some(v) = nz(i.unacked) {
        let _ = write!(l, " unacked:{v}");
    }
    let (r, total) = (i.retrans.unwrap_or(0), i.total_retrans.unwrap_or(0));
    if r != 0 || total != 0 {
        let _ = write!(l, " retrans:{r}/{total}");
    }
    counters(
        l,
        &[
            (" lost:", nz(i.lost).map(u64::from)),
            (" sacked:", nz(i.sacked).map(u64::from)),
            (" dsack_dups:", nz(i.dsack_dups).map(u64::from)),
            (" fackets:", nz(i.fackets).map(u64::from)),
            (
                " reordering:",
                i.reordering.filter(|&r| r != 3).map(u64::from),
            ),
            (" reord_seen:", nz(i.reord_seen).map(u64::from)),
        ],
    );
    if let Some(v) = nz(i.rcv_rtt) {
        l.push_str(" rcv_rtt:");
        ms(l, u64::from(v));
    }
    counters(
        l,
        &[
            (" rcv_space:", nz(i.rcv_space).map(u64::from)),
            (" rcv_ssthresh:", nz(i.rcv_ssthresh).map(u64::from)),
            (" notsent:", nz(i.notsent_bytes).map(u64::from)),
        ],
    );
    if let Some(v) = nz(i.min_rtt) {
        l.push_str(" minrtt:");
        ms(l, u64::from(v));
    }
    counters(
        l,
        &[
            (" rcv_ooopack:", nz(i.rcv_ooopack).map(u64::from)),
            (" snd_wnd:", nz(i.snd_wnd).map(u64::from)),
            (" rcv_wnd:", nz(i.rcv_wnd).map(u64::from)),
            (" rehash:", nz(i.rehash).map(u64::from)),
        ],
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnetstat_model::{Family, MemInfo, Proto};

    #[test]
    fn line_reads_like_ss() {
        let mut s = Socket::inet(Proto::Tcp, Family::Inet);
        s.cookie = 0x2a;
        s.shutdown = Some(1);
        s.mark = Some(0x10);
        s.cgroup_id = Some(5);
        s.cong = Some(Congestion {
            name: "cubic",
            info: None,
        });
        s.mem = Some(MemInfo {
            rcvbuf: 131_072,
            sndbuf: 2_626_560,
            ..MemInfo::default()
        });
        s.tcp_info = Some(Box::new(TcpInfo {
            options: Some(TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK),
            snd_wscale: Some(7),
            rcv_wscale: Some(7),
            rto: Some(204_000),
            rtt: Some(31),
            rttvar: Some(15),
            ato: Some(40_000),
            snd_mss: Some(32_768),
            snd_cwnd: Some(10),
            snd_ssthresh: Some(0x7fff_ffff),
            bytes_acked: Some(6),
            last_data_sent: Some(1_528_000),
            reordering: Some(3),
            min_rtt: Some(30),
            ..TcpInfo::default()
        }));
        let mut cg = CgroupPaths::new();
        cg.insert(5, "/user.slice".into());
        let mut l = String::from("tcp");
        push(
            &mut l,
            &s,
            Detail {
                extended: true,
                memory: true,
                info: true,
            },
            Some(&cg),
        );
        assert_eq!(
            l,
            "tcp\tsk:2a cgroup:/user.slice fwmark:0x10 --> \
             skmem:(r0,rb131072,t0,tb2626560,f0,w0,o0,bl0,d0) ts sack cubic wscale:7,7 \
             rto:204 rtt:0.031/0.015 ato:40 mss:32768 cwnd:10 bytes_acked:6 \
             send 84557419.4Gbps lastsnd:1528 minrtt:0.03"
                .replace("84557419.4Gbps", &{
                    let mut b = String::new();
                    bw(&mut b, 10.0 * 32768.0 * 8.0 * 1e6 / 31.0);
                    b
                })
        );
        let mut empty = String::from("x");
        push(
            &mut empty,
            &Socket::inet(Proto::Udp, Family::Inet),
            Detail {
                info: true,
                ..Detail::default()
            },
            None,
        );
        assert_eq!(empty, "x");
    }
}
