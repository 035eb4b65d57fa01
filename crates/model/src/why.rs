//! Findings: what limits a connection or troubles a listener, a process, a namespace or
//! the host, in a fixed vocabulary ([`Verdict`], docs/why.md), each with its severity and
//! the numbers that decided it. `rnetstat-why` makes them; the renderers print them.

use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};

/// How bad a finding is, worst last (so `max` is the worst).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Critical];

    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Connection,
    Listener,
    Process,
    Netns,
    Host,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::Connection => "connection",
            Scope::Listener => "listener",
            Scope::Process => "process",
            Scope::Netns => "netns",
            Scope::Host => "host",
        }
    }
}

macro_rules! verdicts {
    ($($v:ident = $name:literal, $scope:ident, $hint:literal;)*) => {
        /// The fixed vocabulary of findings (docs/why.md gives each one's rule).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Verdict { $($v,)* }

        impl Verdict {
            pub const ALL: &'static [Verdict] = &[$(Verdict::$v,)*];

            /// The name scripts and metrics use.
            pub fn name(self) -> &'static str {
                match self { $(Verdict::$v => $name,)* }
            }

            pub fn scope(self) -> Scope {
                match self { $(Verdict::$v => Scope::$scope,)* }
            }

            /// What people usually do about it, in one line.
            pub fn hint(self) -> &'static str {
                match self { $(Verdict::$v => $hint,)* }
            }

            pub fn from_name(name: &str) -> Option<Verdict> {
                Verdict::ALL.iter().copied().find(|v| v.name() == name)
            }
        }
    };
}

verdicts! {
    ZeroWindow = "zero-window", Connection,
        "the peer's application stopped reading: look at the process on the other end";
    ReceiverLimited = "receiver-limited", Connection,
        "the peer reads slower than this end sends, or its receive buffer is small (tcp_rmem on the peer)";
    SenderBufferLimited = "sender-buffer-limited", Connection,
        "raise the send buffer (SO_SNDBUF, or tcp_wmem's maximum so autotuning can grow it)";
    CongestionLimited = "congestion-limited", Connection,
        "the path is the limit; a different congestion control (e.g. BBR) or less competing traffic may help";
    AppLimited = "app-limited", Connection,
        "the sending application writes less than the connection could carry (not a network fault)";
    Retransmitting = "retransmitting", Connection,
        "segments are lost on the path: look for drops (interface errors, queues, firewalls) between the ends";
    Stalled = "stalled", Connection,
        "nothing is acknowledged: the peer or the path is gone; check reachability, or let the connection time out";
    Unread = "unread", Connection,
        "the local application is not reading this socket: it may be blocked or busy elsewhere";
    CloseWait = "close-wait", Connection,
        "the peer closed; the local application must close() its end";
    ConnectRetrying = "connect-retrying", Connection,
        "the peer does not answer SYNs: check that it listens and that no firewall drops them";
    ListenOverflow = "listen-overflow", Listener,
        "the application does not accept() fast enough: accept faster, or raise the backlog (listen(), somaxconn)";
    AcceptQueueHigh = "accept-queue-high", Listener,
        "the accept queue is filling: the application accepts slower than connections arrive";
    CloseWaitLeak = "close-wait-leak", Process,
        "the process does not close sockets its peers closed: a descriptor leak in the application";
    SynDrops = "syn-drops", Netns,
        "connection attempts are dropped: a listener's queue is full (accept faster, raise the backlog) or a SYN flood";
    PortExhaustion = "port-exhaustion", Netns,
        "ephemeral ports to this destination run out: reuse connections, widen ip_local_port_range, or add source addresses";
    RcvqDrops = "rcvq-drops", Netns,
        "receivers fall behind: sockets' receive queues overflow (slow readers, small tcp_rmem)";
    RstStorm = "rst-storm", Netns,
        "many resets are sent: connections to closed ports, a port scan, or an application aborting connections";
    MemoryPressure = "memory-pressure", Host,
        "TCP memory is at the kernel's pressure level: buffers are being shrunk; raise tcp_mem or find the sockets holding memory";
    Orphans = "orphans", Host,
        "many closed sockets are still sending their data: peers that do not read, or raise tcp_max_orphans";
    ConntrackFull = "conntrack-full", Host,
        "the connection-tracking table is full: new flows are dropped; raise nf_conntrack_max or shorten timeouts";
}

/// One number (or word) of evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A count, a size in bytes, a time in milliseconds (the field's name says which).
    Int(i64),
    /// A share in millionths (0 to 1,000,000), printed as 0 to 1 in JSON: exact, so
    /// findings compare equal, and fine enough for 19 retransmits in 65,052 segments.
    Share(u32),
    /// A word from a fixed set (`timeout`, `fast`).
    Word(&'static str),
    /// A name or an address (`10.0.0.5:5432`).
    Text(String),
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Int(n) => s.serialize_i64(*n),
            Value::Share(x) => s.serialize_f64(f64::from(*x) / 1e6),
            Value::Word(w) => s.serialize_str(w),
            Value::Text(t) => s.serialize_str(t),
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Share(x) => write!(f, "{}%", f64::from(*x) / 1e4),
            Value::Word(w) => f.write_str(w),
            Value::Text(t) => f.write_str(t),
        }
    }
}

/// The fields and deltas that decided a finding, in the order the rule reads them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Evidence(pub Vec<(&'static str, Value)>);

impl Evidence {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// An integer field, for tests and thresholds.
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.get(name)? {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }
}

impl Serialize for Evidence {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// A verdict about one thing, with its severity and evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub verdict: Verdict,
    pub severity: Severity,
    pub evidence: Evidence,
}

impl Finding {
    pub fn new(verdict: Verdict, severity: Severity, evidence: Evidence) -> Finding {
        Finding {
            verdict,
            severity,
            evidence,
        }
    }
}

/// As a socket record's `why` entry: `{"verdict", "severity", "evidence", "hint"}`.
impl Serialize for Finding {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Finding", 4)?;
        st.serialize_field("verdict", self.verdict.name())?;
        st.serialize_field("severity", self.severity.name())?;
        st.serialize_field("evidence", &self.evidence)?;
        st.serialize_field("hint", self.verdict.hint())?;
        st.end()
    }
}

/// The finding a one-word column shows: the worst, the first of equals.
pub fn main_finding(findings: &[Finding]) -> Option<&Finding> {
    findings.iter().rev().max_by_key(|f| f.severity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for &v in Verdict::ALL {
            assert!(seen.insert(v.name()), "{}", v.name());
            assert_eq!(Verdict::from_name(v.name()), Some(v));
            assert!(!v.hint().is_empty());
        }
        assert_eq!(Verdict::ALL.len(), 20);
    }

    #[test]
    fn json_shape() {
        let f = Finding::new(
            Verdict::ZeroWindow,
            Severity::Warning,
            Evidence(vec![
                ("snd_wnd", Value::Int(0)),
                ("rwnd_limited_share", Value::Share(933_000)),
                ("kind", Value::Word("timeout")),
            ]),
        );
        let j = serde_json::to_string(&f).unwrap();
        assert_eq!(
            j,
            r#"{"verdict":"zero-window","severity":"warning","evidence":{"snd_wnd":0,"rwnd_limited_share":0.933,"kind":"timeout"},"hint":"the peer's application stopped reading: look at the process on the other end"}"#
        );
    }

    #[test]
    fn main_is_the_worst_then_the_first() {
        let f = |v, s| Finding::new(v, s, Evidence::default());
        let list = [
            f(Verdict::AppLimited, Severity::Info),
            f(Verdict::ZeroWindow, Severity::Warning),
            f(Verdict::Unread, Severity::Warning),
        ];
        assert_eq!(main_finding(&list).unwrap().verdict, Verdict::ZeroWindow);
        assert!(main_finding(&[]).is_none());
    }
}
