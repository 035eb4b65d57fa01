//! Cells the netstat text and the table both print: the Timer cell (`-o`) and the Why
//! cell (`--why`).

use rnetstat_model::{Socket, TimerKind};

use super::addr::push_u64;

/// netstat's Timer cell: `kind (seconds/retrans/probes)`.
pub(crate) fn push_timer(l: &mut String, s: &Socket<'_>) {
    let (kind, ms, retr, probes) = match s.timer {
        Some(t) => match t.kind {
            TimerKind::Retransmit => ("on", t.expires_ms, t.retrans, 0),
            TimerKind::KeepAlive | TimerKind::Probe => (t.kind.name(), t.expires_ms, 0, t.retrans),
            TimerKind::Off => ("off", 0, t.retrans, 0),
            k => (k.name(), t.expires_ms, 0, 0),
        },
        None => ("off", 0, 0, 0),
    };
    l.push_str(kind);
    l.push_str(" (");
    push_u64(l, u64::from(ms / 1000));
    l.push('.');
    let cs = (ms % 1000) / 10;
    if cs < 10 {
        l.push('0');
    }
    push_u64(l, u64::from(cs));
    l.push('/');
    push_u64(l, u64::from(retr));
    l.push('/');
    push_u64(l, u64::from(probes));
    l.push(')');
}

/// The Why cell: the socket's verdicts, worst first, comma-separated; `-` when none.
pub(crate) fn push_why(l: &mut String, s: &Socket<'_>) {
    if s.why.is_empty() {
        l.push('-');
    }
    for (i, f) in s.why.iter().enumerate() {
        if i > 0 {
            l.push(',');
        }
        l.push_str(f.verdict.name());
    }
}

/// The Reasons cell: what the kernel's tracepoints counted (`fast=2,rst_sent=1(reason),
/// drop:no_socket=3`), `-` when nothing.
pub(crate) fn push_reasons(l: &mut String, s: &Socket<'_>) {
    let start = l.len();
    if let Some(e) = s.events {
        let mut part = |text: String| {
            if l.len() > start {
                l.push(',');
            }
            super::sanitize::push_sanitized(l, text.as_bytes());
        };
        for (name, n) in [
            ("rto", e.retransmits_timeout),
            ("fast", e.retransmits_fast),
            ("tlp", e.retransmits_tail_loss_probe),
        ] {
            if n > 0 {
                part(format!("{name}={n}"));
            }
        }
        if e.resets_sent > 0 {
            match &e.reset_reason {
                Some(r) => part(format!("rst_sent={}({r})", e.resets_sent)),
                None => part(format!("rst_sent={}", e.resets_sent)),
            }
        }
        if e.resets_received > 0 {
            part(format!("rst_recv={}", e.resets_received));
        }
        for (r, n) in &e.drops {
            part(format!("drop:{r}={n}"));
        }
    }
    if l.len() == start {
        l.push('-');
    }
}

/// The Age cell: how long since the recorder first saw the socket (`>` when that is only a
/// bound: it may be older), `-` when the recorder has not seen it.
pub(crate) fn push_age(l: &mut String, s: &Socket<'_>) {
    let Some(f) = s.first_seen else {
        l.push('-');
        return;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    if !f.exact {
        l.push('>');
    }
    let secs = (now.saturating_sub(f.at_ms).max(0) / 1000) as u64;
    let (d, h, m, sec) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let text = if d > 0 {
        format!("{d}d{h}h")
    } else if h > 0 {
        format!("{h}h{m}m")
    } else if m > 0 {
        format!("{m}m{sec}s")
    } else {
        format!("{sec}s")
    };
    l.push_str(&text);
}
