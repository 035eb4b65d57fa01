//! `rnetstat lab --scenario`: every built-in scenario passes both ways; a wrong expectation
//! fails with exit 1 naming its line; a parse error exits 2 naming its line; the pcapng
//! opens in tshark with one comment per packet; the SVG ladder has one arrow per packet.

use std::process::{Command, Output};

use crate::common::{BIN, is_root};

fn lab(args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("lab")
        .args(args)
        .output()
        .expect("run lab")
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn every_builtin_scenario_passes_both_ways() {
    if !is_root() {
        eprintln!("skipping every_builtin_scenario_passes_both_ways: the lab needs root");
        return;
    }
    let list = lab(&["--list"]);
    assert!(list.status.success());
    let names: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect();
    for want in [
        "tour",
        "lost-syn",
        "lost-synack",
        "lost-data",
        "fast-retransmit",
        "zero-window",
        "nagle",
        "reorder",
        "simultaneous-close",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} missing: {names:?}");
    }
    // Each run has its own namespace, so scenarios can run side by side; three at a time,
    // so that a two-core machine still releases packets promptly (the timings matter).
    let mut done = Vec::new();
    for chunk in names.chunks(3) {
        let runs: Vec<_> = chunk
            .iter()
            .cloned()
            .map(|n| std::thread::spawn(move || (lab(&["--scenario", &n]), n)))
            .collect();
        done.extend(runs.into_iter().map(|r| r.join().expect("scenario thread")));
    }
    for (o, name) in done {
        let out = text(&o);
        assert!(o.status.success(), "{name} failed:\n{out}");
        assert!(
            out.contains("a = kernel, b = stack: passed; a = stack, b = kernel: passed"),
            "{name}:\n{out}"
        );
        assert!(!out.contains('✗'), "{name}:\n{out}");
    }
}

#[test]
fn a_wrong_expectation_fails_naming_its_line() {
    if !is_root() {
        eprintln!("skipping a_wrong_expectation_fails_naming_its_line: the lab needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("wrong.lab");
    // Nothing is lost, so no retransmission can happen: the expectation must fail.
    std::fs::write(
        &f,
        "name wrong\ntitle t\nabout a\nb listen\na connect\nexpect both state ESTABLISHED\n\
         a write 1000\nb read\nexpect b read == 1000\nexpect a retrans >= 1 within 300ms\n",
    )
    .unwrap();
    let o = lab(&["--script", f.to_str().unwrap(), "--way", "kernel"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("✗ line 10: expected a retrans >= 1 within 0.3 s; saw kernel retrans 0"),
        "{out}"
    );
    assert!(
        out.contains("the expected behaviour was not observed"),
        "{out}"
    );

    // A parse error is a usage error (exit 2) that points at the line; no root needed.
    std::fs::write(&f, "name bad\nb listen\nexpect b colour == 3\n").unwrap();
    let o = lab(&["--script", f.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("line 3: 'colour' is not a field"), "{out}");
}

#[test]
fn pcapng_and_svg_ladder_hold_every_packet() {
    if !is_root() {
        eprintln!("skipping pcapng_and_svg_ladder_hold_every_packet: the lab needs root");
        return;
    }
    // Not `require`: `tshark -V` would start a capture; `--version` only prints.
    if !Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        eprintln!(
            "skipping pcapng_and_svg_ladder_hold_every_packet: tshark is not installed (scripts/install-test-deps)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("lost-syn.pcapng");
    let svg = dir.path().join("lost-syn.svg");
    let o = lab(&[
        "--scenario",
        "lost-syn",
        "--pcap",
        pcap.to_str().unwrap(),
        "--ladder-svg",
        svg.to_str().unwrap(),
        "--ladder",
    ]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    let printed: usize = out
        .lines()
        .find_map(|l| l.strip_prefix("pcapng: "))
        .and_then(|l| {
            l.rsplit_once('(')?
                .1
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .expect("packet count line");

    // tshark: one row per packet, with its TCP flags and our comment.
    let t = Command::new("tshark")
        .args([
            "-r",
            pcap.to_str().unwrap(),
            "-T",
            "fields",
            "-E",
            "separator=|",
        ])
        .args([
            "-e",
            "frame.interface_id",
            "-e",
            "tcp.flags",
            "-e",
            "frame.comment",
        ])
        .output()
        .expect("tshark");
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));
    let rows: Vec<Vec<String>> = String::from_utf8_lossy(&t.stdout)
        .lines()
        .map(|l| l.splitn(3, '|').map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), printed);
    for iface in ["0", "1"] {
        let run: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == iface).collect();
        // Two SYNs (0x0002) from side a: the first dropped, and its comment says so.
        let syns: Vec<&&Vec<String>> = run.iter().filter(|r| r[1] == "0x0002").collect();
        assert_eq!(syns.len(), 2, "run {iface}: {run:?}");
        assert!(
            syns[0][2].contains("DROPPED by the lab (drop syn #1)"),
            "{}",
            syns[0][2]
        );
        assert!(!syns[1][2].contains("DROPPED"));
        assert_eq!(run.iter().filter(|r| r[2].contains("DROPPED")).count(), 1);
        assert_eq!(
            run.iter().filter(|r| r[1] == "0x0012").count(),
            1,
            "one SYN-ACK"
        );
        // Every comment names the step and both sockets; the last one both ESTABLISHED.
        for r in &run {
            assert!(
                r[2].contains("step: ") && r[2].contains("kernel: ") && r[2].contains("stack: ")
            );
        }
        let last_tcp = run.iter().rev().find(|r| !r[1].is_empty()).unwrap();
        assert!(
            last_tcp[2].contains("kernel: ESTABLISHED")
                && last_tcp[2].contains("stack: ESTABLISHED"),
            "{}",
            last_tcp[2]
        );
    }

    // The SVG parses as XML and has one arrow per packet.
    let py = "import sys, xml.etree.ElementTree as E\n\
              t = E.parse(sys.argv[1])\n\
              print(sum(1 for e in t.iter() if e.get('class') == 'packet'))";
    let p = Command::new("python3")
        .args(["-c", py, svg.to_str().unwrap()])
        .output()
        .expect("python3");
    assert!(p.status.success(), "{}", String::from_utf8_lossy(&p.stderr));
    let arrows: usize = String::from_utf8_lossy(&p.stdout).trim().parse().unwrap();
    // The ladder draws the connection: every TCP packet, none of the kernel's IPv6
    // discovery on the device.
    let tcp = rows.iter().filter(|r| !r[1].is_empty()).count();
    assert_eq!(arrows, tcp);

    // Windows as they count: the SYNs raw, later segments with their scale and bytes, in
    // the ladder and in every TCP packet's comment.
    assert!(out.contains(" (×"), "{out}");
    for r in rows.iter().filter(|r| !r[1].is_empty()) {
        assert!(r[2].contains("; win="), "{}", r[2]);
    }
    let first = out
        .lines()
        .find(|l| l.contains(" seq="))
        .expect("an arrow label");
    assert!(
        first.contains("SYN seq=0"),
        "the first arrow is the SYN: {first}"
    );

    // The terminal ladder marks the dropped SYN on each run.
    assert_eq!(out.matches("✕ dropped: drop syn #1").count(), 2, "{out}");
}
