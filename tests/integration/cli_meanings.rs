//! One command line, one set of meanings: `-n` is numeric and `-c` continuous in every
//! command, `top` takes `-t -4 -6`, `compare` takes `-N`, `help` takes `-h`, and
//! `--summary --format table` prints tables.

use std::net::{TcpListener, TcpStream};

use serde_json::Value;

use super::common::{in_netns, run, run_ok};

#[test]
fn help_is_a_command_like_the_others() {
    let o = run(&["help", "-h"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Usage: rnetstat help [COMMAND]"));
    for cmd in ["top", "watch", "compare", "stack", "serve"] {
        let via_help = run(&["help", cmd]);
        let via_flag = run(&[cmd, "--help"]);
        assert_eq!(via_help.status.code(), Some(0), "help {cmd}");
        assert_eq!(
            String::from_utf8_lossy(&via_help.stdout),
            String::from_utf8_lossy(&via_flag.stdout),
            "help {cmd} against {cmd} --help"
        );
    }
    let bad = run(&["help", "nope"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no command"));
}

#[test]
fn interval_and_continuous_are_one_or_the_other() {
    for cmd in ["top", "watch"] {
        let o = run(&[cmd, "--interval", "0.3", "-c", "0.2"]);
        assert_eq!(o.status.code(), Some(2), "{cmd} --interval with -c");
        let o = run(&[cmd, "-c", "0"]);
        assert_eq!(o.status.code(), Some(2), "{cmd} -c 0");
    }
    // `top --rows` is rows; `-n` takes no value (a stray number is a filter word).
    let o = run(&["top", "-n", "5", "--once"]);
    assert_eq!(o.status.code(), Some(2), "top -n 5");
}

fn frame(args: &[&str]) -> Value {
    let mut a = vec!["top", "--once", "--json", "--interval", "0.05"];
    a.extend_from_slice(args);
    serde_json::from_str(&run_ok(&a)).expect("a JSON frame")
}

fn labels(f: &Value) -> Vec<String> {
    f["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn top_takes_tcp_families_numeric_and_rows() {
    in_netns("top_takes_tcp_families_numeric_and_rows", || {
        let l4 = TcpListener::bind("127.0.0.1:7801").unwrap();
        let l6 = TcpListener::bind("[::1]:7802").unwrap();
        let c4: Vec<TcpStream> = (0..3)
            .map(|_| TcpStream::connect("127.0.0.1:7801").unwrap())
            .collect();
        let s4: Vec<TcpStream> = (0..3).map(|_| l4.accept().unwrap().0).collect();
        let c6 = TcpStream::connect("[::1]:7802").unwrap();
        let s6 = l6.accept().unwrap().0;

        let all = labels(&frame(&["-t", "-n", "--rows", "100"]));
        assert_eq!(all.len(), 8, "six IPv4 ends and two IPv6 ends: {all:?}");
        let v4 = labels(&frame(&["-4", "-n", "--rows", "100"]));
        assert_eq!(v4.len(), 6, "{v4:?}");
        assert!(v4.iter().all(|l| l.contains("127.0.0.1")), "{v4:?}");
        let v6 = labels(&frame(&["-6", "--rows", "100"]));
        assert_eq!(v6.len(), 2, "{v6:?}");
        assert!(v6.iter().all(|l| l.contains("::1")), "{v6:?}");
        let two = labels(&frame(&["--rows", "2"]));
        assert_eq!(two.len(), 2, "--rows 2: {two:?}");
        drop((c4, s4, c6, s6));
    });
}

#[test]
fn compare_takes_a_namespace() {
    let o = run(&["compare", "-N", "/proc/self/ns/net", "--json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let doc: Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert!(doc.is_object(), "{doc}");
    let bad = run(&["compare", "-N", "/nonexistent/ns", "--json"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&bad.stderr).contains("panicked"));
}

#[test]
fn summary_as_a_table() {
    let out = run_ok(&["--summary", "--format", "table", "-t", "-a"]);
    assert!(out.starts_with("Total: "), "{out}");
    for col in ["Transport", "Total", "IPv4", "IPv6", "States", "┌", "└"] {
        assert!(out.contains(col), "no {col} in:\n{out}");
    }
    let text = run_ok(&["--summary", "-t", "-a"]);
    assert!(!text.contains('┌'), "the text summary stays ss's:\n{text}");
}

/// What a mistyped or hostile command line gets: one clear error, quoting what was typed
/// without control characters, and never a value silently changed.
#[test]
fn mistakes_get_their_own_error() {
    let err = |args: &[&str], code: i32| {
        let o = run(args);
        assert_eq!(o.status.code(), Some(code), "{args:?}");
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    // -c's SECS is optional: `-c state established` is reported as -c's mistake.
    for cmd in ["top", "watch"] {
        let e = err(&[cmd, "-c", "state", "established"], 2);
        assert!(e.contains("-c: 'state'") && e.contains("-c 1 state"), "{e}");
    }
    let e = err(&["top", "-n", "5", "--once"], 2);
    assert!(e.contains("did you mean --rows 5?"), "{e}");
    for rows in ["0", "100001"] {
        err(&["top", "--rows", rows, "--once"], 2);
    }
    // Namespace options before a command are that command's; never silently dropped.
    let e = err(&["-N", "x", "stack"], 2);
    assert!(e.contains("this command does not show sockets"), "{e}");
    let e = err(&["-N", "x", "compare", "--all-netns"], 2);
    assert!(e.contains("both before and after the command"), "{e}");
    let e = err(&["-N", "no-such-ns-here", "compare"], 2);
    assert!(e.contains("no-such-ns-here"), "-N reaches compare: {e}");
    let e = err(&["help", ""], 2);
    assert!(e.contains("no command ''"), "{e}");
    let long = "x".repeat(5000);
    let e = err(&["help", &long], 2);
    assert!(e.len() < 600, "the name is cut: {} bytes", e.len());
    let e = err(&["-N", "bad\nname\u{1b}[2J", "-t"], 2);
    assert_eq!(e.lines().count(), 1, "one line: {e:?}");
    assert!(!e.contains('\u{1b}'), "{e:?}");
    // Another user's process exists; its namespace is closed to us: a permission error.
    if super::common::is_root() {
        let o = super::common::run_as_nobody(&["-N", "pid:1", "-t"], &[]);
        let e = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{e}");
        assert!(e.contains("needs root"), "{e}");
    }
    let e = err(&["-N", "pid:4294967295", "-t"], 2);
    assert!(e.contains("no process"), "{e}");
    for detail in ["-ee", "-m", "--info"] {
        let e = err(&["-tan", detail, "--format", "table"], 2);
        assert!(e.contains(detail) && e.contains("--json"), "{e}");
    }
}

/// `-o` in a table is netstat's Timer column: a listener's timer is off.
#[test]
fn table_shows_timers() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let sport = format!("sport = :{port}");
    let out = run_ok(&["-tlno", "--format", "table", &sport]);
    let row = out
        .lines()
        .find(|r| r.contains(&format!("127.0.0.1:{port}")))
        .unwrap_or_else(|| panic!("no row for the listener:\n{out}"));
    assert!(out.contains("Timer"), "{out}");
    assert!(row.contains("off (0.00/0/0)"), "{row}");
}
