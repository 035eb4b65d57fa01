//! `-r` against the kernel, in a namespace with a veth, addresses and routes made here:
//! a gateway default route, a route with advmss/window/rtt, a host route, reject and
//! blackhole routes, a route in another table, IPv6 prefix, gateway and unreachable
//! routes. JSON has their exact values from both sources; the text equals netstat's.

use serde_json::Value;

use crate::common::{in_netns, ip, require, run_ok, same_as_netstat};

fn setup() {
    for c in [
        "link add va type veth peer name vb",
        "addr add 10.1.0.1/24 dev va",
        "link set va up",
        "link set vb up",
        "addr add fd01::1/64 dev va nodad",
        "route add 10.2.0.0/16 via 10.1.0.2 advmss 1400 window 4000 rtt 96ms metric 7",
        "route add 10.2.0.0/24 via 10.1.0.3",
        "route add 10.3.3.3/32 dev va",
        "route add unreachable 10.4.0.0/16",
        "route add blackhole 10.5.0.0/16",
        "route add prohibit 10.6.0.0/16 metric 3",
        "route add 169.254.0.0/16 dev va",
        "route add 10.7.0.0/16 dev va table 100",
        "-6 route add fd02::/48 via fd01::2 metric 5",
        "-6 route add unreachable fd03::/64",
        "-6 route add default via fd01::fe",
    ] {
        ip(c);
    }
}

/// netstat's text without `-n`: compared before the IPv4 default route exists, so the
/// name lookups it makes (the resolver's address is outside the namespace) fail at once
/// instead of timing out.
fn named_text_matches_netstat() {
    if require("netstat", "routes_are_exact_and_match_netstat (names)") {
        for args in [&["-r"][..], &["-re"], &["-ree"], &["-r", "-6"]] {
            same_as_netstat(args);
        }
    }
}

fn routes(args: &[&str]) -> Vec<Value> {
    let v: Value = serde_json::from_str(&run_ok(args)).expect("JSON");
    assert_eq!(v["warnings"], Value::Array(vec![]), "{v}");
    v["routes"].as_array().expect("routes").clone()
}

fn find<'a>(list: &'a [Value], dst: &str, plen: u64) -> &'a Value {
    list.iter()
        .find(|r| r["destination"] == dst && r["prefix_len"] == plen)
        .unwrap_or_else(|| panic!("no {dst}/{plen} in {list:?}"))
}

#[test]
fn routes_are_exact_and_match_netstat() {
    in_netns("routes_are_exact_and_match_netstat", || {
        setup();
        named_text_matches_netstat();
        ip("route add default via 10.1.0.254 dev va metric 100");
        let v4 = routes(&["-r", "--json"]);
        let dsts: Vec<String> = v4
            .iter()
            .map(|r| format!("{}/{}", r["destination"].as_str().unwrap(), r["prefix_len"]))
            .collect();
        // The main table in the kernel's (trie) order; table 100 is not netstat's.
        assert_eq!(
            dsts,
            [
                "0.0.0.0/0",
                "10.1.0.0/24",
                "10.2.0.0/24",
                "10.2.0.0/16",
                "10.3.3.3/32",
                "10.4.0.0/16",
                "10.5.0.0/16",
                "10.6.0.0/16",
                "169.254.0.0/16"
            ]
        );
        let d = find(&v4, "0.0.0.0", 0);
        assert_eq!(d["gateway"], "10.1.0.254");
        assert_eq!(d["metric"], 100);
        assert_eq!(d["netstat_flags"], "UG");
        assert_eq!(d["table"], 254);
        assert_eq!(d["source"], "netlink");
        let m = find(&v4, "10.2.0.0", 16);
        assert_eq!(
            (&m["advmss"], &m["window"], &m["irtt"], &m["metric"]),
            (&1400.into(), &4000.into(), &96.into(), &7.into())
        );
        assert_eq!(m["netmask"], "255.255.0.0");
        assert_eq!(
            find(&v4, "10.3.3.3", 32)["flags"],
            serde_json::json!(["UP", "HOST"])
        );
        let u = find(&v4, "10.4.0.0", 16);
        assert_eq!(
            (&u["type"], &u["netstat_flags"]),
            (&"unreachable".into(), &"!".into())
        );
        assert_eq!(u["interface"], Value::Null);
        assert_eq!(find(&v4, "10.5.0.0", 16)["type"], "blackhole");
        assert_eq!(find(&v4, "10.1.0.0", 24)["protocol"], 2, "RTPROT_KERNEL");

        // /proc/net/route has the same routes and values.
        let proc4 = routes(&["-r", "--json", "--source", "proc"]);
        assert_eq!(proc4.len(), v4.len());
        for (a, b) in proc4.iter().zip(&v4) {
            for k in [
                "destination",
                "prefix_len",
                "gateway",
                "interface",
                "flags",
                "metric",
            ] {
                assert_eq!(a[k], b[k], "{k}: {a} / {b}");
            }
            for k in ["advmss", "window", "irtt"] {
                assert_eq!(a[k], b[k], "{k}: {a} / {b}");
            }
        }

        let v6 = routes(&["-r", "-6", "--json"]);
        let g = find(&v6, "fd02::", 48);
        assert_eq!(
            (&g["gateway"], &g["metric"]),
            (&"fd01::2".into(), &5.into())
        );
        assert_eq!(g["netstat_flags"], "UG");
        assert!(g["refcnt"].as_u64().unwrap() >= 1);
        assert_eq!(find(&v6, "fd03::", 64)["netstat_flags"], "!n");
        let nl6 = routes(&["-r", "-6", "--json", "--source", "netlink"]);
        let d6 = find(&nl6, "::", 0);
        assert_eq!(
            (&d6["gateway"], &d6["metric"]),
            (&"fd01::fe".into(), &1024.into())
        );
        assert_eq!(find(&nl6, "fd03::", 64)["netstat_flags"], "!n");
        // Every route rtnetlink has, /proc has too (it adds the kernel's null entry).
        assert_eq!(nl6.len() + 1, v6.len(), "{nl6:?}\n{v6:?}");

        if require(
            "netstat",
            "routes_are_exact_and_match_netstat (numeric text)",
        ) {
            for args in [
                &["-rn"][..],
                &["-ren"],
                &["-reen"],
                &["-rn", "-6"],
                &["-rn", "-4", "-6"],
            ] {
                same_as_netstat(args);
            }
            assert_eq!(run_ok(&["-rn", "--source", "proc"]), run_ok(&["-rn"]));
        }
    });
}
