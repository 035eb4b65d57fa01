//! The stack seen from every namespace and by every user who may see it: from outside its
//! namespace with `-N` and `--all-netns` (its sockets under the namespace it serves), a user
//! who may not query it told so, and a second stack on the same device told who holds it.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{BIN, endpoint, in_netns, netns_inode, run_as_nobody, run_outside};
use crate::stack::{Stack, connect, pair_of};

fn json(o: &std::process::Output, what: &str) -> Value {
    assert!(
        o.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{what}: JSON: {e}"))
}

/// The userspace socket whose remote end is `kernel_local`, in a listing's JSON.
fn user_end(doc: &Value, kernel_local: SocketAddr) -> Option<Value> {
    doc["sockets"]
        .as_array()?
        .iter()
        .find(|s| {
            s["stack"] == "userspace"
                && s["remote"].is_object()
                && endpoint(&s["remote"]) == kernel_local
        })
        .cloned()
}

/// An echo connection, exercised once.
fn echo_connection() -> std::net::TcpStream {
    let mut k = connect(7);
    k.write_all(b"seen").unwrap();
    let mut back = [0u8; 4];
    k.read_exact(&mut back).unwrap();
    k
}

#[test]
fn stack_is_seen_from_outside_its_namespace() {
    in_netns("stack_is_seen_from_outside_its_namespace", || {
        let stack = Stack::start(&[]);
        let k = echo_connection();
        let local = k.local_addr().unwrap();
        let inode = netns_inode();
        let dir = stack.dir();
        let env = [("RNETSTAT_RUNTIME_DIR", dir.as_path())];
        let ns = format!("pid:{}", stack.pid());

        for args in [
            vec!["-N", &ns, "--stack", "all", "-tan", "--json"],
            vec!["--all-netns", "--stack", "all", "-tan", "--json"],
        ] {
            let doc = json(&run_outside(&args, &env), &format!("{args:?}"));
            let u = user_end(&doc, local)
                .unwrap_or_else(|| panic!("{args:?}: the stack's end is listed: {doc}"));
            assert_eq!(u["state"], "ESTABLISHED", "{u}");
            assert_eq!(
                u["netns"]["inode"], inode,
                "under its stack's namespace: {u}"
            );
            assert_eq!(u["local"]["port"], 7);
        }

        let doc = json(
            &run_outside(&["-N", &ns, "compare", "--json"], &env),
            "compare -N",
        );
        let p = pair_of(&doc, local).unwrap_or_else(|| panic!("paired: {doc}"));
        assert_eq!(p["kernel"]["state"], "ESTABLISHED", "{p}");
        assert_eq!(p["userspace"]["state"], "ESTABLISHED", "{p}");
        assert_eq!(doc["stacks"][0]["pid"], stack.pid());
        assert_eq!(doc["stacks"][0]["netns"], format!("net:[{inode}]"));
        assert_eq!(p["netns"], format!("net:[{inode}]"));

        let o = run_outside(&["--all-netns", "compare"], &env);
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            text.contains(&format!(
                "Userspace stack pid {} on rns0 (10.77.0.2/24 fd00:77::2/64) in net:[{inode}]",
                stack.pid()
            )),
            "{text}"
        );

        // Without -N the caller's own namespace is meant, and no stack serves it.
        let doc = json(
            &run_outside(&["--stack", "all", "-tan", "--json"], &env),
            "here",
        );
        assert!(user_end(&doc, local).is_none(), "{doc}");
        let o = run_outside(&["compare"], &env);
        assert!(
            String::from_utf8_lossy(&o.stdout)
                .starts_with("No userspace stack is running in this network namespace"),
            "{o:?}"
        );
    });
}

#[test]
fn a_user_who_may_not_query_the_stack_is_told() {
    in_netns("a_user_who_may_not_query_the_stack_is_told", || {
        let stack = Stack::start(&[]);
        let _k = echo_connection();
        let dir = stack.dir();
        let env = [("RNETSTAT_RUNTIME_DIR", dir.as_path())];
        let notice = format!(
            "a userspace stack runs in this network namespace (pid {}), owned by root: run as root to see its sockets",
            stack.pid()
        );
        // Decoys named like control sockets of this namespace: a file, a FIFO, a link to
        // the real socket, a socket whose stack is gone, and names no stack writes. None is
        // a stack; the link must not list the real one twice.
        let ino = netns_inode();
        let real = stack.control_path();
        std::fs::write(dir.join(format!("stack-4000000-net{ino}.sock")), b"").unwrap();
        let fifo = dir.join(format!("stack-4000001-net{ino}.sock"));
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo with a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        std::os::unix::fs::symlink(&real, dir.join(format!("stack-4000002-net{ino}.sock")))
            .unwrap();
        let gone = dir.join(format!("stack-4000003-net{ino}.sock"));
        drop(std::os::unix::net::UnixListener::bind(&gone).unwrap());
        std::fs::set_permissions(&gone, std::fs::Permissions::from_mode(0o600)).unwrap();
        for name in [
            format!("stack-0{}-net{ino}.sock", stack.pid()),
            format!("stack-{}-net0{ino}.sock", stack.pid()),
        ] {
            std::fs::write(dir.join(name), b"").unwrap();
        }
        let rows = stack.json(&["--stack", "user", "-tan", "--json"]);
        let established = rows["sockets"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["state"] == "ESTABLISHED")
            .count();
        assert_eq!(established, 1, "the one connection, once: {rows}");
        let doc = json(
            &run_as_nobody(&["--stack", "all", "-tan", "--json"], &env),
            "nobody --stack all",
        );
        assert_eq!(doc["warnings"], serde_json::json!([notice]), "{doc}");
        assert!(
            !doc["sockets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["stack"] == "userspace"),
            "{doc}"
        );
        let o = run_as_nobody(&["compare"], &env);
        let (out, err) = (
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr),
        );
        assert!(
            out.starts_with(
                "No userspace stack this user may query runs in this network namespace."
            ),
            "{out}"
        );
        assert_eq!(err.matches(&notice).count(), 1, "one notice: {err}");
    });
}

/// `rnetstat stack` with `RNETSTAT_RUNTIME_DIR=dir`, expected to fail at once: its exit
/// status and standard error (killed, by pid, if it keeps running).
fn failing_stack(dir: &std::path::Path) -> (std::process::ExitStatus, String) {
    let mut child = Command::new(BIN)
        .arg("stack")
        .env("RNETSTAT_RUNTIME_DIR", dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stack");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the stack kept running");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status, err)
}

/// A runtime directory that exists is used as it is: a private one keeps its mode, one
/// that others may write to (as `/tmp`) is refused and left alone.
#[test]
fn an_existing_runtime_directory_is_not_changed() {
    in_netns("an_existing_runtime_directory_is_not_changed", || {
        let d = tempfile::tempdir().unwrap();
        let mode = || std::fs::metadata(d.path()).unwrap().permissions().mode() & 0o7777;
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
        let (status, err) = failing_stack(d.path());
        assert!(!status.success());
        assert!(
            err.contains("group or others may write to it (mode 1777)"),
            "{err}"
        );
        assert_eq!(mode(), 0o1777);
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        let mut child = Command::new(BIN)
            .arg("stack")
            .env("RNETSTAT_RUNTIME_DIR", d.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("stack");
        let sock = d
            .path()
            .join(format!("stack-{}-net{}.sock", child.id(), netns_inode()));
        crate::common::eventually("control socket", 10, || sock.exists().then_some(()));
        assert_eq!(mode(), 0o700);
        rustix::process::kill_process(
            rustix::process::Pid::from_child(&child),
            rustix::process::Signal::TERM,
        )
        .unwrap();
        assert!(child.wait().unwrap().success());
    });
}

#[test]
fn a_second_stack_names_the_first() {
    in_netns("a_second_stack_names_the_first", || {
        let first = Stack::start(&[]);
        let (status, err) = failing_stack(&first.dir());
        assert!(!status.success());
        assert!(
            err.contains(&format!(
                "cannot create TUN device rns0: a userspace stack (pid {}) already runs on it in this network namespace",
                first.pid()
            )),
            "{err}"
        );
    });
}
