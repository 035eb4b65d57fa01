//! rnetstat-collect: where socket records come from, and the [`Sink`] they are pushed into.
//!
//! [`collect`] walks the selected protocols in netstat's order (tcp, udp, raw over IPv4
//! then IPv6, then unix). Each (protocol, family) is one sock_diag dump; when the kernel has
//! no diag module for it (ENOENT), refuses netlink, or `--source proc` is given, that one
//! table is read from `/proc/net` instead. Records stream to the sink as they are decoded.
#![deny(unsafe_code)]

pub mod beside;
pub mod buffer;
pub mod cgroups;
pub mod conntrack;
pub mod containers;
pub mod diff;
pub mod forwards;
pub mod ifaces;
pub mod netlink;
pub mod netns;
pub mod owners;
pub mod peers;
pub mod procfs;
pub mod rates;
pub mod routes;
pub mod stack;
pub mod stats;

use std::collections::HashMap;
use std::io;

use rnetstat_filter::{Expr, Filter, bytecode};
use rnetstat_model::error::{Error, NetlinkError};
use rnetstat_model::{Family, Netns, Proto, Socket, State, StateMask};

use netlink::{DiagSocket, Transport};
use netns::Space;
use procfs::ProcRoot;
use procfs::sockstat::TcpCounts;

use rnetstat_stack::snapshot::Snapshot;

/// Receives records as they are collected.
pub trait Sink {
    /// A new group of tables starts (netstat prints a header per group even when empty).
    fn group(&mut self, group: Group) -> io::Result<()>;
    fn socket(&mut self, s: &Socket<'_>) -> io::Result<()>;
    /// Something the user should know that did not stop the listing.
    fn warning(&mut self, msg: &str);
    /// The listing is complete.
    fn finish(&mut self) -> io::Result<()>;
    /// A sink like this one that writes its rows to `out` instead, for rows made on
    /// another thread that must come after this sink's (the IPv6 TCP table beside the
    /// IPv4 one: [`beside`]; the second half of a held collection, [`buffer`]). It may
    /// share what this one only reads (the process table), not what it changes: an error
    /// when it cannot do without that (name lookups): `out` comes back, and the rows come
    /// through this sink in their turn.
    fn fork<'f>(&self, out: std::fs::File) -> Result<Box<dyn ForkSink + 'f>, std::fs::File>
    where
        Self: 'f,
    {
        Err(out)
    }
    /// Writes, after everything so far, what a fork of this sink made.
    fn append(&mut self, _made: beside::Made) -> io::Result<()> {
        Err(io::Error::other("this sink does not fork"))
    }
    /// Whether this sink only counts records (`--summary`): its rows cost less than
    /// handing each datagram over to a receive thread, so none is started for it.
    fn counts_only(&self) -> bool {
        false
    }
    /// Whether this sink reads no more of an inet record than its fixed header (`struct
    /// inet_diag_msg`): protocol, family, state, queues, addresses, inode, uid, cookie and
    /// namespace; no timer, no attribute. Its inet rows are then decoded from the header
    /// alone, into one record reused row after row, when no filter runs here.
    fn header_only(&self) -> bool {
        self.counts_only()
    }
}

/// A fork of a sink ([`Sink::fork`]), run on another thread.
pub trait ForkSink: Sink + Send {
    /// Its rows, written out, for [`Sink::append`].
    fn done(self: Box<Self>) -> io::Result<beside::Made>;
}

/// The socket listings, each with its own header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Inet,
    Unix,
    Packet,
    Netlink,
}

/// netstat's `-l` / `-a` / default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listening {
    /// Default: connected (non-listening) sockets only.
    Connected,
    /// `-l`: listening sockets only.
    Only,
    /// `-a`: both.
    All,
}

/// Where to read kernel sockets from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourcePref {
    /// sock_diag, falling back to `/proc` per table.
    Auto,
    Netlink,
    Proc,
}

/// Which sockets to collect.
#[derive(Debug, Clone)]
pub struct Selection {
    pub tcp: bool,
    pub udp: bool,
    pub raw: bool,
    pub unix: bool,
    pub inet4: bool,
    pub inet6: bool,
    pub listening: Listening,
    pub source: SourcePref,
    /// Complete unix sockets with what only `/proc/net/unix` has, for netstat's table:
    /// the RefCnt column and the not-yet-accepted "embryo" sockets.
    pub unix_proc_extras: bool,
    /// Ask sock_diag for tcp_info and congestion control (`--info`, `rnetstat compare`).
    pub tcp_info: bool,
    /// Ask sock_diag for socket memory (`-m`).
    pub memory: bool,
    /// Protocols netstat does not list by default.
    pub sctp: bool,
    pub mptcp: bool,
    pub packet: bool,
    pub netlink: bool,
    /// ss's filter: states and an expression.
    pub filter: Option<Filter>,
    /// Let the kernel run the expression (bytecode) where it can.
    pub kernel_filter: bool,
    /// Which stacks to list (`--stack`).
    pub kernel: bool,
    pub userspace: bool,
}

impl Selection {
    /// netstat's notion of a "listening" socket for each table: TCP by remote port 0,
    /// UDP and RAW by an unspecified remote address, UNIX by the listen state
    /// (netstat.c `tcp_do_one`, `udp_do_one`, `unix_do_one`).
    pub fn is_listening(s: &Socket<'_>) -> bool {
        match s.proto {
            Proto::Tcp | Proto::Mptcp => s.remote.port == 0,
            Proto::Udp | Proto::Raw => s.remote.addr.is_unspecified(),
            Proto::Unix | Proto::Sctp => s.state == State::Listen,
            Proto::Packet | Proto::Netlink => true,
        }
    }

    /// The state part of the selection: ss's state filter when given, else netstat's
    /// `-l`/`-a`. Packet and netlink sockets have no connections; they always pass it.
    pub fn wants(&self, s: &Socket<'_>) -> bool {
        if let Some(f) = self.filter.as_ref().filter(|f| f.states.is_some()) {
            return f.state_ok(s.state);
        }
        if matches!(s.proto, Proto::Packet | Proto::Netlink) {
            return true;
        }
        match self.listening {
            Listening::All => true,
            Listening::Only => Self::is_listening(s),
            Listening::Connected => !Self::is_listening(s),
        }
    }

    /// The expression part of the filter, evaluated here.
    pub fn matches(&self, s: &Socket<'_>) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(s))
    }

    /// Both parts: what a source the kernel did not filter keeps.
    pub fn accepts(&self, s: &Socket<'_>) -> bool {
        self.wants(s) && self.matches(s)
    }

    /// The kernel state mask for a protocol; the exact predicate is applied after.
    pub fn state_mask(&self, proto: Proto) -> StateMask {
        if let Some(m) = self.filter.as_ref().and_then(|f| f.states) {
            return m;
        }
        let listen = match proto {
            // LISTEN alone lets the kernel skip its walk of the established hash, shared by
            // every namespace and sized for the host (~0.5 ms a dump). A TCP socket in
            // CLOSE is unhashed at once (`tcp_set_state`), so that bit found nothing here.
            Proto::Tcp => StateMask(0).with(State::Listen),
            Proto::Mptcp | Proto::Sctp => StateMask(0).with(State::Listen).with(State::Close),
            Proto::Udp | Proto::Raw => StateMask(0).with(State::Close),
            Proto::Unix => StateMask(0).with(State::Listen),
            Proto::Packet | Proto::Netlink => return StateMask::ALL,
        };
        match self.listening {
            Listening::All => StateMask::ALL,
            Listening::Only => listen,
            Listening::Connected => StateMask(StateMask::ALL.0 & !listen.0),
        }
    }

    /// The (protocol, family) tables to read, in netstat's order.
    pub fn tables(&self) -> Vec<(Proto, Family)> {
        let mut v = Vec::new();
        for (on, p) in [
            (self.tcp, Proto::Tcp),
            (self.udp, Proto::Udp),
            (self.raw, Proto::Raw),
            (self.sctp, Proto::Sctp),
            (self.mptcp, Proto::Mptcp),
        ] {
            if on {
                if self.inet4 {
                    v.push((p, Family::Inet));
                }
                if self.inet6 {
                    v.push((p, Family::Inet6));
                }
            }
        }
        if self.unix {
            v.push((Proto::Unix, Family::Unix));
        }
        if self.packet {
            v.push((Proto::Packet, Family::Packet));
        }
        if self.netlink {
            v.push((Proto::Netlink, Family::Netlink));
        }
        v
    }
}

/// `IPPROTO_MPTCP` (include/uapi/linux/in.h); too large for `sdiag_protocol`.
const IPPROTO_MPTCP: u32 = 262;

/// What collection could not reach: namespaces that could not be entered.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reach {
    /// Namespaces `setns` refused (not root): told once, by the caller.
    pub refused: usize,
    /// Namespaces that were gone or failed otherwise (each already warned about).
    pub lost: usize,
    /// The inodes of every namespace that could not be read, refused or lost.
    pub failed: Vec<u64>,
}

impl Reach {
    /// Counts a namespace that could not be entered; warns unless it was a refusal.
    fn note(&mut self, ns: &Netns, e: &netns::NetnsError, sink: &mut dyn Sink) {
        self.failed.push(ns.inode);
        match e {
            netns::NetnsError::Refused(_) => self.refused += 1,
            e => {
                self.lost += 1;
                sink.warning(&format!("network namespace skipped: {e}"));
            }
        }
    }
}

/// Collects the selected sockets of every namespace in `spaces` into `sink`: table by
/// table in netstat's order, each table from every namespace in turn (so netstat's groups
/// stay whole), then that table's userspace-stack sockets from `user` (if `sel.userspace`).
/// Each record is stamped with its namespace.
pub fn collect(
    sel: &Selection,
    proc_root: &ProcRoot,
    spaces: &[Space],
    user: &[Snapshot],
    sink: &mut dyn Sink,
) -> Result<Reach, Error> {
    let mut reach = Reach::default();
    let mut open = Spaces::open(sel, proc_root, spaces, &mut reach, sink)?;
    let mut c = Collector {
        sel,
        proc_root,
        buf: vec![0u8; netlink::RECV_BUF],
        text: String::new(),
        seq: 0,
        ns: None,
    };
    let mut tables = sel.tables();
    if !sel.kernel {
        // The userspace stack has TCP and UDP sockets only.
        tables.retain(|(p, _)| matches!(p, Proto::Tcp | Proto::Udp));
    }
    // The userspace stacks' sockets are shown as the current namespace's.
    let here = spaces.iter().find(|s| s.is_current()).map(|s| &s.ns);
    let mut group = None;
    for (k, &(proto, family)) in tables.iter().enumerate() {
        let g = match proto {
            Proto::Unix => Group::Unix,
            Proto::Packet => Group::Packet,
            Proto::Netlink => Group::Netlink,
            _ => Group::Inet,
        };
        if group != Some(g) {
            sink.group(g).map_err(Error::Output)?;
            group = Some(g);
        }
        if sel.kernel {
            let v6_next = tables.get(k + 1) == Some(&(Proto::Tcp, Family::Inet6));
            if proto == Proto::Tcp && family == Family::Inet && v6_next {
                open.tcp_both(&mut c, &mut reach, sink)?;
            } else {
                open.table(&mut c, proto, family, &mut reach, sink)?;
            }
        }
        if sel.userspace {
            c.ns = here;
            c.userspace(user, proto, family, sink)?;
        }
    }
    Ok(reach)
}

/// The namespaces of one collection and what is open in each.
struct Spaces<'s> {
    spaces: &'s [Space],
    /// One sock_diag socket per namespace, opened inside it (it stays bound to it); `None`
    /// where tables come from `/proc`.
    diags: Vec<Option<DiagSocket>>,
    /// Each namespace's own TCP counts: a TCP table they say is empty is not dumped (see
    /// procfs::sockstat for why that saves time).
    counts: Vec<TcpCounts>,
    /// False once a namespace could not be entered.
    live: Vec<bool>,
    /// The IPv6 TCP dump (its request's sequence number and its reply), already received
    /// beside the IPv4 one ([`Spaces::tcp_both`]).
    early6: Option<netlink::start::Fetched>,
    /// Or its rows, already written by a fork of the sink ([`beside`]).
    rows6: Option<beside::Made>,
}

/// How the IPv6 TCP table goes beside the IPv4 one.
enum Beside<'f> {
    /// Made into rows there, by a fork of the sink.
    Rows(Box<dyn ForkSink + 'f>),
    /// Its datagrams spilled to this file.
    Spill(std::fs::File),
}

/// What came of the IPv6 TCP table beside the IPv4 one.
enum Early6 {
    Rows(beside::Made),
    Fetched(netlink::start::Fetched),
}

impl<'s> Spaces<'s> {
    fn open(
        sel: &Selection,
        proc_root: &ProcRoot,
        spaces: &'s [Space],
        reach: &mut Reach,
        sink: &mut dyn Sink,
    ) -> Result<Spaces<'s>, Error> {
        let n = spaces.len();
        let mut o = Spaces {
            spaces,
            diags: Vec::with_capacity(n),
            counts: vec![TcpCounts::default(); n],
            live: vec![true; n],
            early6: None,
            rows6: None,
        };
        if !sel.kernel || sel.source == SourcePref::Proc {
            o.diags.resize_with(n, || None);
            return Ok(o);
        }
        let opened = netns::each(spaces, proc_root, |root| {
            let counts = if sel.tcp {
                root.tcp_counts()
            } else {
                TcpCounts::default()
            };
            (DiagSocket::open(), counts)
        });
        for (i, r) in opened.into_iter().enumerate() {
            o.diags.push(match r {
                Ok((Ok(d), c)) => {
                    o.counts[i] = c;
                    Some(d)
                }
                Ok((Err(e), _)) if sel.source == SourcePref::Auto => {
                    sink.warning(&format!("{e}; reading /proc/net instead"));
                    None
                }
                Ok((Err(e), _)) => return Err(e.into()),
                Err(e) => {
                    reach.note(&spaces[i].ns, &e, sink);
                    o.live[i] = false;
                    None
                }
            });
        }
        Ok(o)
    }

    /// The IPv4 TCP table, with the IPv6 one dumped at the same time on a second socket
    /// and core when both are big and there is one namespace, the current one: the two
    /// walks of the kernel's hash then run side by side. The IPv6 table waits for its turn
    /// in a temporary file (netlink::spill says why not in memory), so the output order
    /// does not change: as rows a fork of the sink made there ([`beside`]), or as the
    /// datagrams, replayed through the sink.
    fn tcp_both(
        &mut self,
        c: &mut Collector<'s>,
        reach: &mut Reach,
        sink: &mut dyn Sink,
    ) -> Result<(), Error> {
        let single = self.spaces.len() == 1 && self.spaces[0].is_current() && self.live[0];
        let both = single
            && self.diags[0].is_some()
            && netlink::ahead::pays(self.counts[0].rows(Family::Inet6))
            && netlink::ahead::pays(self.counts[0].rows(Family::Inet));
        // The IPv6 rows made on their thread when the sink can fork, else its datagrams
        // spilled for this thread to replay (beside says why the first is better).
        let second = if both {
            DiagSocket::open()
                .ok()
                .zip(netlink::spill::tmpfile())
                .map(|(d, f)| match sink.fork(f) {
                    Ok(k) => (d, Beside::Rows(k)),
                    Err(f) => (d, Beside::Spill(f)),
                })
        } else {
            None
        };
        let req = second
            .as_ref()
            .and_then(|_| c.first_request(Proto::Tcp, Family::Inet6));
        let (Some((sock6, way)), Some(req)) = (second, req) else {
            return self.table(c, Proto::Tcp, Family::Inet, reach, sink);
        };
        let seq = netlink::request_seq(&req);
        let (sel, ns) = (c.sel, Some(&self.spaces[0].ns));
        let here = c.plan(Proto::Tcp, Family::Inet6).is_some_and(|(_, h)| h);
        // Made here: the thread then never calls malloc (no arena of its own).
        let mut buf = vec![0u8; netlink::RECV_BUF];
        std::thread::scope(|s| {
            let v6 = s.spawn(move || match way {
                Beside::Rows(k) => {
                    beside::rows(&sock6, &req, &mut buf, k, sel, here, ns).map(Early6::Rows)
                }
                Beside::Spill(f) => netlink::spill::fetch(&sock6, &req, &mut buf, f)
                    .map(|sp| Early6::Fetched(netlink::start::Fetched::spilled(seq, sp))),
            });
            let r = self.table(c, Proto::Tcp, Family::Inet, reach, sink);
            // A failure beside is not fatal: the IPv6 table is then dumped in its turn.
            match v6.join().ok().and_then(Result::ok) {
                Some(Early6::Rows(made)) => self.rows6 = Some(made),
                Some(Early6::Fetched(f)) => self.early6 = Some(f),
                None => {}
            }
            r
        })
    }

    /// One table from every namespace, in order. With several namespaces over sock_diag,
    /// worker threads run the dumps and this thread decodes them (netlink::start says why).
    fn table(
        &mut self,
        c: &mut Collector<'s>,
        proto: Proto,
        family: Family,
        reach: &mut Reach,
        sink: &mut dyn Sink,
    ) -> Result<(), Error> {
        if proto == Proto::Tcp
            && family == Family::Inet6
            && let Some(made) = self.rows6.take()
        {
            return sink.append(made).map_err(Error::Output);
        }
        let todo: Vec<usize> = (0..self.spaces.len())
            .filter(|&i| self.live[i] && !(proto == Proto::Tcp && self.counts[i].empty(family)))
            .collect();
        let mut requests: Vec<(&DiagSocket, Vec<u8>)> = Vec::new();
        if todo.len() > 1 && todo.iter().all(|&i| self.diags[i].is_some()) {
            for &i in &todo {
                match (self.diags[i].as_ref(), c.first_request(proto, family)) {
                    (Some(d), Some(req)) => requests.push((d, req)),
                    _ => break,
                }
            }
        }
        let prefetch = requests.len() == todo.len() && requests.len() > 1;
        let workers = netns::workers();
        let pace = netlink::start::Pace::new(2 * workers);
        // One big table in one namespace: receive it on a second core (netlink::ahead),
        // unless the rows are only counted: then they cost less than handing each
        // datagram over between threads.
        let ahead = todo.len() == 1
            && proto == Proto::Tcp
            && !sink.counts_only()
            && netlink::ahead::pays(self.counts[todo[0]].rows(family));
        let (spaces, diags, early6) = (self.spaces, &self.diags, &mut self.early6);
        let mut lost = Vec::new();
        std::thread::scope(|scope| -> Result<(), Error> {
            let rx = prefetch.then(|| netlink::start::fetch_all(scope, &requests, &pace, workers));
            // However this loop ends, the workers must not wait for it.
            let _release = netlink::start::Release(&pace);
            let mut early = Vec::new();
            for (k, &i) in todo.iter().enumerate() {
                let fetched = rx
                    .as_ref()
                    .and_then(|rx| netlink::start::wait_for(rx, &mut early, k));
                pace.read(k + 1);
                c.ns = Some(&spaces[i].ns);
                let early = (proto == Proto::Tcp && family == Family::Inet6)
                    .then(|| early6.take())
                    .flatten();
                let how = match fetched.or(early) {
                    Some(f) => Receive::Fetched(f),
                    None if ahead => Receive::Ahead,
                    None => Receive::Here,
                };
                match c.table(&spaces[i], diags[i].as_ref(), how, proto, family, sink) {
                    Ok(()) => {}
                    Err(Skip::Netns(e)) => {
                        reach.note(&spaces[i].ns, &e, sink);
                        lost.push(i);
                    }
                    Err(Skip::Fatal(e)) => return Err(e),
                }
            }
            Ok(())
        })?;
        for i in lost {
            self.live[i] = false;
        }
        Ok(())
    }
}

/// One message of a sock_diag dump as the row it shows: decoded, kept if the selection
/// wants it (and the filter, where `here` says the kernel did not run it), placed in `ns`.
#[inline(always)]
fn row<'p>(
    sel: &Selection,
    here: bool,
    ns: Option<&'p Netns>,
    proto: Proto,
    payload: &'p [u8],
) -> Result<Option<Socket<'p>>, NetlinkError> {
    let mut s = match proto {
        Proto::Unix => netlink::unix::decode(payload)?,
        Proto::Packet => netlink::link::decode_packet(payload)?,
        Proto::Netlink => netlink::link::decode_netlink(payload)?,
        p => netlink::inet::InetDiagMsg::new_checked(payload)?.to_socket(p)?,
    };
    if !sel.wants(&s) || (here && !sel.matches(&s)) {
        return Ok(None);
    }
    s.netns = ns;
    Ok(Some(s))
}

/// Inet rows for a sink that reads only their header ([`Sink::header_only`]): one record,
/// its fixed header's fields written over for each message, no timer or attributes
/// decoded, so no record is made or moved per row.
struct Light<'n> {
    s: Socket<'n>,
}

impl<'n> Light<'n> {
    /// For `proto`'s rows to `sink`, when it reads only the header and no filter runs here
    /// (it could look at more); `None` for other sinks and for non-inet tables.
    fn new(
        sink: &(impl Sink + ?Sized),
        sel: &Selection,
        here: bool,
        proto: Proto,
        ns: Option<&'n Netns>,
    ) -> Option<Light<'n>> {
        let inet = !matches!(proto, Proto::Unix | Proto::Packet | Proto::Netlink);
        (inet && sink.header_only() && !(here && sel.filter.is_some())).then(|| {
            let mut s = Socket::inet(proto, Family::Inet);
            s.netns = ns;
            Light { s }
        })
    }

    /// The row of one message, when the selection wants it.
    #[inline(always)]
    fn row(
        &mut self,
        sel: &Selection,
        payload: &[u8],
    ) -> Result<Option<&Socket<'n>>, NetlinkError> {
        netlink::inet::InetDiagMsg::new_checked(payload)?.head_into(&mut self.s)?;
        Ok(sel.wants(&self.s).then_some(&self.s))
    }
}

/// How a table's dump is received.
enum Receive {
    /// In this thread.
    Here,
    /// Already fetched: by a worker (many namespaces), or beside another table and
    /// spilled to a file.
    Fetched(netlink::start::Fetched),
    /// By a receive thread, one step ahead of this one (one big table).
    Ahead,
}

/// Why one namespace's table was not read.
enum Skip {
    /// The namespace could not be entered (for a `/proc` read); the others go on.
    Netns(netns::NetnsError),
    Fatal(Error),
}

impl From<Error> for Skip {
    fn from(e: Error) -> Self {
        Skip::Fatal(e)
    }
}

struct Collector<'a> {
    sel: &'a Selection,
    proc_root: &'a ProcRoot,
    buf: Vec<u8>,
    text: String,
    seq: u32,
    /// The namespace being read, stamped on every record.
    ns: Option<&'a Netns>,
}

impl<'a> Collector<'a> {
    /// One table of one namespace: over sock_diag when `diag` is open and the kernel
    /// serves it, else from that namespace's `/proc/net`.
    fn table(
        &mut self,
        space: &Space,
        diag: Option<&DiagSocket>,
        how: Receive,
        proto: Proto,
        family: Family,
        sink: &mut dyn Sink,
    ) -> Result<(), Skip> {
        let sel = self.sel;
        let extras = if proto == Proto::Unix && sel.unix_proc_extras && diag.is_some() {
            Some(
                space
                    .run(self.proc_root, |r| r.unix_extras())
                    .map_err(Skip::Netns)??,
            )
        } else {
            None
        };
        let refcnt = extras.as_ref().map(|e| &e.refcnt);
        let has_diag = diag.is_some();
        let done = match diag {
            Some(mut d) => match how {
                Receive::Ahead => std::thread::scope(|s| {
                    let mut t = netlink::ahead::Ahead::new(s, d);
                    self.dump_netlink(&mut t, None, proto, family, refcnt, sink)
                })?,
                Receive::Here | Receive::Fetched(_) => {
                    let fetched = match how {
                        Receive::Fetched(f) => Some(f),
                        _ => None,
                    };
                    let started = fetched.as_ref().map(|f| f.seq);
                    let mut t = netlink::start::Replay {
                        inner: &mut d,
                        fetched,
                    };
                    self.dump_netlink(&mut t, started, proto, family, refcnt, sink)?
                }
            },
            None => false,
        };
        if !done {
            if ProcRoot::has_table(proto) {
                let rel = ProcRoot::table(proto, family);
                let text = &mut self.text;
                space
                    .run(self.proc_root, |r| r.read_table(rel, text))
                    .map_err(Skip::Netns)??;
                self.parse_proc(rel, proto, sink)?;
            } else if sel.source == SourcePref::Proc || !has_diag {
                sink.warning(&format!(
                    "{} sockets can only be read over sock_diag",
                    table_name(proto, family)
                ));
            }
        } else if let Some(x) = &extras {
            for line in &x.embryos {
                if let Ok(mut s) = procfs::unix::parse_line(line)
                    && sel.accepts(&s)
                {
                    s.netns = self.ns;
                    sink.socket(&s).map_err(Error::Output)?;
                }
            }
        }
        Ok(())
    }

    /// The userspace stacks' sockets of one table.
    fn userspace(
        &self,
        user: &[Snapshot],
        proto: Proto,
        family: Family,
        sink: &mut dyn Sink,
    ) -> Result<(), Error> {
        for snap in user {
            for us in &snap.sockets {
                let mut r = stack::record(snap, us);
                r.netns = self.ns;
                if r.proto == proto && r.family == family && self.sel.accepts(&r) {
                    sink.socket(&r).map_err(Error::Output)?;
                }
            }
        }
        Ok(())
    }

    /// How the filter's expression runs on one table: as kernel bytecode, here, or not
    /// at all. `None` when nothing in the table can match (the dump is skipped).
    fn plan(&self, proto: Proto, family: Family) -> Option<(Option<Vec<u8>>, bool)> {
        let Some(f) = self.sel.filter.as_ref().filter(|f| f.expr.is_some()) else {
            return Some((None, false));
        };
        if !matches!(family, Family::Inet | Family::Inet6) {
            return Some((None, true));
        }
        match f.for_family(family) {
            Some(Expr::Const(false)) => None,
            Some(Expr::Const(true)) | None => Some((None, false)),
            Some(e) if self.sel.kernel_filter && proto != Proto::Sctp => {
                Some(match bytecode::compile(&e) {
                    Some(code) => (Some(code), f.recheck()),
                    None => (None, true),
                })
            }
            Some(_) => Some((None, true)),
        }
    }

    /// Dumps one table over sock_diag. Returns false when this table must come from /proc.
    /// The extensions asked of an inet dump.
    fn ext(&self) -> u8 {
        let mut ext = 0;
        if self.sel.tcp_info {
            ext |= netlink::inet::EXT_INFO | netlink::inet::EXT_VEGASINFO | netlink::inet::EXT_CONG;
        }
        if self.sel.memory {
            ext |= netlink::inet::EXT_SKMEMINFO;
        }
        ext
    }

    /// One dump request of a table, with `code` as its bytecode, numbered `seq`.
    fn request(&self, proto: Proto, family: Family, code: Option<&[u8]>, seq: u32) -> Vec<u8> {
        let mask = self.sel.state_mask(proto);
        match proto {
            Proto::Unix => netlink::unix::request(mask, self.sel.memory, seq),
            Proto::Packet => netlink::link::packet_request(seq),
            Proto::Netlink => netlink::link::netlink_request(seq),
            p => netlink::inet::Request {
                protocol: match p {
                    Proto::Mptcp => IPPROTO_MPTCP,
                    p => u32::from(p.ipproto().unwrap_or(0)),
                },
                family,
                states: mask,
                ext: self.ext(),
                bytecode: code,
            }
            .emit(seq),
        }
    }

    /// The request [`Self::dump_netlink`] would send first for a table, to be run early
    /// by another thread; `None` when the table is not dumped at all.
    fn first_request(&mut self, proto: Proto, family: Family) -> Option<Vec<u8>> {
        let (code, _) = self.plan(proto, family)?;
        self.seq = self.seq.wrapping_add(1);
        Some(self.request(proto, family, code.as_deref(), self.seq))
    }

    /// Dumps one table over sock_diag. Returns false when this table must come from /proc.
    /// `started`: the sequence number of the first request, already run by another thread
    /// (the transport then replays its reply).
    fn dump_netlink<T: Transport>(
        &mut self,
        t: &mut T,
        mut started: Option<u32>,
        proto: Proto,
        family: Family,
        refcnt: Option<&HashMap<u32, u32>>,
        sink: &mut dyn Sink,
    ) -> Result<bool, Error> {
        let Some((mut code, mut here)) = self.plan(proto, family) else {
            return Ok(true);
        };
        // Rows already given to the sink: once there are any, the dump is not repeated.
        let mut printed = 0usize;
        loop {
            let seq = match started.take() {
                Some(seq) => seq,
                None => {
                    self.seq = self.seq.wrapping_add(1);
                    self.seq
                }
            };
            let req = self.request(proto, family, code.as_deref(), seq);
            let mut out_err: Option<io::Error> = None;
            let (sel, ns) = (self.sel, self.ns);
            let mut light = Light::new(sink, sel, here, proto, ns).filter(|_| refcnt.is_none());
            let r = netlink::dump(t, &req, seq, &mut self.buf, |_, payload| {
                let full;
                let shown = match &mut light {
                    Some(l) => l.row(sel, payload)?,
                    None => {
                        full = row(sel, here, ns, proto, payload)?.map(|mut s| {
                            if let Some(m) = refcnt {
                                s.refcnt = m.get(&s.inode).copied();
                            }
                            s
                        });
                        full.as_ref()
                    }
                };
                let Some(s) = shown else {
                    return Ok(());
                };
                printed += 1;
                sink.socket(s).map_err(|e| {
                    out_err = Some(e);
                    NetlinkError::Malformed(String::new())
                })
            });
            if let Some(e) = out_err {
                return Err(Error::Output(e));
            }
            match r {
                Ok(outcome) if outcome.interrupted => {
                    // sock_diag does not flag its dumps today (only dumpers that keep a
                    // generation count do). Should one be flagged, rows already shown cannot
                    // be taken back, so warn, as ss does, rather than repeat the dump.
                    sink.warning(&format!(
                        "the {} table changed during the dump; the listing may be inconsistent",
                        table_name(proto, family)
                    ));
                    return Ok(true);
                }
                Ok(_) => return Ok(true),
                Err(e) => {
                    let errno = e.errno();
                    if code.is_some() && printed == 0 {
                        match errno {
                            // A kernel that does not know one of the ops: filter here.
                            Some(libc::EINVAL) => {
                                (code, here) = (None, true);
                                continue;
                            }
                            Some(libc::EPERM) => {
                                return Err(Error::Permission(
                                    "the fwmark filter needs CAP_NET_ADMIN (run as root)".into(),
                                ));
                            }
                            _ => {}
                        }
                    }
                    if !ProcRoot::has_table(proto) {
                        if errno == Some(libc::ENOENT) || errno == Some(libc::EINVAL) {
                            sink.warning(&format!(
                                "{}: this kernel has no sock_diag support for it",
                                table_name(proto, family)
                            ));
                            return Ok(true);
                        }
                        return Err(e.into());
                    }
                    // ENOENT: no diag module for this protocol (e.g. raw_diag), so /proc.
                    if self.sel.source == SourcePref::Auto {
                        if errno != Some(libc::ENOENT) {
                            sink.warning(&format!(
                                "sock_diag for {}: {e}; reading /proc/net instead",
                                table_name(proto, family)
                            ));
                        }
                        if printed > 0 {
                            // Rows already printed: /proc would repeat them.
                            return Ok(true);
                        }
                        return Ok(false);
                    }
                    return Err(e.into());
                }
            }
        }
    }

    /// The records of a `/proc/net` table read into `self.text`.
    fn parse_proc(&mut self, rel: &str, proto: Proto, sink: &mut dyn Sink) -> Result<(), Error> {
        let (sel, ns) = (self.sel, self.ns);
        let mut bad = Vec::new();
        procfs::for_each(
            &self.text,
            proto,
            |mut s| {
                if sel.accepts(&s) {
                    s.netns = ns;
                    sink.socket(&s).map_err(Error::Output)?;
                }
                Ok(())
            },
            |line, why| bad.push((line, why)),
        )?;
        for (line, why) in bad {
            sink.warning(&format!("/proc/{rel}:{line}: bogus line ({why}), skipped"));
        }
        Ok(())
    }
}

fn table_name(proto: Proto, family: Family) -> String {
    match family {
        Family::Inet6 => format!("{}6", proto.name()),
        _ => proto.name().to_string(),
    }
}

#[cfg(test)]
mod robustness {
    //! Bad input gets an error, never a panic: random and mutated bytes through every
    //! decoder (a seeded generator keeps the test repeatable).
    use super::netlink::{self, Transport};
    use super::procfs;
    use rnetstat_model::Proto;

    use rnetstat_sys::rng::Rng;

    struct Once(Option<Vec<u8>>);
    impl Transport for Once {
        fn send(&mut self, _: &[u8]) -> std::io::Result<()> {
            Ok(())
        }
        fn recv(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let d = self
                .0
                .take()
                .ok_or_else(|| std::io::Error::from_raw_os_error(libc::EAGAIN))?;
            let n = d.len().min(buf.len());
            buf[..n].copy_from_slice(&d[..n]);
            Ok(d.len())
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
        let mut buf = vec![0u8; 4096];
        for round in 0..5000u32 {
            let len = rng.below(300) as usize;
            let mut b = rng.bytes(len);
            // Half the rounds look like a plausible nlmsghdr with our sequence number.
            if round.is_multiple_of(2) && b.len() >= 16 {
                let l = rng.below(b.len() as u64 + 8) as u32;
                b[0..4].copy_from_slice(&l.to_ne_bytes());
                b[4..6].copy_from_slice(&20u16.to_ne_bytes());
                b[8..12].copy_from_slice(&1u32.to_ne_bytes());
            }
            let _ = netlink::dump(&mut Once(Some(b.clone())), b"", 1, &mut buf, |_, p| {
                let _ = netlink::unix::decode(p);
                if let Ok(m) = netlink::inet::InetDiagMsg::new_checked(p) {
                    let _ = m.to_socket(Proto::Tcp);
                }
                Ok(())
            });
            let _ = netlink::unix::decode(&b);
            if let Ok(m) = netlink::inet::InetDiagMsg::new_checked(&b) {
                let _ = m.to_socket(Proto::Udp);
            }
            let text = String::from_utf8_lossy(&b);
            for p in [Proto::Tcp, Proto::Unix] {
                let _ = procfs::for_each(&format!("header\n{text}"), p, |_| Ok(()), |_, _| {});
            }
        }
    }

    #[test]
    fn mutated_proc_lines_never_panic() {
        let good = "   0: 0100007F:0016 00000000:0000 0A 00000000:00000002 00:00000000 00000000     0        0 100 1 0000000000000000 100 0 0 10 0";
        let mut rng = Rng::new(42);
        for _ in 0..20000 {
            let mut b = good.as_bytes().to_vec();
            for _ in 0..(1 + rng.below(4)) {
                let i = (rng.next_u64() as usize) % b.len();
                b[i] = b" :0123456789ABCDEFXz\t-"[(rng.next_u64() % 22) as usize];
            }
            if rng.next_u64().is_multiple_of(3) {
                b.truncate((rng.next_u64() as usize) % b.len());
            }
            let line = String::from_utf8_lossy(&b);
            let _ = procfs::inet::parse_line(&line, Proto::Tcp);
            let _ = procfs::unix::parse_line(&line);
        }
    }
}
