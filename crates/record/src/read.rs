//! Reading the database back: what was there at a moment (`--at`).

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use rnetstat_model::error::Error;

use crate::schema::SCHEMA_VERSION;
use crate::store::{Seen, SeenContainer, fail};

/// A read-only connection: never through a symbolic link, never blocking the recorder
/// (WAL readers see the last committed interval).
pub fn open_read(path: &Path) -> Result<Connection, Error> {
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
            format!("schema version {v}; this rnetstat reads version {SCHEMA_VERSION}"),
        ));
    }
    Ok(db)
}

/// The sockets there at the last sample at or before `at` (Unix ms), each with its state
/// and queues then, and that sample's time. `None` when nothing was recorded by then.
pub fn sockets_at(path: &Path, at: i64) -> Result<Option<(i64, Vec<Seen>)>, Error> {
    let db = open_read(path)?;
    let run = || -> rusqlite::Result<Option<(i64, Vec<Seen>)>> {
        let t: Option<i64> =
            db.query_row("SELECT max(at) FROM samples WHERE at <= ?1", [at], |r| {
                r.get(0)
            })?;
        let Some(t) = t else { return Ok(None) };
        let mut q = db.prepare(
            "SELECT s.netns_inode, s.netns_name, s.container, s.cookie, s.inode, s.proto,
                    s.family, s.type, s.local_addr, s.local_port, s.remote_addr, s.remote_port,
                    s.path, s.uid, s.pid, s.process, c.state, c.recv_q, c.send_q,
                    s.container_id, s.container_runtime, c.inode
             FROM sockets s JOIN changes c ON c.socket = s.id
             WHERE s.opened_at <= ?1 AND (s.closed_at IS NULL OR s.closed_at > ?1)
               AND c.at = (SELECT max(at) FROM changes WHERE socket = s.id AND at <= ?1)
             ORDER BY s.id",
        )?;
        let rows = q.query_map([t], |r| {
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
                proto: known(&r.get::<_, String>(5)?),
                family: known(&r.get::<_, String>(6)?),
                sock_type: known(&r.get::<_, String>(7)?),
                local: addr(8, 9)?,
                remote: addr(10, 11)?,
                path: r.get(12)?,
                uid: r.get(13)?,
                pid: r.get(14)?,
                process: r.get(15)?,
                state: known(&r.get::<_, String>(16)?),
                recv_q: r.get(17)?,
                send_q: r.get(18)?,
                counters: None,
            })
        })?;
        Ok(Some((t, rows.collect::<rusqlite::Result<Vec<_>>>()?)))
    };
    run().map_err(|e| fail(path, e))
}

/// The `&'static` name for a word read back (protocol, family, type, state); `unknown`
/// for one this build does not write.
fn known(w: &str) -> &'static str {
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
