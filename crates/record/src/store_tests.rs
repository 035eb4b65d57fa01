//! The store on a temporary file: lives, changes, counters, announced closes, resuming,
//! another scope, pruning, refusals.

use super::*;

const SCHEMA_VERSION_NOW: i64 = crate::SCHEMA_VERSION;

fn seen(cookie: u64, state: &'static str, recv_q: u32) -> Seen {
    Seen {
        key: (7, cookie, 0),
        netns_name: None,
        container: None,
        cookie,
        inode: 100 + cookie as u32,
        first_inode: 100 + cookie as u32,
        proto: "tcp",
        family: "inet",
        sock_type: "stream",
        state,
        local: Some(("127.0.0.1".into(), 5000)),
        remote: Some(("127.0.0.1".into(), 40000u16.wrapping_add(cookie as u16))),
        path: None,
        uid: 0,
        pid: Some(42),
        process: Some("server".into()),
        program: Some("server".into()),
        recv_q,
        send_q: 0,
        counters: None,
        timer_ms: None,
    }
}

/// A new store in `dir`, run with scope "all".
fn fresh(dir: &tempfile::TempDir) -> Store {
    Store::open(
        &dir.path().join("h.db"),
        &Run {
            started: 0,
            scope: "all",
            interval_ms: 1000,
        },
    )
    .unwrap()
}

fn count(s: &Store, sql: &str) -> i64 {
    s.db.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Every batched connection, in order, with its remnant's end as found.
fn batched(s: &Store) -> Vec<crate::batch::Entry> {
    let mut all = Vec::new();
    crate::batch_rows::each(&s.db, i64::MIN, i64::MAX, None, |_, _, e| {
        all.extend(e);
        Ok(())
    })
    .unwrap();
    all
}

#[test]
fn lives_changes_and_closes() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = fresh(&dir);
    let w = s
        .write(
            1000,
            &[seen(1, "ESTABLISHED", 0), seen(2, "LISTEN", 0)],
            &[],
            &[],
        )
        .unwrap();
    assert_eq!((w.opened, w.changed, w.closed), (2, 0, 0));
    // Unchanged: nothing written but the sample.
    let w = s
        .write(
            2000,
            &[seen(1, "ESTABLISHED", 0), seen(2, "LISTEN", 0)],
            &[],
            &[],
        )
        .unwrap();
    assert_eq!(w, Written::default());
    let w = s
        .write(3000, &[seen(1, "CLOSE_WAIT", 1)], &[], &[])
        .unwrap();
    assert_eq!((w.opened, w.changed, w.closed), (0, 1, 1));
    assert_eq!(count(&s, "SELECT count(*) FROM changes"), 3);
    assert_eq!(
        count(&s, "SELECT closed_at FROM sockets WHERE cookie = 2"),
        3000
    );
    assert_eq!(
        count(&s, "SELECT closed_after FROM sockets WHERE cookie = 2"),
        2000
    );
    assert_eq!(count(&s, "SELECT count(*) FROM samples"), 3);
    // A reopened store takes up the open socket with its last values.
    drop(s);
    let mut s = fresh(&dir);
    assert_eq!(s.open_sockets(), 1);
    let w = s
        .write(4000, &[seen(1, "CLOSE_WAIT", 1)], &[], &[])
        .unwrap();
    assert_eq!(w, Written::default());
    let w = s.write(5000, &[], &[], &[]).unwrap();
    assert_eq!(w.closed, 1);
    assert_eq!(s.prune(5001).unwrap(), 2);
    assert_eq!(count(&s, "SELECT count(*) FROM changes"), 0);
}

#[test]
fn counters_only_when_they_move() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = fresh(&dir);
    let mut a = seen(1, "ESTABLISHED", 0);
    a.counters = Some(Counters {
        bytes_acked: 10,
        bytes_received: 0,
        total_retrans: 0,
        rtt_us: Some(50),
    });
    assert_eq!(
        s.write(1000, std::slice::from_ref(&a), &[], &[])
            .unwrap()
            .counters,
        1
    );
    assert_eq!(
        s.write(2000, std::slice::from_ref(&a), &[], &[])
            .unwrap()
            .counters,
        0
    );
    a.counters.as_mut().unwrap().bytes_acked = 20;
    assert_eq!(
        s.write(3000, std::slice::from_ref(&a), &[], &[])
            .unwrap()
            .counters,
        1
    );
}

#[test]
fn refuses_symlinks_and_foreign_files() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.db");
    std::fs::write(&target, b"").unwrap();
    let link = dir.path().join("link.db");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    assert!(
        Store::open(
            &link,
            &Run {
                started: 0,
                scope: "all",
                interval_ms: 1000
            }
        )
        .is_err(),
        "a symlink is not followed"
    );
    let other = dir.path().join("other.db");
    {
        let db = Connection::open(&other).unwrap();
        db.execute_batch("CREATE TABLE t (x)").unwrap();
    }
    let e = Store::open(
        &other,
        &Run {
            started: 0,
            scope: "all",
            interval_ms: 1000,
        },
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("not a database rnetstat made"), "{e}");
    let text = dir.path().join("text.db");
    std::fs::write(&text, b"hello, this is not sqlite at all, not even close").unwrap();
    assert!(
        Store::open(
            &text,
            &Run {
                started: 0,
                scope: "all",
                interval_ms: 1000
            }
        )
        .is_err()
    );
}

#[test]
fn the_size_bound_drops_the_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = fresh(&dir);
    // 50 intervals, each closing the 200 sockets of the one before.
    for i in 0..50i64 {
        let seen: Vec<Seen> = (0..200)
            .map(|k| seen((i * 1000 + k) as u64 + 1, "ESTABLISHED", 0))
            .collect();
        s.write(i * 1000, &seen, &[], &[]).unwrap();
    }
    let full = s.used_bytes().unwrap();
    let dropped = s.trim_to(full / 2).unwrap();
    assert!(dropped > 0);
    assert!(
        s.used_bytes().unwrap() <= full / 2,
        "{} > {}",
        s.used_bytes().unwrap(),
        full / 2
    );
    // What is left is the newest: the last interval's sockets are all there.
    assert_eq!(
        count(&s, "SELECT count(*) FROM sockets WHERE closed_at IS NULL"),
        200
    );
    let oldest: i64 = count(&s, "SELECT min(opened_at) FROM sockets");
    assert!(oldest > 0, "the oldest went first");
}

fn gone(at: i64, s: Seen, bytes: u64) -> Gone {
    let mut s = s;
    s.state = "CLOSE";
    s.counters = Some(Counters {
        bytes_acked: bytes,
        bytes_received: bytes,
        total_retrans: 0,
        rtt_us: Some(40),
    });
    Gone { at, seen: s }
}

#[test]
fn announced_closes_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = fresh(&dir);
    s.write(
        1000,
        &[seen(1, "ESTABLISHED", 0), seen(2, "ESTABLISHED", 0)],
        &[],
        &[],
    )
    .unwrap();
    // 1 closed at 1400 (no remnant); 3 was born and gone between the dumps; 2 left a
    // time-wait remnant (same cookie) at 1700.
    let w = s
        .write(
            2000,
            &[seen(2, "TIME_WAIT", 0)],
            &[
                gone(1400, seen(1, "ESTABLISHED", 0), 11),
                gone(1500, seen(3, "ESTABLISHED", 0), 33),
                gone(1700, seen(2, "ESTABLISHED", 0), 22),
            ],
            &[],
        )
        .unwrap();
    assert_eq!((w.opened, w.closed), (1, 2), "{w:?}");
    let q = |sql: &str| count(&s, sql);
    assert_eq!(q("SELECT closed_at FROM sockets WHERE cookie = 1"), 1400);
    assert_eq!(
        q(
            "SELECT count(*) FROM sockets WHERE cookie = 1 AND closed_after IS NULL AND closed_how = 'announced'"
        ),
        1
    );
    // 3, born and gone between two dumps, is batched.
    assert_eq!(q("SELECT count(*) FROM sockets WHERE cookie = 3"), 0);
    let b = batched(&s);
    assert_eq!(b.len(), 1);
    assert_eq!(
        (b[0].seen.cookie, b[0].closed, b[0].after),
        (3, 1500, Some(1000))
    );
    assert_eq!((b[0].opened, b[0].exact), (1500, false));
    assert_eq!(b[0].seen.counters.unwrap().bytes_acked, 33);
    assert_eq!(
        q("SELECT bytes_acked FROM counters JOIN sockets ON id = socket WHERE cookie = 1"),
        11
    );
    // The remnant continues its row, TIME_WAIT from the announced moment.
    assert_eq!(
        q("SELECT count(*) FROM sockets WHERE cookie = 2 AND closed_at IS NULL"),
        1
    );
    assert_eq!(
        q(
            "SELECT at FROM changes JOIN sockets ON id = socket WHERE cookie = 2 AND state = 'TIME_WAIT'"
        ),
        1700
    );
}

#[test]
fn a_remnant_with_a_cookie_of_its_own_continues_the_announced_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = fresh(&dir);
    s.write(1000, &[], &[], &[]).unwrap();
    // Never dumped: its time-wait socket got a cookie of its own (9), same addresses.
    let mut tw = seen(9, "TIME_WAIT", 0);
    tw.remote = seen(4, "ESTABLISHED", 0).remote;
    let w = s
        .write(
            2000,
            &[tw],
            &[gone(1600, seen(4, "ESTABLISHED", 0), 5)],
            &[],
        )
        .unwrap();
    assert_eq!((w.opened, w.closed), (1, 1), "{w:?}");
    assert_eq!(count(&s, "SELECT count(*) FROM sockets"), 0);
    let b = batched(&s);
    let r = b[0]
        .remnant
        .as_ref()
        .expect("the remnant is kept with its connection");
    assert_eq!(
        (r.state, r.cookie, r.until),
        ("TIME_WAIT", 9, 1600 + 60_000)
    );
    // Still listed: nothing written.
    let tw = seen(9, "TIME_WAIT", 0);
    assert_eq!(s.write(2500, &[tw], &[], &[]).unwrap(), Written::default());
    // The remnant goes at the next dump without it, long before its timer: when is noted.
    assert_eq!(s.write(3000, &[], &[], &[]).unwrap().closed, 1);
    let r = batched(&s)[0].remnant.clone().unwrap();
    assert_eq!(r.until, 3000);
    assert_eq!(
        count(&s, "SELECT after FROM remnant_ends WHERE at = 3000"),
        2500
    );
    assert_eq!(count(&s, "SELECT last_end FROM batches"), 61600);
}

#[test]
fn a_remnant_gone_on_time_and_one_taken_up_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = fresh(&dir);
    s.write(1000, &[], &[], &[]).unwrap();
    let mut tw1 = seen(11, "TIME_WAIT", 0);
    tw1.remote = seen(1, "ESTABLISHED", 0).remote;
    tw1.timer_ms = Some(1500);
    let mut tw2 = seen(12, "TIME_WAIT", 0);
    tw2.remote = seen(2, "ESTABLISHED", 0).remote;
    tw2.timer_ms = Some(60_000);
    s.write(
        2000,
        &[tw1.clone(), tw2.clone()],
        &[
            gone(1500, seen(1, "ESTABLISHED", 0), 1),
            gone(1600, seen(2, "ESTABLISHED", 0), 2),
        ],
        &[],
    )
    .unwrap();
    drop(s);
    // A restart takes both remnants up: listed again, nothing is new.
    let mut s = fresh(&dir);
    let w = s.write(3000, &[tw1, tw2.clone()], &[], &[]).unwrap();
    assert_eq!(w, Written::default());
    // 11's timer (3500) fell between 3000 and 4000: its end stands.
    assert_eq!(s.write(4000, &[tw2], &[], &[]).unwrap().closed, 1);
    assert_eq!(count(&s, "SELECT count(*) FROM remnant_ends"), 0);
    let ends: Vec<i64> = batched(&s).iter().map(|e| e.end()).collect();
    assert_eq!(ends, vec![3500, 62_000]);
    assert_eq!(count(&s, "SELECT count(*) FROM sockets"), 0);
}

#[test]
fn another_scope_does_not_call_unseen_sockets_closed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    let mut s = Store::open(
        &path,
        &Run {
            started: 0,
            scope: "tcp and udp",
            interval_ms: 1000,
        },
    )
    .unwrap();
    s.write(1000, &[seen(1, "ESTABLISHED", 0)], &[], &[])
        .unwrap();
    drop(s);
    // The same scope takes the socket up again.
    let s = Store::open(
        &path,
        &Run {
            started: 1500,
            scope: "tcp and udp",
            interval_ms: 1000,
        },
    )
    .unwrap();
    assert_eq!(s.open_sockets(), 1);
    drop(s);
    let mut s = Store::open(
        &path,
        &Run {
            started: 2000,
            scope: "udp only",
            interval_ms: 1000,
        },
    )
    .unwrap();
    assert_eq!(s.open_sockets(), 0);
    assert_eq!(s.write(3000, &[], &[], &[]).unwrap().closed, 0);
    assert_eq!(count(&s, "SELECT closed_at FROM sockets"), 1001);
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM sockets WHERE closed_how = 'unrecorded'"
        ),
        1
    );
}

#[test]
fn a_version_1_file_is_brought_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    {
        let db = Connection::open(&path).unwrap();
        db.execute_batch(&format!("BEGIN;{}COMMIT;", schema::V1))
            .unwrap();
        db.execute(
            "INSERT INTO sockets (netns_inode, cookie, inode, proto, family, type, uid,
                opened_at) VALUES (7, 1, 101, 'tcp', 'inet', 'stream', 0, 500)",
            [],
        )
        .unwrap();
    }
    let s = Store::open(
        &path,
        &Run {
            started: 1000,
            scope: "all",
            interval_ms: 1000,
        },
    )
    .unwrap();
    assert_eq!(count(&s, "PRAGMA user_version"), SCHEMA_VERSION_NOW);
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM sockets WHERE program IS NULL AND opened_exact = 0"
        ),
        1
    );
}

#[test]
fn openings_a_tracer_saw_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = fresh(&dir);
    s.write(1000, &[], &[], &[]).unwrap();
    let pair = |c: u64| {
        let x = seen(c, "ESTABLISHED", 0);
        (x.key.0, x.local, x.remote)
    };
    // 5 opened at 1200 and is in the dump; 6 opened at 1300 and was gone before it.
    s.write(
        2000,
        &[seen(5, "ESTABLISHED", 0)],
        &[gone(1800, seen(6, "ESTABLISHED", 0), 9)],
        &[
            Opened {
                at: 1200,
                pair: pair(5),
            },
            Opened {
                at: 1300,
                pair: pair(6),
            },
        ],
    )
    .unwrap();
    assert_eq!(
        count(
            &s,
            "SELECT opened_at FROM sockets WHERE cookie = 5 AND opened_exact = 1 AND opened_after IS NULL"
        ),
        1200
    );
    let b = batched(&s);
    assert_eq!((b[0].seen.cookie, b[0].exact, b[0].after), (6, true, None));
    assert_eq!(b[0].closed - b[0].opened, 500);
    // One seen first by a dump, its opening heard after: made exact then.
    s.write(
        3000,
        &[seen(5, "ESTABLISHED", 0), seen(7, "ESTABLISHED", 0)],
        &[],
        &[],
    )
    .unwrap();
    assert_eq!(
        count(&s, "SELECT opened_exact FROM sockets WHERE cookie = 7"),
        0
    );
    s.write(
        4000,
        &[seen(5, "ESTABLISHED", 0), seen(7, "ESTABLISHED", 0)],
        &[],
        &[Opened {
            at: 2900,
            pair: pair(7),
        }],
    )
    .unwrap();
    assert_eq!(
        count(
            &s,
            "SELECT opened_at FROM sockets WHERE cookie = 7 AND opened_exact = 1"
        ),
        2900
    );
}

#[test]
fn a_close_during_a_dump_is_settled_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = fresh(&dir);
    s.write(
        1000,
        &[seen(1, "ESTABLISHED", 0), seen(2, "ESTABLISHED", 0)],
        &[],
        &[],
    )
    .unwrap();
    // Both destroyed at 2100, while the dump of 2000 listed them alive.
    s.write(
        2000,
        &[seen(1, "ESTABLISHED", 0), seen(2, "ESTABLISHED", 0)],
        &[
            gone(2100, seen(1, "ESTABLISHED", 0), 5),
            gone(2100, seen(2, "ESTABLISHED", 0), 6),
        ],
        &[],
    )
    .unwrap();
    assert_eq!(
        count(&s, "SELECT count(*) FROM sockets WHERE closed_at IS NULL"),
        2
    );
    // 1 left a time-wait remnant; 2 did not.
    let w = s.write(3000, &[seen(1, "TIME_WAIT", 0)], &[], &[]).unwrap();
    assert_eq!((w.opened, w.closed), (0, 1), "{w:?}");
    assert_eq!(count(&s, "SELECT count(*) FROM sockets"), 2, "one row each");
    assert_eq!(
        count(
            &s,
            "SELECT at FROM changes JOIN sockets ON id = socket WHERE cookie = 1 AND state = 'TIME_WAIT'"
        ),
        2100
    );
    assert_eq!(
        count(
            &s,
            "SELECT closed_at FROM sockets WHERE cookie = 2 AND closed_how = 'announced'"
        ),
        2100
    );
}

#[test]
fn a_remnant_listed_past_its_timer_stays_listed_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    let mut s = fresh(&dir);
    s.write(1000, &[], &[], &[]).unwrap();
    let mut tw = seen(21, "TIME_WAIT", 0);
    tw.remote = seen(3, "ESTABLISHED", 0).remote;
    tw.timer_ms = Some(500);
    // Announced at 1990, after the sample time of the dump that listed its remnant.
    s.write(
        2000,
        std::slice::from_ref(&tw),
        &[gone(1990, seen(3, "ESTABLISHED", 0), 1)],
        &[],
    )
    .unwrap();
    // --at the batch's own sample lists the remnant the dump listed.
    let at = |t: i64| -> Vec<u64> {
        let mut c: Vec<u64> = crate::sockets_at(&path, t)
            .unwrap()
            .unwrap()
            .sockets
            .iter()
            .map(|x| x.cookie)
            .collect();
        c.sort_unstable();
        c
    };
    assert_eq!(at(2000), vec![21]);
    // Still listed at 3000, past its timer (2500): there until just after 3000, for now.
    s.write(3000, std::slice::from_ref(&tw), &[], &[]).unwrap();
    assert_eq!(at(3000), vec![21]);
    drop(s);
    let mut s = fresh(&dir);
    assert_eq!(s.write(4000, &[tw], &[], &[]).unwrap(), Written::default());
    assert_eq!(at(4000), vec![21]);
    assert_eq!(s.write(5000, &[], &[], &[]).unwrap().closed, 1);
    assert_eq!(at(5000), Vec::<u64>::new());
    assert_eq!(
        count(&s, "SELECT count(*) FROM sockets"),
        0,
        "never a row of its own"
    );
    assert_eq!(
        batched(&s)[0].end(),
        5000,
        "gone by 5000, as a dump bounds a close"
    );
}

#[test]
fn remnants_another_scope_stopped_looking_at_are_not_taken_up_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    let run = |scope| Run {
        started: 0,
        scope,
        interval_ms: 1000,
    };
    let mut s = Store::open(&path, &run("tcp")).unwrap();
    s.write(1000, &[], &[], &[]).unwrap();
    let mut tw = seen(31, "TIME_WAIT", 0);
    tw.remote = seen(4, "ESTABLISHED", 0).remote;
    tw.timer_ms = Some(60_000);
    s.write(
        2000,
        &[tw],
        &[gone(1500, seen(4, "ESTABLISHED", 0), 1)],
        &[],
    )
    .unwrap();
    drop(s);
    drop(Store::open(&path, &run("udp")).unwrap());
    let mut s = Store::open(&path, &run("udp")).unwrap();
    assert_eq!(s.write(3000, &[], &[], &[]).unwrap(), Written::default());
    assert_eq!(
        batched(&s)[0].end(),
        2001,
        "ended when the other scope began"
    );
    assert_eq!(count(&s, "SELECT count(*) FROM remnant_ends"), 1);
    // history: the connection opened and closed; its remnant began, and nobody saw it end.
    let events = crate::events(&path, 0, 10_000, &crate::Remote::default()).unwrap();
    let what: Vec<(i64, crate::Happened)> = events.into_iter().map(|e| (e.0, e.1)).collect();
    assert_eq!(
        what,
        vec![
            (1500, crate::Happened::Open),
            (1500, crate::Happened::State("CLOSE"))
        ]
    );
    // A batch whose row disagrees with its data is refused, not read.
    s.db.execute("UPDATE batches SET count = count + 1", [])
        .unwrap();
    let e = crate::events(&path, 0, 10_000, &crate::Remote::default()).unwrap_err();
    assert!(e.to_string().contains("its row says"), "{e}");
}

#[test]
fn a_busy_interval_is_written_as_several_batches() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = fresh(&dir);
    s.write(1000, &[], &[], &[]).unwrap();
    let n = crate::batch::MAX_ENTRIES as u64 + 10;
    let gone: Vec<Gone> = (0..n)
        .map(|c| {
            let mut x = seen(100 + c, "ESTABLISHED", 0);
            x.remote = Some(("127.0.0.1".into(), 1 + (c % 60_000) as u16));
            gone(1500, x, c)
        })
        .collect();
    assert_eq!(s.write(2000, &[], &gone, &[]).unwrap().closed, n as usize);
    assert_eq!(count(&s, "SELECT count(*) FROM batches"), 2);
    assert_eq!(batched(&s).len(), n as usize);
}
