//! ss-depth inspection against the real kernel, each test in its own namespace: filter
//! expressions select exactly what ss selects (in the kernel and in userspace), tcp_info
//! agrees with `ss -ti` on a quiet connection, memory, extended fields, summary, kill,
//! packet/netlink/MPTCP sockets.
#![allow(unsafe_code)]

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::Command;
use std::thread;
use std::time::Duration;

use serde_json::Value;

use crate::common::{self, endpoint, in_netns, json_sockets, require, run};

/// `ss ARGS` → the set of "local peer" it lists (ss's addresses normalised). ss drops its
/// State column when a filter leaves one state, so states are not compared here; the
/// state filters are still checked through which connections they select.
fn ss_set(args: &[&str]) -> BTreeSet<String> {
    let o = Command::new("ss").args(args).output().expect("run ss");
    assert!(
        o.status.success(),
        "ss {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let n = f.len();
            format!(
                "{} {}",
                common::ss_addr(f[n - 2]),
                common::ss_addr(f[n - 1])
            )
        })
        .collect()
}

/// rnetstat's JSON for ARGS → the same set.
fn rn_set(args: &[&str]) -> BTreeSet<String> {
    json_sockets(args)
        .0
        .iter()
        .map(|s| format!("{} {}", endpoint(&s["local"]), endpoint(&s["remote"])))
        .collect()
}

/// Listeners, connections and a TIME_WAIT over both families.
struct Zoo {
    _keep: Vec<Box<dyn Send>>,
}

fn zoo() -> Zoo {
    let mut keep: Vec<Box<dyn Send>> = Vec::new();
    let l1 = TcpListener::bind("127.0.0.1:8080").unwrap();
    let l2 = TcpListener::bind("[::1]:8443").unwrap();
    let l3 = TcpListener::bind("127.0.0.2:22").unwrap();
    for _ in 0..3 {
        keep.push(Box::new(TcpStream::connect("127.0.0.1:8080").unwrap()));
        keep.push(Box::new(l1.accept().unwrap().0));
    }
    keep.push(Box::new(TcpStream::connect("[::1]:8443").unwrap()));
    keep.push(Box::new(l2.accept().unwrap().0));
    let mut c = TcpStream::connect("127.0.0.2:22").unwrap();
    c.write_all(&[7; 100]).unwrap();
    keep.push(Box::new(c));
    keep.push(Box::new(l3.accept().unwrap().0));
    // The client closes first: TIME_WAIT on its side.
    let t = TcpStream::connect("127.0.0.1:8080").unwrap();
    let (mut a, _) = l1.accept().unwrap();
    drop(t);
    let mut b = [0u8; 1];
    let _ = a.read(&mut b);
    drop(a);
    keep.push(Box::new(UdpSocket::bind("127.0.0.1:5353").unwrap()));
    keep.push(Box::new(l1));
    keep.push(Box::new(l2));
    keep.push(Box::new(l3));
    Zoo { _keep: keep }
}

const EXPRESSIONS: &[&str] = &[
    "dport = :8080",
    "sport = :8080 or dport = :22",
    "src 127.0.0.2",
    "dst 127.0.0.0/8 and not dport = :8080",
    "sport >= :8000",
    "sport > :8080 and sport lt :9000",
    "( dport = :8443 or sport = :8443 )",
    "! ( sport = :8080 || sport = :8443 ) && ! dport = :8080",
    "dst [::1]",
    "src [::1]:8443",
    "dport != :8080 and dport ne :8443",
    "autobound",
    "state established",
    "state listening",
    "state time-wait",
    "state connected dport = :8080",
    "state synchronized",
    "exclude established",
    "exclude listening exclude time-wait sport le :8443",
    "state bucket",
    "state big",
];

/// Each expression selects exactly the sockets ss selects, whether the kernel runs it as
/// bytecode or rnetstat runs it itself.
#[test]
fn filters_select_what_ss_selects() {
    if !require("ss", "filters_select_what_ss_selects") {
        return;
    }
    in_netns("filters_select_what_ss_selects", || {
        let _z = zoo();
        for expr in EXPRESSIONS {
            let words: Vec<&str> = expr.split_whitespace().collect();
            let mut ss_args = vec!["-tanH"];
            ss_args.extend(&words);
            let want = ss_set(&ss_args);
            let mut args = vec!["-tan"];
            args.extend(&words);
            let got = rn_set(&args);
            assert_eq!(got, want, "kernel bytecode: {expr}");
            args.push("--userspace-filter");
            assert_eq!(rn_set(&args), want, "userspace: {expr}");
            if !expr.starts_with("state") && !expr.starts_with("exclude") {
                assert!(
                    !want.is_empty() || *expr == "state bucket",
                    "{expr} selects nothing"
                );
            }
        }
    });
}

#[test]
fn filter_file_and_errors() {
    in_netns("filter_file_and_errors", || {
        let _z = zoo();
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(
            &f,
            "# web traffic\nstate established\n( dport = :8080\n or sport = :8080 )\n",
        )
        .unwrap();
        let from_file = rn_set(&["-tan", "-F", f.to_str().unwrap()]);
        let inline = rn_set(&[
            "-tan",
            "state",
            "established",
            "( dport = :8080 or sport = :8080 )",
        ]);
        assert_eq!(from_file, inline);
        assert_eq!(from_file.len(), 6);
    });
    for (args, token) in [
        (&["-t", "state", "establish"][..], "establish"),
        (&["-t", "dport", ">", ":notaport"], ":notaport"),
        (&["-t", "sport = :1 or )"], ")"),
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        // The message shows the expression and carets under the bad token.
        let lines: Vec<&str> = err.lines().collect();
        let caret_line = lines
            .iter()
            .find(|l| l.trim_start().starts_with('^'))
            .unwrap();
        let expr_line = lines[lines.len() - 2];
        let at = caret_line.find('^').unwrap();
        assert_eq!(&expr_line[at..at + token.len()], token, "{err}");
    }
    let o = run(&["-K"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--kill needs a filter"));
}

/// `ss -tin` as key → value for the one connection whose local port is `port`.
fn ss_info(port: u16) -> std::collections::HashMap<String, String> {
    let o = Command::new("ss")
        .args(["-tinH", &format!("sport = :{port}")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let mut m = std::collections::HashMap::new();
    for tok in text.split_whitespace() {
        if let Some((k, v)) = tok.split_once(':') {
            m.insert(k.to_string(), v.to_string());
        }
    }
    m
}

/// On a connection that has gone quiet, every tcp_info field that cannot move while idle
/// equals what `ss -ti` shows.
#[test]
fn tcp_info_matches_ss_on_a_quiet_connection() {
    if !require("ss", "tcp_info_matches_ss_on_a_quiet_connection") {
        return;
    }
    in_netns("tcp_info_matches_ss_on_a_quiet_connection", || {
        let l = TcpListener::bind("127.0.0.1:7070").unwrap();
        let mut c = TcpStream::connect("127.0.0.1:7070").unwrap();
        let (mut a, _) = l.accept().unwrap();
        c.write_all(&[1; 1000]).unwrap();
        let mut buf = [0u8; 1000];
        a.read_exact(&mut buf).unwrap();
        a.write_all(&[2; 300]).unwrap();
        c.read_exact(&mut buf[..300]).unwrap();
        thread::sleep(Duration::from_millis(300)); // delayed ACKs go out
        let port = c.local_addr().unwrap().port();
        let (socks, _) = json_sockets(&["-tn", "--info", &format!("sport = :{port}")]);
        assert_eq!(socks.len(), 1);
        let i = &socks[0]["tcp_info"];
        let ss = ss_info(port);
        let num = |k: &str| {
            ss.get(k)
                .unwrap_or_else(|| panic!("ss has no {k}: {ss:?}"))
                .parse::<u64>()
                .unwrap()
        };
        for (ours, theirs) in [
            ("bytes_sent", "bytes_sent"),
            ("bytes_acked", "bytes_acked"),
            ("bytes_received", "bytes_received"),
            ("segs_out", "segs_out"),
            ("segs_in", "segs_in"),
            ("data_segs_out", "data_segs_out"),
            ("data_segs_in", "data_segs_in"),
            ("snd_mss", "mss"),
            ("advmss", "advmss"),
            ("rcv_mss", "rcvmss"),
            ("pmtu", "pmtu"),
            ("snd_cwnd", "cwnd"),
            ("rcv_space", "rcv_space"),
            ("snd_wnd", "snd_wnd"),
            ("delivered", "delivered"),
        ] {
            assert_eq!(i[ours].as_u64(), Some(num(theirs)), "{ours} vs ss {theirs}");
        }
        assert_eq!(i["bytes_acked"], 1001, "the SYN counts");
        assert_eq!(i["bytes_received"], 300);
        let ws = ss["wscale"].split_once(',').unwrap();
        assert_eq!(i["snd_wscale"].to_string(), ws.0);
        assert_eq!(i["rcv_wscale"].to_string(), ws.1);
        // rto is microseconds in JSON, milliseconds in ss.
        assert_eq!(i["rto"].as_u64().unwrap() / 1000, num("rto"));
        let algo = socks[0]["congestion"]["algorithm"].as_str().unwrap();
        let ss_text = String::from_utf8_lossy(
            &Command::new("ss")
                .args(["-tinH", &format!("sport = :{port}")])
                .output()
                .unwrap()
                .stdout,
        )
        .into_owned();
        assert!(
            ss_text.split_whitespace().any(|w| w == algo),
            "{algo} not in {ss_text}"
        );
        // The text form carries the same line.
        let text = common::run_ok(&["-tn", "--info", &format!("sport = :{port}")]);
        assert!(text.contains("bytes_acked:1001"), "{text}");
        assert!(text.contains("\t"), "{text}");
    });
}

/// -m: the receive queue's memory, exactly as ss -m reads it; -ee and JSON -e fields.
#[test]
fn memory_and_extended_fields() {
    in_netns("memory_and_extended_fields", || {
        let l = TcpListener::bind("127.0.0.1:7071").unwrap();
        let c = TcpStream::connect("127.0.0.1:7071").unwrap();
        let (mut a, _) = l.accept().unwrap();
        a.write_all(&[3; 5000]).unwrap();
        let port = c.local_addr().unwrap().port();
        // SO_MARK (root) so fwmark shows and filters.
        let mark: libc::c_int = 7;
        // SAFETY: setsockopt with a valid fd and a c_int of the right size.
        let rc = unsafe {
            libc::setsockopt(
                c.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_MARK,
                (&mark as *const libc::c_int).cast(),
                4,
            )
        };
        assert_eq!(rc, 0);
        c.shutdown(Shutdown::Write).unwrap();
        let v6 = socket2::Socket::new(socket2::Domain::IPV6, socket2::Type::STREAM, None).unwrap();
        v6.set_only_v6(true).unwrap();
        v6.bind(&"[::]:7072".parse::<std::net::SocketAddr>().unwrap().into())
            .unwrap();
        v6.listen(1).unwrap();
        thread::sleep(Duration::from_millis(100));
        let (socks, _) = json_sockets(&["-tan", "-m", "-e", &format!("sport = :{port}")]);
        assert_eq!(socks.len(), 1);
        let s = &socks[0];
        assert_eq!(s["recv_q"], 5000);
        let mem = &s["skmem"];
        assert!(mem["rmem_alloc"].as_u64().unwrap() >= 5000, "{mem}");
        assert!(mem["rcvbuf"].as_u64().unwrap() > 0);
        assert_eq!(s["fwmark"], 7);
        assert_eq!(s["shutdown"], 2, "send side shut");
        assert!(s["cookie"].as_u64().unwrap() != 0);
        assert!(
            s["cgroup"].as_str().is_some_and(|p| p.starts_with('/')),
            "{s}"
        );
        // ss -m reads the same counters.
        let o = Command::new("ss")
            .args(["-tmnH", &format!("sport = :{port}")])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        let r = text
            .split("skmem:(r")
            .nth(1)
            .and_then(|t| t.split(',').next())
            .unwrap();
        assert_eq!(mem["rmem_alloc"].to_string(), r);
        // fwmark filters: exactly the marked socket (needs CAP_NET_ADMIN: we are root).
        let (marked, _) = json_sockets(&["-tan", "fwmark = 7"]);
        assert_eq!(marked.len(), 1);
        assert_eq!(endpoint(&marked[0]["local"]).port(), port);
        let (v6l, _) = json_sockets(&["-tln", "-e", "sport = :7072"]);
        assert_eq!(v6l[0]["v6only"], true);
        let text = common::run_ok(&["-tn", "-ee", "-m", &format!("sport = :{port}")]);
        assert!(
            text.contains("fwmark:0x7") && text.contains("<--") && text.contains("skmem:(r"),
            "{text}"
        );
        drop((l, a));
    });
}

/// --summary counts what the listing would show.
#[test]
fn summary_counts() {
    in_netns("summary_counts", || {
        let _z = zoo();
        let doc: Value =
            serde_json::from_str(&common::run_ok(&["-t", "--summary", "--json"])).unwrap();
        let tcp = &doc["protocols"]["tcp"];
        // 3 listeners, 5 connections (10 sockets), 1 TIME_WAIT.
        assert_eq!(tcp["states"]["LISTEN"], 3);
        assert_eq!(tcp["states"]["ESTABLISHED"], 10);
        assert_eq!(tcp["states"]["TIME_WAIT"], 1);
        assert_eq!(tcp["total"], 14);
        assert_eq!(tcp["ipv6"], 3);
        let text = common::run_ok(&["-t", "--summary"]);
        assert!(text.contains("TCP       14 "), "{text}");
    });
}

/// --kill closes exactly the selected connections and the owners see them aborted.
#[test]
fn kill_closes_the_selected_sockets() {
    in_netns("kill_closes_the_selected_sockets", || {
        let l = TcpListener::bind("127.0.0.1:9090").unwrap();
        let other = TcpListener::bind("127.0.0.1:9091").unwrap();
        let mut victims = Vec::new();
        for _ in 0..2 {
            victims.push(TcpStream::connect("127.0.0.1:9090").unwrap());
            victims.push(l.accept().unwrap().0);
        }
        let keep = TcpStream::connect("127.0.0.1:9091").unwrap();
        let _k2 = other.accept().unwrap();
        let out = common::run_ok(&["-t", "-K", "dport = :9090"]);
        assert!(out.contains("2 closed, 0 not closed"), "{out}");
        let mut b = [0u8; 1];
        let e = victims[0].read(&mut b).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ECONNABORTED), "{e}");
        let e = victims[1].read(&mut b).unwrap_err();
        assert_eq!(
            e.raw_os_error(),
            Some(libc::ECONNRESET),
            "the peer got a reset: {e}"
        );
        // Only the other connection is left.
        let left = rn_set(&["-tn"]);
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(left.iter().all(|k| k.contains(":9091")), "{left:?}");
        assert!(keep.peer_addr().is_ok());
    });
}

/// Packet, netlink and MPTCP sockets, with the decoders the crate lacks.
#[test]
fn packet_netlink_and_mptcp_sockets() {
    in_netns("packet_netlink_and_mptcp_sockets", || {
        // SAFETY: plain socket(2) calls; each fd is owned right away.
        let (pkt, nl, mp) = unsafe {
            (
                OwnedFd::from_raw_fd(libc::socket(
                    libc::AF_PACKET,
                    libc::SOCK_DGRAM,
                    i32::from((libc::ETH_P_ARP as u16).to_be()),
                )),
                OwnedFd::from_raw_fd(libc::socket(
                    libc::AF_NETLINK,
                    libc::SOCK_RAW,
                    libc::NETLINK_ROUTE,
                )),
                libc::socket(libc::AF_INET, libc::SOCK_STREAM, 262),
            )
        };
        let (socks, _) = json_sockets(&["--packet"]);
        let p = common::by_inode(&socks, common::inode(&pkt));
        assert_eq!(p["proto"], "packet");
        assert_eq!(p["link"]["protocol"], libc::ETH_P_ARP);
        assert_eq!(p["type"], "dgram");
        // A netlink socket is listed once bound; port id 0 asks the kernel to pick one.
        // SAFETY: a zeroed sockaddr_nl with its family set, correctly sized.
        unsafe {
            let mut sa: libc::sockaddr_nl = std::mem::zeroed();
            sa.nl_family = libc::AF_NETLINK as u16;
            let len = std::mem::size_of::<libc::sockaddr_nl>() as u32;
            assert_eq!(
                libc::bind(
                    nl.as_raw_fd(),
                    (&sa as *const libc::sockaddr_nl).cast(),
                    len
                ),
                0
            );
        }
        let (socks, _) = json_sockets(&["--netlink"]);
        let n = common::by_inode(&socks, common::inode(&nl));
        assert_eq!(n["link"]["protocol"], 0, "NETLINK_ROUTE");
        let text = common::run_ok(&["--netlink"]);
        assert!(
            text.contains("Active netlink sockets") && text.contains("rtnl:"),
            "{text}"
        );
        if mp < 0 {
            eprintln!("MPTCP part skipped: socket(IPPROTO_MPTCP) failed (kernel without MPTCP)");
            return;
        }
        // SAFETY: mp is a fresh socket fd.
        let mp = unsafe { OwnedFd::from_raw_fd(mp) };
        let addr = libc::sockaddr_in {
            sin_family: libc::AF_INET as u16,
            sin_port: 6060u16.to_be(),
            sin_addr: libc::in_addr {
                s_addr: u32::from_ne_bytes([127, 0, 0, 1]),
            },
            sin_zero: [0; 8],
        };
        // SAFETY: bind/listen on our fd with a correctly sized sockaddr_in.
        unsafe {
            assert_eq!(
                libc::bind(
                    mp.as_raw_fd(),
                    (&addr as *const libc::sockaddr_in).cast(),
                    16
                ),
                0
            );
            assert_eq!(libc::listen(mp.as_raw_fd(), 4), 0);
        }
        let (socks, _) = json_sockets(&["--mptcp", "-ln"]);
        assert_eq!(socks.len(), 1, "{socks:?}");
        assert_eq!(socks[0]["proto"], "mptcp");
        assert_eq!(socks[0]["state"], "LISTEN");
        assert_eq!(endpoint(&socks[0]["local"]).port(), 6060);
    });
}

/// -o in JSON includes TIME_WAIT's expiry.
#[test]
fn time_wait_expiry_in_json() {
    in_netns("time_wait_expiry_in_json", || {
        let _z = zoo();
        let (socks, _) = json_sockets(&["-tan", "-o", "state", "time-wait"]);
        assert_eq!(socks.len(), 1);
        let t = &socks[0]["timer"];
        assert_eq!(t["timer"], "timewait");
        let ms = t["expires_ms"].as_u64().unwrap();
        assert!(ms > 0 && ms <= 60_000, "{t}");
        let text = common::run_ok(&["-tano", "state", "time-wait"]);
        assert!(text.contains("timewait ("), "{text}");
    });
}
