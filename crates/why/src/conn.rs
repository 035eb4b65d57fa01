//! The verdicts about one TCP socket: a connection ([`connection`]) or a listener
//! ([`listener`]), from one sample or from two an interval apart. Each rule and threshold
//! is the one docs/why.md states; the tests below check every boundary from both sides.

use std::time::Duration;

use rnetstat_model::why::{Evidence, Finding, Severity, Value, Verdict};
use rnetstat_model::{Proto, Socket, State, TimerKind};

/// What the rules read of one TCP socket at one moment: a few dozen bytes, so two samples
/// of 100k sockets stay small. Times are microseconds, as in [`rnetstat_model::TcpInfo`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Conn {
    pub state: Option<State>,
    pub recv_q: u32,
    pub send_q: u32,
    pub probe_timer: bool,
    /// The retransmit timer's count (`idiag_retrans`): SYNs resent, for SYN-SENT.
    pub timer_retrans: u32,
    /// Whether the kernel sent `tcp_info` (every rule below the queues needs it).
    pub info: bool,
    pub ca_state: u8,
    pub retransmits: u8,
    pub probes: u8,
    pub backoff: u8,
    pub rto_us: u32,
    pub snd_cwnd: u32,
    pub unacked: u32,
    /// `None` on kernels before 5.4 (no `tcpi_snd_wnd`).
    pub snd_wnd: Option<u32>,
    pub busy_us: u64,
    pub rwnd_limited_us: u64,
    pub sndbuf_limited_us: u64,
    pub total_retrans: u32,
    pub total_rto: u16,
    pub total_rto_recoveries: u16,
    pub dsack_dups: u32,
    pub data_segs_out: u32,
    pub bytes_acked: u64,
    pub bytes_received: u64,
    pub last_data_recv_us: u32,
}

impl Conn {
    /// The sample of a TCP socket; `None` for any other protocol.
    pub fn of(s: &Socket<'_>) -> Option<Conn> {
        if s.proto != Proto::Tcp {
            return None;
        }
        let mut c = Conn {
            state: Some(s.state),
            recv_q: s.recv_q,
            send_q: s.send_q,
            probe_timer: s.timer.is_some_and(|t| t.kind == TimerKind::Probe),
            timer_retrans: s
                .timer
                .filter(|t| t.kind == TimerKind::Retransmit)
                .map_or(0, |t| t.retrans),
            ..Conn::default()
        };
        if let Some(i) = s.tcp_info.as_deref() {
            c.info = true;
            c.ca_state = i.ca_state.unwrap_or(0);
            c.retransmits = i.retransmits.unwrap_or(0);
            c.probes = i.probes.unwrap_or(0);
            c.backoff = i.backoff.unwrap_or(0);
            c.rto_us = i.rto.unwrap_or(0);
            c.snd_cwnd = i.snd_cwnd.unwrap_or(0);
            c.unacked = i.unacked.unwrap_or(0);
            c.snd_wnd = i.snd_wnd;
            c.busy_us = i.busy_time.unwrap_or(0);
            c.rwnd_limited_us = i.rwnd_limited.unwrap_or(0);
            c.sndbuf_limited_us = i.sndbuf_limited.unwrap_or(0);
            c.total_retrans = i.total_retrans.unwrap_or(0);
            c.total_rto = i.total_rto.unwrap_or(0);
            c.total_rto_recoveries = i.total_rto_recoveries.unwrap_or(0);
            c.dsack_dups = i.dsack_dups.unwrap_or(0);
            c.data_segs_out = i.data_segs_out.unwrap_or(0);
            c.bytes_acked = i.bytes_acked.unwrap_or(0);
            c.bytes_received = i.bytes_received.unwrap_or(0);
            c.last_data_recv_us = i.last_data_recv.unwrap_or(0);
        }
        Some(c)
    }
}

/// `ca_state` values (`TCP_CA_*`, include/uapi/linux/tcp.h).
const CA_RECOVERY: u8 = 3;
const CA_LOSS: u8 = 4;

/// A share that decides a limit: at least half of the busy time.
pub const DOMINANT: u32 = 500;
/// Busy less than this share of the interval: the application, not the network, sets the pace.
pub const BUSY_FOR_APP_LIMITED: u32 = 500;
/// Less busy time than this over an interval is too little to say what limited it.
pub const MIN_BUSY: Duration = Duration::from_millis(10);
/// Retransmitted segments (spurious ones, reported back by D-SACK, excluded) at or above
/// this share of the segments sent: a warning; below it, information.
pub const RETRANS_WARNING_PER_MILLE: u64 = 10;
/// One sample: Recv-Q held at least this long after the last data arrived means the
/// application is not reading.
pub const UNREAD_AFTER: Duration = Duration::from_secs(1);
/// A listener's accept queue at or above this share of its backlog (in thousandths).
pub const ACCEPT_QUEUE_HIGH: u32 = 800;

/// States in which a socket may hold data to send.
fn sending(st: Option<State>) -> bool {
    matches!(
        st,
        Some(
            State::Established
                | State::CloseWait
                | State::FinWait1
                | State::LastAck
                | State::Closing
        )
    )
}

/// States in which received data may wait for the application.
fn receiving(st: Option<State>) -> bool {
    matches!(
        st,
        Some(State::Established | State::FinWait1 | State::FinWait2 | State::CloseWait)
    )
}

fn per_mille(part: u64, whole: u64) -> u32 {
    if whole == 0 {
        return 0;
    }
    (part.min(whole).saturating_mul(1000) / whole) as u32
}

/// `part / whole` as evidence (millionths).
fn share(part: u64, whole: u64) -> Value {
    if whole == 0 {
        return Value::Share(0);
    }
    Value::Share((u128::from(part.min(whole)) * 1_000_000 / u128::from(whole)) as u32)
}

fn ms(us: u64) -> Value {
    Value::Int(i64::try_from(us / 1000).unwrap_or(i64::MAX))
}

fn int(n: impl TryInto<i64>) -> Value {
    Value::Int(n.try_into().unwrap_or(i64::MAX))
}

fn finding(v: Verdict, sev: Severity, ev: Vec<(&'static str, Value)>) -> Finding {
    Finding::new(v, sev, Evidence(ev))
}

/// The verdicts about a connection (any TCP state but LISTEN), from `now` and, when it was
/// there an interval earlier, `before` with the interval. Worst first.
pub fn connection(now: &Conn, before: Option<(&Conn, Duration)>) -> Vec<Finding> {
    let mut out = Vec::new();
    if now.state == Some(State::Listen) || before.is_some_and(|(b, _)| quiet(now, b)) {
        return out;
    }
    connect_retrying(now, &mut out);
    close_wait(now, before, &mut out);
    let zero = zero_window(now, &mut out);
    if let Some((b, dt)) = before {
        let stuck = !zero && stalled(now, b, dt, &mut out);
        retransmitting(now, b, &mut out);
        // A stalled connection, or one in loss after a timeout, is limited by its losses.
        if !stuck && now.ca_state != CA_LOSS {
            limit(now, b, dt, &mut out);
        }
    } else {
        retransmitting_now(now, &mut out);
    }
    unread(now, before, &mut out);
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

/// An established connection with empty queues that moved nothing since `b`: no rule can
/// fire (each needs data waiting, sent, received or retransmitted, or a closed window), so
/// the many idle connections of a busy host cost one comparison.
fn quiet(now: &Conn, b: &Conn) -> bool {
    now.state == Some(State::Established)
        && b.state == now.state
        && now.send_q == 0
        && now.recv_q == 0
        && now.probes == 0
        && !now.probe_timer
        && now.bytes_acked == b.bytes_acked
        && now.bytes_received == b.bytes_received
        && now.total_retrans == b.total_retrans
        && now.data_segs_out == b.data_segs_out
}

fn connect_retrying(now: &Conn, out: &mut Vec<Finding>) {
    if now.state != Some(State::SynSent) {
        return;
    }
    let resent = u32::from(now.retransmits)
        .max(now.timer_retrans)
        .max(now.total_retrans);
    if resent > 0 {
        out.push(finding(
            Verdict::ConnectRetrying,
            Severity::Warning,
            vec![
                ("syn_retransmits", int(resent)),
                ("backoff", int(now.backoff)),
                ("rto_ms", ms(u64::from(now.rto_us))),
            ],
        ));
    }
}

fn close_wait(now: &Conn, before: Option<(&Conn, Duration)>, out: &mut Vec<Finding>) {
    if now.state != Some(State::CloseWait) {
        return;
    }
    let mut ev = vec![("recv_q", int(now.recv_q)), ("send_q", int(now.send_q))];
    match before {
        Some((b, dt)) if b.state == Some(State::CloseWait) => {
            // In CLOSE_WAIT at both samples, this far apart (at least this long).
            ev.push(("interval_ms", ms(dt.as_micros() as u64)));
        }
        // Entered CLOSE_WAIT during the interval: the application may be closing it now.
        Some(_) => return,
        None => {}
    }
    out.push(finding(Verdict::CloseWait, Severity::Warning, ev));
}

/// Returns whether the peer's window is zero (which explains a stall).
fn zero_window(now: &Conn, out: &mut Vec<Finding>) -> bool {
    if !sending(now.state) {
        return false;
    }
    let waiting = now.send_q > 0;
    let closed = match now.snd_wnd {
        Some(w) => w == 0 && (waiting || now.probes > 0 || now.probe_timer),
        // Kernels without tcpi_snd_wnd: the probe timer says the window is shut.
        None => now.probe_timer || now.probes > 0,
    };
    if closed {
        let mut ev = vec![("send_q", int(now.send_q))];
        if let Some(w) = now.snd_wnd {
            ev.push(("snd_wnd", int(w)));
        }
        ev.push(("probes", int(now.probes)));
        ev.push(("backoff", int(now.backoff)));
        ev.push((
            "probe_timer",
            Value::Word(if now.probe_timer { "on" } else { "off" }),
        ));
        out.push(finding(Verdict::ZeroWindow, Severity::Warning, ev));
    }
    closed
}

/// Returns whether the connection stalled (which explains why no limit is named).
fn stalled(now: &Conn, b: &Conn, dt: Duration, out: &mut Vec<Finding>) -> bool {
    // Nothing acknowledged proves a stall when a round trip fits in the interval (the RTO
    // bounds it from above), or when the retransmission timer already fired unanswered
    // (in loss, backed off): after a few backoffs the RTO outgrows any interval. (A zero
    // window's probes back off too, but leave the connection open: that is zero-window.)
    let waited_long_enough = dt.as_micros() > u128::from(now.rto_us.max(b.rto_us))
        || (now.ca_state == CA_LOSS && now.backoff > 0);
    if sending(now.state)
        && now.info
        && b.send_q > 0
        && now.send_q > 0
        && now.bytes_acked == b.bytes_acked
        && waited_long_enough
    {
        out.push(finding(
            Verdict::Stalled,
            Severity::Critical,
            vec![
                ("send_q", int(now.send_q)),
                ("bytes_acked_delta", int(0)),
                ("interval_ms", ms(dt.as_micros() as u64)),
                ("rto_ms", ms(u64::from(now.rto_us))),
                ("backoff", int(now.backoff)),
                (
                    "retransmits_delta",
                    int(now.total_retrans.wrapping_sub(b.total_retrans)),
                ),
            ],
        ));
        return true;
    }
    false
}

fn retransmitting(now: &Conn, b: &Conn, out: &mut Vec<Finding>) {
    if !now.info {
        return;
    }
    let resent = u64::from(now.total_retrans.wrapping_sub(b.total_retrans));
    if resent == 0 || now.state == Some(State::SynSent) {
        return;
    }
    let timeouts = u64::from(now.total_rto.wrapping_sub(b.total_rto));
    let spurious = u64::from(now.dsack_dups.wrapping_sub(b.dsack_dups)).min(resent);
    let sent = u64::from(now.data_segs_out.wrapping_sub(b.data_segs_out));
    let real = resent - spurious;
    if real == 0 && timeouts == 0 {
        // Every one reported back as needless (D-SACK): reordering, not loss.
        return;
    }
    let severity =
        if timeouts > 0 || u64::from(per_mille(real, sent.max(1))) >= RETRANS_WARNING_PER_MILLE {
            Severity::Warning
        } else {
            Severity::Info
        };
    out.push(finding(
        Verdict::Retransmitting,
        severity,
        vec![
            (
                "kind",
                Value::Word(if timeouts > 0 { "timeout" } else { "fast" }),
            ),
            ("retransmits", int(resent)),
            ("rto_timeouts", int(timeouts)),
            ("fast_retransmits", int(resent.saturating_sub(timeouts))),
            ("spurious", int(spurious)),
            ("data_segs_out", int(sent)),
            ("retransmit_share", share(real, sent.max(1))),
            (
                "rto_recoveries",
                int(now
                    .total_rto_recoveries
                    .wrapping_sub(b.total_rto_recoveries)),
            ),
        ],
    ));
}

/// One sample: only a loss the connection is in right now shows.
fn retransmitting_now(now: &Conn, out: &mut Vec<Finding>) {
    if !now.info || now.state == Some(State::SynSent) {
        return;
    }
    if now.retransmits > 0 || now.ca_state == CA_LOSS || now.ca_state == CA_RECOVERY {
        let timeout = now.ca_state == CA_LOSS || now.backoff > 0;
        out.push(finding(
            Verdict::Retransmitting,
            Severity::Warning,
            vec![
                (
                    "kind",
                    Value::Word(if timeout { "timeout" } else { "fast" }),
                ),
                ("ca_state", int(now.ca_state)),
                ("unrecovered_retransmits", int(now.retransmits)),
                ("backoff", int(now.backoff)),
                ("total_retrans", int(now.total_retrans)),
                ("total_rto", int(now.total_rto)),
            ],
        ));
    }
}

/// What held the sender back over the interval: the peer's window, the send buffer, the
/// congestion window (full at the sample, or in recovery), or the application. At most
/// one; none when the sender was busy and none of these shows (pacing, a slow device).
fn limit(now: &Conn, b: &Conn, dt: Duration, out: &mut Vec<Finding>) {
    if !now.info || !sending(now.state) {
        return;
    }
    let busy = now.busy_us.saturating_sub(b.busy_us);
    let rwnd = now.rwnd_limited_us.saturating_sub(b.rwnd_limited_us);
    let sndbuf = now.sndbuf_limited_us.saturating_sub(b.sndbuf_limited_us);
    let interval = dt.as_micros().max(1) as u64;
    let sent = now.data_segs_out.wrapping_sub(b.data_segs_out);
    let busy_share = per_mille(busy, interval);
    let ev = |extra: Vec<(&'static str, Value)>| {
        let mut v = vec![
            ("busy_ms", ms(busy)),
            ("interval_ms", ms(interval)),
            ("busy_share", share(busy, interval)),
            ("rwnd_limited_ms", ms(rwnd)),
            ("sndbuf_limited_ms", ms(sndbuf)),
        ];
        v.extend(extra);
        v
    };
    if busy < MIN_BUSY.as_micros() as u64 {
        if sent > 0 {
            out.push(finding(
                Verdict::AppLimited,
                Severity::Info,
                ev(vec![("data_segs_out", int(sent))]),
            ));
        }
        return;
    }
    let (r, s) = (per_mille(rwnd, busy), per_mille(sndbuf, busy));
    if r >= DOMINANT {
        out.push(finding(
            Verdict::ReceiverLimited,
            Severity::Warning,
            ev(vec![
                ("rwnd_limited_share", share(rwnd, busy)),
                ("snd_wnd", now.snd_wnd.map_or(Value::Word("unknown"), int)),
            ]),
        ));
    } else if s >= DOMINANT {
        out.push(finding(
            Verdict::SenderBufferLimited,
            Severity::Warning,
            ev(vec![
                ("sndbuf_limited_share", share(sndbuf, busy)),
                ("send_q", int(now.send_q)),
            ]),
        ));
    } else if busy_share < BUSY_FOR_APP_LIMITED {
        if sent > 0 {
            out.push(finding(
                Verdict::AppLimited,
                Severity::Info,
                ev(vec![("data_segs_out", int(sent))]),
            ));
        }
    } else if now.unacked >= now.snd_cwnd || now.ca_state != 0 {
        out.push(finding(
            Verdict::CongestionLimited,
            Severity::Info,
            ev(vec![
                ("snd_cwnd", int(now.snd_cwnd)),
                ("unacked", int(now.unacked)),
                ("ca_state", int(now.ca_state)),
            ]),
        ));
    }
}

/// Bytes of data waiting to be read: Recv-Q counts the peer's FIN as one more until the
/// application reads the end of the stream.
fn data_q(c: &Conn) -> u32 {
    match c.state {
        Some(State::CloseWait | State::LastAck | State::Closing) => c.recv_q.saturating_sub(1),
        _ => c.recv_q,
    }
}

fn unread(now: &Conn, before: Option<(&Conn, Duration)>, out: &mut Vec<Finding>) {
    if !receiving(now.state) || data_q(now) == 0 {
        return;
    }
    let ev = match before {
        Some((b, dt)) => {
            if data_q(b) == 0 || !now.info || !receiving(b.state) {
                return;
            }
            // Bytes the application read: what arrived, less what the queue grew by.
            let arrived = now.bytes_received.wrapping_sub(b.bytes_received) as i64;
            let read = arrived - (i64::from(data_q(now)) - i64::from(data_q(b)));
            if read != 0 {
                return;
            }
            vec![
                ("recv_q", int(now.recv_q)),
                ("unread_bytes", int(data_q(now))),
                ("read_bytes", int(0)),
                ("interval_ms", ms(dt.as_micros() as u64)),
            ]
        }
        None => {
            if !now.info || u128::from(now.last_data_recv_us) < UNREAD_AFTER.as_micros() {
                return;
            }
            vec![
                ("recv_q", int(now.recv_q)),
                ("last_data_recv_ms", ms(u64::from(now.last_data_recv_us))),
            ]
        }
    };
    out.push(finding(Verdict::Unread, Severity::Warning, ev));
}

/// The verdict about a listener (its Recv-Q the accept queue, its Send-Q the backlog),
/// with the earlier sample when there is one and the namespace's `ListenOverflows` over the
/// interval when known.
pub fn listener(now: &Conn, before: Option<&Conn>, overflows: Option<u64>) -> Option<Finding> {
    if now.state != Some(State::Listen) {
        return None;
    }
    let backlog = now.send_q;
    let full = |c: &Conn| c.recv_q > 0 && c.recv_q >= c.send_q;
    let mut ev = vec![("recv_q", int(now.recv_q)), ("backlog", int(backlog))];
    if let Some(b) = before {
        ev.push(("recv_q_before", int(b.recv_q)));
    }
    if let Some(o) = overflows {
        ev.push(("listen_overflows_delta", int(o)));
    }
    if full(now) || before.is_some_and(|b| b.state == Some(State::Listen) && full(b)) {
        return Some(finding(Verdict::ListenOverflow, Severity::Critical, ev));
    }
    if backlog > 0 && per_mille(u64::from(now.recv_q), u64::from(backlog)) >= ACCEPT_QUEUE_HIGH {
        ev.push((
            "fill_share",
            share(u64::from(now.recv_q), u64::from(backlog)),
        ));
        return Some(finding(Verdict::AcceptQueueHigh, Severity::Warning, ev));
    }
    None
}

#[cfg(test)]
#[path = "conn_tests.rs"]
mod tests;
