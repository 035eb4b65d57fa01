//! One table of one namespace: the plan (what the kernel filters, what is filtered
//! here), the request, the dump, and the `/proc` fall-back.

use std::collections::HashMap;

use rnetstat_diag::stack_reply::Snapshot;
use rnetstat_filter::{Expr, bytecode};
use rnetstat_model::error::Error;
use rnetstat_model::{Family, Netns, Proto};

use crate::netlink::{self, DiagSocket, Transport};
use crate::netns::Space;
use crate::pipeline::Pipeline;
use crate::procfs::ProcRoot;
use crate::row::{HeaderOnly, RowError, row};
use crate::{IPPROTO_MPTCP, Selection, Sink, SourcePref, netns, procfs, stack};

/// How a table's dump is received.
pub(crate) enum Receive {
    /// In this thread.
    Here,
    /// Already fetched: by a worker (many namespaces), or beside another table and
    /// spilled to a file.
    Fetched(netlink::ns_workers::Fetched),
    /// By a receive thread, one step ahead of this one (one big table).
    ReadAhead,
}

/// Why one namespace's table was not read.
pub(crate) enum Skip {
    /// The namespace could not be entered (for a `/proc` read); the others go on.
    Netns(netns::NetnsError),
    Fatal(Error),
}

impl From<Error> for Skip {
    fn from(e: Error) -> Self {
        Skip::Fatal(e)
    }
}

/// Where a table's filter runs.
pub(crate) struct Plan {
    /// The filter compiled for the kernel to run during the dump.
    pub(crate) bytecode: Option<Vec<u8>>,
    /// Whether the filter (also) runs here, on each decoded record.
    pub(crate) here: bool,
}

pub(crate) struct Collector<'a> {
    pub(crate) sel: &'a Selection,
    proc_root: &'a ProcRoot,
    buf: Vec<u8>,
    text: String,
    seq: u32,
    /// The namespace being read, stamped on every record.
    pub(crate) ns: Option<&'a Netns>,
}

impl<'a> Collector<'a> {
    pub(crate) fn new(sel: &'a Selection, proc_root: &'a ProcRoot) -> Collector<'a> {
        Collector {
            sel,
            proc_root,
            buf: vec![0u8; netlink::RECV_BUF],
            text: String::new(),
            seq: 0,
            ns: None,
        }
    }

    /// One table of one namespace: over sock_diag when `diag` is open and the kernel
    /// serves it, else from that namespace's `/proc/net`.
    pub(crate) fn table(
        &mut self,
        space: &Space,
        diag: Option<&DiagSocket>,
        how: Receive,
        proto: Proto,
        family: Family,
        sink: &mut Pipeline<'_>,
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
                Receive::ReadAhead => std::thread::scope(|s| {
                    let mut t = netlink::read_ahead::ReadAhead::new(s, d);
                    self.dump_netlink(&mut t, None, proto, family, refcnt, sink)
                })?,
                Receive::Here | Receive::Fetched(_) => {
                    let fetched = match how {
                        Receive::Fetched(f) => Some(f),
                        _ => None,
                    };
                    let started = fetched.as_ref().map(|f| f.seq);
                    let mut t = netlink::ns_workers::Replay {
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

    /// The userspace stacks' sockets of one table, of the stacks serving `self.ns`.
    pub(crate) fn userspace(
        &self,
        user: &[Snapshot],
        proto: Proto,
        family: Family,
        sink: &mut dyn Sink,
    ) -> Result<(), Error> {
        let here = self.ns.map(|n| n.inode);
        for snap in user.iter().filter(|s| here.is_none_or(|i| i == s.netns)) {
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
    pub(crate) fn plan(&self, proto: Proto, family: Family) -> Option<Plan> {
        let none = Plan {
            bytecode: None,
            here: false,
        };
        let Some(f) = self.sel.filter.as_ref().filter(|f| f.expr.is_some()) else {
            return Some(none);
        };
        let here = Plan {
            bytecode: None,
            here: true,
        };
        if !matches!(family, Family::Inet | Family::Inet6) {
            return Some(here);
        }
        match f.for_family(family) {
            Some(Expr::Const(false)) => None,
            Some(Expr::Const(true)) | None => Some(none),
            Some(e) if self.sel.kernel_filter && proto != Proto::Sctp => {
                Some(match bytecode::compile(&e) {
                    Some(code) => Plan {
                        bytecode: Some(code),
                        here: f.recheck(),
                    },
                    None => here,
                })
            }
            Some(_) => Some(here),
        }
    }

    /// The extensions asked of an inet dump.
    pub(crate) fn ext(&self) -> u8 {
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
    pub(crate) fn request(
        &self,
        proto: Proto,
        family: Family,
        code: Option<&[u8]>,
        seq: u32,
    ) -> Vec<u8> {
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
    pub(crate) fn first_request(&mut self, proto: Proto, family: Family) -> Option<Vec<u8>> {
        let code = self.plan(proto, family)?.bytecode;
        self.seq = self.seq.wrapping_add(1);
        Some(self.request(proto, family, code.as_deref(), self.seq))
    }

    /// Dumps one table over sock_diag. Returns false when this table must come from /proc.
    /// `started`: the sequence number of the first request, already run by another thread
    /// (the transport then replays its reply).
    pub(crate) fn dump_netlink<T: Transport>(
        &mut self,
        t: &mut T,
        mut started: Option<u32>,
        proto: Proto,
        family: Family,
        refcnt: Option<&HashMap<u32, u32>>,
        sink: &mut Pipeline<'_>,
    ) -> Result<bool, Error> {
        let Some(Plan {
            bytecode: mut code,
            mut here,
        }) = self.plan(proto, family)
        else {
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
            let (sel, ns) = (self.sel, self.ns);
            let mut light = (sink.header_only(sel, here, proto) && refcnt.is_none())
                .then(|| HeaderOnly::new(proto, ns));
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
                sink.socket(s).map_err(RowError::Sink)
            });
            match RowError::split(r)? {
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
    pub(crate) fn parse_proc(
        &mut self,
        rel: &str,
        proto: Proto,
        sink: &mut dyn Sink,
    ) -> Result<(), Error> {
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

pub(crate) fn table_name(proto: Proto, family: Family) -> String {
    match family {
        Family::Inet6 => format!("{}6", proto.name()),
        _ => proto.name().to_string(),
    }
}
