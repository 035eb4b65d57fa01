//! `rnetstat record` in the test's own namespace: every socket's life, its changes and its
//! process in the database exactly; `kill -9` never corrupts it; SIGTERM ends it cleanly;
//! unsafe places for the database are refused.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rusqlite::Connection;

use crate::common::{BIN, eventually, in_netns, inode};

pub(crate) struct Recorder(pub(crate) Child);

impl Recorder {
    pub(crate) fn start(db: &std::path::Path, interval: &str) -> Recorder {
        let c = Command::new(BIN)
            .args(["record", "--interval", interval, "--db"])
            .arg(db)
            .stderr(Stdio::null())
            .spawn()
            .expect("rnetstat record");
        Recorder(c)
    }

    /// SIGTERM, by pid; its exit status.
    pub(crate) fn stop(mut self) -> std::process::ExitStatus {
        let pid = rustix::process::Pid::from_raw(self.0.id() as i32).unwrap();
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
        let st = self.0.wait().unwrap();
        std::mem::forget(self);
        st
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn samples(db: &Connection) -> i64 {
    db.query_row("SELECT count(*) FROM samples", [], |r| r.get(0))
        .unwrap_or(0)
}

/// Waits until the recorder has written `n` more samples.
pub(crate) fn more_samples(db: &Connection, n: i64) {
    let start = samples(db);
    eventually("samples", 10, || (samples(db) >= start + n).then_some(()));
}

/// The states a socket (by inode) went through, in order.
fn states(db: &Connection, ino: u32) -> Vec<(String, u32, u32)> {
    let mut q = db
        .prepare(
            "SELECT c.state, c.recv_q, c.send_q FROM changes c JOIN sockets s ON s.id = c.socket
             WHERE s.inode = ?1 ORDER BY c.at",
        )
        .unwrap();
    q.query_map([ino], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// `rnetstat history --json ARGS`: its events (it must succeed).
pub(crate) fn history_json(args: &[&str]) -> Vec<serde_json::Value> {
    let out = crate::common::run(&[&["history", "--json"][..], args].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub(crate) fn private_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    d
}

#[test]
fn record_keeps_every_life_exactly() {
    in_netns("record_keeps_every_life_exactly", || {
        let dir = private_dir();
        let path = dir.path().join("history.db");
        let rec = Recorder::start(&path, "0.2");
        let wait_samples = |n: i64| {
            let db = eventually("the database", 10, || Connection::open(&path).ok());
            more_samples(&db, n);
        };
        wait_samples(1);
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (s, _) = l.accept().unwrap();
        c.write_all(b"12345").unwrap();
        let upath = dir.path().join("u.sock");
        let ul = UnixListener::bind(&upath).unwrap();
        let _uc = UnixStream::connect(&upath).unwrap();
        let (li, ci, si, ui) = (inode(&l), inode(&c), inode(&s), inode(&ul));
        wait_samples(2);
        drop(c);
        wait_samples(2);
        drop(s);
        drop(l);
        wait_samples(2);
        let status = rec.stop();
        assert!(status.success(), "SIGTERM ends it cleanly: {status:?}");
        let db = Connection::open(&path).unwrap();
        let ok: String = db
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        assert_eq!(states(&db, li), [("LISTEN".into(), 0, 128)]);
        assert_eq!(
            states(&db, si),
            [("ESTABLISHED".into(), 5, 0), ("CLOSE_WAIT".into(), 6, 0)],
            "the server end: 5 bytes unread, then the FIN"
        );
        assert_eq!(states(&db, ci)[0], ("ESTABLISHED".into(), 0, 0));
        let pid = std::process::id();
        for ino in [li, si, ui] {
            let (p, proc_, closed): (Option<u32>, Option<String>, Option<i64>) = db
                .query_row(
                    "SELECT pid, process, closed_at FROM sockets WHERE inode = ?1",
                    [ino],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .unwrap();
            assert_eq!(p, Some(pid), "inode {ino}");
            assert!(proc_.is_some());
            if ino != ui {
                assert!(closed.is_some(), "inode {ino} closed");
            } else {
                assert!(closed.is_none(), "the unix listener is still open");
            }
        }
        let path_: String = db
            .query_row("SELECT path FROM sockets WHERE inode = ?1", [ui], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(path_, upath.display().to_string());
    });
}

#[test]
fn kill_9_never_corrupts_and_a_restart_goes_on() {
    in_netns("kill_9_never_corrupts_and_a_restart_goes_on", || {
        let dir = private_dir();
        let path = dir.path().join("history.db");
        // Sockets enough that each interval writes for a while.
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut held = Vec::new();
        for _ in 0..300 {
            let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
            held.push((c, l.accept().unwrap().0));
        }
        for round in 0..3 {
            let mut rec = Recorder::start(&path, "0.05");
            std::thread::sleep(Duration::from_millis(400 + 37 * round));
            rec.0.kill().unwrap();
            rec.0.wait().unwrap();
            let db = Connection::open(&path).unwrap();
            let ok: String = db
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .unwrap();
            assert_eq!(ok, "ok", "round {round}");
            let n: i64 = db
                .query_row(
                    "SELECT count(*) FROM sockets WHERE closed_at IS NULL AND proto = 'tcp'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            // (The recorder's own sockets, a unix pair it wakes a thread with, are
            // recorded too, as a listing shows them.)
            assert_eq!(n, 601, "each socket once, still open, across restarts");
            assert!(samples(&db) > 0);
        }
    });
}

#[test]
fn unsafe_places_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = Command::new(BIN)
        .args(["record", "--interval", "1", "--db"])
        .arg(dir.path().join("h.db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("others may write"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A private directory inside one anybody may rename entries in (no sticky bit).
    let open_parent = tempfile::tempdir().unwrap();
    let inner = open_parent.path().join("mine");
    std::fs::create_dir(&inner).unwrap();
    std::fs::set_permissions(&inner, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::set_permissions(open_parent.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = Command::new(BIN)
        .args(["record", "--interval", "1", "--db"])
        .arg(inner.join("h.db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("may be changed by another user"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!inner.join("h.db").exists(), "nothing made there");
    let private = private_dir();
    let target = private.path().join("elsewhere.db");
    std::fs::write(&target, b"").unwrap();
    let link = private.path().join("h.db");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = Command::new(BIN)
        .args(["record", "--interval", "1", "--db"])
        .arg(&link)
        .output()
        .unwrap();
    assert!(!out.status.success(), "a symbolic link is not followed");
    assert_eq!(
        std::fs::read(&target).unwrap(),
        b"",
        "nothing written through it"
    );
    for bad in [&["--interval", "0"][..], &["--retention", "1w"]] {
        let out = Command::new(BIN).arg("record").args(bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
}

/// What a listing record is, field by field, for comparing live and `--at` listings.
fn fields(v: &serde_json::Value) -> String {
    format!(
        "{} {} {} {} {} {} {} {} {}",
        v["proto"],
        v["family"],
        v["state"],
        v["recv_q"],
        v["send_q"],
        v["local"],
        v["remote"],
        v["inode"],
        v["path"]
    )
}

fn listing(args: &[&str]) -> std::collections::BTreeSet<String> {
    let out = crate::common::run(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .map(fields)
        .collect()
}

/// A text listing's lines, as a set.
fn text_lines(args: &[&str]) -> std::collections::BTreeSet<String> {
    let out = crate::common::run(args);
    assert!(out.status.success(), "{args:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn at_lists_what_was_listed_live_then() {
    in_netns("at_lists_what_was_listed_live_then", || {
        let dir = private_dir();
        let path = dir.path().join("history.db");
        let db_arg = path.to_str().unwrap().to_string();
        let _rec = Recorder::start(&path, "0.2");
        let db = eventually("the database", 10, || Connection::open(&path).ok());
        let wait_samples = |n: i64| more_samples(&db, n);
        // Each phase: settle (two samples after the change), list live, note the time, let
        // one more sample pass, then list --at that time.
        let mut phases = Vec::new();
        let phase = |phases: &mut Vec<_>| {
            wait_samples(2);
            let tan = listing(&["-tan", "--json"]);
            let xa = listing(&["-xa", "--json"]);
            let tanp = text_lines(&["-tanp"]);
            let t = crate::common::rfc3339_now();
            wait_samples(1);
            phases.push((t, tan, xa, tanp));
        };
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let upath = dir.path().join("u.sock");
        let ul = UnixListener::bind(&upath).unwrap();
        phase(&mut phases);
        let mut c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (s, _) = l.accept().unwrap();
        c.write_all(b"12345").unwrap();
        let uc = UnixStream::connect(&upath).unwrap();
        phase(&mut phases);
        drop(c);
        drop(uc);
        phase(&mut phases);
        for (i, (t, tan, xa, tanp)) in phases.iter().enumerate() {
            let at_tan = listing(&["-tan", "--json", "--at", t, "--db", &db_arg]);
            assert_eq!(&at_tan, tan, "phase {i} at {t}: -tan");
            // netstat's text with -p: the process cell as netstat names it (argv[0]).
            let at_tanp = text_lines(&["-tanp", "--at", t, "--db", &db_arg]);
            assert_eq!(&at_tanp, tanp, "phase {i} at {t}: -tanp");
            let at_xa = listing(&["-xa", "--json", "--at", t, "--db", &db_arg]);
            assert_eq!(&at_xa, xa, "phase {i} at {t}: -xa");
        }
        // JSON records say when they were recorded; text lists them as netstat does.
        let out = crate::common::run(&["-tan", "--json", "--at", &phases[1].0, "--db", &db_arg]);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            doc["sockets"][0]["recorded_at"]
                .as_str()
                .unwrap()
                .ends_with('Z')
        );
        let text = crate::common::run(&["-tanp", "--at", "-0s", "--db", &db_arg]);
        let text = String::from_utf8(text.stdout).unwrap();
        assert!(text.starts_with("Active Internet connections (servers and established)"));
        assert!(
            text.contains(&format!("{}/", std::process::id())),
            "the recorded process: {text}"
        );
        drop((l, s, ul));
        // Before anything was recorded: a clear error.
        let out = crate::common::run(&["-tan", "--at", "2001-01-01T00:00:00Z", "--db", &db_arg]);
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was recorded"));
    });
}

#[test]
fn history_for_one_port_is_its_events_with_pids() {
    in_netns("history_for_one_port_is_its_events_with_pids", || {
        let dir = private_dir();
        let path = dir.path().join("history.db");
        let db_arg = path.to_str().unwrap().to_string();
        let rec = Recorder::start(&path, "0.2");
        let db = eventually("the database", 10, || Connection::open(&path).ok());
        let wait_samples = |n: i64| more_samples(&db, n);
        wait_samples(1);
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let other = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (s, _) = l.accept().unwrap();
        let _o = TcpStream::connect(other.local_addr().unwrap()).unwrap();
        wait_samples(2);
        drop(c);
        wait_samples(2);
        drop(s);
        wait_samples(2);
        rec.stop();
        let events = history_json(&["--db", &db_arg, &format!("dport = :{port}")]);
        let seen: Vec<(String, String, String)> = events
            .iter()
            .map(|e| {
                (
                    e["event"].as_str().unwrap().to_string(),
                    e["previous_state"].as_str().unwrap_or("").to_string(),
                    e["socket"]["state"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        // The client: opened, FIN_WAIT2 after its close, then gone (TIME_WAIT or closed).
        assert_eq!(
            seen[0],
            ("open".into(), "".into(), "ESTABLISHED".into()),
            "{seen:?}"
        );
        assert_eq!(
            seen[1],
            ("state".into(), "ESTABLISHED".into(), "FIN_WAIT2".into()),
            "{seen:?}"
        );
        assert!(seen.len() >= 3, "{seen:?}");
        for e in &events {
            assert_eq!(
                e["socket"]["remote"]["port"], port,
                "only dport = :{port}: {e}"
            );
            assert!(e["time"].as_str().unwrap().ends_with('Z'));
        }
        assert_eq!(
            events[0]["socket"]["processes"][0]["pid"],
            std::process::id(),
            "{}",
            events[0]
        );
        // Text, and bad times.
        let text = crate::common::run(&["history", "--db", &db_arg, "--since", "-1h"]);
        let text = String::from_utf8(text.stdout).unwrap();
        assert!(
            text.lines()
                .any(|l| l.contains("open") && l.contains("LISTEN")),
            "{text}"
        );
        let bad = crate::common::run(&["history", "--db", &db_arg, "--since", "yesterday"]);
        assert_eq!(bad.status.code(), Some(2));
        drop(l);
    });
}

#[test]
fn diff_names_exactly_what_came_and_went() {
    in_netns("diff_names_exactly_what_came_and_went", || {
        let dir = private_dir();
        let path = dir.path().join("history.db");
        let db_arg = path.to_str().unwrap().to_string();
        let _rec = Recorder::start(&path, "0.2");
        let db = eventually("the database", 10, || Connection::open(&path).ok());
        let wait_samples = |n: i64| more_samples(&db, n);
        let old = TcpListener::bind("127.0.0.1:0").unwrap();
        let keep = TcpListener::bind("127.0.0.1:0").unwrap();
        let c1 = TcpStream::connect(keep.local_addr().unwrap()).unwrap();
        let (s1, _) = keep.accept().unwrap();
        wait_samples(2);
        let t1 = crate::common::rfc3339_now();
        wait_samples(1);
        drop(old);
        let new = TcpListener::bind("127.0.0.1:0").unwrap();
        let c2 = TcpStream::connect(new.local_addr().unwrap()).unwrap();
        let (s2, _) = new.accept().unwrap();
        drop(c1); // s1 goes to CLOSE_WAIT; c1 to FIN_WAIT2 (orphaned)
        wait_samples(2);
        let t2 = crate::common::rfc3339_now();
        let out = crate::common::run(&["diff", "--json", "--db", &db_arg, "-t", &t1, &t2]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let ports = |k: &str| -> Vec<(u64, u64)> {
            let mut v: Vec<(u64, u64)> = d[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    (
                        s["local"]["port"].as_u64().unwrap(),
                        s["remote"]["port"].as_u64().unwrap(),
                    )
                })
                .collect();
            v.sort();
            v
        };
        let p = |a: std::net::SocketAddr| u64::from(a.port());
        assert_eq!(
            ports("listeners_added"),
            [(p(new.local_addr().unwrap()), 0)]
        );
        assert_eq!(ports("listeners_removed").len(), 1);
        let mut opened = vec![
            (p(c2.local_addr().unwrap()), p(new.local_addr().unwrap())),
            (p(s2.local_addr().unwrap()), p(c2.local_addr().unwrap())),
        ];
        opened.sort();
        assert_eq!(ports("opened"), opened);
        assert!(ports("closed").is_empty(), "{d}");
        let changed: Vec<(String, String)> = d["changed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["previous_state"].as_str().unwrap().to_string(),
                    c["socket"]["state"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(changed.len(), 2, "{d}");
        assert!(changed.contains(&("ESTABLISHED".into(), "CLOSE_WAIT".into())));
        assert!(changed.contains(&("ESTABLISHED".into(), "FIN_WAIT2".into())));
        assert_eq!(
            d["opened"][0]["processes"][0]["pid"],
            std::process::id(),
            "{d}"
        );
        // Against now (live): the same new listener is there, nothing else opened since t2.
        let out = crate::common::run(&["diff", "--db", &db_arg, "-t", &t2]);
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("Listeners added (0)"), "{text}");
        assert!(text.contains("Connections opened (0)"), "{text}");
        drop((keep, s1, new, s2, c2));
    });
}

#[test]
fn a_full_disk_is_reported_once_and_writing_resumes() {
    in_netns("a_full_disk_is_reported_once_and_writing_resumes", || {
        let out_dir = private_dir();
        // A 1 MiB tmpfs in a mount namespace of the script's own: the recorder writes
        // there, a filler takes the rest, then is removed. The database is copied out
        // after the recorder stopped.
        let script = format!(
            r#"set -e
d=$(mktemp -d)
mount -t tmpfs -o size=1m,mode=0700 tmpfs "$d"
"{bin}" record --interval 0.1 --db "$d/h.db" 2>"{out}/stderr" &
r=$!
python3 -c 'import socket,time
ls=[socket.socket() for _ in range(200)]
[s.bind(("127.0.0.1",0)) or s.listen(1) for s in ls]
time.sleep(30)' &
p=$!
sleep 1
dd if=/dev/zero of="$d/filler" bs=64k 2>/dev/null || true
sleep 1.5
before=$(ls -l "$d/h.db" | wc -l)
rm "$d/filler"
sleep 1.5
kill -TERM $r; wait $r || echo "recorder status $?" >> "{out}/stderr"
kill $p; wait $p 2>/dev/null || true
cp "$d/h.db" "{out}/h.db"
[ -e "$d/h.db-wal" ] && cp "$d/h.db-wal" "{out}/h.db-wal" || true
umount "$d"; rmdir "$d"
"#,
            bin = BIN,
            out = out_dir.path().display()
        );
        let st = Command::new("unshare")
            .args(["-m", "--propagation", "private", "sh", "-c", &script])
            .status()
            .unwrap();
        assert!(st.success(), "the script: {st:?}");
        let err = std::fs::read_to_string(out_dir.path().join("stderr")).unwrap();
        let errors = err.matches("still recording").count();
        assert_eq!(errors, 1, "one report of the full disk: {err}");
        assert_eq!(err.matches("writing again").count(), 1, "{err}");
        assert!(
            !err.contains("panicked") && !err.contains("recorder status"),
            "{err}"
        );
        let db = Connection::open(out_dir.path().join("h.db")).unwrap();
        let ok: String = db
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        let listeners: i64 = db
            .query_row(
                "SELECT count(*) FROM sockets WHERE proto = 'tcp'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(listeners, 200, "each listener once");
    });
}

#[test]
fn age_says_when_the_recorder_first_saw_each_socket() {
    in_netns("age_says_when_the_recorder_first_saw_each_socket", || {
        let dir = private_dir();
        let path = dir.path().join("history.db");
        let db_arg = path.to_str().unwrap().to_string();
        // Opened before the recorder started: its age is a lower bound.
        let early = TcpListener::bind("127.0.0.1:0").unwrap();
        let _rec = Recorder::start(&path, "0.2");
        let db = eventually("the database", 10, || Connection::open(&path).ok());
        let wait_samples = |n: i64| more_samples(&db, n);
        wait_samples(1);
        let made = std::time::SystemTime::now();
        // Opened while it records: the kernel's tracepoint gives the moment.
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        wait_samples(2);
        let unrecorded = TcpListener::bind("127.0.0.1:0").unwrap();
        let out = crate::common::run(&["-tln", "--age", "--json", "--db", &db_arg]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rec = |port: u16| {
            doc["sockets"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["local"]["port"] == port)
                .unwrap()
                .clone()
        };
        let r = rec(l.local_addr().unwrap().port());
        assert_eq!(r["first_seen_exact"], true, "{r}");
        let first = r["first_seen"].as_str().unwrap();
        let made_s = crate::common::rfc3339_of(made);
        let later = crate::common::rfc3339_of(made + Duration::from_millis(50));
        assert!(
            first >= made_s.as_str() && first <= later.as_str(),
            "{first} vs {made_s}"
        );
        let e = rec(early.local_addr().unwrap().port());
        assert_eq!(e["first_seen_exact"], false, "{e}");
        let r2 = rec(unrecorded.local_addr().unwrap().port());
        assert!(r2.get("first_seen").is_none(), "not yet recorded: {r2}");
        let text = crate::common::run(&["-tln", "--age", "--db", &db_arg]);
        let text = String::from_utf8(text.stdout).unwrap();
        assert!(text.lines().nth(1).unwrap().ends_with(" Age"), "{text}");
        let age = |a: SocketAddr| {
            let row = text.lines().find(|x| x.contains(&a.to_string())).unwrap();
            row.split_whitespace().last().unwrap().to_string()
        };
        assert!(age(early.local_addr().unwrap()).starts_with('>'), "{text}");
        assert!(!age(l.local_addr().unwrap()).starts_with('>'), "{text}");
        // --db alone means nothing: a usage error.
        assert_eq!(
            crate::common::run(&["-tan", "--db", &db_arg]).status.code(),
            Some(2)
        );
    });
}

#[test]
fn one_recorder_per_database_and_only_its_owner_reads_it() {
    in_netns(
        "one_recorder_per_database_and_only_its_owner_reads_it",
        || {
            let dir = private_dir();
            let path = dir.path().join("history.db");
            let rec = Recorder::start(&path, "0.2");
            // Read-only: the test must not be the one that creates the file.
            let db = eventually("the database", 10, || {
                Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).ok()
            });
            eventually("a sample", 10, || (samples(&db) > 0).then_some(()));
            let second = Command::new(BIN)
                .args(["record", "--interval", "0.2", "--db"])
                .arg(&path)
                .output()
                .unwrap();
            assert_eq!(second.status.code(), Some(1));
            assert!(
                String::from_utf8_lossy(&second.stderr).contains("another recorder"),
                "{}",
                String::from_utf8_lossy(&second.stderr)
            );
            for f in ["history.db", "history.db-wal", "history.db-shm"] {
                let m = std::fs::metadata(dir.path().join(f)).unwrap();
                assert_eq!(
                    m.permissions().mode() & 0o077,
                    0,
                    "{f} is its owner's alone"
                );
            }
            assert!(rec.stop().success());
            // A SQLite file of another program is refused and left as it was.
            let other = dir.path().join("other.db");
            {
                let o = Connection::open(&other).unwrap();
                o.execute_batch("CREATE TABLE t (x)").unwrap();
            }
            let before = std::fs::read(&other).unwrap();
            let out = Command::new(BIN)
                .args(["record", "--interval", "1", "--db"])
                .arg(&other)
                .output()
                .unwrap();
            assert!(!out.status.success());
            assert_eq!(
                std::fs::read(&other).unwrap(),
                before,
                "not changed (no WAL mode)"
            );
        },
    );
}
