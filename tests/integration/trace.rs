//! `rnetstat trace` on events caused for real in the test's own namespaces: each event
//! attributed to its namespace and socket, with the kernel's reason names, the processes
//! holding the sockets, and every state transition once and in order.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

use serde_json::Value;
use socket2::{Domain, Socket, Type};

use crate::common::{BIN, in_netns, lo_up};
use crate::stack::{STACK4, Stack};

/// `rnetstat trace --json ARGS`, running until stopped.
struct Trace(Child);

impl Trace {
    /// Starts it and waits until its programs are attached.
    fn start(args: &[&str]) -> Trace {
        let mut c = Command::new(BIN)
            .args(["trace", "--json"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rnetstat trace");
        let mut err = BufReader::new(c.stderr.take().unwrap());
        let mut line = String::new();
        err.read_line(&mut line).unwrap();
        assert!(line.contains("attached to"), "trace did not start: {line}");
        // The rest of standard error is drained so the tracer never blocks on it.
        thread::spawn(move || {
            let mut rest = String::new();
            let _ = err.read_to_string(&mut rest);
            if !rest.is_empty() {
                eprintln!("trace said: {rest}");
            }
        });
        Trace(c)
    }

    /// SIGTERM, by pid; the events it printed.
    fn stop(mut self) -> Vec<Value> {
        thread::sleep(Duration::from_millis(300));
        let pid = rustix::process::Pid::from_raw(self.0.id() as i32).unwrap();
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
        let mut out = String::new();
        self.0
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        let st = self.0.wait().unwrap();
        assert!(st.success(), "SIGTERM ends trace cleanly: {st:?}");
        std::mem::forget(self);
        out.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

impl Drop for Trace {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// This thread's network namespace inode.
fn netns_inode() -> u64 {
    std::fs::metadata("/proc/thread-self/ns/net").unwrap().ino()
}

/// A SYN from a port of its own to 127.0.0.1:1, where nothing listens; the port.
pub(crate) fn syn_to_closed_port() -> u16 {
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    s.bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into())
        .unwrap();
    let port = s.local_addr().unwrap().as_socket().unwrap().port();
    let to = SocketAddr::from((Ipv4Addr::LOCALHOST, 1));
    assert!(s.connect(&to.into()).is_err(), "port 1 is closed");
    port
}

fn port(v: &Value, end: &str) -> u64 {
    v["socket"][end]["port"].as_u64().unwrap_or(0)
}

/// The pids `socket.processes` names.
fn pids(v: &Value) -> Vec<u64> {
    v["socket"]["processes"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["pid"].as_u64()).collect())
        .unwrap_or_default()
}

#[test]
fn a_syn_to_a_closed_port_in_each_of_two_namespaces() {
    in_netns("a_syn_to_a_closed_port_in_each_of_two_namespaces", || {
        let trace = Trace::start(&["--all-netns", "--events", "reset-sent,drop"]);
        let other = thread::spawn(|| {
            // SAFETY: unshare only changes this thread's namespace membership.
            #[allow(unsafe_code)]
            let rc = unsafe { libc::unshare(libc::CLONE_NEWNET) };
            assert_eq!(rc, 0);
            lo_up();
            (netns_inode(), syn_to_closed_port())
        });
        let here = (netns_inode(), syn_to_closed_port());
        let there = other.join().unwrap();
        assert_ne!(here.0, there.0);
        let events = trace.stop();
        for (ns, p) in [here, there] {
            let mine: Vec<&Value> = events
                .iter()
                .filter(|e| port(e, "remote") == u64::from(p) && port(e, "local") == 1)
                .collect();
            let kinds: Vec<(String, String, u64)> = mine
                .iter()
                .map(|e| {
                    (
                        e["event"].as_str().unwrap().to_string(),
                        e["reason"].as_str().unwrap_or("").to_string(),
                        e["socket"]["netns"]["inode"].as_u64().unwrap_or(0),
                    )
                })
                .collect();
            assert_eq!(
                kinds,
                [
                    ("reset-sent".to_string(), "no_socket".to_string(), ns),
                    ("drop".to_string(), "no_socket".to_string(), ns)
                ],
                "port {p}: {mine:?}"
            );
        }
    });
}

#[test]
fn a_connection_reset_on_close_with_unread_data() {
    in_netns("a_connection_reset_on_close_with_unread_data", || {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let to = l.local_addr().unwrap();
        // The client is a process of its own: it connects, sends 5 bytes, and waits.
        let mut client = Command::new("python3")
            .args([
                "-c",
                "import socket,sys,time\n\
                 c=socket.create_connection(('127.0.0.1',int(sys.argv[1])))\n\
                 c.sendall(b'12345'); print(c.getsockname()[1], flush=True)\n\
                 try:\n  c.recv(1)\nexcept Exception: pass\ntime.sleep(2)",
                &to.port().to_string(),
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        BufReader::new(client.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let cport: u64 = line.trim().parse().unwrap();
        let (s, _) = l.accept().unwrap();
        let trace = Trace::start(&["--events", "reset-sent,reset-received"]);
        // A walk of /proc after both sockets exist names their processes.
        thread::sleep(Duration::from_millis(1500));
        drop(s);
        drop(l);
        thread::sleep(Duration::from_millis(200));
        let events = trace.stop();
        let _ = client.kill();
        let _ = client.wait();
        let sent: Vec<&Value> = events
            .iter()
            .filter(|e| e["event"] == "reset-sent" && port(e, "remote") == cport)
            .collect();
        let received: Vec<&Value> = events
            .iter()
            .filter(|e| e["event"] == "reset-received" && port(e, "local") == cport)
            .collect();
        assert_eq!(sent.len(), 1, "{events:?}");
        assert_eq!(received.len(), 1, "{events:?}");
        assert_eq!(sent[0]["reason"], "tcp_abort_on_close", "{:?}", sent[0]);
        assert_eq!(pids(sent[0]), [u64::from(std::process::id())]);
        assert_eq!(pids(received[0]), [u64::from(client.id())]);
    });
}

/// The state transitions of each socket life: events grouped by `socket_id`, a life ending
/// at CLOSE; each step with its ports as local × 100000 + remote.
fn lives(events: &[Value]) -> Vec<Vec<(String, String, u64)>> {
    let mut open: std::collections::HashMap<u64, Vec<(String, String, u64)>> = Default::default();
    let mut done = Vec::new();
    for e in events {
        let id = e["socket_id"].as_u64().unwrap();
        let step = (
            e["previous_state"].as_str().unwrap().to_string(),
            e["socket"]["state"].as_str().unwrap().to_string(),
            port(e, "local") * 100_000 + port(e, "remote"),
        );
        let ends = step.1 == "CLOSE";
        open.entry(id).or_default().push(step);
        if ends {
            done.push(open.remove(&id).unwrap());
        }
    }
    done
}

#[test]
fn every_state_transition_of_200_connections_once_in_order() {
    in_netns(
        "every_state_transition_of_200_connections_once_in_order",
        || {
            let trace = Trace::start(&["--events", "state"]);
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            let lport = u64::from(l.local_addr().unwrap().port());
            let mut ports = Vec::new();
            for _ in 0..200 {
                let mut c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
                let (mut s, _) = l.accept().unwrap();
                c.write_all(b"ping").unwrap();
                s.read_exact(&mut [0u8; 4]).unwrap();
                ports.push(u64::from(c.local_addr().unwrap().port()));
                drop(c);
                assert_eq!(s.read(&mut [0u8; 1]).unwrap(), 0);
                drop(s);
            }
            drop(l);
            thread::sleep(Duration::from_millis(200));
            let events = trace.stop();
            let all = lives(&events);
            let t = |a: &str, b: &str| (a.to_string(), b.to_string());
            let client = [
                t("CLOSE", "SYN_SENT"),
                t("SYN_SENT", "ESTABLISHED"),
                t("ESTABLISHED", "FIN_WAIT1"),
                t("FIN_WAIT1", "FIN_WAIT2"),
                t("FIN_WAIT2", "CLOSE"),
            ];
            let server = [
                t("LISTEN", "SYN_RECV"),
                t("SYN_RECV", "ESTABLISHED"),
                t("ESTABLISHED", "CLOSE_WAIT"),
                t("CLOSE_WAIT", "LAST_ACK"),
                t("LAST_ACK", "CLOSE"),
            ];
            for p in &ports {
                // The client's life: its first step is before its port is chosen (0).
                let c: Vec<_> = all
                    .iter()
                    .filter(|life| life.iter().any(|s| s.2 == p * 100_000 + lport))
                    .collect();
                assert_eq!(c.len(), 1, "client port {p}: {c:?}");
                let steps: Vec<_> = c[0].iter().map(|s| (s.0.clone(), s.1.clone())).collect();
                assert_eq!(steps, client, "client port {p}");
                let s: Vec<_> = all
                    .iter()
                    .filter(|life| life.iter().any(|s| s.2 == lport * 100_000 + p))
                    .collect();
                assert_eq!(s.len(), 1, "server end of {p}: {s:?}");
                let steps: Vec<_> = s[0].iter().map(|s| (s.0.clone(), s.1.clone())).collect();
                assert_eq!(steps, server, "server end of {p}");
            }
            // The listener's own life, and nothing else in this namespace.
            assert_eq!(all.len(), 401, "{} lives", all.len());
            assert_eq!(events.len(), 200 * 10 + 2);
        },
    );
}

#[test]
fn retransmits_through_the_userspace_stack() {
    in_netns(
        "retransmits_through_the_userspace_stack (one segment dropped)",
        || {
            let _stack = Stack::start(&["--drop", "data:3", "--to-stack"]);
            let trace = Trace::start(&["--events", "retransmit"]);
            let to = SocketAddr::from((STACK4.parse::<Ipv4Addr>().unwrap(), 9));
            let mut k = TcpStream::connect(to).unwrap();
            let local = u64::from(k.local_addr().unwrap().port());
            for _ in 0..10 {
                k.write_all(&[5u8; 1448]).unwrap();
                thread::sleep(Duration::from_millis(2));
            }
            thread::sleep(Duration::from_millis(1500));
            let events = trace.stop();
            let mine: Vec<&Value> = events
                .iter()
                .filter(|e| port(e, "local") == local)
                .collect();
            assert_eq!(mine.len(), 1, "{mine:?}");
            assert!(
                ["fast", "timeout", "tail-loss-probe"].contains(&mine[0]["kind"].as_str().unwrap()),
                "{:?}",
                mine[0]
            );
        },
    );
    in_netns(
        "retransmits_through_the_userspace_stack (lossy both ways)",
        || {
            let _stack = Stack::start(&["--loss", "10", "--seed", "5"]);
            let trace = Trace::start(&["--events", "retransmit"]);
            let to = SocketAddr::from((STACK4.parse::<Ipv4Addr>().unwrap(), 9));
            let mut k = TcpStream::connect(to).unwrap();
            let local = k.local_addr().unwrap();
            for _ in 0..200 {
                k.write_all(&[5u8; 1448]).unwrap();
                thread::sleep(Duration::from_millis(2));
            }
            // Settled: everything written acknowledged (nothing unsent or unacknowledged).
            crate::common::eventually("the data acknowledged", 30, || {
                let out = crate::common::run(&["-tn", "--json", "--info"]);
                let doc: Value = serde_json::from_slice(&out.stdout).ok()?;
                let rec = doc["sockets"]
                    .as_array()?
                    .iter()
                    .find(|s| s["local"]["port"].as_u64() == Some(u64::from(local.port())))?;
                (rec["send_q"] == 0).then(|| rec["tcp_info"]["total_retrans"].as_u64())?
            });
            let out = crate::common::run(&["-tn", "--json", "--info"]);
            let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
            let total = doc["sockets"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["local"]["port"].as_u64() == Some(u64::from(local.port())))
                .unwrap()["tcp_info"]["total_retrans"]
                .as_u64()
                .unwrap();
            let events = trace.stop();
            // tcp_info counts segments; an event is one packet, which may carry several.
            let mine: u64 = events
                .iter()
                .filter(|e| port(e, "local") == u64::from(local.port()))
                .map(|e| e["segments"].as_u64().unwrap())
                .sum();
            assert!(total > 0, "a 10% loss retransmitted nothing");
            assert_eq!(
                mine, total,
                "retransmitted segments = tcp_info total_retrans"
            );
            drop(k);
        },
    );
}

#[test]
fn without_the_privilege_one_clear_error() {
    if !crate::common::is_root() {
        eprintln!("skipping without_the_privilege_one_clear_error: needs root to drop it");
        return;
    }
    let out = crate::common::run_as_nobody(&["trace", "--duration", "1"], &[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.contains("needs root (or CAP_BPF and CAP_PERFMON)"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    // A listing works as before without it.
    let out = crate::common::run_as_nobody(&["-tan"], &[]);
    assert!(out.status.success());
}

#[test]
fn bad_options_are_usage_errors() {
    for args in [
        &["trace", "--events", "everything"][..],
        &["trace", "--duration", "soon"],
        &["trace", "state", "bogus"],
    ] {
        let out = crate::common::run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
}

#[test]
fn a_listing_shows_what_a_running_tracer_counted() {
    in_netns("a_listing_shows_what_a_running_tracer_counted", || {
        let _stack = Stack::start(&["--drop", "data:3", "--to-stack"]);
        let trace = Trace::start(&["--events", "retransmit"]);
        let to = SocketAddr::from((STACK4.parse::<Ipv4Addr>().unwrap(), 9));
        let mut k = TcpStream::connect(to).unwrap();
        let local = k.local_addr().unwrap().port();
        for _ in 0..10 {
            k.write_all(&[5u8; 1448]).unwrap();
            thread::sleep(Duration::from_millis(2));
        }
        thread::sleep(Duration::from_millis(1500));
        let out = crate::common::run(&["-tn", "--json"]);
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let rec = doc["sockets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["local"]["port"] == local)
            .unwrap()
            .clone();
        let r = &rec["events"]["retransmits"];
        let counted = ["timeout", "fast", "tail_loss_probe"]
            .iter()
            .map(|k| r[k].as_u64().unwrap())
            .sum::<u64>();
        let text = crate::common::run(&["-tn", "--reasons"]);
        let text = String::from_utf8(text.stdout).unwrap();
        let events = trace.stop();
        let traced: u64 = events
            .iter()
            .filter(|e| port(e, "local") == u64::from(local))
            .map(|e| e["segments"].as_u64().unwrap())
            .sum();
        assert_eq!(counted, traced, "{rec}");
        assert!(counted >= 1, "{rec}");
        assert_eq!(rec["events"]["resets_sent"], 0);
        let line = text
            .lines()
            .find(|l| l.contains(&format!(":{local} ")))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(
            ["rto=", "fast=", "tlp="].iter().any(|k| line.contains(k)),
            "{line}"
        );
        assert!(text.lines().nth(1).unwrap().ends_with(" Reasons"), "{text}");
        drop(k);
    });
}

#[test]
fn a_signal_ends_it_while_its_output_is_full() {
    in_netns("a_signal_ends_it_while_its_output_is_full", || {
        // Standard output a pipe nobody reads: it fills and writes block.
        let mut c = Command::new(BIN)
            .args(["trace", "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = BufReader::new(c.stderr.take().unwrap());
        let mut line = String::new();
        err.read_line(&mut line).unwrap();
        for _ in 0..2000 {
            syn_to_closed_port();
        }
        thread::sleep(Duration::from_millis(300));
        let pid = rustix::process::Pid::from_raw(c.id() as i32).unwrap();
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
        let t = std::time::Instant::now();
        let st = loop {
            if let Some(st) = c.try_wait().unwrap() {
                break st;
            }
            assert!(t.elapsed() < Duration::from_secs(6), "still running");
            thread::sleep(Duration::from_millis(50));
        };
        assert!(st.success(), "{st:?}");
    });
}
