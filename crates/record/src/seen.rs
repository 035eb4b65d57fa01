//! What the store is given: what a dump saw of each socket, what the kernel announced, what
//! a tracer heard, a recorder's run; and what a write did.

/// What identifies a socket across dumps: (namespace inode, cookie, inode when no cookie).
pub type Key = (u64, u64, u32);

/// A TCP connection's counters at one dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    pub bytes_acked: u64,
    pub bytes_received: u64,
    pub total_retrans: u32,
    pub rtt_us: Option<u32>,
}

/// A socket's container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenContainer {
    pub runtime: &'static str,
    pub id: String,
    pub name: Option<String>,
}

/// What one dump saw of one socket, owned and ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub key: Key,
    pub netns_name: Option<String>,
    pub container: Option<SeenContainer>,
    pub cookie: u64,
    pub inode: u32,
    /// The inode when first seen (read back; a socket no process holds any more has 0 as
    /// `inode`).
    pub first_inode: u32,
    pub proto: &'static str,
    pub family: &'static str,
    pub sock_type: &'static str,
    pub state: &'static str,
    pub local: Option<(String, u16)>,
    pub remote: Option<(String, u16)>,
    pub path: Option<String>,
    pub uid: u32,
    pub pid: Option<u32>,
    /// The process's `comm` (as `ss -p` names it).
    pub process: Option<String>,
    /// The process as netstat names it (argv[0]'s base name, printable).
    pub program: Option<String>,
    pub recv_q: u32,
    pub send_q: u32,
    pub counters: Option<Counters>,
    /// When its timer fires, in ms from the dump (a time-wait remnant's end).
    pub timer_ms: Option<u32>,
}

/// A TCP socket the kernel announced destroyed: when (Unix ms), and its last record (its
/// final counters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gone {
    pub at: i64,
    pub seen: Seen,
}

/// A connection's namespace and address pair (how a time-wait remnant is matched to the
/// connection whose destroy was announced, and an opening to its socket).
pub type Pair = (u64, Option<(String, u16)>, Option<(String, u16)>);

/// A TCP socket's opening as a tracer saw it (`inet_sock_set_state`): when (Unix ms), and
/// the socket by namespace and address pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub at: i64,
    pub pair: Pair,
}

/// A recorder's run: when it started (Unix ms), what it looks at (its selection, as
/// text), and how often it dumps.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    pub started: i64,
    pub scope: &'a str,
    pub interval_ms: i64,
}

/// What an interval wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub opened: usize,
    pub changed: usize,
    pub closed: usize,
    pub counters: usize,
}
