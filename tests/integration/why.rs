//! `explain` and `--why` on conditions induced for real, each in the test's own namespace:
//! the verdict and its evidence, the process it names, and no false alarms.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use serde_json::Value;
use socket2::{Domain, Socket, Type};

use crate::common::{BIN, eventually, in_netns, run};
use crate::stack::{STACK4, Stack};

/// `rnetstat explain --json ARGS`, parsed.
fn explain(args: &[&str]) -> Value {
    let mut a = vec!["explain", "--json"];
    a.extend_from_slice(args);
    let out = run(&a);
    assert!(
        out.status.success(),
        "explain {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("explain's JSON")
}

/// The socket record whose local address is `local`.
fn record(doc: &Value, local: SocketAddr) -> Option<&Value> {
    doc["sockets"].as_array().unwrap().iter().find(|s| {
        s["local"]["port"] == local.port() && s["local"]["address"] == local.ip().to_string()
    })
}

/// The finding `verdict` of the socket at `local`.
fn verdict<'a>(doc: &'a Value, local: SocketAddr, verdict: &str) -> Option<&'a Value> {
    record(doc, local)?["why"]
        .as_array()?
        .iter()
        .find(|f| f["verdict"] == verdict)
}

fn verdicts(doc: &Value, local: SocketAddr) -> Vec<String> {
    record(doc, local).map_or_else(Vec::new, |r| {
        r["why"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["verdict"].as_str().unwrap().to_string())
            .collect()
    })
}

/// A scoped finding (listener, process, netns, host) with this verdict.
fn scoped<'a>(doc: &'a Value, verdict: &str) -> Option<&'a Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["verdict"] == verdict)
}

fn pids(rec: &Value) -> Vec<u64> {
    rec["processes"]
        .as_array()
        .map(|p| p.iter().map(|p| p["pid"].as_u64().unwrap()).collect())
        .unwrap_or_default()
}

fn lo() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

#[test]
fn a_reader_that_stops_reading() {
    in_netns("a_reader_that_stops_reading", || {
        let l = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        l.set_recv_buffer_size(64 * 1024).unwrap();
        l.bind(&lo().into()).unwrap();
        l.listen(1).unwrap();
        let writer = TcpStream::connect(l.local_addr().unwrap().as_socket().unwrap()).unwrap();
        let (reader, _) = l.accept().unwrap();
        let mut reader: TcpStream = reader.into();
        let stop_writing = Arc::new(AtomicBool::new(false));
        let w = {
            let mut w = writer.try_clone().unwrap();
            let stop = stop_writing.clone();
            thread::spawn(move || {
                w.set_write_timeout(Some(Duration::from_millis(100)))
                    .unwrap();
                let chunk = [7u8; 16384];
                while !stop.load(Ordering::Relaxed) {
                    match w.write(&chunk) {
                        Ok(_) => {}
                        Err(e)
                            if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                        Err(e) => panic!("write: {e}"),
                    }
                }
            })
        };
        // Phase 1: the reader reads, slowly: the window, not the writer, sets the pace.
        let reading = Arc::new(AtomicBool::new(true));
        let r = {
            let mut r = reader.try_clone().unwrap();
            let on = reading.clone();
            thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while on.load(Ordering::Relaxed) {
                    let _ = r.read(&mut buf);
                    thread::sleep(Duration::from_millis(20));
                }
            })
        };
        let wl = writer.local_addr().unwrap();
        let doc = explain(&["--interval", "1"]);
        let f = verdict(&doc, wl, "receiver-limited")
            .unwrap_or_else(|| panic!("the writer is not receiver-limited: {doc}"));
        assert_eq!(f["severity"], "warning");
        assert!(
            f["evidence"]["rwnd_limited_share"].as_f64().unwrap() >= 0.5,
            "{f}"
        );
        assert!(f["evidence"]["busy_ms"].as_u64().unwrap() > 0);
        // Phase 2: the reader stops; the window closes.
        reading.store(false, Ordering::Relaxed);
        r.join().unwrap();
        let rl = reader.local_addr().unwrap();
        let doc = eventually("zero-window", 15, || {
            let d = explain(&["--interval", "1"]);
            verdict(&d, wl, "zero-window").is_some().then_some(d)
        });
        let z = verdict(&doc, wl, "zero-window").unwrap();
        assert_eq!(z["evidence"]["snd_wnd"], 0, "{z}");
        assert!(z["evidence"]["send_q"].as_u64().unwrap() > 0);
        let u = verdict(&doc, rl, "unread").unwrap_or_else(|| panic!("no unread: {doc}"));
        assert_eq!(u["evidence"]["read_bytes"], 0);
        let rec = record(&doc, rl).unwrap();
        assert_eq!(u["evidence"]["recv_q"], rec["recv_q"]);
        assert!(pids(rec).contains(&u64::from(std::process::id())), "{rec}");
        // The text names the reader's process.
        let text = String::from_utf8(run(&["explain", "--interval", "0"]).stdout).unwrap();
        let line = text
            .lines()
            .find(|l| l.contains("unread") && l.contains(&rl.to_string()))
            .unwrap_or_else(|| panic!("no unread line:\n{text}"));
        assert!(
            line.contains(&format!("pid {}", std::process::id())),
            "{line}"
        );
        stop_writing.store(true, Ordering::Relaxed);
        reader.shutdown(Shutdown::Both).unwrap();
        w.join().unwrap();
        let _ = reader.read(&mut [0u8; 1]);
    });
}

#[test]
fn a_listener_that_never_accepts() {
    in_netns("a_listener_that_never_accepts", || {
        let l = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        l.bind(&lo().into()).unwrap();
        l.listen(2).unwrap();
        let la = l.local_addr().unwrap().as_socket().unwrap();
        // Six clients in the background: three fill the queue (backlog + 1), the rest's
        // SYNs are dropped while the explain's interval runs.
        let mut clients = Vec::new();
        for _ in 0..6 {
            let c = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
            c.set_nonblocking(true).unwrap();
            let _ = c.connect(&la.into());
            clients.push(c);
        }
        let doc = explain(&["--interval", "1.5"]);
        let f = verdict(&doc, la, "listen-overflow")
            .unwrap_or_else(|| panic!("no listen-overflow: {doc}"));
        assert_eq!(f["severity"], "critical");
        assert_eq!(f["evidence"]["backlog"], 2);
        assert_eq!(f["evidence"]["recv_q"], 3);
        let s = scoped(&doc, "listen-overflow").expect("the listener finding");
        assert_eq!(s["scope"], "listener");
        assert_eq!(s["process"]["pid"], u64::from(std::process::id()));
        assert_eq!(s["listener"]["port"], la.port());
        let d = scoped(&doc, "syn-drops").unwrap_or_else(|| panic!("no syn-drops: {doc}"));
        assert_eq!(d["scope"], "netns");
        assert!(
            d["evidence"]["listen_drops_delta"].as_u64().unwrap() > 0,
            "{d}"
        );
        assert_eq!(d["netns"]["inode"], crate::common::netns_inode());
        // Connect-retrying for the clients whose SYNs are dropped.
        let retrying = doc["sockets"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| {
                s["why"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["verdict"] == "connect-retrying")
            })
            .count();
        assert!(retrying >= 1, "{doc}");
        drop(clients);
    });
}

#[test]
fn close_wait_and_its_leak() {
    in_netns("close_wait_and_its_leak", || {
        let l = TcpListener::bind(lo()).unwrap();
        let mut held = Vec::new();
        for _ in 0..10 {
            let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
            let (s, _) = l.accept().unwrap();
            drop(c);
            held.push(s);
        }
        let doc = explain(&["--interval", "1"]);
        for s in &held {
            let local = s.local_addr().unwrap();
            let peer = s.peer_addr().unwrap();
            let rec = doc["sockets"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["remote"]["port"] == peer.port() && r["local"]["port"] == local.port())
                .unwrap_or_else(|| panic!("no record for {peer}: {doc}"));
            let v: Vec<_> = rec["why"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["verdict"].clone())
                .collect();
            assert_eq!(
                v,
                [Value::from("close-wait")],
                "the FIN is not unread data: {rec}"
            );
            assert!(pids(rec).contains(&u64::from(std::process::id())));
        }
        let leak = scoped(&doc, "close-wait-leak").unwrap_or_else(|| panic!("no leak: {doc}"));
        assert_eq!(leak["scope"], "process");
        assert_eq!(leak["process"]["pid"], u64::from(std::process::id()));
        assert_eq!(leak["evidence"]["close_wait_sockets"], 10);
        // Nine are not a leak.
        drop(held.pop());
        let doc = explain(&["--interval", "0"]);
        assert!(scoped(&doc, "close-wait-leak").is_none(), "{doc}");
    });
}

#[test]
fn ports_run_out_to_one_destination() {
    in_netns("ports_run_out_to_one_destination", || {
        std::fs::write("/proc/sys/net/ipv4/ip_local_port_range", "40000 40099\n")
            .expect("narrow ip_local_port_range in the test's namespace");
        let l = TcpListener::bind(lo()).unwrap();
        let la = l.local_addr().unwrap();
        let mut held = Vec::new();
        for _ in 0..85 {
            let c = TcpStream::connect(la).unwrap();
            let (s, _) = l.accept().unwrap();
            held.push((c, s));
        }
        let doc = explain(&["--interval", "0"]);
        let f = scoped(&doc, "port-exhaustion").unwrap_or_else(|| panic!("none: {doc}"));
        assert_eq!(f["severity"], "warning");
        assert_eq!(f["evidence"]["ports_in_use"], 85);
        assert_eq!(f["evidence"]["port_range_size"], 100);
        assert_eq!(f["evidence"]["destination"], la.to_string());
        for (c, _) in held.drain(79..) {
            // A reset, not a FIN: no TIME_WAIT keeps the port in use.
            socket2::SockRef::from(&c)
                .set_linger(Some(Duration::ZERO))
                .unwrap();
        }
        let doc = explain(&["--interval", "0"]);
        assert!(
            scoped(&doc, "port-exhaustion").is_none(),
            "79 of 100: {doc}"
        );
    });
}

#[test]
fn the_userspace_stack_delays_and_drops() {
    in_netns("the_userspace_stack_delays_and_drops (SYN lost)", || {
        let _stack = Stack::start(&["--loss", "100", "--to-stack"]);
        let c = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        c.set_nonblocking(true).unwrap();
        let to = SocketAddr::from((STACK4.parse::<Ipv4Addr>().unwrap(), 7));
        let _ = c.connect(&to.into());
        let local = c.local_addr().unwrap().as_socket().unwrap();
        let doc = eventually("connect-retrying", 10, || {
            let d = explain(&["--interval", "0"]);
            verdict(&d, local, "connect-retrying")
                .is_some()
                .then_some(d)
        });
        let f = verdict(&doc, local, "connect-retrying").unwrap();
        assert!(f["evidence"]["syn_retransmits"].as_u64().unwrap() >= 1);
        let _ = c.as_raw_fd();
    });
    in_netns(
        "the_userspace_stack_delays_and_drops (one data segment)",
        || {
            let _stack = Stack::start(&["--drop", "data:20", "--to-stack"]);
            let (doc, local) = send_through(30);
            let f = verdict(&doc, local, "retransmitting")
                .unwrap_or_else(|| panic!("no retransmitting: {:?} {doc}", verdicts(&doc, local)));
            assert_eq!(f["evidence"]["kind"], "fast", "{f}");
            assert_eq!(f["evidence"]["rto_timeouts"], 0);
            assert_eq!(f["evidence"]["retransmits"], 1);
        },
    );
    in_netns("the_userspace_stack_delays_and_drops (lossy link)", || {
        let _stack = Stack::start(&["--loss", "20", "--seed", "3", "--delay", "5"]);
        let (doc, local) = send_through(400);
        let f = verdict(&doc, local, "retransmitting")
            .unwrap_or_else(|| panic!("no retransmitting: {doc}"));
        assert_eq!(f["severity"], "warning");
        let (rto, fast) = (
            f["evidence"]["rto_timeouts"].as_u64().unwrap(),
            f["evidence"]["fast_retransmits"].as_u64().unwrap(),
        );
        assert_eq!(
            f["evidence"]["retransmits"].as_u64().unwrap(),
            rto + fast,
            "{f}"
        );
    });
}

/// Writes `segments` full segments to the stack's discard service while `explain
/// --interval 2` looks; returns its document and the kernel socket's address.
fn send_through(segments: usize) -> (Value, SocketAddr) {
    let to = SocketAddr::from((STACK4.parse::<Ipv4Addr>().unwrap(), 9));
    let mut k = TcpStream::connect(to).unwrap();
    let local = k.local_addr().unwrap();
    let ex = thread::spawn(|| explain(&["--interval", "2"]));
    thread::sleep(Duration::from_millis(300));
    for _ in 0..segments {
        k.write_all(&[5u8; 1448]).unwrap();
        thread::sleep(Duration::from_millis(2));
    }
    let doc = ex.join().unwrap();
    (doc, local)
}

#[test]
fn no_false_alarms() {
    in_netns("no_false_alarms (idle namespace)", || {
        let doc = explain(&["--interval", "1"]);
        assert_eq!(doc["sockets"], Value::Array(vec![]), "{doc}");
        let bad: Vec<_> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["scope"] != "host")
            .collect();
        assert!(bad.is_empty(), "{doc}");
    });
    in_netns("no_false_alarms (bulk transfer)", || {
        let l = TcpListener::bind(lo()).unwrap();
        let mut c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (mut s, _) = l.accept().unwrap();
        let r = thread::spawn(move || {
            let mut buf = vec![0u8; 1 << 20];
            while s.read(&mut buf).unwrap_or(0) > 0 {}
        });
        let stop = Arc::new(AtomicBool::new(false));
        let w = {
            let stop = stop.clone();
            thread::spawn(move || {
                let buf = vec![1u8; 1 << 20];
                while !stop.load(Ordering::Relaxed) {
                    c.write_all(&buf).unwrap();
                }
            })
        };
        thread::sleep(Duration::from_millis(300));
        let doc = explain(&["--interval", "1"]);
        stop.store(true, Ordering::Relaxed);
        w.join().unwrap();
        r.join().unwrap();
        for rec in doc["sockets"].as_array().unwrap() {
            for f in rec["why"].as_array().unwrap() {
                assert_eq!(f["severity"], "info", "a free bulk transfer: {rec}");
            }
        }
        assert!(
            doc["findings"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["scope"] == "host"),
            "{doc}"
        );
    });
    in_netns("no_false_alarms (zoo)", || {
        let zoo = crate::zoo::build();
        let doc = explain(&["--interval", "1"]);
        // The zoo's healthy sockets have no finding; the ones it breaks on purpose have
        // exactly their verdict.
        let mut seen = std::collections::BTreeMap::new();
        for rec in doc["sockets"].as_array().unwrap() {
            let ino = rec["inode"].as_u64().unwrap() as u32;
            let v: Vec<String> = rec["why"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["severity"] != "info")
                .map(|f| f["verdict"].as_str().unwrap().to_string())
                .collect();
            if !v.is_empty() {
                seen.insert(ino, v);
            }
        }
        let mut expect = |ino: u32, v: &[&str]| {
            assert_eq!(
                seen.remove(&ino).unwrap_or_default(),
                v,
                "inode {ino}: {doc}"
            );
        };
        expect(zoo.unread_server, &["unread"]);
        // Its window has been shut the whole interval: both are true.
        expect(zoo.backed_sender, &["zero-window", "receiver-limited"]);
        expect(zoo.backed_receiver, &["unread"]);
        expect(zoo.close_wait, &["close-wait"]);
        expect(zoo.syn_sent, &["connect-retrying"]);
        // The backlog-0 listener holding one connection: full.
        let left: Vec<_> = seen.into_iter().collect();
        assert_eq!(left.len(), 1, "only the full listener is left: {left:?}");
        assert_eq!(left[0].1, ["listen-overflow"]);
        let _ = BIN;
    });
}

#[test]
fn why_on_a_listing() {
    in_netns("why_on_a_listing", || {
        let l = TcpListener::bind(lo()).unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (mut s, _) = l.accept().unwrap();
        s.write_all(b"not read").unwrap();
        let cl = c.local_addr().unwrap();
        // JSON: a `why` array on the record that has findings, none on the others.
        let doc = eventually("unread after a second", 10, || {
            let out = run(&["-tan", "--why", "--json"]);
            let d: Value = serde_json::from_slice(&out.stdout).unwrap();
            let has = d["sockets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["local"]["port"] == cl.port() && r["why"][0]["verdict"] == "unread");
            has.then_some(d)
        });
        let bare = doc["sockets"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r.get("why").is_none())
            .count();
        assert_eq!(bare, 2, "the listener and the server end have none: {doc}");
        // Text: a Why column, `-` where there is none.
        let text = String::from_utf8(run(&["-tan", "--why"]).stdout).unwrap();
        assert!(text.lines().nth(1).unwrap().ends_with(" Why"), "{text}");
        let row = text
            .lines()
            .find(|l| l.split_whitespace().nth(3) == Some(cl.to_string().as_str()))
            .unwrap();
        assert!(row.ends_with(" unread"), "{row}");
        assert!(
            text.lines().filter(|l| l.ends_with(" -")).count() >= 2,
            "{text}"
        );
        // The table, and two samples.
        let table = String::from_utf8(
            run(&["-tan", "--why", "--format", "table", "--interval", "0.5"]).stdout,
        )
        .unwrap();
        assert!(table.contains("Why") && table.contains("unread"), "{table}");
        // top's main verdict.
        let out = run(&["top", "--once", "--json", "--interval", "0.5"]);
        let frame: Value = serde_json::from_slice(&out.stdout).unwrap();
        let row = frame["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["label"].as_str().unwrap().starts_with(&cl.to_string()))
            .unwrap_or_else(|| panic!("{frame}"));
        assert_eq!(row["why"], "unread", "{row}");
        // --interval without --why is refused; --why is refused where it means nothing;
        // 0 is one sample; nonsense is a usage error, never a panic.
        assert!(!run(&["-tan", "--interval", "1"]).status.success());
        for bad in [
            &["-s", "--why"][..],
            &["-i", "--why"],
            &["-r", "--why"],
            &["--why", "--interval", "-1"],
            &["explain", "--interval", "-1"],
            &["explain", "--interval", "1e400"],
            &["explain", "--interval", "0.01"],
        ] {
            let out = run(bad);
            assert_eq!(out.status.code(), Some(2), "{bad:?}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!err.contains("panicked"), "{bad:?}: {err}");
        }
        assert!(run(&["-tan", "--why", "--interval", "0"]).status.success());
        drop(c);
    });
}

#[test]
fn host_limits_from_fixture_files() {
    use clap::Parser;
    // Global limits cannot be pushed for a test: a fixture /proc, each rule's boundary
    // tested both sides.
    let cases: &[(&str, &str, &str, Option<&str>)] = &[
        ("mem 199", "100 200 300", "16", None),
        ("mem 200", "100 200 300", "16", Some("memory-pressure")),
        ("orphan 7", "100 200 300", "16", None),
        ("orphan 8", "100 200 300", "16", Some("orphans")),
    ];
    for (tcp, tcp_mem, max_orphans, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        let w = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        let line = if tcp.starts_with("mem") {
            format!("TCP: inuse 0 orphan 0 tw 0 alloc 0 {tcp}\n")
        } else {
            format!("TCP: inuse 0 {tcp} tw 0 alloc 0 mem 1\n")
        };
        w("net/sockstat", &line);
        w("sys/net/ipv4/tcp_mem", tcp_mem);
        w("sys/net/ipv4/tcp_max_orphans", max_orphans);
        w("sys/net/netfilter/nf_conntrack_count", "89\n");
        w("sys/net/netfilter/nf_conntrack_max", "100\n");
        let cli = rnetstat::cli::Cli::try_parse_from([
            "rnetstat",
            "explain",
            "--json",
            "--interval",
            "0",
        ])
        .unwrap();
        let Some(rnetstat::cli::Command::Explain(a)) = &cli.command else {
            panic!("not explain")
        };
        let mut world = rnetstat::cmd::World {
            out: Vec::new(),
            proc_root: rnetstat::source::procfs::ProcRoot(dir.path().to_path_buf()),
            tty: false,
        };
        rnetstat::cmd::explain::run(a, &mut world).unwrap();
        let doc: Value = serde_json::from_slice(&world.out).unwrap();
        let got: Vec<&str> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["scope"] == "host")
            .map(|f| f["verdict"].as_str().unwrap())
            .collect();
        assert_eq!(
            got,
            want.iter().copied().collect::<Vec<_>>(),
            "{tcp}: {doc}"
        );
    }
    // Conntrack at 90% of its maximum, and one below.
    for (count, want) in [("89", false), ("90", true)] {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sys/net/netfilter");
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("nf_conntrack_count"), count).unwrap();
        std::fs::write(p.join("nf_conntrack_max"), "100").unwrap();
        let h = rnetstat::source::why_inputs::host(&rnetstat::source::procfs::ProcRoot(
            dir.path().to_path_buf(),
        ));
        let f = rnetstat::why::host(&h, None);
        assert_eq!(
            f.iter().any(|f| f.verdict.name() == "conntrack-full"),
            want,
            "{count}"
        );
    }
}

#[test]
fn a_black_holed_connection_is_stalled() {
    if !crate::common::require("iptables", "a_black_holed_connection_is_stalled") {
        return;
    }
    in_netns("a_black_holed_connection_is_stalled", || {
        let l = TcpListener::bind(lo()).unwrap();
        let la = l.local_addr().unwrap();
        let mut c = TcpStream::connect(la).unwrap();
        let (_s, _) = l.accept().unwrap();
        // From now on every segment to the listener's port is dropped, in this namespace.
        let rule = format!("-p tcp --dport {} -j DROP", la.port());
        crate::common::ip_tables(&format!("-A INPUT {rule}"));
        c.write_all(&[3u8; 5000]).unwrap();
        let cl = c.local_addr().unwrap();
        // A few timeouts later the RTO outgrows the interval.
        let doc = eventually("stalled", 20, || {
            let d = explain(&["--interval", "1"]);
            verdict(&d, cl, "stalled").is_some().then_some(d)
        });
        let f = verdict(&doc, cl, "stalled").unwrap();
        assert_eq!(f["severity"], "critical");
        assert_eq!(f["evidence"]["send_q"], 5000);
        assert!(f["evidence"]["backoff"].as_u64().unwrap() > 0, "{f}");
        let v = verdicts(&doc, cl);
        assert!(!v.iter().any(|v| v.ends_with("-limited")), "{v:?}");
    });
}
