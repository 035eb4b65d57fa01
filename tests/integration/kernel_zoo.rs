//! The socket zoo seen through rnetstat, compared with exact expectations, ss and netstat.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use serde_json::Value;

use super::common::*;
use super::zoo;

fn field(s: &Value, k: &str) -> u64 {
    s[k].as_u64().unwrap_or_else(|| panic!("{k} in {s}"))
}

#[test]
fn zoo_exact_values() {
    in_netns("zoo_exact_values", || {
        let z = zoo::build();
        let (socks, doc) = json_sockets(&["-tuwxap"]);
        assert_eq!(
            doc["warnings"],
            Value::Array(vec![]),
            "no warnings expected"
        );

        let l = by_inode(&socks, z.listener);
        assert_eq!(
            (l["proto"].as_str(), l["state"].as_str()),
            (Some("tcp"), Some("LISTEN"))
        );
        assert_eq!(field(l, "recv_q"), u64::from(z.listener_pending));
        assert_eq!(field(l, "send_q"), u64::from(z.listener_backlog));

        // Recv-Q is exactly the bytes left unread; the writer has nothing unacknowledged.
        let s = by_inode(&socks, z.unread_server);
        assert_eq!(
            (s["state"].as_str(), field(s, "recv_q")),
            (Some("ESTABLISHED"), u64::from(z.unread_bytes))
        );
        assert_eq!(field(by_inode(&socks, z.unread_client), "send_q"), 0);

        // What the sender wrote is either unacknowledged in its Send-Q or unread in the
        // receiver's Recv-Q: the two add up to every byte written.
        let tx = field(by_inode(&socks, z.backed_sender), "send_q");
        let rx = field(by_inode(&socks, z.backed_receiver), "recv_q");
        assert!(
            tx > 0 && rx > 0,
            "queues backed up: send_q {tx} recv_q {rx}"
        );
        assert_eq!(tx + rx, z.backed_total);

        assert_eq!(by_inode(&socks, z.fin_wait2)["state"], "FIN_WAIT2");
        assert_eq!(by_inode(&socks, z.close_wait)["state"], "CLOSE_WAIT");
        assert_eq!(by_inode(&socks, z.syn_sent)["state"], "SYN_SENT");

        let tw: Vec<&Value> = socks
            .iter()
            .filter(|s| s["state"] == "TIME_WAIT")
            .filter(|s| {
                endpoint(&s["local"]) == z.time_wait.0 && endpoint(&s["remote"]) == z.time_wait.1
            })
            .collect();
        assert_eq!(tw.len(), 1, "one TIME_WAIT socket for {:?}", z.time_wait);
        assert_eq!((field(tw[0], "inode"), field(tw[0], "uid")), (0, 0));

        let v6 = by_inode(&socks, z.v6_client);
        assert_eq!(
            (v6["family"].as_str(), v6["local"]["address"].as_str()),
            (Some("inet6"), Some("::1"))
        );
        let m = by_inode(&socks, z.mapped_server);
        assert_eq!(m["family"], "inet6");
        assert_eq!(m["local"]["address"], "::ffff:127.0.0.1");
        assert_eq!(
            endpoint(&m["local"]),
            SocketAddr::new("::ffff:127.0.0.1".parse().unwrap(), z.mapped_local.port())
        );

        let u = by_inode(&socks, z.udp_receiver);
        assert_eq!(
            (u["proto"].as_str(), u["type"].as_str(), u["state"].as_str()),
            (Some("udp"), Some("dgram"), Some("CLOSE"))
        );
        assert!(
            field(u, "recv_q") >= 300,
            "three 100-byte datagrams queued: {u}"
        );
        assert_eq!(by_inode(&socks, z.udp_connected)["state"], "ESTABLISHED");

        let r = by_inode(&socks, z.raw);
        assert_eq!(
            (r["proto"].as_str(), r["type"].as_str()),
            (Some("raw"), Some("raw"))
        );
        assert_eq!(
            r["local"]["port"], 1,
            "a raw socket's port is its protocol (ICMP)"
        );

        let ul = by_inode(&socks, z.unix_listener);
        assert_eq!(
            (ul["state"].as_str(), ul["path"].as_str()),
            (Some("LISTEN"), Some(z.unix_listener_path.as_str()))
        );
        assert_eq!(field(ul, "recv_q"), 1, "one connection waiting in accept()");
        let ur = by_inode(&socks, z.unix_reader);
        assert_eq!(field(ur, "recv_q"), u64::from(z.unix_unread));
        assert_eq!(field(ur, "peer_inode"), u64::from(z.unix_writer));
        assert!(ur["path"].is_null());
        let ud = by_inode(&socks, z.unix_dgram);
        assert_eq!(
            (ud["type"].as_str(), ud["state"].as_str()),
            (Some("dgram"), Some("CLOSE"))
        );
        assert_eq!(
            field(ud, "recv_q"),
            10,
            "a datagram socket's Recv-Q is its first datagram"
        );
        let sq = by_inode(&socks, z.unix_seq.0);
        assert_eq!(
            (sq["type"].as_str(), field(sq, "peer_inode")),
            (Some("seqpacket"), u64::from(z.unix_seq.1))
        );
        assert_eq!(by_inode(&socks, z.unix_abstract)["path"], "@rnetstat-zoo");

        // Owners: this test process, and the child that holds a duplicate.
        let me = std::process::id();
        let shared = by_inode(&socks, z.shared_inode)["processes"]
            .as_array()
            .unwrap()
            .clone();
        let pids: BTreeSet<u64> = shared.iter().map(|p| p["pid"].as_u64().unwrap()).collect();
        assert_eq!(
            pids,
            BTreeSet::from([u64::from(me), u64::from(z.child.id())])
        );
        let child = shared.iter().find(|p| p["pid"] == z.child.id()).unwrap();
        assert_eq!(
            (child["name"].as_str(), child["fd"].as_u64()),
            (Some("sleep"), Some(3))
        );
        assert!(by_inode(&socks, z.listener)["processes"][0]["pid"] == me);
    });
}

#[test]
fn zoo_matches_ss_field_by_field() {
    if !require("ss", "zoo_matches_ss_field_by_field") {
        return;
    }
    in_netns("zoo_matches_ss_field_by_field", || {
        let _z = zoo::build();
        let mut compared = 0;
        for (flag, ours) in [("-tanHe", "-ta"), ("-uanHe", "-ua"), ("-wanHe", "-wa")] {
            let ss_rows = ss_by_key(ss(flag));
            let (socks, _) = json_sockets(&[ours]);
            assert_eq!(socks.len(), ss_rows.len(), "{flag}: same number of sockets");
            for s in &socks {
                let (l, r) = (endpoint(&s["local"]), endpoint(&s["remote"]));
                // ss shows no inode for TIME_WAIT, nor for raw sockets it reads from /proc.
                let key = s["inode"].to_string();
                let row = ss_rows
                    .get(&key)
                    .or_else(|| ss_rows.get(&format!("{l} {r}")))
                    .unwrap_or_else(|| panic!("ss has no {key}: {s}"));
                assert_eq!(s["state"], ss_state(&row.state), "{key}");
                assert_eq!(field(s, "recv_q"), row.recv_q, "{key} recv_q");
                assert_eq!(field(s, "send_q"), row.send_q, "{key} send_q");
                assert_eq!(field(s, "uid"), u64::from(row.uid), "{key} uid");
                let (sl, sr) = (ss_addr(&row.local), ss_addr(&row.peer));
                assert_eq!(l.port(), sl.port(), "{key} local port");
                assert_eq!(r.port(), sr.port(), "{key} remote port");
                assert!(
                    l.ip() == sl.ip() || (l.ip().is_unspecified() && sl.ip().is_unspecified()),
                    "{key} {l} vs {sl}"
                );
                assert!(
                    r.ip() == sr.ip() || (r.ip().is_unspecified() && sr.ip().is_unspecified()),
                    "{key} {r} vs {sr}"
                );
                compared += 1;
            }
        }
        let ss_unix = ss_by_key(ss("-xanH"));
        let (socks, _) = json_sockets(&["-xa"]);
        assert_eq!(socks.len(), ss_unix.len(), "unix: same number of sockets");
        for s in &socks {
            let row = &ss_unix[&s["inode"].to_string()];
            assert_eq!(s["state"], ss_state(&row.state), "{s}");
            assert_eq!(
                (field(s, "recv_q"), field(s, "send_q")),
                (row.recv_q, row.send_q),
                "{s}"
            );
            let peer: u64 = row.peer.rsplit(' ').next().unwrap().parse().unwrap_or(0);
            assert_eq!(field(s, "peer_inode"), peer, "{s}");
            compared += 1;
        }
        assert!(compared >= 30, "compared {compared} sockets");
    });
}

/// netstat prints 0 as a listener's Send-Q; rnetstat prints the backlog (documented).
fn without_listener_send_q(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(|l| {
            if l.starts_with("tcp") && l.get(68..).is_some_and(|s| s.starts_with("LISTEN")) {
                format!("{}     0{}", &l[..13], &l[19..])
            } else {
                l.to_string()
            }
        })
        .collect()
}

#[test]
fn zoo_matches_netstat_line_for_line() {
    if !require("netstat", "zoo_matches_netstat_line_for_line") {
        return;
    }
    in_netns("zoo_matches_netstat_line_for_line", || {
        let _z = zoo::build();
        for args in [
            &["-tuwan"][..],
            &["-tuwn"],
            &["-tuwln"],
            &["-tuwanp"],
            &["-tuwane"],
            &["-xa"],
            &["-xap"],
            &["-tuwanW"],
            // symbolic: hosts from /etc/hosts in the namespace, services, user names
            &["-tuwa"],
            &["-tuwae"],
        ] {
            let ns = std::process::Command::new("netstat")
                .args(args)
                .output()
                .unwrap();
            let theirs = String::from_utf8_lossy(&ns.stdout).into_owned();
            let ours = run_ok(args);
            let (t, o) = (
                without_listener_send_q(&theirs),
                without_listener_send_q(&ours),
            );
            assert_eq!(
                theirs.lines().take(2).collect::<Vec<_>>(),
                ours.lines().take(2).collect::<Vec<_>>(),
                "{args:?}: headers"
            );
            let only_theirs: Vec<_> = t.difference(&o).collect();
            let only_ours: Vec<_> = o.difference(&t).collect();
            assert!(
                only_theirs.is_empty() && only_ours.is_empty(),
                "{args:?}: netstat only {only_theirs:#?}\nrnetstat only {only_ours:#?}"
            );
            assert_eq!(
                theirs.lines().count(),
                ours.lines().count(),
                "{args:?}: line count"
            );
        }
    });
}

#[test]
fn proc_fallback_agrees_with_netlink() {
    in_netns("proc_fallback_agrees_with_netlink", || {
        let z = zoo::build();
        let key = |s: &Value| {
            let ep = |v: &Value| {
                if v.is_null() {
                    String::new()
                } else {
                    endpoint(v).to_string()
                }
            };
            let send_q = if s["state"] == "LISTEN" && s["proto"] != "unix" {
                0
            } else {
                field(s, "send_q")
            };
            format!(
                "{} {} {} {} {} {} {} {}",
                s["proto"],
                s["state"],
                ep(&s["local"]),
                ep(&s["remote"]),
                s["inode"],
                field(s, "recv_q"),
                send_q,
                s["uid"]
            )
        };
        // This kernel may lack raw_diag: "auto" then reads raw from /proc too, while
        // "--source netlink" refuses (tested below).
        let (nl, _) = json_sockets(&["-tuwa"]);
        let (pr, _) = json_sockets(&["-tuwa", "--source", "proc"]);
        let nl: BTreeSet<String> = nl.iter().map(key).collect();
        let pr: BTreeSet<String> = pr.iter().map(key).collect();
        assert_eq!(nl, pr);
        // /proc reports a listener's Send-Q as 0; sock_diag reports the backlog.
        let (pr_socks, _) = json_sockets(&["-tl", "--source", "proc"]);
        assert_eq!(field(by_inode(&pr_socks, z.listener), "send_q"), 0);
        let (nl_only, _) = json_sockets(&["-tua", "--source", "netlink"]);
        let (pr_tu, _) = json_sockets(&["-tua", "--source", "proc"]);
        assert_eq!(
            nl_only.iter().map(key).collect::<BTreeSet<_>>(),
            pr_tu.iter().map(key).collect::<BTreeSet<_>>()
        );
        // Unix sockets from /proc: same inodes, types and states.
        let ukey = |s: &Value| format!("{} {} {} {}", s["inode"], s["type"], s["state"], s["path"]);
        let (a, _) = json_sockets(&["-xa", "--source", "netlink"]);
        let (b, _) = json_sockets(&["-xa", "--source", "proc"]);
        // /proc also lists the server half of the unaccepted connection (inode 0), which
        // unix_diag never dumps.
        let (embryos, b): (Vec<Value>, Vec<Value>) = b.into_iter().partition(|s| s["inode"] == 0);
        assert_eq!(embryos.len(), 1);
        assert_eq!(
            (embryos[0]["state"].as_str(), embryos[0]["path"].as_str()),
            (Some("SYN_SENT"), Some(z.unix_listener_path.as_str()))
        );
        assert_eq!(
            a.iter().map(ukey).collect::<BTreeSet<_>>(),
            b.iter().map(ukey).collect::<BTreeSet<_>>()
        );
    });
}

#[test]
fn listening_and_connected_selection() {
    in_netns("listening_and_connected_selection", || {
        let z = zoo::build();
        let (l, _) = json_sockets(&["-tl"]);
        assert!(
            l.iter().all(|s| s["state"] == "LISTEN"),
            "-l shows listeners only"
        );
        assert!(l.iter().any(|s| s["inode"] == z.listener));
        let (c, _) = json_sockets(&["-t"]);
        assert!(
            c.iter().all(|s| s["state"] != "LISTEN"),
            "default hides listeners"
        );
        assert!(c.iter().any(|s| s["inode"] == z.unread_server));
        let (v4, _) = json_sockets(&["-t4a"]);
        assert!(v4.iter().all(|s| s["family"] == "inet"));
        let (v6, _) = json_sockets(&["-t6a"]);
        assert!(!v6.is_empty() && v6.iter().all(|s| s["family"] == "inet6"));
        let (x, _) = json_sockets(&["-xl"]);
        assert!(
            x.iter()
                .all(|s| s["proto"] == "unix" && s["state"] == "LISTEN")
        );
        assert_eq!(x.len(), 2, "the path and abstract listeners");
    });
}

#[test]
fn unprivileged_programs_show_what_can_be_seen() {
    if !require("setpriv", "unprivileged_programs_show_what_can_be_seen") {
        return;
    }
    in_netns("unprivileged_programs_show_what_can_be_seen", || {
        let z = zoo::build();
        // As nobody, root's processes cannot be read: netstat's notice, and "-" owners.
        let o = std::process::Command::new("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                BIN,
                "-tanp",
                "--json",
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("(Not all processes could be identified"),
            "{err}"
        );
        let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
        let socks = doc["sockets"].as_array().unwrap();
        assert_eq!(
            by_inode(socks, z.listener)["processes"],
            Value::Array(vec![])
        );
    });
}

#[test]
fn table_format_lists_the_zoo() {
    in_netns("table_format_lists_the_zoo", || {
        let z = zoo::build();
        let out = run_ok(&["-tuxan", "--format", "table"]);
        assert!(out.starts_with("Internet sockets\n"), "{out}");
        assert!(out.contains("UNIX domain sockets"), "{out}");
        assert!(
            !out.contains('\x1b'),
            "no colour when stdout is not a terminal"
        );
        assert!(out.contains(&z.unix_listener_path), "{out}");
        assert!(
            out.contains("SYN_SENT") && out.contains("TIME_WAIT"),
            "{out}"
        );
        let inet = out.split("UNIX domain sockets").next().unwrap();
        let rows = inet.lines().filter(|l| l.contains("ESTABLISHED")).count();
        let (socks, _) = json_sockets(&["-tua"]);
        let est = socks.iter().filter(|s| s["state"] == "ESTABLISHED").count();
        assert_eq!(rows, est, "one table row per established inet socket");
    });
}
