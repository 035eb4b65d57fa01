//! netstat's other views against the real kernel, each test in its own namespace with
//! veth pairs, addresses and multicast memberships it creates: exact counters, flags and
//! reference counts in JSON, and the text equal to netstat's.

use std::net::{Ipv4Addr, Ipv6Addr, UdpSocket};

use serde_json::Value;

use crate::common::{in_netns, ip, require, run_ok, same_as_netstat};

fn json(args: &[&str], key: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(&run_ok(args)).expect("JSON");
    assert_eq!(v["warnings"], Value::Array(vec![]), "{v}");
    v[key].as_array().expect("array").clone()
}

#[test]
fn interfaces_count_exactly_and_match_netstat() {
    if !require("netstat", "interfaces_count_exactly_and_match_netstat") {
        return;
    }
    in_netns("interfaces_count_exactly_and_match_netstat", || {
        // va is up without a carrier (its peer is down), so nothing moves on it.
        ip("link add va type veth peer name vb");
        ip("link set va mtu 1400 up");
        ip("link add vc10 type veth peer name vc2");
        // Five 100-byte datagrams over lo: 128 bytes each with the IP and UDP headers.
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        for _ in 0..5 {
            tx.send_to(&[7u8; 100], rx.local_addr().unwrap()).unwrap();
        }
        let list = json(&["-i", "--json"], "interfaces");
        let names: Vec<&str> = list.iter().map(|i| i["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            ["lo", "va"],
            "only interfaces that are up, without -a"
        );
        let lo = &list[0];
        assert_eq!(lo["mtu"], 65536);
        assert_eq!(
            lo["flags"],
            serde_json::json!(["UP", "LOOPBACK", "RUNNING"])
        );
        for (k, v) in [
            ("rx_packets", 5),
            ("tx_packets", 5),
            ("rx_bytes", 640),
            ("tx_bytes", 640),
        ] {
            assert_eq!(lo["counters"][k], v, "lo {k}");
        }
        assert_eq!(list[1]["mtu"], 1400);
        assert_eq!(
            list[1]["flags"],
            serde_json::json!(["UP", "BROADCAST", "MULTICAST"])
        );
        let all = json(&["-ia", "--json"], "interfaces");
        let names: Vec<&str> = all.iter().map(|i| i["name"].as_str().unwrap()).collect();
        // netstat's order: by name, trailing numbers compared as numbers.
        assert_eq!(names, ["lo", "va", "vb", "vc2", "vc10"]);
        same_as_netstat(&["-i"]);
        same_as_netstat(&["-ia"]);

        // The long form: addresses, hardware, queue length.
        ip("addr add 10.8.0.1/24 brd + dev va");
        ip("addr add fd08::1/64 dev va nodad");
        ip("link set va address 02:00:00:00:08:01 txqueuelen 77");
        let long = json(&["-ie", "--json"], "interfaces");
        let d = &long[1]["details"];
        assert_eq!(d["hw_type"], 1, "ARPHRD_ETHER");
        assert_eq!(d["txqueuelen"], 77);
        assert_eq!(
            d["inet"],
            serde_json::json!({"address": "10.8.0.1", "netmask": "255.255.255.0",
                               "broadcast": "10.8.0.255", "destination": "10.8.0.1"})
        );
        assert_eq!(
            d["inet6"][0],
            serde_json::json!({"address": "fd08::1", "prefix_len": 64, "scope": 0})
        );
        assert_eq!(
            long[0]["details"]["inet6"][0]["scope"], 0x10,
            "::1 is host scope"
        );
        let text = run_ok(&["-ie"]);
        assert!(
            text.contains("        ether 02:00:00:00:08:01  txqueuelen 77  (Ethernet)\n"),
            "{text}"
        );
        same_as_netstat(&["-ie"]);
        same_as_netstat(&["-iea"]);
    });
}

#[test]
fn groups_have_exact_refcounts_and_match_netstat() {
    if !require("netstat", "groups_have_exact_refcounts_and_match_netstat") {
        return;
    }
    in_netns("groups_have_exact_refcounts_and_match_netstat", || {
        ip("link add va type veth peer name vb");
        ip("addr add 10.9.0.1/24 dev va");
        ip("link set va up");
        ip("link set vb up");
        let index = rnetstat::sys::net::if_index("va").unwrap() as u32;
        let g4 = Ipv4Addr::new(239, 1, 2, 3);
        let g6: Ipv6Addr = "ff15::99".parse().unwrap();
        let a = UdpSocket::bind("0.0.0.0:0").unwrap();
        let b = UdpSocket::bind("0.0.0.0:0").unwrap();
        a.join_multicast_v4(&g4, &Ipv4Addr::new(10, 9, 0, 1))
            .unwrap();
        b.join_multicast_v4(&g4, &Ipv4Addr::new(10, 9, 0, 1))
            .unwrap();
        let c = UdpSocket::bind("[::]:0").unwrap();
        c.join_multicast_v6(&g6, index).unwrap();
        let list = json(&["-g", "--json"], "groups");
        let find = |iface: &str, group: &str| {
            list.iter()
                .find(|m| m["interface"] == iface && m["group"] == group)
                .unwrap_or_else(|| panic!("{iface} {group} not in {list:?}"))
        };
        assert_eq!(find("va", "239.1.2.3")["refcnt"], 2);
        assert_eq!(find("va", "239.1.2.3")["family"], "inet");
        assert_eq!(find("va", "ff15::99")["refcnt"], 1);
        assert_eq!(find("va", "ff15::99")["family"], "inet6");
        assert_eq!(find("lo", "224.0.0.1")["refcnt"], 1);
        let v6_only = json(&["-g", "-6", "--json"], "groups");
        assert!(v6_only.iter().all(|m| m["family"] == "inet6"));
        assert_eq!(
            v6_only.len(),
            list.iter().filter(|m| m["family"] == "inet6").count()
        );
        same_as_netstat(&["-gn"]);
        same_as_netstat(&["-g"]);
        drop((a, b, c));
    });
}
