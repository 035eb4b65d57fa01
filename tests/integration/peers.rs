//! `--peer`: the other end of each socket, with its exact process, for unix socketpairs
//! split between processes, a unix server with two clients, loopback TCP and UDP pairs,
//! and a connection between two namespaces over a veth. Each test works in namespaces it
//! creates itself; the other end is held by a `sleep` child, so its pid and name are known.

use std::io::Write;
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::fd::AsFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::process::{Child, Command};

use serde_json::Value;

use super::common::{eventually, in_netns, inode, ip, is_root, json_sockets, spawn_holder};

/// The record with `ino`, from a `--peer --json` listing with `args`.
fn record(args: &[&str], ino: u32) -> Value {
    let mut a = args.to_vec();
    a.push("--peer");
    let (socks, _) = json_sockets(&a);
    let found: Vec<&Value> = socks.iter().filter(|s| s["inode"] == ino).collect();
    assert_eq!(found.len(), 1, "inode {ino} in {args:?}: {socks:?}");
    found[0].clone()
}

/// Asserts `rec`'s peer is the socket `peer_ino`, found `via`, held by `child` (`sleep`).
fn held_by(rec: &Value, peer_ino: u32, via: &str, child: &Child) {
    let p = &rec["peer"];
    assert_eq!(p["inode"], peer_ino, "{rec}");
    assert_eq!(p["via"], via, "{rec}");
    let procs = p["processes"].as_array().unwrap();
    assert_eq!(procs.len(), 1, "{rec}");
    assert_eq!(procs[0]["pid"], child.id(), "{rec}");
    assert_eq!(procs[0]["name"], "sleep", "{rec}");
}

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn unix_socketpair_server_and_clients() {
    // Unix sockets need no namespace of their own; the test's are told apart by inode.
    let (mine, theirs) = UnixStream::pair().unwrap();
    let child = Killed(spawn_holder(&theirs));
    let (a, b) = (inode(&mine), inode(&theirs));
    drop(theirs);
    let r = record(&["-x"], a);
    held_by(&r, b, "unix", &child.0);
    assert!(r["peer"]["netns"]["inode"].is_u64());
    // The child's end names this process.
    let back = record(&["-x"], b);
    assert_eq!(back["peer"]["inode"], a);
    let me = std::process::id();
    assert!(
        back["peer"]["processes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["pid"] == me)
    );
    // Text: the Peer column shows the child.
    let text = super::common::run_ok(&["-xp", "--peer"]);
    let row = text
        .lines()
        .find(|l| l.contains(&format!(" {a} ")))
        .unwrap();
    assert!(row.contains(&format!("{}/sleep", child.0.id())), "{row}");

    // A server with two clients, each client held by a child of its own.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("srv.sock");
    let l = UnixListener::bind(&path).unwrap();
    let c1 = UnixStream::connect(&path).unwrap();
    let c2 = UnixStream::connect(&path).unwrap();
    let (s1, _) = l.accept().unwrap();
    let (s2, _) = l.accept().unwrap();
    let h1 = Killed(spawn_holder(&c1));
    let h2 = Killed(spawn_holder(&c2));
    let (i1, i2) = (inode(&c1), inode(&c2));
    drop((c1, c2));
    // Each accepted socket pairs with its own client, not the other.
    let ends = [(inode(&s1), i1, &h1), (inode(&s2), i2, &h2)];
    for (server, client, holder) in &ends {
        held_by(&record(&["-x"], *server), *client, "unix", &holder.0);
    }
    // A socket whose peer closed shows no stale peer: the client's holder exits, the
    // server's end stays open.
    let s1i = inode(&s1);
    drop(h1);
    let gone = eventually("the peer's close", 5, || {
        let r = record(&["-x"], s1i);
        r["peer"].is_null().then_some(r)
    });
    assert!(gone["peer"].is_null());
    drop(s1);
    drop(s2);
}

#[test]
fn loopback_tcp_and_udp_pairs() {
    in_netns("loopback_tcp_and_udp_pairs", || {
        let l = TcpListener::bind("127.0.0.1:7410").unwrap();
        let c = TcpStream::connect("127.0.0.1:7410").unwrap();
        let (s, _) = l.accept().unwrap();
        let child = Killed(spawn_holder(&c));
        let (ci, si) = (inode(&c), inode(&s));
        drop(c);
        held_by(&record(&["-tn"], si), ci, "local", &child.0);
        let back = record(&["-tn"], ci);
        assert_eq!(back["peer"]["inode"], si);
        assert_eq!(back["peer"]["local"]["port"], 7410);
        // A filter narrows what is shown, not where peers are looked for.
        let only = record(&["-tn", "sport", "=", ":7410"], si);
        assert_eq!(only["peer"]["inode"], ci);
        // The listener has no peer, and says so.
        let li = inode(&l);
        assert!(record(&["-tln"], li)["peer"].is_null());

        let u1 = UdpSocket::bind("127.0.0.1:7411").unwrap();
        let u2 = UdpSocket::bind("127.0.0.1:7412").unwrap();
        u1.connect("127.0.0.1:7412").unwrap();
        u2.connect("127.0.0.1:7411").unwrap();
        let uchild = Killed(spawn_holder(&u2));
        let (a, b) = (inode(&u1), inode(&u2));
        drop(u2);
        held_by(&record(&["-un"], a), b, "local", &uchild.0);

        // A closed peer: what the kernel still holds of it (FIN_WAIT2) has no process.
        drop(child);
        let r = eventually("the client's close", 5, || {
            let r = record(&["-tn"], si);
            (r["state"] == "CLOSE_WAIT").then_some(r)
        });
        let p = &r["peer"];
        assert!(
            p.is_null() || p["processes"].as_array().unwrap().is_empty(),
            "stale peer: {r}"
        );
        drop(s);
    });
}

#[test]
fn across_namespaces_over_a_veth() {
    if !is_root() {
        eprintln!("skipping across_namespaces_over_a_veth: needs root");
        return;
    }
    let pid = std::process::id();
    let (a, b) = (format!("rnp{pid}a"), format!("rnp{pid}b"));
    struct Del(Vec<String>);
    impl Drop for Del {
        fn drop(&mut self) {
            for n in &self.0 {
                let _ = Command::new("ip").args(["netns", "del", n]).status();
            }
        }
    }
    let _del = Del(vec![a.clone(), b.clone()]);
    ip(&format!("netns add {a}"));
    ip(&format!("netns add {b}"));
    ip(&format!(
        "-n {a} link add va type veth peer name vb netns {b}"
    ));
    ip(&format!("-n {a} addr add 10.213.0.1/24 dev va"));
    ip(&format!("-n {b} addr add 10.213.0.2/24 dev vb"));
    ip(&format!("-n {a} link set va up"));
    ip(&format!("-n {b} link set vb up"));
    // Sockets opened inside each namespace by a thread that enters it.
    let enter = |name: &str| {
        let f = std::fs::File::open(format!("/run/netns/{name}")).unwrap();
        rustix::thread::move_into_link_name_space(
            f.as_fd(),
            Some(rustix::thread::LinkNameSpaceType::Network),
        )
        .unwrap();
    };
    let bn = b.clone();
    let l = std::thread::spawn(move || {
        enter(&bn);
        TcpListener::bind("10.213.0.2:7420").unwrap()
    })
    .join()
    .unwrap();
    let an = a.clone();
    let c = std::thread::spawn(move || {
        enter(&an);
        let mut c = TcpStream::connect("10.213.0.2:7420").unwrap();
        c.write_all(b"x").unwrap();
        c
    })
    .join()
    .unwrap();
    let (s, _) = l.accept().unwrap();
    let child = Killed(spawn_holder(&s));
    let (ci, si) = (inode(&c), inode(&s));
    drop(s);
    // -N shows namespace a only; the peer is found in b all the same.
    let r = record(&["-tn", "-N", &a], ci);
    held_by(&r, si, "netns", &child.0);
    assert_eq!(r["peer"]["netns"]["name"], b.as_str());
    assert_eq!(r["peer"]["local"]["address"], "10.213.0.2");
    assert_eq!(r["peer"]["local"]["port"], 7420);
    assert_eq!(r["peer"]["state"], "ESTABLISHED");
    let back = record(&["-tn", "-N", &b], si);
    assert_eq!(back["peer"]["inode"], ci);
    assert_eq!(back["peer"]["netns"]["name"], a.as_str());
    assert_eq!(back["recv_q"], 1);
    drop(c);
}

#[test]
fn through_nat_to_another_namespace() {
    if !is_root() {
        eprintln!("skipping through_nat_to_another_namespace: needs root");
        return;
    }
    if Command::new("iptables").arg("--version").output().is_err() {
        eprintln!(
            "skipping through_nat_to_another_namespace: iptables is not installed (scripts/install-test-deps)"
        );
        return;
    }
    // A "host" namespace whose 127.0.0.1:18080 is DNAT'd to a "container" namespace's
    // 10.215.0.2:8080 over a veth, as a published port on localhost is.
    let pid = std::process::id();
    let (host, ctr) = (format!("rnn{pid}h"), format!("rnn{pid}c"));
    struct Del(Vec<String>);
    impl Drop for Del {
        fn drop(&mut self) {
            for n in &self.0 {
                let _ = Command::new("ip").args(["netns", "del", n]).status();
            }
        }
    }
    let _del = Del(vec![host.clone(), ctr.clone()]);
    ip(&format!("netns add {host}"));
    ip(&format!("netns add {ctr}"));
    ip(&format!(
        "-n {host} link add vh type veth peer name vc netns {ctr}"
    ));
    ip(&format!("-n {host} addr add 10.215.0.1/24 dev vh"));
    ip(&format!("-n {ctr} addr add 10.215.0.2/24 dev vc"));
    for (ns, dev) in [(&host, "vh"), (&ctr, "vc"), (&host, "lo"), (&ctr, "lo")] {
        ip(&format!("-n {ns} link set {dev} up"));
    }
    let in_host = |args: &[&str]| {
        let o = Command::new("ip")
            .args(["netns", "exec", &host])
            .args(args)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    // Loopback addresses may be routed out (and so DNAT'd), as a runtime's port map does.
    in_host(&[
        "sh",
        "-c",
        "echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet",
    ]);
    let dnat = "-t nat -A OUTPUT -p tcp -d 127.0.0.1 --dport 18080 -j DNAT --to-destination 10.215.0.2:8080";
    let masq = "-t nat -A POSTROUTING -p tcp -d 10.215.0.2 --dport 8080 -j MASQUERADE";
    for rule in [dnat, masq] {
        let mut args = vec!["iptables"];
        args.extend(rule.split(' '));
        in_host(&args);
    }
    let enter = |name: String| {
        let f = std::fs::File::open(format!("/run/netns/{name}")).unwrap();
        rustix::thread::move_into_link_name_space(
            f.as_fd(),
            Some(rustix::thread::LinkNameSpaceType::Network),
        )
        .unwrap();
    };
    let c2 = ctr.clone();
    let l = std::thread::spawn(move || {
        enter(c2);
        TcpListener::bind("0.0.0.0:8080").unwrap()
    })
    .join()
    .unwrap();
    let h2 = host.clone();
    let c = std::thread::spawn(move || {
        enter(h2);
        let to = "127.0.0.1:18080".parse().unwrap();
        TcpStream::connect_timeout(&to, std::time::Duration::from_secs(5)).unwrap()
    })
    .join()
    .unwrap();
    let (s, from) = l.accept().unwrap();
    assert_eq!(from.ip().to_string(), "10.215.0.1", "masqueraded source");
    let child = Killed(spawn_holder(&s));
    let (ci, si) = (inode(&c), inode(&s));
    drop(s);
    // The host's client: its peer is the container's socket, through NAT.
    let r = record(&["-tn", "-N", &host], ci);
    held_by(&r, si, "nat", &child.0);
    assert_eq!(r["remote"]["port"], 18080);
    assert_eq!(r["peer"]["netns"]["name"], ctr.as_str());
    assert_eq!(r["peer"]["local"]["address"], "10.215.0.2");
    assert_eq!(r["peer"]["local"]["port"], 8080);
    // And the other way: the container's socket names the host's client.
    let back = record(&["-tn", "-N", &ctr], si);
    assert_eq!(back["peer"]["via"], "nat");
    assert_eq!(back["peer"]["inode"], ci);
    assert_eq!(back["peer"]["netns"]["name"], host.as_str());
    assert_eq!(back["peer"]["local"]["address"], "127.0.0.1");
    assert_eq!(back["peer"]["remote"]["port"], 18080);
    drop(c);
}
