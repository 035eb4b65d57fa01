//! Exit codes, usage errors, and a closed pipe.

use std::io::Read;
use std::process::{Command, Stdio};

use super::common::{BIN, run};

#[test]
fn usage_errors_exit_2_with_one_line() {
    for args in [
        &["--no-such-option"][..],
        &["-A", "ipx"],
        &["-c", "-1"],
        &["--format", "xml"],
        &["-c", "nan"],
        &["--delta"],
        &["-s", "-x"],
        &["-s", "-A", "unix"],
        &["-s", "-i"],
        &["-r", "-x"],
        &["-r", "-s"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            !err.is_empty() && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn help_and_version_exit_0() {
    assert_eq!(run(&["--help"]).status.code(), Some(0));
    let v = run(&["--version"]);
    assert_eq!(v.status.code(), Some(0));
    let text = String::from_utf8_lossy(&v.stdout);
    assert!(text.starts_with(&format!("rnetstat {}\n", env!("CARGO_PKG_VERSION"))));
    // The kernel's release, and what its sock_diag serves: TCP always on Linux.
    let osrelease = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    assert!(
        text.contains(&format!("kernel {}", osrelease.trim())),
        "{text}"
    );
    let diag = text
        .lines()
        .find_map(|l| l.strip_prefix("sock_diag: "))
        .expect("sock_diag line");
    let names: Vec<&str> = diag
        .split(", ")
        .filter_map(|p| p.split(' ').next())
        .collect();
    assert_eq!(
        names,
        [
            "tcp", "udp", "raw", "unix", "packet", "netlink", "sctp", "mptcp"
        ]
    );
    assert!(diag.starts_with("tcp yes"), "{diag}");
    assert!(text.contains("socket destroy (-K): "), "{text}");
    assert_eq!(run(&["-V"]).stdout, v.stdout);
}

#[test]
fn closed_pipe_exits_quietly() {
    // Continuous mode keeps writing until the reader goes away, as `rnetstat -c | head` does.
    let mut child = Command::new(BIN)
        .args(["-a", "-c", "0.05"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut buf = [0u8; 64];
    out.read_exact(&mut buf).unwrap();
    drop(out);
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "stderr: {err}");
    assert!(
        !err.contains("Broken pipe") && !err.contains("panicked"),
        "{err}"
    );
}

#[test]
fn json_is_one_document() {
    let o = run(&["-a", "--json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert!(v["sockets"].is_array() && v["warnings"].is_array());
    let l = run(&["-a", "--format", "jsonl"]);
    for line in String::from_utf8_lossy(&l.stdout).lines() {
        let rec: serde_json::Value = serde_json::from_str(line).expect("one record per line");
        assert_eq!(rec["stack"], "kernel");
    }
}
