//! A real container: podman runs busybox's httpd from an image the test imports from
//! busybox-static's binary (no registry is reachable or used). Storage lives in the test's
//! own directory (`CONTAINERS_STORAGE_CONF`), the container has no network but its own
//! namespace (`--network none`), and everything is removed on drop, also on failure.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use super::common::{BIN, is_root};

/// Flags these machines need (with the global `--cgroup-manager cgroupfs`): cgroups are
/// mounted hybrid (crun refuses them) and raising rlimits is not permitted.
const RUN_FLAGS: [&str; 6] = [
    "--runtime",
    "runc",
    "--ulimit",
    "nofile=1024:1024",
    "--ulimit",
    "nproc=1024:1024",
];

struct Podman {
    dir: tempfile::TempDir,
    image: String,
    containers: Vec<String>,
}

impl Podman {
    fn conf(&self) -> std::path::PathBuf {
        self.dir.path().join("storage.conf")
    }

    fn cmd(&self, args: &[&str]) -> Output {
        Command::new("podman")
            .env("CONTAINERS_STORAGE_CONF", self.conf())
            .args(["--cgroup-manager", "cgroupfs"])
            .args(args)
            .output()
            .expect("run podman")
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.cmd(args);
        assert!(
            o.status.success(),
            "podman {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    /// Storage in a directory of the test's, and the image imported into it.
    fn new() -> Podman {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("storage.conf"),
            format!(
                "[storage]\ndriver = \"vfs\"\ngraphroot = \"{}\"\nrunroot = \"{}\"\n",
                d.join("graph").display(),
                d.join("run").display()
            ),
        )
        .unwrap();
        let root = d.join("rootfs");
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::create_dir_all(root.join("www")).unwrap();
        std::fs::copy("/bin/busybox", root.join("bin/busybox")).unwrap();
        std::fs::write(root.join("www/index.html"), "rnetstat\n").unwrap();
        let tar = d.join("rootfs.tar");
        let st = Command::new("tar")
            .arg("-C")
            .arg(&root)
            .arg("-cf")
            .arg(&tar)
            .arg(".")
            .status()
            .unwrap();
        assert!(st.success());
        let image = format!("localhost/rnetstat-busybox:{}", std::process::id());
        let p = Podman {
            dir,
            image,
            containers: Vec::new(),
        };
        p.ok(&["import", &tar.display().to_string(), &p.image]);
        p
    }

    /// Runs busybox httpd on port 8080 in a new container named `name`; returns its id.
    fn httpd(&mut self, name: &str) -> String {
        self.run_httpd(name, &["--network", "none"])
    }

    /// The same, on podman's bridge network with container port 8080 published on
    /// `host_port`.
    fn httpd_published(&mut self, name: &str, host_port: u16) -> String {
        let publish = format!("{host_port}:8080");
        self.run_httpd(name, &["-p", &publish])
    }

    fn run_httpd(&mut self, name: &str, network: &[&str]) -> String {
        self.containers.push(name.to_string());
        let mut args = vec!["run", "-d", "--name", name, "--pull", "never"];
        args.extend(network);
        args.extend(RUN_FLAGS);
        args.extend([
            self.image.as_str(),
            "/bin/busybox",
            "httpd",
            "-f",
            "-p",
            "8080",
            "-h",
            "/www",
        ]);
        self.ok(&args)
    }
}

impl Drop for Podman {
    fn drop(&mut self) {
        for c in &self.containers {
            let _ = self.cmd(&["rm", "-f", "-t", "0", c]);
        }
        let _ = self.cmd(&["rmi", "-f", &self.image]);
        // vfs layers are plain directories; the temporary directory goes with them.
    }
}

fn rnetstat(p: &Podman, args: &[&str]) -> Output {
    Command::new(BIN)
        .env("CONTAINERS_STORAGE_CONF", p.conf())
        .args(args)
        .output()
        .expect("run rnetstat")
}

fn json(p: &Podman, args: &[&str]) -> Vec<Value> {
    let mut a = args.to_vec();
    a.push("--json");
    let o = rnetstat(p, &a);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    doc["sockets"].as_array().unwrap().clone()
}

/// Root, podman and a static busybox, or a printed reason to skip `test`.
fn podman_ready(test: &str) -> bool {
    if !is_root() {
        eprintln!("skipping {test}: needs root");
        return false;
    }
    let ok = Command::new("podman")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok || !Path::new("/bin/busybox").exists() {
        eprintln!(
            "skipping {test}: podman or busybox-static is not installed (scripts/install-test-deps)"
        );
        return false;
    }
    true
}

fn listener_8080(socks: &[Value]) -> Option<&Value> {
    socks
        .iter()
        .find(|s| s["local"]["port"] == 8080 && s["state"] == "LISTEN")
}

#[test]
fn podman_container_is_attributed_and_selectable() {
    if !podman_ready("podman_container_is_attributed_and_selectable") {
        return;
    }
    let mut p = Podman::new();
    let name = format!("rnt-web-{}", std::process::id());
    let id = p.httpd(&name);
    let inspected = p.ok(&["inspect", "--format", "{{.Id}} {{.State.Pid}}", &name]);
    let (full_id, pid) = inspected.split_once(' ').unwrap();
    assert_eq!(full_id, id);

    // --all-netns: the container's listener, attributed to it.
    let socks = super::common::eventually("httpd listening", 10, || {
        let socks = json(&p, &["-tln", "--all-netns"]);
        socks
            .iter()
            .any(|s| s["local"]["port"] == 8080 && s["container"]["id"] == full_id)
            .then_some(socks)
    });
    let l = socks
        .iter()
        .find(|s| s["local"]["port"] == 8080 && s["container"]["id"] == full_id)
        .unwrap();
    assert_eq!(l["container"]["runtime"], "podman");
    assert_eq!(l["container"]["name"], name);
    assert!(l["container"]["pod"].is_null());
    let ns_inode = std::os::unix::fs::MetadataExt::ino(
        &std::fs::metadata(format!("/proc/{pid}/ns/net")).unwrap(),
    );
    assert_eq!(l["netns"]["inode"], ns_inode);

    // --container by name and by a unique id prefix: exactly its sockets, as ss sees them.
    let ss = Command::new("nsenter")
        .arg(format!("--net=/proc/{pid}/ns/net"))
        .args(["ss", "-tlnH"])
        .output()
        .unwrap();
    let ss_rows = String::from_utf8_lossy(&ss.stdout).lines().count();
    for sel in [name.as_str(), &full_id[..12]] {
        let socks = json(&p, &["-tln", "--container", sel]);
        assert_eq!(socks.len(), ss_rows, "--container {sel}: {socks:?}");
        assert!(listener_8080(&socks).is_some());
        assert!(socks.iter().all(|s| s["container"]["id"] == full_id));
    }
    // Text: the container's name in the Namespace column.
    let o = rnetstat(&p, &["-tln", "--container", &name]);
    let text = String::from_utf8_lossy(&o.stdout);
    let row = text.lines().find(|l| l.contains(":8080 ")).unwrap();
    assert!(row.starts_with(&name), "{text}");
    // -p: the container's httpd holds it.
    let socks = json(&p, &["-tlnp", "--container", &name]);
    let procs = &listener_8080(&socks).unwrap()["processes"];
    assert_eq!(procs[0]["pid"].as_u64().unwrap().to_string(), pid);
    assert_eq!(procs[0]["name"], "busybox");
}

#[test]
fn published_port_peers_and_forwarding_listener() {
    if !podman_ready("published_port_peers_and_forwarding_listener") {
        return;
    }
    // podman runs inside a network namespace of the test's own: its bridge, port map (DNAT
    // and conmon's listener) and the container's traffic all stay there and go with it.
    super::common::in_netns("published_port_peers_and_forwarding_listener", || {
        let mut p = Podman::new();
        let name = format!("rnt-pub-{}", std::process::id());
        let id = p.httpd_published(&name, 18080);
        let ip = p.ok(&[
            "inspect",
            "--format",
            "{{.NetworkSettings.IPAddress}}",
            &name,
        ]);
        // A host client through 127.0.0.1:18080.
        let client = super::common::eventually("the published port", 10, || {
            let to: SocketAddr = "127.0.0.1:18080".parse().ok()?;
            let mut c = TcpStream::connect_timeout(&to, std::time::Duration::from_secs(2)).ok()?;
            c.write_all(b"GET / HTTP/1.0\r\n").ok()?;
            Some(c)
        });
        let ci = super::common::inode(&client);
        let peer_json = |args: &[&str]| {
            let mut a = args.to_vec();
            a.push("--peer");
            json(&p, &a)
        };
        let socks = peer_json(&["-tn"]);
        let c = socks.iter().find(|s| s["inode"] == ci).expect("the client");
        let peer = &c["peer"];
        assert_eq!(peer["via"], "nat", "{c}");
        assert_eq!(peer["container"]["runtime"], "podman");
        assert_eq!(peer["container"]["id"], id.as_str());
        assert_eq!(peer["container"]["name"], name.as_str());
        // httpd listens dual-stack: its connection is tcp6, the address v4-mapped.
        let addr = peer["local"]["address"].as_str().unwrap();
        assert_eq!(addr.trim_start_matches("::ffff:"), ip.as_str(), "{c}");
        assert_eq!(peer["local"]["port"], 8080);
        assert_eq!(peer["processes"][0]["name"], "busybox", "{c}");
        // conmon's listener on the host port leads to the container's httpd.
        let socks = peer_json(&["-tln"]);
        let l = socks
            .iter()
            .find(|s| s["local"]["port"] == 18080)
            .expect("the forwarding listener");
        let f = &l["forwards_to"][0];
        assert_eq!(f["container"]["name"], name.as_str(), "{l}");
        assert_eq!(f["container"]["id"], id.as_str());
        assert_eq!(f["address"], ip.as_str());
        assert_eq!(f["port"], 8080);
        assert_eq!(f["processes"][0]["name"], "busybox");
        assert_eq!(f["source"], "podman");
        // Text: the Peer column says where it leads.
        let o = rnetstat(&p, &["-tln", "--peer"]);
        let text = String::from_utf8_lossy(&o.stdout);
        let row = text.lines().find(|r| r.contains(":18080 ")).unwrap();
        assert!(
            row.contains(&format!("→ {name} {ip}:8080 (busybox)")),
            "{row}"
        );
        drop(client);
    });
}
