//! `rnetstat top`'s frames against a sender paced at a known rate, in a namespace of the
//! test's own: the connection's rate within 10%, its totals exact, the process view summing
//! its connections.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::common::{in_netns, run_ok};

const RATE: f64 = 4.0 * 1024.0 * 1024.0;

fn frame(args: &[&str]) -> Value {
    let mut a = vec!["top", "--once", "--json"];
    a.extend_from_slice(args);
    serde_json::from_str(&run_ok(&a)).expect("a JSON frame")
}

fn row<'a>(f: &'a Value, has: &str) -> &'a Value {
    f["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"].as_str().unwrap().contains(has))
        .unwrap_or_else(|| panic!("no row with {has}: {f}"))
}

fn near(v: &Value, want: f64, what: &str) {
    let got = v.as_f64().unwrap();
    assert!(
        (got - want).abs() <= want * 0.10,
        "{what}: {got} against {want}"
    );
}

#[test]
fn rates_totals_and_process_sums() {
    in_netns("rates_totals_and_process_sums", || {
        let l = TcpListener::bind("127.0.0.1:7640").unwrap();
        let mut c = TcpStream::connect("127.0.0.1:7640").unwrap();
        let (mut s, _) = l.accept().unwrap();
        let reader = std::thread::spawn(move || {
            let mut buf = vec![0u8; 1 << 20];
            let mut n = 0u64;
            while let Ok(k) = s.read(&mut buf) {
                if k == 0 {
                    break;
                }
                n += k as u64;
            }
            (s, n)
        });
        let client_port = c.local_addr().unwrap().port();
        // 4 MiB/s for 3 s, in 64 KiB writes.
        let sender = std::thread::spawn(move || {
            let chunk = vec![b'x'; 64 * 1024];
            let start = Instant::now();
            let mut sent = 0u64;
            while start.elapsed() < Duration::from_secs(3) {
                c.write_all(&chunk).unwrap();
                sent += chunk.len() as u64;
                let due = start + Duration::from_secs_f64(sent as f64 / RATE);
                if let Some(d) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(d);
                }
            }
            (c, sent)
        });
        std::thread::sleep(Duration::from_millis(400));
        let f = frame(&["-c", "1.5"]);
        let client = row(&f, &format!("127.0.0.1:{client_port} → 127.0.0.1:7640"));
        near(&client["out_bps"], RATE, "the sender's rate");
        let server = row(&f, &format!("127.0.0.1:7640 → 127.0.0.1:{client_port}"));
        near(&server["in_bps"], RATE, "the receiver's rate");
        // The process view: this process holds both ends.
        let p = frame(&["-c", "0.8", "--view", "processes"]);
        let me = row(&p, &format!("{}/", std::process::id()));
        assert_eq!(me["connections"], 2);
        near(&me["out_bps"], RATE, "the process's out rate");
        near(&me["in_bps"], RATE, "the process's in rate");
        let (c, sent) = sender.join().unwrap();
        // Everything arrived: the totals are exact (the client's SYN counts one).
        std::thread::sleep(Duration::from_millis(200));
        let f = frame(&["-c", "0.2"]);
        let client = row(&f, &format!("127.0.0.1:{client_port} → 127.0.0.1:7640"));
        assert_eq!(client["out_bytes"], sent + 1);
        let server = row(&f, &format!("127.0.0.1:7640 → 127.0.0.1:{client_port}"));
        assert_eq!(server["in_bytes"], sent);
        assert!(f["note"].as_str().unwrap().contains("UDP"));
        drop(c);
        let (_s, got) = reader.join().unwrap();
        assert_eq!(got, sent);
    });
}

#[test]
fn full_screen_in_tmux() {
    use std::process::Command;
    if !super::common::require("tmux", "full_screen_in_tmux") {
        return;
    }
    in_netns("full_screen_in_tmux", || {
        let l = TcpListener::bind("127.0.0.1:7650").unwrap();
        let _c = TcpStream::connect("127.0.0.1:7650").unwrap();
        let (_s, _) = l.accept().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let exit = dir.path().join("exit");
        let sock = format!("rnt{}", std::process::id());
        // The test's own tmux server, on its own socket, stopped however the test ends.
        struct Server(String);
        impl Drop for Server {
            fn drop(&mut self) {
                let _ = Command::new("tmux")
                    .args(["-L", &self.0, "kill-server"])
                    .status();
            }
        }
        let _server = Server(sock.clone());
        let tmux = |args: &[&str]| {
            let o = Command::new("tmux")
                .args(["-L", &sock])
                .args(args)
                .output()
                .unwrap();
            String::from_utf8_lossy(&o.stdout).into_owned()
        };
        let cmd = format!(
            "{} top; echo exit=$? > {}",
            super::common::BIN,
            exit.display()
        );
        tmux(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "160",
            "-y",
            "40",
            &cmd,
        ]);
        tmux(&["set-option", "-t", "t", "remain-on-exit", "on"]);
        let screen = |want: &str| {
            super::common::eventually(want, 10, || {
                let s = tmux(&["capture-pane", "-p", "-t", "t"]);
                s.contains(want).then_some(s)
            })
        };
        let s = screen("rnetstat top: connections");
        assert!(s.contains("127.0.0.1:7650"), "{s}");
        assert!(s.contains("q quit"), "{s}");
        tmux(&["send-keys", "-t", "t", "Tab"]);
        screen("rnetstat top: processes");
        tmux(&["send-keys", "-t", "t", "p"]);
        screen("(paused)");
        assert_eq!(
            tmux(&["display", "-p", "-t", "t", "#{alternate_on}"]).trim(),
            "1"
        );
        tmux(&["send-keys", "-t", "t", "q"]);
        let code = super::common::eventually("top to exit", 10, || {
            std::fs::read_to_string(&exit)
                .ok()
                .filter(|t| t.ends_with('\n'))
        });
        assert_eq!(code.trim(), "exit=0");
        // The terminal is back in its normal mode: off the alternate screen.
        assert_eq!(
            tmux(&["display", "-p", "-t", "t", "#{alternate_on}"]).trim(),
            "0"
        );
    });
}

#[test]
fn memory_stays_flat_across_many_refreshes_with_churn() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    in_netns("memory_stays_flat_across_many_refreshes_with_churn", || {
        let l = TcpListener::bind("127.0.0.1:7660").unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        // Constant churn: connections opened, written to and closed, on and on.
        let s2 = Arc::clone(&stop);
        let churn = std::thread::spawn(move || {
            let mut n = 0u64;
            while !s2.load(Ordering::Relaxed) {
                let mut c = TcpStream::connect("127.0.0.1:7660").unwrap();
                let (s, _) = l.accept().unwrap();
                c.write_all(b"churn").unwrap();
                drop((c, s));
                n += 1;
                std::thread::sleep(Duration::from_micros(500));
            }
            n
        });
        let mut top = Command::new(super::common::BIN)
            .args(["top", "-c", "0.05", "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = top.id();
        let hwm = || -> u64 {
            std::fs::read_to_string(format!("/proc/{pid}/status"))
                .unwrap()
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
                .unwrap()
        };
        let mut lines = std::io::BufReader::new(top.stdout.take().unwrap()).lines();
        // 300 refreshes at the shortest interval (0.05 s): 15 s.
        let mut at30 = 0;
        for i in 1..=300 {
            let line = lines.next().expect("a frame").unwrap();
            assert!(line.starts_with("{\"time\""), "{line}");
            if i == 30 {
                at30 = hwm();
            }
        }
        let at300 = hwm();
        let _ = top.kill();
        let _ = top.wait();
        stop.store(true, Ordering::Relaxed);
        let churned = churn.join().unwrap();
        assert!(churned > 100, "churn: {churned} connections");
        // Peak memory after 300 refreshes is that after 30: nothing grows per socket.
        assert!(
            at300 <= at30 + 2048,
            "peak RSS grew from {at30} KiB (30 refreshes) to {at300} KiB (300)"
        );
    });
}

/// Frames after the first name processes from the last /proc walk while it covers every
/// connection, and walk again when a new connection appears: each frame names this
/// process as the holder of every connection it has open at the time.
#[test]
fn later_frames_name_processes_old_and_new() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    in_netns("later_frames_name_processes_old_and_new", || {
        let l = TcpListener::bind("127.0.0.1:7670").unwrap();
        let mut held = Vec::new();
        let connect = || {
            let c = TcpStream::connect("127.0.0.1:7670").unwrap();
            let (s, _) = l.accept().unwrap();
            (c, s)
        };
        held.push(connect());
        let mut top = Command::new(super::common::BIN)
            .args(["top", "-c", "0.2", "--json", "--view", "processes"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(top.stdout.take().unwrap()).lines();
        let me = format!("{}/", std::process::id());
        let mut frame =
            || -> Value { serde_json::from_str(&lines.next().expect("a frame").unwrap()).unwrap() };
        let held_in = |f: &Value| {
            f["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["label"].as_str().is_some_and(|k| k.contains(&me)))
                .map_or(0, |r| r["connections"].as_u64().unwrap())
        };
        // Three frames on the same connection (the second and third from the kept walk).
        for _ in 0..3 {
            assert_eq!(held_in(&frame()), 2);
        }
        // A new connection: the next frames must walk again to name it.
        held.push(connect());
        let mut seen = 0;
        for _ in 0..4 {
            seen = held_in(&frame());
            if seen == 4 {
                break;
            }
        }
        let _ = top.kill();
        let _ = top.wait();
        assert_eq!(seen, 4, "the new connection's ends were not named");
    });
}

/// `--count N` prints N frames an interval apart, then exits: the first has no rates yet,
/// each later one covers one interval, and every one names this process's connection.
#[test]
fn count_prints_that_many_frames_and_exits() {
    in_netns("count_prints_that_many_frames_and_exits", || {
        let l = TcpListener::bind("127.0.0.1:7671").unwrap();
        let _c = TcpStream::connect("127.0.0.1:7671").unwrap();
        let _s = l.accept().unwrap();
        let out = run_ok(&["top", "--count", "3", "-c", "0.2", "--json"]);
        let frames: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON frame per line"))
            .collect();
        assert_eq!(frames.len(), 3, "{out}");
        assert_eq!(frames[0]["interval_s"].as_f64(), Some(0.0));
        for f in &frames[1..] {
            let s = f["interval_s"].as_f64().unwrap();
            assert!((0.2..1.0).contains(&s), "interval {s}");
        }
        let me = format!("{}/", std::process::id());
        for f in &frames {
            let label = row(f, "127.0.0.1:7671 →")["label"].as_str().unwrap();
            assert!(label.contains(&me), "{label}");
        }
    });
}
