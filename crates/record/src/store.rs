//! The store: opens the database safely, and writes one interval as one transaction.
//!
//! The sockets open at the last interval are kept in memory by key, with the values last
//! written, so an unchanged socket costs a comparison and no write. A socket seen for the
//! first time gets a row (opened between the previous sample and this one); one no longer
//! seen is closed the same way; a change of state or queues adds a `changes` row; a TCP
//! connection whose counters moved adds a `counters` row. A connection born and gone since
//! the last dump (its close announced) is an entry of the interval's batch instead, with
//! the time-wait remnant the dump saw of it; the remnant is followed in memory until a dump
//! no longer lists it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{CachedStatement, Connection, OpenFlags, OptionalExtension, params};

use rnetstat_model::error::Error;
use rnetstat_sys::hash::Map;

use crate::batch::{Entry, Remnant};
use crate::batch_rows::{TIME_WAIT_MS, Tracked, insert_batch, remnants_ended};
use crate::schema;
pub use crate::seen::{Counters, Gone, Key, Opened, Pair, Run, Seen, SeenContainer, Written};

/// What a write changes in memory, applied only when its transaction commits.
struct Interval<'a> {
    open: &'a mut Map<Key, Open>,
    dying: &'a mut Map<Key, i64>,
    remnants: &'a mut Map<Key, Tracked>,
}

/// Whether a state is what a TCP connection leaves behind when its socket is destroyed: a
/// time-wait socket, in TIME_WAIT or its FIN_WAIT2 substate.
fn remnant(state: &str) -> bool {
    matches!(state, "TIME_WAIT" | "FIN_WAIT2")
}

/// The values last written for an open socket.
#[derive(Debug, Clone)]
struct Open {
    id: i64,
    state: &'static str,
    recv_q: u32,
    send_q: u32,
    inode: u32,
    counters: Option<Counters>,
}

impl Open {
    /// A socket's row as first written: its values, no counters yet.
    fn of(id: i64, s: &Seen) -> Open {
        Open {
            id,
            state: s.state,
            recv_q: s.recv_q,
            send_q: s.send_q,
            inode: s.inode,
            counters: None,
        }
    }
}

/// The statements one interval's transaction runs.
struct Statements<'t> {
    socket: CachedStatement<'t>,
    change: CachedStatement<'t>,
    counters: CachedStatement<'t>,
    close: CachedStatement<'t>,
    reopen: CachedStatement<'t>,
    recookie: CachedStatement<'t>,
}

impl Statements<'_> {
    /// A new socket's row and its first `changes` row, at `at`; its row id. `opened` is
    /// the moment it opened when the kernel announced it (exact), else the row says it
    /// opened after `after`.
    fn insert(
        &mut self,
        tx: &rusqlite::Transaction<'_>,
        s: &Seen,
        at: i64,
        after: Option<i64>,
        opened: Option<i64>,
    ) -> rusqlite::Result<i64> {
        self.socket.execute(params![
            s.key.0 as i64,
            s.netns_name,
            s.container.as_ref().and_then(|c| c.name.as_deref()),
            s.cookie as i64,
            s.inode,
            s.proto,
            s.family,
            s.sock_type,
            s.local.as_ref().map(|l| l.0.as_str()),
            s.local.as_ref().map(|l| l.1),
            s.remote.as_ref().map(|r| r.0.as_str()),
            s.remote.as_ref().map(|r| r.1),
            s.path,
            s.uid,
            s.pid,
            s.process,
            opened.unwrap_or(at),
            if opened.is_some() { None } else { after },
            s.container.as_ref().map(|c| c.id.as_str()),
            s.container.as_ref().map(|c| c.runtime),
            s.program,
            opened.is_some(),
        ])?;
        let id = tx.last_insert_rowid();
        self.change
            .execute(params![id, at, s.state, s.recv_q, s.send_q, s.inode])?;
        Ok(id)
    }

    /// A `counters` row when a connection's counters moved; 1 if written.
    fn counters(&mut self, o: &mut Open, at: i64, c: Option<Counters>) -> rusqlite::Result<usize> {
        let Some(c) = c.filter(|c| o.counters != Some(*c)) else {
            return Ok(0);
        };
        self.counters.execute(params![
            o.id,
            at,
            c.bytes_acked as i64,
            c.bytes_received as i64,
            c.total_retrans,
            c.rtt_us
        ])?;
        o.counters = Some(c);
        Ok(1)
    }
}

pub struct Store {
    db: Connection,
    path: PathBuf,
    open: Map<Key, Open>,
    /// Sockets the kernel announced destroyed while the dump that listed them alive ran:
    /// the next write decides (a time-wait remnant continues them, else they closed then).
    dying: Map<Key, i64>,
    /// The time-wait remnants of batched connections, still listed by dumps.
    remnants: Map<Key, Tracked>,
    /// The last sample written (Unix ms).
    last: Option<i64>,
}

/// Where a connection's record went this interval: a row, or an entry of the batch being
/// made.
#[derive(Debug, Clone, Copy)]
enum Target {
    Row(i64),
    Entry(usize),
}

pub(crate) fn fail(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::History {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

impl Store {
    /// Opens (or creates) the database at `path`: never through a symbolic link, WAL mode,
    /// the schema made or its version checked. Sockets a previous run left open are taken
    /// up again: the next write closes those that are gone. `scope` names what this
    /// recorder looks at (its selection); when it differs from the previous run's, the
    /// sockets that run left open end just after its last sample (`closed_how =
    /// 'unrecorded'`): nobody looked at them since, and a narrower selection must not
    /// call them closed.
    pub fn open(path: &Path, run: &Run<'_>) -> Result<Store, Error> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NOFOLLOW
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        regular_or_missing(path)?;
        let db = Connection::open_with_flags(path, flags).map_err(|e| fail(path, e))?;
        db.busy_timeout(Duration::from_secs(5))
            .map_err(|e| fail(path, e))?;
        // The schema first: a file that is not ours is refused before anything in it
        // changes (WAL mode is written into the file's header).
        schema::prepare(&db).map_err(|e| fail(path, e))?;
        let mode: String = db
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| fail(path, e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(fail(path, format!("cannot use WAL mode (got {mode})")));
        }
        // WAL with NORMAL: a crash loses at most the transaction being written, never
        // the file's consistency.
        db.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(|e| fail(path, e))?;
        let mut store = Store {
            db,
            path: path.to_path_buf(),
            open: Map::default(),
            dying: Map::default(),
            remnants: Map::default(),
            last: None,
        };
        store.resume().map_err(|e| fail(path, e))?;
        store.begin_run(run).map_err(|e| fail(path, e))?;
        Ok(store)
    }

    /// Notes this run and its scope; ends what a run with another scope left open.
    fn begin_run(&mut self, run: &Run<'_>) -> rusqlite::Result<()> {
        let previous: Option<String> = self
            .db
            .query_row(
                "SELECT scope FROM runs ORDER BY started DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let tx = self.db.transaction()?;
        // Another scope, or none known (a file from before runs were kept) with sockets
        // left open: what was left open is not known to have closed.
        let other = match &previous {
            Some(p) => p != run.scope,
            None => !self.open.is_empty(),
        };
        if other && let Some(last) = self.last {
            tx.execute(
                "UPDATE sockets SET closed_at = ?1 + 1, closed_how = 'unrecorded'
                 WHERE closed_at IS NULL",
                [last],
            )?;
            let left: Vec<Tracked> = self.remnants.values().copied().collect();
            remnants_ended(&tx, &left, last + 1, None)?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO runs (started, scope, interval_ms) VALUES (?1, ?2, ?3)",
            params![run.started, run.scope, run.interval_ms],
        )?;
        tx.commit()?;
        if other {
            self.open.clear();
            self.remnants.clear();
            // The first write of this run bounds nothing: what it sees opened before it,
            // at a time no run recorded.
            self.last = None;
        }
        Ok(())
    }

    /// Loads the sockets still open at the last sample, with their last values.
    fn resume(&mut self) -> rusqlite::Result<()> {
        self.last = self
            .db
            .query_row("SELECT max(at) FROM samples", [], |r| r.get(0))?;
        let mut q = self.db.prepare(
            "SELECT s.id, s.netns_inode, s.cookie, s.inode, c.state, c.recv_q, c.send_q, c.inode
             FROM sockets s JOIN changes c ON c.socket = s.id
             WHERE s.closed_at IS NULL
               AND c.at = (SELECT max(at) FROM changes WHERE socket = s.id)",
        )?;
        let rows = q.query_map([], |r| {
            // Keyed as dumps key them: the inode counts only without a cookie.
            let cookie = r.get::<_, i64>(2)? as u64;
            let inode = r.get::<_, i64>(3)? as u32;
            let key: Key = (
                r.get::<_, i64>(1)? as u64,
                cookie,
                if cookie == 0 { inode } else { 0 },
            );
            let state: String = r.get(4)?;
            Ok((
                key,
                Open {
                    id: r.get(0)?,
                    state: state_name(&state),
                    recv_q: r.get(5)?,
                    send_q: r.get(6)?,
                    inode: r.get(7)?,
                    counters: None,
                },
            ))
        })?;
        for row in rows {
            let (k, o) = row?;
            self.open.insert(k, o);
        }
        drop(q);
        // The remnants of batched connections that outlived the last sample.
        if let Some(last) = self.last {
            let remnants = &mut self.remnants;
            crate::batch_rows::each(&self.db, last, i64::MAX, None, |batch, _, entries| {
                for (i, e) in entries.iter().enumerate() {
                    // Not those a recorder with another scope stopped looking at.
                    if let (Some(k), Some(r)) = (e.remnant_key(), &e.remnant)
                        && r.until > last
                        && !r.unrecorded
                    {
                        let t = Tracked {
                            batch,
                            entry: i as u32,
                            until: r.until,
                            // Still listed at the last sample, past its timer.
                            provisional: r.until == last + 1,
                        };
                        remnants.insert(k, t);
                    }
                }
                Ok(())
            })?;
        }
        Ok(())
    }

    /// Where the database is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sockets open at the last write.
    pub fn open_sockets(&self) -> usize {
        self.open.len()
    }

    /// Writes one dump taken at `at` (Unix ms), with the closes the kernel announced since
    /// the last one (`gone`) and the openings a tracer saw (`opened`), as one transaction. On an error nothing of it is kept, in the
    /// file or in memory: the next write starts from the last one that succeeded.
    pub fn write(
        &mut self,
        at: i64,
        seen: &[Seen],
        gone: &[Gone],
        opened: &[Opened],
    ) -> Result<Written, Error> {
        let path = self.path.clone();
        let mut open = self.open.clone();
        let mut dying = self.dying.clone();
        let mut remnants = self.remnants.clone();
        let mut state = Interval {
            open: &mut open,
            dying: &mut dying,
            remnants: &mut remnants,
        };
        let w = self
            .write_tx(at, seen, gone, opened, &mut state)
            .map_err(|e| fail(&path, e))?;
        self.open = open;
        self.dying = dying;
        self.remnants = remnants;
        self.last = Some(at);
        Ok(w)
    }

    fn write_tx(
        &mut self,
        at: i64,
        seen: &[Seen],
        gone: &[Gone],
        opened: &[Opened],
        state: &mut Interval<'_>,
    ) -> rusqlite::Result<Written> {
        let Interval {
            open,
            dying,
            remnants,
        } = state;
        let after = self.last;
        // Exact openings by address pair; each used by at most one new row.
        let mut exact: Map<Pair, i64> = opened.iter().map(|o| (o.pair.clone(), o.at)).collect();
        let tx = self.db.transaction()?;
        let mut w = Written::default();
        tx.execute("INSERT OR IGNORE INTO samples (at) VALUES (?1)", [at])?;
        {
            let mut st = Statements {
                socket: tx.prepare_cached(
                    "INSERT INTO sockets (netns_inode, netns_name, container, cookie, inode,
                        proto, family, type, local_addr, local_port, remote_addr, remote_port,
                        path, uid, pid, process, opened_at, opened_after, container_id,
                        container_runtime, program, opened_exact)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                        ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
                )?,
                change: tx.prepare_cached(
                    "INSERT OR REPLACE INTO changes (socket, at, state, recv_q, send_q, inode)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?,
                counters: tx.prepare_cached(
                    "INSERT OR REPLACE INTO counters (socket, at, bytes_acked, bytes_received,
                        total_retrans, rtt_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?,
                close: tx.prepare_cached(
                    "UPDATE sockets SET closed_at = ?2, closed_after = ?3, closed_how = ?4
                     WHERE id = ?1",
                )?,
                reopen: tx.prepare_cached(
                    "UPDATE sockets SET closed_at = NULL, closed_after = NULL, closed_how = NULL
                     WHERE id = ?1",
                )?,
                recookie: tx.prepare_cached("UPDATE sockets SET cookie = ?2 WHERE id = ?1")?,
            };
            // The announced closes first: each socket's final counters, and when it died.
            let mut destroyed: Map<Key, i64> = std::mem::take(dying);
            // A connection's row by address pair, for its time-wait remnant: (row, when,
            // the key it is open under, if it is).
            let mut pairs: Map<Pair, (Target, i64, Option<Key>)> = Map::default();
            // Sockets born and gone since the last dump: a batch entry each, and the key of
            // the remnant a dump saw of it.
            let mut announced: rnetstat_sys::hash::Set<Key> = Default::default();
            let mut batch: Vec<Option<(Entry, Option<Key>)>> = Vec::new();
            for g in gone {
                let s = &g.seen;
                let pair = (s.key.0, s.local.clone(), s.remote.clone());
                if let Some(o) = open.get_mut(&s.key) {
                    w.counters += st.counters(o, g.at, s.counters)?;
                    destroyed.insert(s.key, g.at);
                    pairs.insert(pair, (Target::Row(o.id), g.at, Some(s.key)));
                } else if s.remote.as_ref().is_some_and(|r| r.1 != 0) && announced.insert(s.key) {
                    // Born and gone since the last dump. One with no remote port is no
                    // connection (a refused connect: the kernel cleared its addresses).
                    let opened = exact.remove(&pair);
                    batch.push(Some((
                        Entry {
                            seen: s.clone(),
                            opened: opened.unwrap_or(g.at),
                            exact: opened.is_some(),
                            after: if opened.is_some() { None } else { after },
                            closed: g.at,
                            remnant: None,
                        },
                        None,
                    )));
                    w.opened += 1;
                    w.closed += 1;
                    w.counters += usize::from(s.counters.is_some());
                    pairs.insert(pair, (Target::Entry(batch.len() - 1), g.at, None));
                }
            }
            let mut present: rnetstat_sys::hash::Set<Key> = Default::default();
            let mut overdue: Vec<Tracked> = Vec::new();
            for s in seen {
                present.insert(s.key);
                if let Some(t) = remnants.get_mut(&s.key) {
                    // Listed past its timer's end: there at least until this sample.
                    if t.until <= at {
                        overdue.push(*t);
                        t.until = at + 1;
                        t.provisional = true;
                    }
                    continue;
                }
                if !open.contains_key(&s.key) {
                    let pair = (s.key.0, s.local.clone(), s.remote.clone());
                    let mut target = pairs.get(&pair).filter(|_| remnant(s.state)).copied();
                    if let Some((Target::Entry(i), when, _)) = target {
                        match batch[i].as_mut() {
                            // A time-wait remnant: kept with its connection's entry, until
                            // its timer ends it.
                            Some((e, k)) if s.state == "TIME_WAIT" && e.remnant.is_none() => {
                                e.remnant = Some(Remnant {
                                    state: s.state,
                                    cookie: s.cookie,
                                    inode: s.inode,
                                    recv_q: s.recv_q,
                                    send_q: s.send_q,
                                    until: s
                                        .timer_ms
                                        .map_or(when + TIME_WAIT_MS, |t| at + i64::from(t)),
                                    unrecorded: false,
                                });
                                *k = Some(s.key);
                                continue;
                            }
                            // Another remnant (FIN_WAIT2 changes state): its connection
                            // becomes a row the remnant continues.
                            Some(_) => {
                                let (e, _) = batch[i].take().expect("matched above");
                                let opened = e.exact.then_some(e.opened);
                                let id = st.insert(&tx, &e.seen, e.closed, e.after, opened)?;
                                let mut o = Open::of(id, &e.seen);
                                st.counters(&mut o, e.closed, e.seen.counters)?;
                                st.close.execute(params![
                                    id,
                                    e.closed,
                                    None::<i64>,
                                    "announced"
                                ])?;
                                target = Some((Target::Row(id), when, None));
                            }
                            None => target = None,
                        }
                    }
                    match target {
                        // A time-wait remnant continues its connection's row, known from now
                        // on by the remnant's cookie.
                        Some((Target::Row(id), when, was)) => {
                            match was {
                                Some(k) => {
                                    open.remove(&k);
                                }
                                None => {
                                    st.reopen.execute([id])?;
                                    w.closed -= 1;
                                }
                            }
                            if s.cookie != 0 {
                                st.recookie.execute(params![id, s.cookie as i64])?;
                            }
                            st.change
                                .execute(params![id, when, s.state, s.recv_q, s.send_q, s.inode])?;
                            open.insert(s.key, Open::of(id, s));
                            continue;
                        }
                        Some((Target::Entry(_), ..)) => unreachable!("made a row above"),
                        // Seen alive by this dump, its close already written.
                        None if announced.contains(&s.key) => continue,
                        None => {
                            let id = st.insert(&tx, s, at, after, exact.remove(&pair))?;
                            open.insert(s.key, Open::of(id, s));
                            w.opened += 1;
                        }
                    }
                }
                let o = open.get_mut(&s.key).expect("inserted above");
                if (o.state, o.recv_q, o.send_q, o.inode) != (s.state, s.recv_q, s.send_q, s.inode)
                {
                    // A remnant's state is as old as the announced close.
                    let when = destroyed
                        .get(&s.key)
                        .filter(|_| remnant(s.state))
                        .copied()
                        .unwrap_or(at);
                    st.change
                        .execute(params![o.id, when, s.state, s.recv_q, s.send_q, s.inode])?;
                    (o.state, o.recv_q, o.send_q, o.inode) = (s.state, s.recv_q, s.send_q, s.inode);
                    w.changed += 1;
                }
                w.counters += st.counters(o, at, s.counters)?;
            }
            // Announced destroyed and listed alive by this dump (it died while the dump ran):
            // the next dump tells whether a remnant continues it.
            for (k, o) in open.iter() {
                if let Some(&t) = destroyed.get(k)
                    && present.contains(k)
                    && !remnant(o.state)
                {
                    dying.insert(*k, t);
                }
            }
            // Gone from the dump.
            let ended: Vec<Key> = open
                .keys()
                .filter(|k| !present.contains(k))
                .copied()
                .collect();
            for k in ended {
                if let Some(o) = open.remove(&k) {
                    match destroyed.get(&k) {
                        Some(&t) => st.close.execute(params![o.id, t, None::<i64>, "announced"]),
                        None => st.close.execute(params![o.id, at, after, "dump"]),
                    }?;
                    w.closed += 1;
                }
            }
            // Remnants gone from the dump: their timer's end stands when it falls between
            // the last sample and this one; otherwise when they went is written.
            let gone_remnants: Vec<Tracked> = remnants
                .iter()
                .filter(|(k, _)| !present.contains(k))
                .map(|(_, t)| *t)
                .collect();
            remnants.retain(|k, _| present.contains(k));
            w.closed += gone_remnants.len();
            let off_time: Vec<Tracked> = gone_remnants
                .into_iter()
                .filter(|t| t.provisional || !(after.is_some_and(|a| a < t.until) && t.until <= at))
                .collect();
            remnants_ended(&tx, &off_time, at, after)?;
            // Those still listed past their timer: until just after this sample, for now.
            remnants_ended(&tx, &overdue, at + 1, Some(at))?;
            let mut entries: Vec<(Entry, Option<Key>)> = batch.into_iter().flatten().collect();
            entries.sort_by_key(|(e, _)| (e.seen.local.as_ref().map(|l| l.1), e.opened));
            for chunk in entries.chunks(crate::batch::MAX_ENTRIES) {
                let id = insert_batch(&tx, at, chunk)?;
                for (i, (e, k)) in chunk.iter().enumerate() {
                    if let (Some(k), Some(r)) = (k, &e.remnant) {
                        let t = Tracked {
                            batch: id,
                            entry: i as u32,
                            until: r.until,
                            provisional: false,
                        };
                        remnants.insert(*k, t);
                    }
                }
            }
        }
        // Openings seen after the dump that first listed them: that row's opening is exact.
        {
            let mut late = tx.prepare_cached(
                "UPDATE sockets SET opened_at = ?6, opened_after = NULL, opened_exact = 1
                 WHERE netns_inode = ?1 AND local_addr IS ?2 AND local_port IS ?3
                   AND remote_addr IS ?4 AND remote_port IS ?5 AND opened_exact = 0
                   AND closed_at IS NULL AND (opened_after IS NULL OR opened_after < ?6)",
            )?;
            for ((ns, local, remote), t) in exact {
                late.execute(params![
                    ns as i64,
                    local.as_ref().map(|l| l.0.as_str()),
                    local.as_ref().map(|l| l.1),
                    remote.as_ref().map(|r| r.0.as_str()),
                    remote.as_ref().map(|r| r.1),
                    t
                ])?;
            }
        }
        tx.commit()?;
        Ok(w)
    }

    /// Bytes the data takes in the file (pages in use; freed pages are reused, not
    /// returned).
    pub fn used_bytes(&self) -> Result<u64, Error> {
        let q = |sql: &str| -> rusqlite::Result<i64> { self.db.query_row(sql, [], |r| r.get(0)) };
        let run = || -> rusqlite::Result<u64> {
            let used = q("PRAGMA page_count")? - q("PRAGMA freelist_count")?;
            Ok((used.max(0) * q("PRAGMA page_size")?) as u64)
        };
        run().map_err(|e| fail(&self.path, e))
    }

    /// Drops the oldest data, a tenth of the recorded span at a time, until the data
    /// takes at most `max` bytes or only the last sample is left; returns the sockets
    /// dropped.
    pub fn trim_to(&mut self, max: u64) -> Result<usize, Error> {
        let mut dropped = 0;
        while self.used_bytes()? > max {
            let span: (Option<i64>, Option<i64>) = self
                .db
                .query_row("SELECT min(at), max(at) FROM samples", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .map_err(|e| fail(&self.path, e))?;
            let (Some(first), Some(last)) = span else {
                break;
            };
            if first >= last {
                break;
            }
            let cut = first + ((last - first) / 10).max(1);
            dropped += self.prune(cut)?;
        }
        Ok(dropped)
    }

    /// Drops what closed before `before` (Unix ms), with its changes and counters, and the
    /// samples before it; returns the sockets dropped.
    pub fn prune(&mut self, before: i64) -> Result<usize, Error> {
        let path = self.path.clone();
        let mut run = || -> rusqlite::Result<usize> {
            let tx = self.db.transaction()?;
            tx.execute(
                "DELETE FROM changes WHERE socket IN
                   (SELECT id FROM sockets WHERE closed_at < ?1)",
                [before],
            )?;
            tx.execute(
                "DELETE FROM counters WHERE socket IN
                   (SELECT id FROM sockets WHERE closed_at < ?1) OR at < ?1",
                [before],
            )?;
            // A socket still open keeps only its last change from before the cut.
            tx.execute(
                "DELETE FROM changes WHERE at < ?1 AND at < (SELECT max(c2.at) FROM changes c2
                   WHERE c2.socket = changes.socket AND c2.at < ?1)",
                [before],
            )?;
            let mut n = tx.execute("DELETE FROM sockets WHERE closed_at < ?1", [before])?;
            n += tx.query_row(
                "SELECT coalesce(sum(count), 0) FROM batches WHERE last_end < ?1",
                [before],
                |r| r.get::<_, i64>(0),
            )? as usize;
            // Remnant ends are written after their batch and before its last end.
            tx.execute(
                "DELETE FROM remnant_ends WHERE at < ?1 AND at <= coalesce(
                   (SELECT min(at) FROM batches WHERE last_end >= ?1), ?1)",
                [before],
            )?;
            tx.execute("DELETE FROM batches WHERE last_end < ?1", [before])?;
            tx.execute("DELETE FROM samples WHERE at < ?1", [before])?;
            tx.commit()?;
            Ok(n)
        };
        run().map_err(|e| fail(&path, e))
    }
}

/// Refuses a path that exists and is not a regular file (a FIFO would block the open, a
/// directory or device is not a database); a symbolic link is refused by the open itself.
pub(crate) fn regular_or_missing(path: &Path) -> Result<(), Error> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(fail(path, "a symbolic link is not followed")),
        Ok(m) if !m.is_file() => Err(fail(path, "not a regular file")),
        _ => Ok(()),
    }
}

/// The `&'static` name of a state read back from the file.
fn state_name(s: &str) -> &'static str {
    rnetstat_model::State::ALL
        .iter()
        .map(|st| st.name())
        .chain(["UNCONN", "UNKNOWN"])
        .find(|n| *n == s)
        .unwrap_or("UNKNOWN")
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
