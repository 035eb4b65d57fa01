//! Helpers: private network namespaces, running the binary, reading its JSON, parsing ss.
#![allow(unsafe_code)]

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsFd;
use std::process::{Command, Output};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_rnetstat");

pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Runs `f` on a thread of its own inside a new network namespace with `lo` up. Processes
/// spawned from that thread (rnetstat, ss, netstat) inherit the namespace.
pub fn in_netns<F: FnOnce() + Send + 'static>(test: &str, f: F) -> bool {
    if !is_root() {
        eprintln!("skipping {test}: creating a network namespace needs root");
        return false;
    }
    let h = thread::spawn(move || {
        // SAFETY: unshare only changes this thread's namespace membership.
        let rc = unsafe { libc::unshare(libc::CLONE_NEWNET) };
        assert_eq!(
            rc,
            0,
            "unshare(CLONE_NEWNET): {}",
            std::io::Error::last_os_error()
        );
        lo_up();
        f();
    });
    if let Err(e) = h.join() {
        std::panic::resume_unwind(e);
    }
    true
}

/// `ip link set lo up`, with SIOCGIFFLAGS/SIOCSIFFLAGS.
pub(crate) fn lo_up() {
    // SAFETY: plain socket and ioctl calls on a zeroed, correctly sized ifreq.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        assert!(fd >= 0);
        let mut ifr: libc::ifreq = std::mem::zeroed();
        for (i, b) in b"lo".iter().enumerate() {
            ifr.ifr_name[i] = *b as libc::c_char;
        }
        assert_eq!(libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut ifr), 0);
        ifr.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        assert_eq!(libc::ioctl(fd, libc::SIOCSIFFLAGS, &ifr), 0);
        libc::close(fd);
    }
}

pub fn inode<F: AsFd>(f: &F) -> u32 {
    rustix::fs::fstat(f).expect("fstat").st_ino as u32
}

pub fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("run rnetstat")
}

/// Runs rnetstat as user and group 65534 (nobody), with no supplementary groups.
pub fn run_as_nobody(args: &[&str], env: &[(&str, &std::path::Path)]) -> Output {
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN])
        .args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("setpriv rnetstat")
}

pub fn run_ok(args: &[&str]) -> String {
    let o = run(args);
    assert!(
        o.status.success(),
        "rnetstat {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf-8 output")
}

/// rnetstat's JSON sockets, keyed by inode (sockets with inode 0 are under their
/// local/remote text instead).
pub fn json_sockets(args: &[&str]) -> (Vec<Value>, Value) {
    let mut a = args.to_vec();
    a.push("--json");
    let doc: Value = serde_json::from_str(&run_ok(&a)).expect("valid JSON");
    let socks = doc["sockets"].as_array().expect("sockets array").clone();
    (socks, doc)
}

pub fn by_inode(socks: &[Value], ino: u32) -> &Value {
    let found: Vec<&Value> = socks.iter().filter(|s| s["inode"] == ino).collect();
    assert_eq!(found.len(), 1, "inode {ino}: {found:?}");
    found[0]
}

pub fn endpoint(v: &Value) -> SocketAddr {
    let ip: IpAddr = v["address"].as_str().expect("address").parse().expect("ip");
    SocketAddr::new(ip, v["port"].as_u64().expect("port") as u16)
}

/// Retries `f` until it returns Some, for at most `secs`.
pub fn eventually<T>(what: &str, secs: u64, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < end, "{what}: not reached in {secs}s");
        thread::sleep(Duration::from_millis(50));
    }
}

/// True when `tool` runs; otherwise prints why `test` is skipped.
pub fn require(tool: &str, test: &str) -> bool {
    let ok = Command::new(tool)
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipping {test}: {tool} is not installed (scripts/install-test-deps)");
    }
    ok
}

/// One socket as `ss -<x>anHe` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsRow {
    pub state: String,
    pub recv_q: u64,
    pub send_q: u64,
    pub local: String,
    pub peer: String,
    pub inode: u32,
    pub uid: u32,
}

/// Runs ss with `flags` (e.g. "-tanHe") and parses every row.
pub fn ss(flags: &str) -> Vec<SsRow> {
    let o = Command::new("ss").arg(flags).output().expect("run ss");
    assert!(
        o.status.success(),
        "ss {flags}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let netids = [
        "tcp", "udp", "raw", "u_str", "u_dgr", "u_seq", "nl", "p_raw", "p_dgr",
    ];
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut f: Vec<&str> = l.split_whitespace().collect();
            if netids.contains(&f[0]) {
                f.remove(0);
            }
            let unix = flags.contains('x');
            // unix rows: State Recv-Q Send-Q Local Inode Peer PeerInode
            let (local, peer, rest) = if unix {
                (
                    format!("{} {}", f[3], f[4]),
                    format!("{} {}", f[5], f[6]),
                    &f[7..],
                )
            } else {
                (f[3].to_string(), f[4].to_string(), &f[5..])
            };
            let kv = |k: &str| {
                rest.iter()
                    .find_map(|t| t.strip_prefix(k))
                    .and_then(|v| v.parse().ok())
            };
            SsRow {
                state: f[0].to_string(),
                recv_q: f[1].parse().expect("recv-q"),
                send_q: f[2].parse().expect("send-q"),
                inode: if unix {
                    f[4].parse().expect("inode")
                } else {
                    kv("ino:").unwrap_or(0)
                },
                uid: kv("uid:").unwrap_or(0),
                local,
                peer,
            }
        })
        .collect()
}

/// ss's state names → the kernel's.
pub fn ss_state(s: &str) -> &'static str {
    match s {
        "ESTAB" => "ESTABLISHED",
        "SYN-SENT" => "SYN_SENT",
        "SYN-RECV" => "SYN_RECV",
        "FIN-WAIT-1" => "FIN_WAIT1",
        "FIN-WAIT-2" => "FIN_WAIT2",
        "TIME-WAIT" => "TIME_WAIT",
        "UNCONN" | "CLOSE" => "CLOSE",
        "CLOSE-WAIT" => "CLOSE_WAIT",
        "LAST-ACK" => "LAST_ACK",
        "LISTEN" => "LISTEN",
        "CLOSING" => "CLOSING",
        other => panic!("unknown ss state {other}"),
    }
}

/// ss's `addr:port` (`[v6]:port`, `*` for 0) → a socket address.
pub fn ss_addr(s: &str) -> SocketAddr {
    let s = s.split('%').next().unwrap_or(s); // "%lo" interface suffix
    let (h, p) = s.rsplit_once(':').expect("addr:port");
    let h = h.trim_start_matches('[').trim_end_matches(']');
    let ip: IpAddr = if h == "*" {
        "0.0.0.0".parse().unwrap()
    } else {
        h.parse().expect("ss host")
    };
    SocketAddr::new(
        ip,
        if p == "*" {
            0
        } else {
            p.parse().expect("ss port")
        },
    )
}

/// Index rows by inode (inode-0 rows, TIME_WAIT, by local+peer text).
pub fn ss_by_key(rows: Vec<SsRow>) -> HashMap<String, SsRow> {
    rows.into_iter()
        .map(|r| {
            let k = if r.inode != 0 {
                r.inode.to_string()
            } else {
                format!("{} {}", ss_addr(&r.local), ss_addr(&r.peer))
            };
            (k, r)
        })
        .collect()
}

/// Runs `ip` with `args` (split at spaces); panics with its stderr if it fails.
pub fn ip(args: &str) {
    tool("ip", args);
}

/// `iptables ARGS` in the calling thread's namespace (a test's own).
pub fn ip_tables(args: &str) {
    tool("iptables", args);
}

/// Runs `program ARGS` (split on spaces) and asserts it succeeded.
fn tool(program: &str, args: &str) {
    let o = Command::new(program)
        .args(args.split_whitespace())
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    assert!(
        o.status.success(),
        "{program} {args}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

pub fn netstat(args: &[&str]) -> String {
    let o = Command::new("netstat")
        .args(args)
        .output()
        .expect("netstat");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// rnetstat's text equals netstat's. Counters can move between two runs (a veth's IPv6
/// start-up traffic), so the comparison is made when netstat printed the same twice
/// around rnetstat's run.
pub fn same_as_netstat(args: &[&str]) {
    let mut last = (String::new(), String::new());
    for _ in 0..50 {
        let before = netstat(args);
        let ours = run_ok(args);
        let after = netstat(args);
        if before == after {
            assert_eq!(ours, before, "rnetstat {args:?} differs from netstat");
            return;
        }
        last = (before, ours);
        thread::sleep(Duration::from_millis(100));
    }
    panic!("netstat {args:?} never printed the same twice: {last:?}");
}

/// Starts `sleep` holding a duplicate of `sock` as its fd 3.
pub fn spawn_holder<S: std::os::fd::AsRawFd>(sock: &S) -> std::process::Child {
    use std::os::unix::process::CommandExt;
    let fd = sock.as_raw_fd();
    let mut cmd = Command::new("sleep");
    cmd.arg("120");
    // SAFETY: dup2 is async-signal-safe; it runs in the child between fork and exec.
    #[allow(unsafe_code)]
    unsafe {
        cmd.pre_exec(move || {
            // Regression: when the socket already is fd 3, dup2(3, 3) does nothing and
            // leaves FD_CLOEXEC set, so exec closed it and the holder never held it.
            if fd == 3 {
                if libc::fcntl(3, libc::F_SETFD, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            } else if libc::dup2(fd, 3) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().expect("spawn sleep");
    // Wait until the child has exec'd and its fd 3 is visible.
    let pid = child.id();
    eventually("the holder child's exec", 10, || {
        std::fs::read_link(format!("/proc/{pid}/fd/3"))
            .ok()
            .filter(|l| l.to_string_lossy().starts_with("socket:"))
            .and_then(|_| std::fs::read_to_string(format!("/proc/{pid}/comm")).ok())
            .filter(|c| c.trim() == "sleep")
    });
    child
}

/// The inode of the calling thread's network namespace.
pub fn netns_inode() -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/thread-self/ns/net")
        .expect("own netns")
        .ino()
}

/// `rnetstat ARGS` run in the test process's first network namespace (its main thread's),
/// from a test thread that has left it: looking in from outside.
pub fn run_outside(args: &[&str], env: &[(&str, &std::path::Path)]) -> Output {
    use std::os::unix::io::AsRawFd;
    use std::os::unix::process::CommandExt;
    let home = std::fs::File::open(format!("/proc/{}/ns/net", std::process::id()))
        .expect("the test process's namespace");
    let fd = home.as_raw_fd();
    let mut c = Command::new(BIN);
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    // SAFETY: setns(2) is async-signal-safe and touches no memory of the parent.
    unsafe {
        c.pre_exec(move || {
            if libc::setns(fd, libc::CLONE_NEWNET) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let o = c.output().expect("rnetstat outside");
    drop(home);
    o
}

/// Now, as RFC 3339 with milliseconds (what `--at` takes).
pub fn rfc3339_now() -> String {
    rnetstat::output::events::rfc3339(std::time::SystemTime::now())
}

/// `t` as RFC 3339 with milliseconds.
pub fn rfc3339_of(t: std::time::SystemTime) -> String {
    rnetstat::output::events::rfc3339(t)
}
