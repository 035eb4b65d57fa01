//! `rnetstat lab` makes its own namespace and device; it must run every step to completion,
//! in both modes, with each step's connection shown from both ends where both exist.

use std::process::Command;

use crate::common::{BIN, is_root};

fn lab(args: &[&str]) -> String {
    let o = Command::new(BIN)
        .arg("lab")
        .args(args)
        .output()
        .expect("run lab");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "lab {args:?} failed: {}\n{out}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// The rows printed after a step's heading, up to the next heading.
fn step_rows(out: &str, n: usize) -> Vec<&str> {
    let start = out.find(&format!("== Step {n}/8")).expect("step heading");
    out[start..]
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("== Step"))
        .filter(|l| l.starts_with("tcp") || l.starts_with("udp"))
        .collect()
}

fn check(out: &str) {
    assert!(out.contains("The lab is over"), "{out}");
    assert!(!out.contains("not reached"), "{out}");
    // Steps where both ends exist: the last row shows both states.
    for (n, kernel, user) in [
        (1, "ESTABLISHED", "ESTABLISHED"),
        (3, "ESTABLISHED", "ESTABLISHED"),
        (4, "FIN_WAIT2", "CLOSE_WAIT"),
        (6, "CLOSE_WAIT", "FIN_WAIT2"),
        (8, "ESTABLISHED", ""),
    ] {
        let rows = step_rows(out, n);
        let last = rows
            .last()
            .unwrap_or_else(|| panic!("step {n} has no rows"));
        let sides: Vec<&str> = last.split('|').map(str::trim).collect();
        assert_eq!(sides.len(), 3, "step {n}: {last}");
        assert!(sides[1].starts_with(kernel), "step {n} kernel: {last}");
        if user.is_empty() {
            assert!(!sides[2].starts_with('-'), "step {n} unpaired: {last}");
        } else {
            assert!(sides[2].starts_with(user), "step {n} stack: {last}");
        }
    }
    // One-sided steps: the survivor in TIME_WAIT.
    assert!(step_rows(out, 5).last().unwrap().contains("TIME_WAIT"));
    assert!(step_rows(out, 7).last().unwrap().contains("TIME_WAIT"));
}

#[test]
fn lab_runs_every_step() {
    if !is_root() {
        eprintln!("skipping lab_runs_every_step: the lab needs root");
        return;
    }
    check(&lab(&[]));
}

#[test]
fn lab_step_mode_shows_each_packet() {
    if !is_root() {
        eprintln!("skipping lab_step_mode_shows_each_packet: the lab needs root");
        return;
    }
    // `--auto 0`: no pause at all (it used to be refused).
    let out = lab(&["--step", "--auto", "0"]);
    check(&out);
    // The handshake, packet by packet: SYN in, SYN-ACK out, then SYN_RECV → ESTABLISHED.
    let s1: Vec<&str> = out[..out.find("== Step 2/8").unwrap()].lines().collect();
    let syn = s1
        .iter()
        .position(|l| l.starts_with("-> kernel → stack: TCP") && l.contains("[S]"))
        .expect("SYN");
    let synack = s1
        .iter()
        .position(|l| l.starts_with("-> stack → kernel: TCP") && l.contains("[S.]"))
        .expect("SYN-ACK");
    assert!(syn < synack);
    assert!(
        s1[syn + 2].contains("SYN_SENT") && s1[syn + 2].contains("SYN_RECV"),
        "{}",
        s1[syn + 2]
    );
}
