//! `watch`'s and `trace`'s events, one per line: text for people, JSON lines for scripts
//! (`{"time", "event", "previous_state"?, "kind"?, "reason"?, "socket"}`, docs/json.md).

use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use rnetstat_collect::owners::Owners;
use rnetstat_model::{Proto, Socket, State};

use super::json::JsonSocket;
use super::sanitize::push_sanitized;

/// Width of the Namespace cell: `net:[4026532305]` fits.
const NETNS_WIDTH: usize = 16;

/// What happened to a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    Open,
    /// Its state changed from this one.
    State(State),
    Close,
    /// The kernel retransmitted; of this kind (timeout, fast, tail-loss-probe).
    Retransmit(&'a str),
    /// The kernel sent a reset, for this reason (its `sk_rst_reason` name).
    ResetSent(&'a str),
    ResetReceived,
    /// The kernel dropped a packet, for this reason (its `skb_drop_reason` name).
    Drop(&'a str),
}

impl Event<'_> {
    fn name(self) -> &'static str {
        match self {
            Event::Open => "open",
            Event::State(_) => "state",
            Event::Close => "close",
            Event::Retransmit(_) => "retransmit",
            Event::ResetSent(_) => "reset-sent",
            Event::ResetReceived => "reset-received",
            Event::Drop(_) => "drop",
        }
    }

    /// (`kind`, `reason`): what JSON and text add for a kernel event.
    fn detail(self) -> (Option<&'static str>, Option<String>) {
        match self {
            Event::Retransmit(k) => (Some("kind"), Some(k.to_string())),
            Event::ResetSent(r) | Event::Drop(r) => (Some("reason"), Some(r.to_string())),
            _ => (None, None),
        }
    }
}

pub struct Events<'a, W: Write> {
    out: W,
    json: bool,
    owners: Option<&'a Owners>,
    /// Text starts with the socket's namespace (`-N`, `--all-netns`, `--container`).
    netns_column: bool,
    /// `trace`: an identity of the socket across its events (not its address).
    socket_id: Option<u64>,
    /// `trace`: the segments a retransmit sent again.
    segments: Option<u32>,
    /// Width of the event's name in text (`trace`'s names are longer than `watch`'s).
    name_width: usize,
}

#[derive(Serialize)]
struct JsonEvent<'a> {
    time: String,
    event: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    segments: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    socket_id: Option<u64>,
    socket: JsonSocket<'a>,
}

impl<'a, W: Write> Events<'a, W> {
    pub fn new(out: W, json: bool, owners: Option<&'a Owners>, netns_column: bool) -> Self {
        Events {
            out,
            json,
            owners,
            netns_column,
            socket_id: None,
            segments: None,
            name_width: 5,
        }
    }

    /// The processes later events are named by (`history`: a pid another process took
    /// again names that one from then on).
    pub fn set_owners(&mut self, owners: Option<&'a Owners>) {
        self.owners = owners;
    }

    /// Text with room for `trace`'s longest event name (`reset-received`).
    pub fn wide_names(mut self) -> Self {
        self.name_width = 14;
        self
    }

    /// A retransmit's segments (JSON `segments`, text `segments=N`).
    pub fn segments(mut self, n: Option<u32>) -> Self {
        self.segments = n;
        self
    }

    /// Events of one socket share this number in JSON (`socket_id`).
    pub fn socket_id(mut self, id: Option<u64>) -> Self {
        self.socket_id = id;
        self
    }

    pub fn event(&mut self, at: SystemTime, e: Event<'_>, s: &Socket<'_>) -> io::Result<()> {
        let previous = match e {
            Event::State(p) => Some(p),
            _ => None,
        };
        let (detail_key, detail) = e.detail();
        if self.json {
            let rec = JsonEvent {
                time: rfc3339(at),
                event: e.name(),
                previous_state: previous.map(State::name),
                kind: detail.as_deref().filter(|_| detail_key == Some("kind")),
                reason: detail.as_deref().filter(|_| detail_key == Some("reason")),
                segments: self.segments,
                socket_id: self.socket_id,
                socket: JsonSocket::new(s, self.owners),
            };
            // One write per event: a reader of a pipe never sees half a line.
            let mut line = serde_json::to_vec(&rec).map_err(io::Error::other)?;
            line.push(b'\n');
            self.out.write_all(&line)?;
            return self.out.flush();
        }
        let mut l = String::with_capacity(160);
        let t = rfc3339(at);
        l.push_str(t.get(11..23).unwrap_or(&t)); // HH:MM:SS.mmm
        l.push(' ');
        l.push_str(&format!("{:<w$} ", e.name(), w = self.name_width));
        if self.netns_column {
            // As the listing's Namespace column: a container, a /run/netns name, net:[inode].
            let label = s
                .netns
                .map_or_else(|| "-".to_string(), |n| n.label().to_string());
            let start = l.len();
            push_sanitized(&mut l, label.as_bytes());
            let width = l[start..].chars().count();
            l.push_str(&" ".repeat(NETNS_WIDTH.saturating_sub(width) + 1));
        }
        let mut proto = s.proto.name().to_string();
        if s.family == rnetstat_model::Family::Inet6 {
            proto.push('6');
        }
        l.push_str(&format!("{proto:<6} "));
        if s.proto == Proto::Unix {
            l.push_str(&format!("{:<47} ", format!("inode {}", s.inode)));
        } else {
            let ep =
                |e: rnetstat_model::Endpoint| std::net::SocketAddr::new(e.addr, e.port).to_string();
            l.push_str(&format!("{:<23} {:<23} ", ep(s.local), ep(s.remote)));
        }
        match previous {
            Some(p) => l.push_str(&format!("{}→{}", p.name(), s.state.name())),
            None => l.push_str(s.state.name()),
        }
        if let (Some(k), Some(d)) = (detail_key, &detail) {
            l.push_str(&format!(" {k}="));
            push_sanitized(&mut l, d.as_bytes());
        }
        if let Some(n) = self.segments {
            l.push_str(&format!(" segments={n}"));
        }
        if let Some(o) = self.owners
            && let Some(p) = o.holders(s.inode).first().and_then(|h| o.process(h.1.pid))
        {
            l.push(' ');
            push_sanitized(&mut l, p.netstat_name.as_bytes());
        }
        if e == Event::Close
            && let Some(i) = &s.tcp_info
            && let (Some(r), Some(a)) = (i.bytes_received, i.bytes_acked)
        {
            l.push_str(&format!(" in={r} out={a}"));
        }
        if s.proto == Proto::Unix
            && let Some(p) = s.path
        {
            l.push(' ');
            push_sanitized(&mut l, p);
        }
        l.push('\n');
        self.out.write_all(l.as_bytes())?;
        self.out.flush()
    }
}

/// A time read back from a file (Unix ms, any value), as a `SystemTime`: held between
/// 1970 and the end of 9999, so a corrupt or crafted value cannot overflow.
pub fn from_unix_ms(ms: i64) -> SystemTime {
    const LAST: i64 = 253_402_300_799_999;
    UNIX_EPOCH + std::time::Duration::from_millis(ms.clamp(0, LAST) as u64)
}

/// `2026-11-30T02:59:37.123Z` (RFC 3339, UTC, milliseconds).
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, day) = civil(days as i64);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (the usual era arithmetic: 400-year eras of 146,097 days).
fn civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rfc3339_dates() {
        let at = |s: u64, ms: u64| UNIX_EPOCH + Duration::from_secs(s) + Duration::from_millis(ms);
        assert_eq!(rfc3339(at(0, 0)), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(at(951_782_400, 5)), "2000-02-29T00:00:00.005Z");
        assert_eq!(rfc3339(at(1_796_003_977, 123)), "2026-11-30T01:59:37.123Z");
        assert_eq!(rfc3339(at(4_107_542_399, 999)), "2100-02-28T23:59:59.999Z");
    }
}
