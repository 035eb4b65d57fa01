//! Every bench runs in its small mode (a few hundred sockets, one round, the debug build),
//! so none can rot unnoticed; and the block writer they share keeps a doc's other text.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::is_root;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Runs `bench/NAME ARGS` in a process group of its own, killed whole after `limit`;
/// returns its standard output, or fails with its standard error.
fn bench(name: &str, args: &[&str], limit: Duration) -> String {
    let out = tempfile::NamedTempFile::new().unwrap();
    let err = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(Path::new(ROOT).join("bench").join(name))
        .args(args)
        .current_dir(ROOT)
        .stdin(Stdio::null())
        .stdout(out.reopen().unwrap())
        .stderr(err.reopen().unwrap())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("bench/{name}: {e}"));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            let pgid = rustix::process::Pid::from_child(&child);
            let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::TERM);
            let _ = child.wait();
            panic!("bench/{name} {args:?} ran over {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stdout = std::fs::read_to_string(out.path()).unwrap();
    let stderr = std::fs::read_to_string(err.path()).unwrap();
    assert!(
        status.success(),
        "bench/{name} {args:?}: {status}\n{stdout}\n{stderr}"
    );
    stdout
}

fn need_root(what: &str) -> bool {
    if !is_root() {
        eprintln!("skipping {what}: the bench makes network namespaces, which needs root");
    }
    is_root()
}

#[test]
fn throughput_runs_small() {
    if !need_root("throughput_runs_small") {
        return;
    }
    let t = bench("throughput", &["--small"], Duration::from_secs(300));
    for row in [
        "| kernel → stack (discard) |",
        "| kernel ← stack (chargen) |",
    ] {
        assert!(t.contains(row), "{t}");
    }
    assert!(
        t.contains("`bench/throughput --mib 8 --runs 1` (debug build)"),
        "{t}"
    );
}

#[test]
fn stack_profile_runs_small() {
    if !need_root("stack_profile_runs_small") {
        return;
    }
    if std::process::Command::new("perf")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!(
            "skipping stack_profile_runs_small: perf is not installed (scripts/install-test-deps)"
        );
        return;
    }
    let t = bench("stack-profile", &["--small"], Duration::from_secs(300));
    assert!(t.contains("kernel → stack (discard)"), "{t}");
    assert!(t.contains("stack → kernel (chargen)"), "{t}");
    assert!(t.matches("| self | object | symbol |").count() == 2, "{t}");
}

#[test]
fn metrics_runs_small() {
    if !need_root("metrics_runs_small") {
        return;
    }
    let t = bench("metrics", &["--small"], Duration::from_secs(300));
    // 300 pairs, a quarter over ::1, a listener per worker: 602 sockets.
    assert!(t.contains(": 602 TCP sockets"), "{t}");
    assert!(t.contains("| rnetstat serve -t |"), "{t}");
    assert!(t.contains("| node_exporter tcpstat |"), "{t}");
}

#[test]
fn netns_runs_small() {
    if !need_root("netns_runs_small") {
        return;
    }
    let t = bench("netns", &["--small"], Duration::from_secs(300));
    assert!(t.contains("3 namespaces × 51 TCP sockets"), "{t}");
    for c in ["-tan", "-tanp", "-tln"] {
        assert!(
            t.contains(&format!("| `rnetstat {c} --all-netns` |")),
            "{t}"
        );
    }
}

#[test]
fn scale_runs_small() {
    if !need_root("scale_runs_small") {
        return;
    }
    let t = bench("scale", &["--small"], Duration::from_secs(300));
    assert!(t.contains("200"), "{t}");
    assert!(t.contains("ss"), "{t}");
}

#[test]
fn procfs_readers_run_small() {
    let t = bench("procfs-readers", &["--small"], Duration::from_secs(600));
    assert!(t.contains("300"), "{t}");
}

#[test]
fn rebuild_runs_small() {
    let t = bench("rebuild", &["--small"], Duration::from_secs(600));
    assert!(t.contains("| debug |"), "{t}");
}

/// The writer replaces only its own block, appends one where there is none, and writes
/// nothing through a symbolic link.
#[test]
fn write_block_keeps_the_rest() {
    let d = tempfile::tempdir().unwrap();
    let doc = d.path().join("doc.md");
    std::fs::write(
        &doc,
        "intro\n<!-- bench/x: generated from here -->\nold\n<!-- bench/x: generated up to here -->\noutro\n",
    )
    .unwrap();
    let write = |name: &str, path: &Path, body: &str| {
        let mut c = Command::new(Path::new(ROOT).join("bench/write-block"))
            .args([name, path.to_str().unwrap()])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        c.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
        c.wait_with_output().unwrap()
    };
    assert!(write("x", &doc, "new 1\nnew 2\n").status.success());
    assert_eq!(
        std::fs::read_to_string(&doc).unwrap(),
        "intro\n<!-- bench/x: generated from here -->\nnew 1\nnew 2\n<!-- bench/x: generated up to here -->\noutro\n"
    );
    assert!(write("y", &doc, "y\n").status.success());
    let t = std::fs::read_to_string(&doc).unwrap();
    assert!(
        t.ends_with("outro\n\n## bench/y\n\n<!-- bench/y: generated from here -->\ny\n<!-- bench/y: generated up to here -->\n"),
        "{t:?}"
    );
    let link = d.path().join("link.md");
    std::os::unix::fs::symlink(&doc, &link).unwrap();
    let o = write("x", &link, "evil\n");
    assert!(!o.status.success());
    assert!(!std::fs::read_to_string(&doc).unwrap().contains("evil"));
    let leftovers = std::fs::read_dir(d.path()).unwrap().count();
    assert_eq!(leftovers, 2, "no temporary file left behind");
}

#[test]
fn record_runs_small() {
    if !need_root("record_runs_small") {
        return;
    }
    let t = bench("record", &["--small"], Duration::from_secs(300));
    // 300 pairs, a quarter over ::1, a listener per worker: 602 steady sockets.
    assert!(t.contains(": 602 steady TCP sockets"), "{t}");
    for row in [
        "| recorder CPU, share of one core |",
        "| data growth (pages in use), MB per hour |",
        "| `history 'dst 127.0.0.2'` (one steady remote), s |",
    ] {
        assert!(t.contains(row), "{t}");
    }
}

#[test]
fn trace_runs_small() {
    if !need_root("trace_runs_small") {
        return;
    }
    let t = bench("trace", &["--small"], Duration::from_secs(300));
    for row in [
        "| with ÷ without |",
        "| `drop` events printed / sent |",
        "| events reported lost |",
    ] {
        assert!(t.contains(row), "{t}");
    }
}
