//! The recorder and connections shorter than its interval: their openings as the kernel's
//! tracepoint saw them and their closes as the kernel announced them (exact times, so an
//! exact age; final bytes), their time-wait remnants kept with them; and readers that query
//! while it writes.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::Connection;

use crate::common::{BIN, eventually, in_netns};
use crate::record::{Recorder, history_json, more_samples, private_dir, samples};

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// One short connection: the client's port, the bytes each way, and when it began and
/// ended (Unix ms, as the test saw them).
struct Life {
    port: u16,
    sent: usize,
    answered: usize,
    began: i64,
    ended: i64,
}

/// A connection that sends `sent` bytes, gets `answered` back, is closed by the server
/// first (its side keeps a time-wait socket) and then by the client.
fn short_connection(l: &TcpListener, sent: usize, answered: usize) -> Life {
    let began = now_ms();
    let mut c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (mut s, _) = l.accept().unwrap();
    c.write_all(&vec![b'x'; sent]).unwrap();
    let mut got = vec![0u8; sent];
    s.read_exact(&mut got).unwrap();
    s.write_all(&vec![b'y'; answered]).unwrap();
    let mut back = vec![0u8; answered];
    c.read_exact(&mut back).unwrap();
    let port = c.local_addr().unwrap().port();
    drop(s);
    assert_eq!(c.read(&mut [0u8; 1]).unwrap(), 0, "the server's FIN");
    drop(c);
    Life {
        port,
        sent,
        answered,
        began,
        ended: now_ms(),
    }
}

#[test]
fn short_connections_close_exactly_with_their_final_bytes() {
    in_netns(
        "short_connections_close_exactly_with_their_final_bytes",
        || {
            let dir = private_dir();
            let path = dir.path().join("history.db");
            let rec = Recorder::start(&path, "4");
            let db = eventually("the database", 10, || Connection::open(&path).ok());
            more_samples(&db, 1);
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            let lport = l.local_addr().unwrap().port();
            let before = samples(&db);
            let lives: Vec<Life> = (0..200)
                .map(|i| short_connection(&l, 100 + i, 1 + i % 7))
                .collect();
            let inside_one_interval = samples(&db) == before;
            more_samples(&db, 1);
            let status = rec.stop();
            assert!(status.success(), "{status:?}");
            assert!(
                inside_one_interval,
                "the 200 connections took longer than the interval; nothing was tested"
            );
            let events = history_json(&["--db", path.to_str().unwrap()]);
            // Each end's events, by (local port, remote port): (event, time, state, in, out).
            type Seen = Vec<(String, String, String, Option<u64>, Option<u64>)>;
            let mut ends: std::collections::HashMap<(u64, u64), Seen> = Default::default();
            for e in &events {
                let s = &e["socket"];
                let k = (
                    s["local"]["port"].as_u64().unwrap_or(0),
                    s["remote"]["port"].as_u64().unwrap_or(0),
                );
                ends.entry(k).or_default().push((
                    e["event"].as_str().unwrap().to_string(),
                    e["time"].as_str().unwrap().to_string(),
                    s["state"].as_str().unwrap().to_string(),
                    s["tcp_info"]["bytes_received"].as_u64(),
                    s["tcp_info"]["bytes_acked"].as_u64(),
                ));
            }
            let at =
                |ms: i64| crate::common::rfc3339_of(UNIX_EPOCH + Duration::from_millis(ms as u64));
            let lport = u64::from(lport);
            for life in &lives {
                let (began, ended) = (at(life.began), at(life.ended + 50));
                let port = u64::from(life.port);
                // The client: opened as the tracer saw it, closed last (LAST_ACK) so
                // destroyed as the last ACK came, both inside its life.
                let c = &ends[&(port, lport)];
                assert_eq!(c.len(), 2, "port {port}: {c:?}");
                let (open, close) = (&c[0], &c[1]);
                assert_eq!((open.0.as_str(), close.0.as_str()), ("open", "close"));
                assert!(
                    began <= open.1 && open.1 <= close.1 && close.1 <= ended,
                    "{c:?}"
                );
                // The kernel counts in sequence space: the client's acked is the data, its
                // SYN and its FIN; received is the data and the peer's FIN (a passive
                // opener's SYN-ACK is not counted).
                assert_eq!(close.4, Some(life.sent as u64 + 2), "port {port}");
                assert_eq!(close.3, Some(life.answered as u64 + 1), "port {port}");
                // The server's end: opened, then its time-wait remnant from the announced
                // moment (still there: no close), its final bytes the mirror of the client's.
                let s = &ends[&(lport, port)];
                assert_eq!(s.len(), 2, "server side of {port}: {s:?}");
                assert_eq!((s[0].0.as_str(), s[1].0.as_str()), ("open", "state"));
                assert_eq!(s[1].2, "TIME_WAIT");
                assert!(
                    began <= s[0].1 && s[0].1 <= s[1].1 && s[1].1 <= ended,
                    "{s:?}"
                );
                assert_eq!(s[1].4, Some(life.answered as u64 + 1));
                assert_eq!(s[1].3, Some(life.sent as u64 + 1));
            }
            // The listener is a row; the 400 ends, born and gone between two dumps, one
            // batch.
            let rows: i64 = db
                .query_row(
                    "SELECT count(*) FROM sockets WHERE remote_port = ?1 OR local_port = ?1",
                    [lport as i64],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(rows, 1, "the listener");
            let batched: i64 = db
                .query_row("SELECT sum(count) FROM batches", [], |r| r.get(0))
                .unwrap();
            assert_eq!(batched, 400, "one entry per end of each connection");
            let mine = ends.keys().filter(|k| k.0 == lport || k.1 == lport).count();
            assert_eq!(mine, 401, "the listener and each end: {:?}", ends.keys());
        },
    );
}

#[test]
fn readers_in_a_loop_neither_fail_nor_stall_the_recorder() {
    in_netns(
        "readers_in_a_loop_neither_fail_nor_stall_the_recorder",
        || {
            let dir = private_dir();
            let path = dir.path().join("history.db");
            let rec = Recorder::start(&path, "0.1");
            let db = eventually("the database", 10, || Connection::open(&path).ok());
            more_samples(&db, 1);
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            let mut open = Vec::new();
            let start = samples(&db);
            let began = Instant::now();
            let mut queries = 0;
            // A reader holding a read transaction for a second does not stop the writer.
            let long = Connection::open(&path).unwrap();
            long.execute_batch("BEGIN").unwrap();
            let held: i64 = long
                .query_row("SELECT count(*) FROM sockets", [], |r| r.get(0))
                .unwrap();
            while began.elapsed() < Duration::from_secs(3) {
                if open.len() < 100 {
                    open.push(TcpStream::connect(l.local_addr().unwrap()).unwrap());
                }
                let out = std::process::Command::new(BIN)
                    .args(["-tan", "--json", "--at", "now", "--db"])
                    .arg(&path)
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let n: i64 = db
                    .query_row(
                        "SELECT count(*) FROM sockets s JOIN changes c ON c.socket = s.id",
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert!(n >= 1);
                queries += 1;
            }
            let still: i64 = long
                .query_row("SELECT count(*) FROM sockets", [], |r| r.get(0))
                .unwrap();
            assert_eq!(held, still, "the long reader sees one snapshot");
            long.execute_batch("COMMIT").unwrap();
            let written = samples(&db) - start;
            rec.stop();
            // 3 s at 0.1 s: about 30 samples; a stalled writer would have written few.
            assert!(
                written >= 15,
                "{written} samples in 3 s with {queries} queries"
            );
            assert!(queries >= 10, "{queries}");
        },
    );
}

#[test]
fn sigterm_writes_what_was_heard_since_the_last_write() {
    in_netns("sigterm_writes_what_was_heard_since_the_last_write", || {
        let dir = private_dir();
        let path = dir.path().join("history.db");
        let rec = Recorder::start(&path, "5");
        let db = eventually("the database", 10, || Connection::open(&path).ok());
        more_samples(&db, 1);
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let life = short_connection(&l, 10, 1);
        drop(l);
        std::thread::sleep(Duration::from_millis(300));
        assert!(rec.stop().success());
        drop(db);
        let port = format!("sport = :{}", life.port);
        let events = history_json(&["--db", path.to_str().unwrap(), &port]);
        let close = events
            .iter()
            .find(|e| e["event"] == "close")
            .unwrap_or_else(|| panic!("the connection closed after the last write: {events:?}"));
        assert_eq!(close["socket"]["tcp_info"]["bytes_acked"], 12, "{close}");
    });
}

#[test]
fn a_database_others_could_read_is_made_private() {
    in_netns("a_database_others_could_read_is_made_private", || {
        use std::os::unix::fs::PermissionsExt;
        let dir = private_dir();
        let path = dir.path().join("history.db");
        std::fs::write(&path, b"").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let rec = Recorder::start(&path, "0.2");
        let db = eventually("the database", 10, || Connection::open(&path).ok());
        more_samples(&db, 1);
        rec.stop();
        for f in ["history.db", "history.db-wal", "history.db-shm"] {
            if let Ok(m) = std::fs::metadata(dir.path().join(f)) {
                assert_eq!(m.permissions().mode() & 0o777, 0o600, "{f}");
            }
        }
    });
}

#[test]
fn age_survives_a_crafted_database() {
    in_netns("age_survives_a_crafted_database", || {
        let dir = private_dir();
        let path = dir.path().join("history.db");
        let rec = Recorder::start(&path, "0.2");
        let _l = TcpListener::bind("127.0.0.1:0").unwrap();
        let db = eventually("the database", 10, || Connection::open(&path).ok());
        more_samples(&db, 2);
        rec.stop();
        for v in [i64::MIN + 1, -1, i64::MAX] {
            db.execute("UPDATE sockets SET opened_at = ?1", [v])
                .unwrap();
            for args in [&["-tan", "--age"][..], &["-tan", "--age", "--json"]] {
                let out = std::process::Command::new(BIN)
                    .args(args)
                    .arg("--db")
                    .arg(&path)
                    .output()
                    .unwrap();
                assert!(out.status.success(), "{v}: {out:?}");
            }
        }
    });
}

#[test]
fn diff_against_now_shows_only_what_was_recorded() {
    in_netns("diff_against_now_shows_only_what_was_recorded", || {
        let dir = private_dir();
        let path = dir.path().join("history.db");
        // TCP only.
        let rec = Recorder(
            std::process::Command::new(BIN)
                .args(["record", "-t", "--interval", "0.2", "--db"])
                .arg(&path)
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
        let db = eventually("the database", 10, || Connection::open(&path).ok());
        more_samples(&db, 2);
        rec.stop();
        let from = crate::common::rfc3339_now();
        let _u = std::os::unix::net::UnixListener::bind(dir.path().join("u.sock")).unwrap();
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let out = std::process::Command::new(BIN)
            .args(["diff", &from, "--json", "--db"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let added = doc["listeners_added"].as_array().unwrap();
        assert_eq!(added.len(), 1, "only the TCP listener: {doc}");
        assert_eq!(added[0]["local"]["port"], l.local_addr().unwrap().port());
        assert!(doc["opened"].as_array().unwrap().is_empty(), "{doc}");
    });
}
