//! `rnetstat watch`: what it reports while sockets come and go, in a namespace of the
//! test's own. The watcher is a child process stopped by pid; its JSON lines are read
//! afterwards.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::common::{BIN, in_netns, inode};

/// `rnetstat watch ARGS --json`, running, its output read as it comes (a pipe left unread
/// would fill and stop the watcher).
struct Watcher {
    child: Child,
    reader: std::thread::JoinHandle<String>,
}

fn watch(args: &[&str]) -> Watcher {
    let mut child = Command::new(BIN)
        .arg("watch")
        .args(args)
        .arg("--json")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("rnetstat watch");
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    // Subscribed and through its first dump.
    std::thread::sleep(Duration::from_millis(800));
    Watcher { child, reader }
}

/// Stops the watcher and returns its events.
fn events(mut w: Watcher) -> Vec<Value> {
    let _ = w.child.kill();
    let _ = w.child.wait();
    let text = w.reader.join().unwrap();
    // Stopped by a signal, the watcher may leave its last line unfinished.
    let lines: Vec<&str> = text.lines().collect();
    let n = lines.len();
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| match serde_json::from_str(l) {
            Ok(v) => Some(v),
            Err(e) if i + 1 == n => {
                eprintln!("a cut last line: {e}");
                None
            }
            Err(e) => panic!("line {i}: {e}: {l}"),
        })
        .collect()
}

#[test]
fn short_connections_are_reported_with_their_final_counts() {
    in_netns(
        "short_connections_are_reported_with_their_final_counts",
        || {
            let w = watch(&["-t", "-c", "5"]);
            let l = TcpListener::bind("127.0.0.1:7610").unwrap();
            let mut sent = Vec::new();
            for i in 0..200usize {
                let n = 100 + i;
                let mut c = TcpStream::connect("127.0.0.1:7610").unwrap();
                let (mut s, _) = l.accept().unwrap();
                c.write_all(&vec![b'x'; n]).unwrap();
                let port = c.local_addr().unwrap().port();
                drop(c);
                let mut got = Vec::new();
                s.read_to_end(&mut got).unwrap();
                assert_eq!(got.len(), n);
                drop(s);
                sent.push((port, n as u64));
            }
            // All of it well inside one 5 s interval: only the kernel's announcements can tell.
            std::thread::sleep(Duration::from_millis(500));
            let ev = events(w);
            let close = |local: u16, remote: u16| -> Vec<&Value> {
                ev.iter()
                    .filter(|e| {
                        e["event"] == "close"
                            && e["socket"]["local"]["port"] == local
                            && e["socket"]["remote"]["port"] == remote
                    })
                    .collect()
            };
            for (port, n) in sent {
                // The kernel counts the SYN and the FIN in sequence space: the client's bytes
                // acknowledged are n + 2, the server's bytes received n + 1.
                let c = close(port, 7610);
                assert_eq!(c.len(), 1, "client {port}: {c:?}");
                assert_eq!(c[0]["socket"]["tcp_info"]["bytes_acked"], n + 2, "{}", c[0]);
                let s = close(7610, port);
                assert_eq!(s.len(), 1, "server side of {port}");
                assert_eq!(
                    s[0]["socket"]["tcp_info"]["bytes_received"],
                    n + 1,
                    "{}",
                    s[0]
                );
                assert!(s[0]["time"].as_str().unwrap().ends_with('Z'));
            }
            // TIME_WAIT remnants of announced closes are not reported as new sockets.
            assert!(
                !ev.iter()
                    .any(|e| e["event"] == "open" && e["socket"]["state"] == "TIME_WAIT")
            );
            drop(l);
        },
    );
}

#[test]
fn state_changes_once_and_unix_sockets_come_and_go() {
    in_netns("state_changes_once_and_unix_sockets_come_and_go", || {
        let w = watch(&["-t", "-x", "-c", "0.3"]);
        let l = TcpListener::bind("127.0.0.1:7620").unwrap();
        let c = TcpStream::connect("127.0.0.1:7620").unwrap();
        let (s, _) = l.accept().unwrap();
        let (a, b) = UnixStream::pair().unwrap();
        let (ai, bi) = (inode(&a), inode(&b));
        std::thread::sleep(Duration::from_millis(900));
        // The client closes: the server's socket goes ESTABLISHED → CLOSE_WAIT.
        drop(c);
        std::thread::sleep(Duration::from_millis(900));
        drop((a, b));
        std::thread::sleep(Duration::from_millis(900));
        let si = inode(&s);
        let ev = events(w);
        let changes: Vec<&Value> = ev
            .iter()
            .filter(|e| e["event"] == "state" && e["socket"]["inode"] == si)
            .collect();
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0]["previous_state"], "ESTABLISHED");
        assert_eq!(changes[0]["socket"]["state"], "CLOSE_WAIT");
        for ino in [ai, bi] {
            for kind in ["open", "close"] {
                let n = ev
                    .iter()
                    .filter(|e| e["event"] == kind && e["socket"]["inode"] == ino)
                    .count();
                assert_eq!(n, 1, "unix {ino} {kind}");
            }
        }
        drop(s);
    });
}

#[test]
fn a_close_is_not_followed_by_an_open_of_its_fin_wait2_remnant() {
    // Finding 10: a connection shorter than one interval printed `close … CLOSE` and then
    // `open … FIN_WAIT2` for the time-wait socket its close left behind.
    in_netns(
        "a_close_is_not_followed_by_an_open_of_its_fin_wait2_remnant",
        || {
            let w = watch(&["-t", "-c", "0.5"]);
            let l = TcpListener::bind("127.0.0.1:7630").unwrap();
            let mut c = TcpStream::connect("127.0.0.1:7630").unwrap();
            let (s, _) = l.accept().unwrap();
            c.write_all(b"x").unwrap();
            let port = c.local_addr().unwrap().port();
            // The client closes; the server does not: the client's side waits in FIN_WAIT2.
            drop(c);
            std::thread::sleep(Duration::from_millis(1800));
            let ev = events(w);
            let client: Vec<&Value> = ev
                .iter()
                .filter(|e| {
                    e["socket"]["local"]["port"] == port && e["socket"]["remote"]["port"] == 7630
                })
                .collect();
            // One close, the last word on it: no open of the remnant after it (as root the
            // tracepoint also reports its state changes before the close).
            let ends: Vec<&&Value> = client.iter().filter(|e| e["event"] != "state").collect();
            assert_eq!(ends.len(), 1, "{client:?}");
            assert_eq!(ends[0]["event"], "close");
            assert_eq!(client.last().unwrap()["event"], "close", "{client:?}");
            drop(s);
        },
    );
}

/// A process of the test's own in a network namespace of its own, listening on `port`;
/// killed by pid on drop.
struct OtherNamespace(Child);

impl OtherNamespace {
    fn start(port: u16) -> OtherNamespace {
        let script = format!(
            "import socket, sys, time\ns = socket.socket()\ns.bind(('0.0.0.0', {port}))\n\
             s.listen()\nprint('up', flush=True)\ntime.sleep(60)\n"
        );
        let mut child = Command::new("unshare")
            .args(["-n", "python3", "-c", &script])
            .stdout(Stdio::piped())
            .spawn()
            .expect("unshare -n python3");
        let mut line = [0u8; 3];
        child.stdout.take().unwrap().read_exact(&mut line).unwrap();
        OtherNamespace(child)
    }

    fn inode(&self) -> u64 {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(format!("/proc/{}/ns/net", self.0.id()))
            .unwrap()
            .ino()
    }
}

impl Drop for OtherNamespace {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn all_netns_picks_up_a_namespace_made_after_it_started() {
    // Finding 10: `watch --all-netns` never reported namespaces created after it started.
    in_netns(
        "all_netns_picks_up_a_namespace_made_after_it_started",
        || {
            let w = watch(&["-t", "--all-netns", "-c", "0.3"]);
            let other = OtherNamespace::start(7640);
            let inode = other.inode();
            std::thread::sleep(Duration::from_millis(1200));
            let ev = events(w);
            let opened = ev.iter().any(|e| {
                e["event"] == "open"
                    && e["socket"]["local"]["port"] == 7640
                    && e["socket"]["netns"]["inode"] == inode
            });
            assert!(opened, "no open in net:[{inode}]: {ev:?}");
            drop(other);
        },
    );
}

#[test]
fn text_has_the_namespace_column_help_promises() {
    // Finding 10: --help says a column names the namespace; watch's text had none.
    in_netns("text_has_the_namespace_column_help_promises", || {
        let other = OtherNamespace::start(7650);
        let inode = other.inode();
        let mut child = Command::new(BIN)
            .args(["watch", "-t", "-c", "0.3", "-N"])
            .arg(format!("pid:{}", other.0.id()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = out.read_to_string(&mut text);
            text
        });
        std::thread::sleep(Duration::from_millis(700));
        // A connection inside the other namespace, made by entering it.
        let o = Command::new("nsenter")
            .arg(format!("--net=/proc/{}/ns/net", other.0.id()))
            .args(["sh", "-c", "ip link set lo up; python3 -c \"import socket,time; c=socket.create_connection(('127.0.0.1', 7650)); time.sleep(1)\""])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let _ = child.kill();
        let _ = child.wait();
        let text = reader.join().unwrap();
        let line = text
            .lines()
            .find(|l| l.contains(":7650"))
            .unwrap_or_else(|| panic!("no event on port 7650: {text}"));
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells[2], format!("net:[{inode}]"), "{line}");
        drop(other);
    });
}

#[test]
fn every_transition_between_two_dumps_is_reported_in_order() {
    if !crate::common::is_root() {
        eprintln!(
            "skipping every_transition_between_two_dumps_is_reported_in_order: the tracepoint needs root"
        );
        return;
    }
    in_netns(
        "every_transition_between_two_dumps_is_reported_in_order",
        || {
            let w = watch(&["-t", "-c", "5"]);
            std::thread::sleep(Duration::from_millis(1000));
            let l = TcpListener::bind("127.0.0.1:7640").unwrap();
            let c = TcpStream::connect("127.0.0.1:7640").unwrap();
            let (s, _) = l.accept().unwrap();
            let port = c.local_addr().unwrap().port();
            drop(c);
            std::thread::sleep(Duration::from_millis(50));
            drop(s);
            std::thread::sleep(Duration::from_millis(500));
            let ev = events(w);
            // The server's end, all within one interval: each transition once, in order.
            let server: Vec<(String, String, String)> = ev
                .iter()
                .filter(|e| {
                    e["socket"]["local"]["port"] == 7640 && e["socket"]["remote"]["port"] == port
                })
                .map(|e| {
                    (
                        e["event"].as_str().unwrap().to_string(),
                        e["previous_state"].as_str().unwrap_or("").to_string(),
                        e["socket"]["state"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            let t = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
            assert_eq!(
                server,
                [
                    t("open", "", "SYN_RECV"),
                    t("state", "SYN_RECV", "ESTABLISHED"),
                    t("state", "ESTABLISHED", "CLOSE_WAIT"),
                    t("state", "CLOSE_WAIT", "LAST_ACK"),
                    t("close", "", "CLOSE"),
                ],
                "{ev:?}"
            );
            drop(l);
        },
    );
}
