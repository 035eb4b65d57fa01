//! Every long-running command ends on SIGTERM, SIGINT and SIGHUP, and leaves nothing behind
//! (finding 3 of the root-safety review; the lab's control socket was left behind on Ctrl-C
//! during `--step`).

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process};

use super::common::{BIN, in_netns};

const SIGNALS: [(Signal, &str); 3] = [
    (Signal::TERM, "SIGTERM"),
    (Signal::INT, "SIGINT"),
    (Signal::HUP, "SIGHUP"),
];

/// Starts `args` with its runtime directory in `dir`, its standard output read on a thread
/// of its own (a command that prints on never blocks on a full pipe).
fn start(args: &[&str], dir: &std::path::Path) -> Child {
    let mut c = Command::new(BIN)
        .args(args)
        .env("RNETSTAT_RUNTIME_DIR", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(c.stdout.take().unwrap());
    std::thread::spawn(move || {
        let mut sink = String::new();
        while out.read_line(&mut sink).is_ok_and(|n| n > 0) {
            sink.clear();
        }
    });
    c
}

/// Sends each signal to a fresh run of `args`: it must end within 2 s, by the signal or
/// by exiting, and leave its runtime directory empty.
fn ends_on_each_signal(args: &'static [&'static str], settle: Duration) {
    for (sig, name) in SIGNALS {
        let dir = tempfile::tempdir().unwrap();
        let mut c = start(args, dir.path());
        std::thread::sleep(settle);
        kill_process(Pid::from_raw(c.id() as i32).unwrap(), sig).unwrap();
        let t = Instant::now();
        let status = loop {
            if let Some(s) = c.try_wait().unwrap() {
                break Some(s);
            }
            if t.elapsed() > Duration::from_secs(2) {
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let Some(status) = status else {
            let _ = c.kill();
            let _ = c.wait();
            panic!("{args:?} still running 2 s after {name}");
        };
        assert_ne!(status.signal(), Some(9), "{args:?} {name}");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "{args:?} after {name} left {left:?}");
    }
}

#[test]
fn listings_and_counters_with_an_interval_end_on_signals() {
    in_netns(
        "listings_and_counters_with_an_interval_end_on_signals",
        || {
            ends_on_each_signal(&["-tan", "-c", "0.2"], Duration::from_millis(300));
            ends_on_each_signal(&["-s", "-c", "0.2"], Duration::from_millis(300));
        },
    );
}

#[test]
fn watch_and_serve_end_on_signals() {
    in_netns("watch_and_serve_end_on_signals", || {
        ends_on_each_signal(&["watch", "-t", "-c", "0.2"], Duration::from_millis(300));
        ends_on_each_signal(
            &["serve", "--listen", "127.0.0.1:9731"],
            Duration::from_millis(300),
        );
    });
}

#[test]
fn stack_and_lab_end_on_signals_and_remove_their_control_socket() {
    in_netns(
        "stack_and_lab_end_on_signals_and_remove_their_control_socket",
        || {
            ends_on_each_signal(&["stack"], Duration::from_millis(300));
            // At a `--step` pause, waiting for Enter.
            ends_on_each_signal(
                &["lab", "--scenario", "lost-syn", "--step"],
                Duration::from_millis(1500),
            );
        },
    );
}
