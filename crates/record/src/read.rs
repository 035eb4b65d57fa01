//! Reading the database back: what was there at a moment (`--at`).

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use rnetstat_model::error::Error;

use crate::schema::SCHEMA_VERSION;
use crate::store::{Seen, SeenContainer, fail};

/// A read-only connection: never through a symbolic link, never blocking the recorder
/// (WAL readers see the last committed interval).
pub fn open_read(path: &Path) -> Result<Connection, Error> {
    crate::store::regular_or_missing(path)?;
    if !path.exists() {
        return Err(fail(
            path,
            "no such file (is `rnetstat record` running? --db names another)",
        ));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NOFOLLOW
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let db = Connection::open_with_flags(path, flags).map_err(|e| fail(path, e))?;
    db.busy_timeout(Duration::from_secs(5))
        .map_err(|e| fail(path, e))?;
    let v: i64 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| fail(path, e))?;
    if v != SCHEMA_VERSION {
        return Err(fail(
            path,
            format!(
                "schema version {v}; this rnetstat reads version {SCHEMA_VERSION} \
                 (the recorder brings an older file up to date when it starts)"
            ),
        ));
    }
    Ok(db)
}

/// What was there at one sample.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// When the sample was taken (Unix ms).
    pub at: i64,
    /// How often the recorder that took it dumped (`None`: a version 1 file's run).
    pub interval_ms: Option<i64>,
    /// The tables that recorder dumped, as `proto/family` (`tcp/inet`, `unix/unix`), when
    /// its run says.
    pub tables: Option<Vec<String>>,
    pub sockets: Vec<Seen>,
}

/// The `tables=` part of a run's scope (`tables=tcp/inet,tcp/inet6;netns=…;filter=…`).
fn tables_of(scope: &str) -> Option<Vec<String>> {
    let t = scope.split(';').find_map(|p| p.strip_prefix("tables="))?;
    Some(
        t.split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

/// The sockets there at the last sample at or before `at` (Unix ms), each with its state
/// and queues then. `None` when nothing was recorded by then.
pub fn sockets_at(path: &Path, at: i64) -> Result<Option<Snapshot>, Error> {
    let db = open_read(path)?;
    let run = || -> rusqlite::Result<Option<Snapshot>> {
        let t: Option<i64> =
            db.query_row("SELECT max(at) FROM samples WHERE at <= ?1", [at], |r| {
                r.get(0)
            })?;
        let Some(t) = t else { return Ok(None) };
        let mut q = db.prepare(
            "SELECT s.netns_inode, s.netns_name, s.container, s.cookie, s.inode, s.proto,
                    s.family, s.type, s.local_addr, s.local_port, s.remote_addr, s.remote_port,
                    s.path, s.uid, s.pid, s.process, c.state, c.recv_q, c.send_q,
                    s.container_id, s.container_runtime, c.inode, s.program
             FROM sockets s JOIN changes c ON c.socket = s.id
             WHERE s.opened_at <= ?1 AND (s.closed_at IS NULL OR s.closed_at > ?1)
               AND c.at = (SELECT max(at) FROM changes WHERE socket = s.id AND at <= ?1)
             ORDER BY s.id",
        )?;
        let rows = q.query_map([t], seen_row)?;
        let mut sockets = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        // The remnants of batched connections, from the announced close of their
        // connection until they went. (A batched connection itself was never in a dump.)
        crate::batch_rows::each(&db, t, t, None, |_, _, entries| {
            for e in entries {
                if e.closed <= t
                    && t < e.end()
                    && let Some(r) = e.remnant_seen()
                {
                    sockets.push(r);
                }
            }
            Ok(())
        })?;
        let run: Option<(i64, String)> = db
            .query_row(
                "SELECT interval_ms, scope FROM runs WHERE started <= ?1
                 ORDER BY started DESC LIMIT 1",
                [t],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(Some(Snapshot {
            at: t,
            interval_ms: run.as_ref().map(|r| r.0),
            tables: run.as_ref().and_then(|r| tables_of(&r.1)),
            sockets,
        }))
    };
    run().map_err(|e| fail(path, e))
}

/// A row of `sockets` joined with one of its `changes`, in the column order the queries
/// here select.
fn seen_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Seen> {
    let ns: i64 = r.get(0)?;
    let cookie = r.get::<_, i64>(3)? as u64;
    // The key keeps the first inode (as dumps key it); the record shows the one then.
    let first_inode: u32 = r.get(4)?;
    let inode: u32 = r.get(21)?;
    let addr = |a: usize, p: usize| -> rusqlite::Result<Option<(String, u16)>> {
        let addr: Option<String> = r.get(a)?;
        let port: Option<u16> = r.get(p)?;
        Ok(addr.zip(port))
    };
    Ok(Seen {
        key: (ns as u64, cookie, if cookie == 0 { first_inode } else { 0 }),
        netns_name: r.get(1)?,
        container: r.get::<_, Option<String>>(19)?.map(|id| SeenContainer {
            runtime: known(
                &r.get::<_, Option<String>>(20)
                    .ok()
                    .flatten()
                    .unwrap_or_default(),
            ),
            id,
            name: r.get(2).ok().flatten(),
        }),
        cookie,
        inode,
        first_inode,
        proto: known(&r.get::<_, String>(5)?),
        family: known(&r.get::<_, String>(6)?),
        sock_type: known(&r.get::<_, String>(7)?),
        local: addr(8, 9)?,
        remote: addr(10, 11)?,
        path: r.get(12)?,
        uid: r.get(13)?,
        pid: r.get(14)?,
        process: r.get(15)?,
        program: r.get(22)?,
        state: known(&r.get::<_, String>(16)?),
        recv_q: r.get(17)?,
        send_q: r.get(18)?,
        counters: None,
        timer_ms: None,
    })
}

/// The `&'static` name for a word read back (protocol, family, type, state); `unknown`
/// for one this build does not write.
pub(crate) fn known(w: &str) -> &'static str {
    const WORDS: &[&str] = &[
        "tcp",
        "udp",
        "raw",
        "unix",
        "sctp",
        "mptcp",
        "packet",
        "netlink",
        "inet",
        "inet6",
        "stream",
        "dgram",
        "seqpacket",
        "rdm",
        "ESTABLISHED",
        "SYN_SENT",
        "SYN_RECV",
        "FIN_WAIT1",
        "FIN_WAIT2",
        "TIME_WAIT",
        "CLOSE",
        "CLOSE_WAIT",
        "LAST_ACK",
        "LISTEN",
        "CLOSING",
        "NEW_SYN_RECV",
        "UNCONN",
        "podman",
        "docker",
        "containerd",
        "cri-o",
        "kubernetes",
    ];
    WORDS.iter().copied().find(|k| *k == w).unwrap_or("unknown")
}

/// What happened to a socket, as `watch` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Happened {
    Open,
    /// From this state.
    State(&'static str),
    Close,
}

/// Which sockets `events` reads: those whose remote address is one of `addrs` (empty:
/// any) and whose remote port is `port` (`None`: any). The remote index answers these.
#[derive(Debug, Clone, Default)]
pub struct Remote {
    pub addrs: Vec<std::net::IpAddr>,
    pub port: Option<u16>,
}

/// The events between `since` and `until` (Unix ms, inclusive), in order: each socket's
/// open (when first seen), its state changes, its close; each with the socket as it was
/// then. Only sockets `remote` takes are read.
pub fn events(
    path: &Path,
    since: i64,
    until: i64,
    remote: &Remote,
) -> Result<Vec<(i64, Happened, Seen)>, Error> {
    let db = open_read(path)?;
    // Each address as written: IPv4 also in its IPv4-mapped form (an inet6 socket's).
    let mut addrs: Vec<String> = Vec::new();
    for a in &remote.addrs {
        addrs.push(a.to_string());
        if let std::net::IpAddr::V4(v4) = a {
            addrs.push(v4.to_ipv6_mapped().to_string());
        }
    }
    let mut narrow = String::new();
    if !addrs.is_empty() {
        narrow.push_str(" AND s.remote_addr IN (");
        narrow.push_str(&vec!["?"; addrs.len()].join(", "));
        narrow.push(')');
    }
    if remote.port.is_some() {
        narrow.push_str(" AND s.remote_port = ?");
    }
    let run = || -> rusqlite::Result<Vec<(i64, Happened, Seen)>> {
        let mut values: Vec<rusqlite::types::Value> = vec![since.into(), until.into()];
        values.extend(addrs.iter().map(|a| a.clone().into()));
        values.extend(remote.port.map(|p| i64::from(p).into()));
        let mut q = db.prepare(&format!(
            "SELECT s.netns_inode, s.netns_name, s.container, s.cookie, s.inode, s.proto,
                    s.family, s.type, s.local_addr, s.local_port, s.remote_addr, s.remote_port,
                    s.path, s.uid, s.pid, s.process, c.state, c.recv_q, c.send_q,
                    s.container_id, s.container_runtime, c.inode, s.program, c.at,
                    s.opened_at,
                    -- an end nobody saw (another scope stopped looking) is no close
                    CASE WHEN s.closed_how = 'unrecorded' THEN NULL ELSE s.closed_at END,
                    s.id
             FROM sockets s JOIN changes c ON c.socket = s.id
             WHERE s.opened_at <= ?2 AND (s.closed_at IS NULL OR s.closed_at >= ?1){narrow}
             ORDER BY s.id, c.at"
        ))?;
        let mut rows = q.query(rusqlite::params_from_iter(values))?;
        let mut out = Vec::new();
        // Per socket: its previous state, and its last record (for the close).
        let mut last: Option<(i64, Seen, Option<i64>)> = None;
        let close = |out: &mut Vec<(i64, Happened, Seen)>, l: Option<(i64, Seen, Option<i64>)>| {
            if let Some((_, mut s, Some(closed))) = l
                && (since..=until).contains(&closed)
            {
                // Closed: as watch reports a close.
                s.state = "CLOSE";
                out.push((closed, Happened::Close, s));
            }
        };
        while let Some(r) = rows.next()? {
            let seen = seen_row(r)?;
            let (at, opened, closed, id): (i64, i64, Option<i64>, i64) =
                (r.get(23)?, r.get(24)?, r.get(25)?, r.get(26)?);
            let same = last.as_ref().is_some_and(|(lid, _, _)| *lid == id);
            if !same {
                close(&mut out, last.take());
                if (since..=until).contains(&opened) {
                    out.push((opened, Happened::Open, seen.clone()));
                }
            } else if let Some((_, prev, _)) = &last
                && prev.state != seen.state
                && (since..=until).contains(&at)
            {
                out.push((at, Happened::State(prev.state), seen.clone()));
            }
            last = Some((id, seen, closed));
        }
        close(&mut out, last.take());
        let want = (!addrs.is_empty()).then_some(addrs.as_slice());
        crate::batch_rows::each(&db, since - 1, until, want, |_, _, entries| {
            for e in entries {
                let r = e.seen.remote.as_ref();
                if want.is_some_and(|w| !r.is_some_and(|r| w.contains(&r.0)))
                    || remote.port.is_some_and(|p| r.map(|r| r.1) != Some(p))
                {
                    continue;
                }
                batch_events(&mut out, e, since..=until);
            }
            Ok(())
        })?;
        out.sort_by_key(|e| e.0);
        Ok(out)
    };
    run().map_err(|e| fail(path, e))
}

/// A batched connection's events in `range`: its open, its remnant's state, its close.
fn batch_events(
    out: &mut Vec<(i64, Happened, Seen)>,
    e: crate::batch::Entry,
    range: std::ops::RangeInclusive<i64>,
) {
    if range.contains(&e.opened) {
        // The final counters go with the close only.
        let mut s = e.seen.clone();
        s.counters = None;
        out.push((e.opened, Happened::Open, s));
    }
    let end = e.end();
    let last = match e.remnant_seen() {
        Some(mut r) => {
            r.counters = e.seen.counters;
            if range.contains(&e.closed) && r.state != e.seen.state {
                // The connection's socket was destroyed then: its final counters.
                out.push((e.closed, Happened::State(e.seen.state), r.clone()));
            }
            r
        }
        None => e.seen,
    };
    // An end nobody saw (a recorder with another scope stopped looking) is no close.
    let unrecorded = e.remnant.as_ref().is_some_and(|r| r.unrecorded);
    if range.contains(&end) && !unrecorded {
        let mut s = last;
        s.state = "CLOSE";
        out.push((end, Happened::Close, s));
    }
}

/// When each socket still open at the last sample was first seen: (Unix ms, exact), by
/// key (`--age`).
pub fn first_seen(path: &Path) -> Result<rnetstat_sys::hash::Map<crate::Key, (i64, bool)>, Error> {
    let db = open_read(path)?;
    let run = || -> rusqlite::Result<rnetstat_sys::hash::Map<crate::Key, (i64, bool)>> {
        let mut q = db.prepare(
            "SELECT netns_inode, cookie, inode, opened_at, opened_exact FROM sockets
             WHERE closed_at IS NULL",
        )?;
        let rows = q.query_map([], |r| {
            let cookie = r.get::<_, i64>(1)? as u64;
            let inode: u32 = r.get(2)?;
            Ok((
                (
                    r.get::<_, i64>(0)? as u64,
                    cookie,
                    if cookie == 0 { inode } else { 0 },
                ),
                // A dump bounds an opening; a kernel announcement makes it exact.
                (r.get::<_, i64>(3)?, r.get::<_, i64>(4)? != 0),
            ))
        })?;
        let mut ages: rnetstat_sys::hash::Map<crate::Key, (i64, bool)> =
            rows.collect::<rusqlite::Result<_>>()?;
        // The remnants of batched connections still there at the last sample.
        let last: Option<i64> = db.query_row("SELECT max(at) FROM samples", [], |r| r.get(0))?;
        if let Some(last) = last {
            crate::batch_rows::each(&db, last, last, None, |_, _, entries| {
                for e in entries {
                    if last < e.end()
                        && let Some(k) = e.remnant_key()
                    {
                        ages.insert(k, (e.opened, e.exact));
                    }
                }
                Ok(())
            })?;
        }
        Ok(ages)
    };
    run().map_err(|e| fail(path, e))
}
