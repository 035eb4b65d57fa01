//! `-N`, `--all-netns` and the views in other namespaces, against `ss` run inside each.
//!
//! The test makes four namespaces of its own, of each kind discovery must find: two bound
//! under /run/netns (`ip netns add`, test-unique names), one held only by a process (no
//! bind mount), one held only by a bind mount outside /run/netns (no process). Sockets
//! are opened inside them from threads that enter them. Everything is removed on drop,
//! also when an assertion fails.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use serde_json::Value;

use super::common::{BIN, inode, ip, is_root, require, run, run_ok};

/// The namespaces of one test run, removed on drop.
struct Spaces {
    names: Vec<String>,
    holder: Option<Child>,
    bind: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Spaces {
    fn drop(&mut self) {
        for n in &self.names {
            let _ = Command::new("ip").args(["netns", "del", n]).status();
        }
        if let Some(c) = &mut self.holder {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = Command::new("umount").arg(&self.bind).status();
    }
}

impl Spaces {
    fn make() -> Spaces {
        let pid = std::process::id();
        let names = vec![format!("rnt{pid}a"), format!("rnt{pid}b")];
        let dir = tempfile::tempdir().unwrap();
        let bind = dir.path().join("ns");
        let mut s = Spaces {
            names: Vec::new(),
            holder: None,
            bind: bind.clone(),
            _dir: dir,
        };
        for n in &names {
            ip(&format!("netns add {n}"));
            s.names.push(n.clone());
            ip(&format!("-n {n} link set lo up"));
        }
        let child = Command::new("unshare")
            .args(["-n", "sleep", "120"])
            .spawn()
            .expect("unshare -n sleep");
        let held = format!("/proc/{}/ns/net", child.id());
        s.holder = Some(child);
        super::common::eventually("the holder's namespace", 10, || {
            (std::fs::metadata(&held).ok()?.ino_of() != own_netns()).then_some(())
        });
        File::create(&bind).unwrap();
        let st = Command::new("unshare")
            .arg(format!("--net={}", bind.display()))
            .arg("true")
            .status()
            .unwrap();
        assert!(st.success(), "unshare --net=FILE");
        s
    }

    /// The four namespace files, in the order named, held, bound.
    fn paths(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = self
            .names
            .iter()
            .map(|n| Path::new("/run/netns").join(n))
            .collect();
        v.push(PathBuf::from(format!(
            "/proc/{}/ns/net",
            self.holder.as_ref().unwrap().id()
        )));
        v.push(self.bind.clone());
        v
    }
}

trait Ino {
    fn ino_of(&self) -> u64;
}
impl Ino for std::fs::Metadata {
    fn ino_of(&self) -> u64 {
        std::os::unix::fs::MetadataExt::ino(self)
    }
}

fn own_netns() -> u64 {
    std::fs::metadata("/proc/self/ns/net").unwrap().ino_of()
}

fn ns_inode(p: &Path) -> u64 {
    std::fs::metadata(p).unwrap().ino_of()
}

/// Sockets opened inside a namespace, kept open by the test.
struct Opened {
    _listener: TcpListener,
    _client: TcpStream,
    server: TcpStream,
}

/// Inside the namespace at `path` (from a thread that enters it, brings lo up and ends):
/// a listener on `port`, one connection to it, `unread` bytes sent and left unread.
fn open_in(path: &Path, port: u16, unread: usize) -> Opened {
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        let f = File::open(&path).unwrap();
        rustix::thread::move_into_link_name_space(
            f.as_fd(),
            Some(rustix::thread::LinkNameSpaceType::Network),
        )
        .unwrap();
        let _ = Command::new("ip")
            .args(["link", "set", "lo", "up"])
            .status();
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let mut client = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let (server, _) = listener.accept().unwrap();
        client.write_all(&vec![b'x'; unread]).unwrap();
        Opened {
            _listener: listener,
            _client: client,
            server,
        }
    })
    .join()
    .unwrap()
}

/// `ss -tanH` inside a namespace, as (state, recv-q, send-q, local, peer) rows.
fn ss_in(path: &Path) -> BTreeSet<(String, u64, u64, String, String)> {
    let o = Command::new("nsenter")
        .arg(format!("--net={}", path.display()))
        .args(["ss", "-tanH"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (
                super::common::ss_state(f[0]).to_string(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                super::common::ss_addr(f[3]).to_string(),
                super::common::ss_addr(f[4]).to_string(),
            )
        })
        .collect()
}

fn rows(socks: &[Value]) -> BTreeSet<(String, u64, u64, String, String)> {
    let ep = |v: &Value| super::common::endpoint(v).to_string();
    socks
        .iter()
        .map(|s| {
            (
                s["state"].as_str().unwrap().to_string(),
                s["recv_q"].as_u64().unwrap(),
                s["send_q"].as_u64().unwrap(),
                ep(&s["local"]),
                ep(&s["remote"]),
            )
        })
        .collect()
}

fn json(args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    serde_json::from_str(&run_ok(&a)).expect("JSON")
}

#[test]
fn every_kind_of_namespace_once_and_equal_to_ss_inside() {
    if !is_root() {
        eprintln!("skipping every_kind_of_namespace_once_and_equal_to_ss_inside: needs root");
        return;
    }
    if !require("ss", "every_kind_of_namespace_once_and_equal_to_ss_inside") {
        return;
    }
    let spaces = Spaces::make();
    let paths = spaces.paths();
    let held: Vec<Opened> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| open_in(p, 7100 + i as u16, 3 + i))
        .collect();
    let inodes: Vec<u64> = paths.iter().map(|p| ns_inode(p)).collect();
    assert_eq!(inodes.iter().collect::<BTreeSet<_>>().len(), 4);

    // -N selects exactly one namespace, by each kind of argument, and equals ss there.
    let holder_pid = spaces.holder.as_ref().unwrap().id();
    let args = [
        spaces.names[0].clone(),
        spaces.names[1].clone(),
        format!("pid:{holder_pid}"),
        spaces.bind.display().to_string(),
    ];
    for (i, arg) in args.iter().enumerate() {
        let doc = json(&["-tan", "-N", arg]);
        let socks = doc["sockets"].as_array().unwrap();
        assert_eq!(socks.len(), 3, "-N {arg}: {doc}");
        for s in socks {
            assert_eq!(s["netns"]["inode"], inodes[i], "-N {arg}");
            assert!(s["container"].is_null());
        }
        assert_eq!(rows(socks), ss_in(&paths[i]), "-N {arg} against ss there");
        // Recv-Q is exactly the bytes left unread in that namespace.
        let server_ino = inode(&held[i].server);
        let server = socks.iter().find(|s| s["inode"] == server_ino).unwrap();
        assert_eq!(server["recv_q"], 3 + i as u64);
    }
    // Names: the /run/netns ones are named; the others are not.
    let doc = json(&["-tan", "-N", &spaces.names[0]]);
    assert_eq!(doc["sockets"][0]["netns"]["name"], spaces.names[0]);
    let doc = json(&["-tan", "-N", &spaces.bind.display().to_string()]);
    assert!(doc["sockets"][0]["netns"]["name"].is_null());

    // --all-netns: each test namespace once, each socket once, rows equal ss in each.
    let doc = json(&["-tan", "--all-netns", "-p"]);
    let socks = doc["sockets"].as_array().unwrap();
    let mut seen = BTreeSet::new();
    for s in socks {
        if s["inode"] != 0 {
            assert!(seen.insert(s["inode"].as_u64().unwrap()), "twice: {s}");
        }
    }
    for (i, p) in paths.iter().enumerate() {
        let mine: Vec<Value> = socks
            .iter()
            .filter(|s| s["netns"]["inode"] == inodes[i])
            .cloned()
            .collect();
        assert_eq!(
            rows(&mine),
            ss_in(p),
            "--all-netns, namespace {}",
            p.display()
        );
        // One /proc walk serves -p for every namespace: the test process holds these.
        let me = std::process::id();
        assert!(
            mine.iter().all(|s| s["processes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["pid"] == me)),
            "{mine:?}"
        );
    }

    // Text: a Namespace column, the /run/netns name or net:[inode].
    let text = run_ok(&["-tan", "--all-netns"]);
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .starts_with("Namespace        Proto Recv-Q")
    );
    let a_row = text
        .lines()
        .find(|l| l.contains(":7100 ") && l.contains("LISTEN"))
        .unwrap();
    assert!(
        a_row.starts_with(&format!("{:<16} tcp ", spaces.names[0])),
        "{a_row}"
    );
    let bound = format!("net:[{}]", inodes[3]);
    assert!(
        text.lines()
            .any(|l| l.starts_with(&bound) && l.contains(":7103 ")),
        "{text}"
    );

    // --summary per namespace.
    let doc = json(&["-t", "--summary", "--all-netns"]);
    let per = doc["namespaces"].as_array().unwrap();
    let a = per
        .iter()
        .find(|n| n["netns"]["inode"] == inodes[0])
        .unwrap();
    assert_eq!(a["total"], 3);
    assert_eq!(a["protocols"]["tcp"], 3);

    // The other views read inside the namespace: equal to rnetstat run there.
    for view in [&["-st"][..], &["-i"], &["-rn"]] {
        let mut with_n = view.to_vec();
        with_n.extend(["-N", &spaces.names[0]]);
        let o = Command::new("nsenter")
            .arg(format!("--net={}", paths[0].display()))
            .arg(BIN)
            .args(view)
            .output()
            .unwrap();
        assert_eq!(
            run_ok(&with_n),
            String::from_utf8_lossy(&o.stdout),
            "{view:?}"
        );
    }
    let sections = run_ok(&["-i", "--all-netns"]);
    assert!(
        sections.contains(&format!(
            "Network namespace {} (net:[{}])",
            spaces.names[1], inodes[1]
        )),
        "{sections}"
    );
    let doc = json(&["-i", "--all-netns"]);
    let b = doc["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["netns"]["inode"] == inodes[1])
        .unwrap();
    assert!(
        b["view"]["interfaces"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["name"] == "lo")
    );
    drop(held);
}

#[test]
fn bad_namespaces_are_usage_errors() {
    let o = run(&["-tan", "-N", "rnt-no-such-namespace"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no network namespace of that name"), "{err}");
    let o = run(&["-tan", "-N", "/etc/hostname"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a namespace file"));
    let o = run(&["-tan", "-N", "pid:notapid"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["-tan", "--container", "rnt-no-such-container"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no running container"));
    if is_root() {
        // A namespace of another kind.
        let o = run(&["-tan", "-N", "/proc/self/ns/uts"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("not a network namespace"));
    }
}

#[test]
fn without_root_other_namespaces_are_one_notice() {
    if !is_root() {
        eprintln!("skipping without_root_other_namespaces_are_one_notice: needs root to set up");
        return;
    }
    let pid = std::process::id();
    let name = format!("rnt{pid}n");
    ip(&format!("netns add {name}"));
    struct Del(String);
    impl Drop for Del {
        fn drop(&mut self) {
            let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
        }
    }
    let _del = Del(name);
    let o = super::common::run_as_nobody(&["-tan", "--all-netns"], &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.matches("could not be entered").count(), 1, "{err}");
    assert!(err.contains("needs root"), "{err}");
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("Active Internet connections"));
}
