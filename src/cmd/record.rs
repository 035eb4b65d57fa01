//! `rnetstat record`: every interval, the selected namespaces dumped (namespaces found
//! afresh), each socket's process named, and the dump written to the store as one
//! transaction, with the TCP closes the kernel announced since the last one (their exact
//! times and final counters, so connections shorter than an interval are kept too). A
//! write that fails (a full disk) is reported once and tried again at the next interval;
//! SIGTERM, SIGINT and SIGHUP end it after one last write.

use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::closes::{Closed, Closes};
use super::openings::Opening;
use crate::cli::RecordArgs;
use crate::config::RecordConfig;
use crate::error::Error;
use crate::model::{Proto, Socket};
use crate::record::{Counters, Gone, Opened, Run, Seen, Store};
use crate::source::buffer::Buffered;
use crate::source::containers::RuntimeFiles;
use crate::source::diff::key;
use crate::source::netns;
use crate::source::owners::Owners;
use crate::source::procfs::ProcRoot;

/// Retention is applied every this many intervals (and at the first).
const PRUNE_EVERY: u64 = 60;

/// The most announced closes (and, apart, openings) kept while writes fail; the oldest go
/// first.
const MAX_UNWRITTEN: usize = 1 << 20;

pub fn run(a: &RecordArgs) -> Result<(), Error> {
    let cfg = RecordConfig::from_args(a)?;
    directory(&cfg.db, cfg.default_db)?;
    // The database and its -wal and -shm files are the owner's alone: they name every
    // process that held a socket, which other users may not see live.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let _lock = lock(&cfg.db)?;
    // What this run looks at: a restart that looks at something else does not call what
    // it no longer sees closed.
    let scope = scope(&cfg, &a.filter);
    // Told to stop, it writes once more (what was heard since the last write), and ends
    // within 10 s however that goes; also while it opens a large database.
    let stop = crate::cleanup::stop_flag_with_grace(Duration::from_secs(10), None)
        .map_err(Error::Output)?;
    let mut store = Store::open(
        &cfg.db,
        &Run {
            started: now_ms(),
            scope: &scope,
            interval_ms: cfg.interval.as_millis() as i64,
        },
    )?;
    let mut last = false;
    log(&format!(
        "writing to {} every {} s",
        crate::output::sanitize::quoted(&cfg.db.to_string_lossy()),
        cfg.interval.as_secs_f64()
    ));
    let proc_root = ProcRoot::default();
    let mut spaces = netns::select(&cfg.netns, &proc_root, &mut RuntimeFiles::new("/"), true)?;
    let mut closes = if cfg.selection.tcp {
        Some(Closes::start(&spaces, &proc_root)?)
    } else {
        None
    };
    // Openings, exact when the kernel's tracepoint can be read (root, BPF).
    let mut openings = if cfg.selection.tcp {
        match super::transitions::start() {
            Ok(rx) => Some((rx, super::openings::Openings::default())),
            Err(e) => {
                log(&format!(
                    "TCP openings are bounded by the interval, not exact: {e}"
                ));
                None
            }
        }
    } else {
        None
    };
    let mut later_opened: Vec<Opening> = Vec::new();
    let mut unwritten_opened: Vec<Opened> = Vec::new();
    // Closes heard after a dump ended, for the next write.
    let mut later: Vec<Closed> = Vec::new();
    // Closes not yet written (a write failed), oldest first.
    let mut unwritten: Vec<Gone> = Vec::new();
    let mut failing = false;
    for round in 0u64.. {
        let started = Instant::now();
        let at = now_ms();
        if round > 0 {
            spaces = netns::select(&cfg.netns, &proc_root, &mut RuntimeFiles::new("/"), true)?;
            if let Some(c) = &mut closes {
                c.follow(&spaces, &proc_root);
            }
        }
        let owners = Owners::scan(&proc_root);
        let seen = dump_in(&cfg.selection, &spaces, &proc_root, &owners)?;
        let ended = SystemTime::now();
        if let Some(c) = &closes {
            later.extend(c.heard.try_iter());
        }
        let (now, next): (Vec<Closed>, Vec<Closed>) =
            later.drain(..).partition(|(_, t, _)| *t <= ended);
        later = next;
        unwritten.extend(announced(&cfg.selection, &spaces, &owners, now));
        if unwritten.len() > MAX_UNWRITTEN {
            let over = unwritten.len() - MAX_UNWRITTEN;
            unwritten.drain(..over);
        }
        if let Some((rx, o)) = &mut openings {
            later_opened.extend(rx.try_iter().filter_map(|t| o.feed(&t)));
        }
        let ended_ms = ended
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let (now, next): (Vec<Opening>, Vec<Opening>) =
            later_opened.drain(..).partition(|o| o.1 <= ended_ms);
        later_opened = next;
        unwritten_opened.extend(
            now.into_iter()
                .filter(|o| spaces.iter().any(|s| s.ns.inode == o.0))
                .map(|(ns, at, l, r)| Opened {
                    at,
                    pair: (
                        ns,
                        Some((l.0.to_string(), l.1)),
                        Some((r.0.to_string(), r.1)),
                    ),
                }),
        );
        if unwritten_opened.len() > MAX_UNWRITTEN {
            let over = unwritten_opened.len() - MAX_UNWRITTEN;
            unwritten_opened.drain(..over);
        }
        let written = store.write(at, &seen, &unwritten, &unwritten_opened);
        if written.is_ok() {
            unwritten.clear();
            unwritten_opened.clear();
        }
        match written {
            Ok(_) if failing => {
                log("writing again");
                failing = false;
            }
            Ok(_) => {}
            // The first write failing is a database that cannot be written at all.
            Err(e) if round == 0 => return Err(e),
            Err(e) if !failing => {
                log(&format!("{e}; still recording, writing when it can"));
                failing = true;
            }
            Err(_) => {}
        }
        if round % PRUNE_EVERY == 0 && !failing {
            let before = at - cfg.retention.as_millis() as i64;
            if let Err(e) = store.prune(before) {
                log(&e.to_string());
            }
        }
        if !failing && let Err(e) = store.trim_to(cfg.max_size) {
            log(&e.to_string());
        }
        if last {
            break;
        }
        // Sleep in short steps so a signal ends the wait at once.
        while started.elapsed() < cfg.interval && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(50).min(cfg.interval));
        }
        if stop.load(Ordering::Relaxed) {
            // The last announcements and transitions reach their channels.
            std::thread::sleep(Duration::from_millis(150));
            last = true;
        }
    }
    Ok(())
}

/// A line on standard error; one that is gone (a closed pipe, a lost terminal) does not
/// end the recorder.
fn log(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "rnetstat record: {line}");
}

/// One recorder per database: an exclusive `flock` on the file (made 0600, never through
/// a link), held for the recorder's life. SQLite's own locks are `fcntl` locks, which
/// `flock` does not touch.
fn lock(db: &Path) -> Result<std::fs::File, Error> {
    use std::os::unix::fs::OpenOptionsExt;
    let bad = |why: String| Error::History {
        path: db.display().to_string(),
        reason: why,
    };
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(db)
        .map_err(|e| bad(format!("cannot open it: {e}")))?;
    if !f.metadata().is_ok_and(|m| m.is_file()) {
        return Err(bad("not a regular file".into()));
    }
    // A file made earlier with looser permissions is made the owner's alone, with its
    // -wal and -shm (SQLite gives them the database's permissions).
    private(&f).map_err(|e| bad(format!("cannot make it private (0600): {e}")))?;
    for suffix in ["-wal", "-shm"] {
        let mut side = db.as_os_str().to_owned();
        side.push(suffix);
        if let Ok(s) = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(&side)
            && s.metadata().is_ok_and(|m| m.is_file())
        {
            private(&s).map_err(|e| bad(format!("cannot make {suffix} private (0600): {e}")))?;
        }
    }
    rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockExclusive).map_err(|_| {
        bad("another recorder is writing to it; one database takes one recorder".into())
    })?;
    Ok(f)
}

/// What a run looks at, as `tables=tcp/inet,…;netns=current;filter=WORDS` (`diff` reads
/// the tables back).
fn scope(cfg: &RecordConfig, filter: &[String]) -> String {
    use crate::source::netns::Target;
    let tables: Vec<String> = cfg
        .selection
        .tables()
        .iter()
        .map(|(p, f)| format!("{}/{}", p.name(), f.name()))
        .collect();
    let netns = match &cfg.netns {
        Target::Current => "current".to_string(),
        Target::All => "all".to_string(),
        Target::Net(n) => format!("net:{n}"),
        Target::Container(c) => format!("container:{c}"),
    };
    format!(
        "tables={};netns={netns};filter={}",
        tables.join(","),
        filter.join(" ")
    )
}

/// Mode 0600 for a file of ours that others may read.
fn private(f: &std::fs::File) -> std::io::Result<()> {
    let m = f.metadata()?;
    if m.mode() & 0o077 != 0 {
        rustix::fs::fchmod(f, rustix::fs::Mode::from_raw_mode(0o600))?;
    }
    Ok(())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The database's directory: made (0755 as root, else 0700) when it is the default place
/// and missing; refused when it is not a real directory, or others may write to it (they
/// could plant links where SQLite makes its `-wal` and `-shm` files).
fn directory(db: &Path, make: bool) -> Result<(), Error> {
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let bad = |why: &str| Error::History {
        path: db.display().to_string(),
        reason: why.to_string(),
    };
    if make && std::fs::symlink_metadata(dir).is_err() {
        let mode = if crate::sys::geteuid() == 0 {
            0o755
        } else {
            0o700
        };
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(mode)
            .create(dir)
            .map_err(|e| bad(&format!("cannot make its directory: {e}")))?;
    }
    let m = std::fs::symlink_metadata(dir).map_err(|e| bad(&format!("its directory: {e}")))?;
    if !m.is_dir() {
        return Err(bad(
            "its directory is not a directory (a symbolic link is refused)",
        ));
    }
    let me = crate::sys::geteuid();
    if m.uid() != me && m.uid() != 0 {
        return Err(bad("its directory belongs to another user"));
    }
    if m.mode() & 0o022 != 0 {
        return Err(bad(
            "others may write to its directory; use a directory only you can write to",
        ));
    }
    // Every directory above it, as the kernel resolves them: one another user could
    // rename entries in could swap the database's directory for another.
    let real = std::fs::canonicalize(dir).map_err(|e| bad(&format!("its directory: {e}")))?;
    for above in real.ancestors().skip(1) {
        let m = std::fs::metadata(above).map_err(|e| bad(&format!("{}: {e}", above.display())))?;
        let sticky = m.mode() & 0o1000 != 0;
        if (m.uid() != me && m.uid() != 0) || (m.mode() & 0o022 != 0 && !sticky) {
            return Err(bad(&format!(
                "{} above it may be changed by another user; use a directory whose every \
                 parent only you or root can write to",
                above.display()
            )));
        }
    }
    Ok(())
}

/// One dump, every socket owned and named (also `diff`'s live side).
pub(crate) fn dump(
    sel: &crate::source::Selection,
    target: &crate::source::netns::Target,
    proc_root: &ProcRoot,
) -> Result<Vec<Seen>, Error> {
    let spaces = netns::select(target, proc_root, &mut RuntimeFiles::new("/"), true)?;
    dump_in(sel, &spaces, proc_root, &Owners::scan(proc_root))
}

/// One dump of `spaces`, each socket named from `owners`.
fn dump_in(
    sel: &crate::source::Selection,
    spaces: &[netns::Space],
    proc_root: &ProcRoot,
    owners: &Owners,
) -> Result<Vec<Seen>, Error> {
    let mut buf = Buffered::new(spaces);
    crate::source::collect(
        sel,
        proc_root,
        spaces,
        &[],
        crate::source::Pipeline::plain(&mut buf),
    )?;
    for w in &buf.warnings {
        log(&format!("warning: {w}"));
    }
    let mut out = Vec::with_capacity(buf.len());
    for i in 0..buf.len() {
        let ns = buf.netns(i);
        let mut s = buf.bare(i).clone();
        s.path = buf.path(i);
        out.push(seen(&s, ns, owners));
    }
    Ok(out)
}

/// The announced closes the selection takes, ready to store: when (Unix ms), and the
/// socket's last record with its final counters.
fn announced(
    sel: &crate::source::Selection,
    spaces: &[netns::Space],
    owners: &Owners,
    closed: Vec<Closed>,
) -> Vec<Gone> {
    let mut out = Vec::with_capacity(closed.len());
    for (inode, t, mut s) in closed {
        let ns = spaces.iter().map(|s| &s.ns).find(|n| n.inode == inode);
        s.netns = ns;
        let family = match s.family {
            crate::model::Family::Inet => sel.inet4,
            crate::model::Family::Inet6 => sel.inet6,
            _ => true,
        };
        if !family || !sel.matches(&s) {
            continue;
        }
        let at = t
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        out.push(Gone {
            at,
            seen: seen(&s, ns, owners),
        });
    }
    out.sort_by_key(|g| g.at);
    out
}

fn seen(s: &Socket<'_>, ns: Option<&crate::model::Netns>, owners: &Owners) -> Seen {
    let inet = !matches!(s.proto, Proto::Unix | Proto::Packet | Proto::Netlink);
    let holder = owners.holders(s.inode).first().map(|(_, h)| h.pid);
    let tcp = s.proto == Proto::Tcp;
    Seen {
        key: key(ns.map_or(0, |n| n.inode), s),
        netns_name: ns.and_then(|n| n.name.clone()),
        container: ns
            .and_then(|n| n.container.as_ref())
            .map(|c| crate::record::SeenContainer {
                runtime: c.runtime.name(),
                id: c.id.clone(),
                name: c.name.clone(),
            }),
        cookie: s.cookie,
        inode: s.inode,
        first_inode: s.inode,
        proto: s.proto.name(),
        family: s.family.name(),
        sock_type: s.sock_type.name(),
        state: state_name(s),
        local: inet.then(|| (s.local.addr.to_string(), s.local.port)),
        remote: inet.then(|| (s.remote.addr.to_string(), s.remote.port)),
        path: s
            .path
            .map(|p| crate::output::sanitize::sanitized(&String::from_utf8_lossy(p))),
        uid: s.uid,
        pid: holder,
        process: holder
            .and_then(|p| owners.process(p))
            .map(|p| p.comm.clone()),
        // netstat's cell is `pid/name`; the name is kept.
        program: holder.and_then(|p| owners.process(p)).map(|p| {
            let cell = &p.netstat_name;
            cell.split_once('/')
                .map_or(cell.as_str(), |(_, n)| n)
                .to_string()
        }),
        recv_q: s.recv_q,
        send_q: s.send_q,
        counters: s.tcp_info.as_deref().filter(|_| tcp).map(|i| Counters {
            bytes_acked: i.bytes_acked.unwrap_or(0),
            bytes_received: i.bytes_received.unwrap_or(0),
            total_retrans: i.total_retrans.unwrap_or(0),
            rtt_us: i.rtt,
        }),
        timer_ms: s.timer.map(|t| t.expires_ms),
    }
}

/// The state as `ss` names it for the protocol: UDP and unix sockets that are not
/// connected are `UNCONN`.
fn state_name(s: &Socket<'_>) -> &'static str {
    use crate::model::State;
    match (s.proto, s.state) {
        (Proto::Tcp, st) => st.name(),
        (_, State::Close) => "UNCONN",
        (_, st) => st.name(),
    }
}
