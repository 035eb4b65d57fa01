//! `-s` against the kernel: in a fresh namespace every counter starts at zero, so after a
//! known exchange of TCP, UDP and ICMP the counters have exact values; the text equals
//! netstat's; `--delta` counts exactly what happened since the previous run or interval.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::common::{BIN, in_netns, require, same_as_netstat};

/// rnetstat with `args` and its history in `hist`: the JSON, after checking its warnings.
fn stats(args: &[&str], hist: &Path) -> (Value, Vec<String>) {
    let o = Command::new(BIN)
        .args(args)
        .env("RNETSTAT_HISTORY", hist)
        .output()
        .expect("run rnetstat");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let warnings = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect();
    (v, warnings)
}

/// `section.counter` of a `-s --json` document.
fn counter(doc: &Value, section: &str, name: &str) -> i64 {
    let sec = doc["statistics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["section"] == section)
        .unwrap_or_else(|| panic!("no section {section} in {doc}"));
    sec["counters"][name]
        .as_i64()
        .unwrap_or_else(|| panic!("no {section}.{name} in {sec}"))
}

fn sections(doc: &Value) -> Vec<String> {
    doc["statistics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["section"].as_str().unwrap().to_string())
        .collect()
}

/// One accepted TCP connection (kept open), one refused, four UDP datagrams of which one
/// finds no port (and draws an ICMP port unreachable), two UDP datagrams over ::1. The
/// datagrams are read: the kernel counts InDatagrams when a datagram is read, not queued.
fn traffic() -> Vec<TcpStream> {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (s, _) = l.accept().unwrap();
    assert!(TcpStream::connect("127.0.0.1:1").is_err());
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut buf = [0u8; 8];
    for _ in 0..3 {
        tx.send_to(b"x", rx.local_addr().unwrap()).unwrap();
        rx.recv(&mut buf).unwrap();
    }
    tx.send_to(b"x", "127.0.0.1:9").unwrap();
    let rx6 = UdpSocket::bind("[::1]:0").unwrap();
    let tx6 = UdpSocket::bind("[::1]:0").unwrap();
    for _ in 0..2 {
        tx6.send_to(b"x", rx6.local_addr().unwrap()).unwrap();
        rx6.recv(&mut buf).unwrap();
    }
    vec![c, s]
}

#[test]
fn counters_are_exact_and_text_matches_netstat() {
    in_netns("counters_are_exact_and_text_matches_netstat", || {
        let dir = tempfile::tempdir().unwrap();
        let hist = dir.path().join("hist");
        let _keep = traffic();
        let (v4, w) = stats(&["-s", "--json"], &hist);
        assert!(w.is_empty(), "{w:?}");
        let c = |s, n| counter(&v4, s, n);
        assert_eq!(c("Tcp", "ActiveOpens"), 2);
        assert_eq!(c("Tcp", "PassiveOpens"), 1);
        assert_eq!(c("Tcp", "AttemptFails"), 1);
        assert_eq!(c("Tcp", "CurrEstab"), 2);
        assert_eq!(c("Tcp", "OutRsts"), 1);
        assert_eq!(
            c("Tcp", "MaxConn"),
            -1,
            "the kernel's signed field stays signed"
        );
        assert_eq!(c("Udp", "InDatagrams"), 3);
        assert_eq!(c("Udp", "OutDatagrams"), 4);
        assert_eq!(c("Udp", "NoPorts"), 1);
        assert_eq!(c("Icmp", "OutDestUnreachs"), 1);
        assert_eq!(c("Icmp", "InDestUnreachs"), 1);
        assert_eq!(c("IcmpMsg", "InType3"), 1);
        assert_eq!(c("TcpExt", "TW"), 0);
        assert_eq!(
            &sections(&v4)[..4],
            ["Ip", "Icmp", "IcmpMsg", "Tcp"],
            "the kernel's order"
        );

        let (v6, _) = stats(&["-s", "-6", "--json"], &hist);
        assert_eq!(counter(&v6, "Udp6", "Udp6InDatagrams"), 2);
        assert_eq!(counter(&v6, "Udp6", "Udp6OutDatagrams"), 2);
        assert_eq!(
            counter(&v6, "Tcp", "ActiveOpens"),
            2,
            "-6 includes Tcp, as netstat"
        );
        assert!(!sections(&v6).contains(&"Udp".to_string()));

        let (t, _) = stats(&["-s", "-t", "--json"], &hist);
        assert_eq!(sections(&t), ["Tcp", "TcpExt", "MPTcpExt"]);
        let (u, _) = stats(&["-s", "-u", "-6", "--json"], &hist);
        assert_eq!(sections(&u), ["Udp6", "UdpLite6"]);

        if require(
            "netstat",
            "counters_are_exact_and_text_matches_netstat (text)",
        ) {
            for args in [
                &["-s"][..],
                &["-st"],
                &["-su"],
                &["-sw"],
                &["-s", "-6"],
                &["-s", "-t", "-6"],
                &["-s", "-A", "inet6"],
            ] {
                same_as_netstat(args);
            }
        }
    });
}

#[test]
fn delta_counts_what_happened_since_the_last_run() {
    in_netns("delta_counts_what_happened_since_the_last_run", || {
        let dir = tempfile::tempdir().unwrap();
        // A history path the user names must be in a directory that exists.
        std::fs::create_dir(dir.path().join("state")).unwrap();
        let hist = dir.path().join("state/hist");
        let _first = traffic();
        // No history yet: the totals, with a warning that says so.
        let (d, w) = stats(&["-s", "--delta", "--json"], &hist);
        assert!(w[0].contains("no earlier"), "{w:?}");
        assert_eq!(counter(&d, "Tcp", "ActiveOpens"), 2);
        assert_eq!(d["statistics"][0]["delta"], true);
        assert!(d["statistics"][0].get("seconds").is_none());

        let _second = traffic();
        let (d, w) = stats(&["-s", "--delta", "--json"], &hist);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(counter(&d, "Tcp", "ActiveOpens"), 2);
        assert_eq!(counter(&d, "Tcp", "CurrEstab"), 4, "a level, not a change");
        assert_eq!(counter(&d, "Udp", "InDatagrams"), 3);
        assert_eq!(counter(&d, "Tcp", "RtoMin"), 200);
        assert!(d["statistics"][0]["seconds"].as_f64().unwrap() >= 0.0);

        // Nothing since: every count is zero, and the text says so as netstat would.
        let o = Command::new(BIN)
            .args(["-s", "--delta", "-t"])
            .env("RNETSTAT_HISTORY", &hist)
            .output()
            .unwrap();
        let text = String::from_utf8(o.stdout).unwrap();
        assert!(
            text.contains("    0 active connection openings\n"),
            "{text}"
        );
        assert!(text.contains("    4 connections established\n"), "{text}");
    });
}

#[test]
fn delta_with_an_interval_counts_each_interval() {
    in_netns("delta_with_an_interval_counts_each_interval", || {
        let dir = tempfile::tempdir().unwrap();
        let hist = dir.path().join("hist");
        let mut child = Command::new(BIN)
            .args(["-s", "--delta", "-c", "1", "-t", "--format", "jsonl"])
            .env("RNETSTAT_HISTORY", &hist)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut next_tcp = || loop {
            let v: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
            if v["section"] == "Tcp" {
                return v;
            }
        };
        let first = next_tcp();
        let _streams: Vec<_> = (0..3).map(|_| traffic()).collect();
        let second = next_tcp();
        let third = next_tcp();
        // End the child we started, by its pid.
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(first["counters"]["ActiveOpens"], 0, "{first}");
        assert_eq!(second["counters"]["ActiveOpens"], 6, "{second}");
        assert_eq!(second["counters"]["CurrEstab"], 6, "{second}");
        assert_eq!(third["counters"]["ActiveOpens"], 0, "{third}");
        let s = second["seconds"].as_f64().unwrap();
        assert!(
            (0.9..5.0).contains(&s),
            "an interval of about a second: {s}"
        );
    });
}
