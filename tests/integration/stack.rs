//! The userspace stack seen from both ends: `rnetstat stack` runs in the test's own
//! namespace, kernel sockets connect to its services, and the listing and `compare` must
//! report exact states and queues on both sides.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::common::{BIN, endpoint, eventually, in_netns};

pub(crate) const STACK4: &str = "10.77.0.2";

/// A `rnetstat stack` process with its own runtime directory; stopped with SIGTERM (by
/// pid) when dropped.
pub(crate) struct Stack {
    child: Child,
    dir: tempfile::TempDir,
}

impl Stack {
    /// The runtime directory is `run/` in a fresh 0755 temporary directory, made by the
    /// stack itself (so 0755: others may list it).
    pub(crate) fn start(extra: &[&str]) -> Stack {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let child = Command::new(BIN)
            .arg("stack")
            .args(extra)
            .env("RNETSTAT_RUNTIME_DIR", dir.path().join("run"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start rnetstat stack");
        let s = Stack { child, dir };
        let sock = s.control_path();
        eventually("control socket", 10, || sock.exists().then_some(()));
        s
    }

    /// `stack-PID-netINODE.sock`: the stack runs in this thread's namespace.
    pub(crate) fn control_path(&self) -> PathBuf {
        self.dir().join(format!(
            "stack-{}-net{}.sock",
            self.child.id(),
            crate::common::netns_inode()
        ))
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The stack's runtime directory.
    pub(crate) fn dir(&self) -> PathBuf {
        self.dir.path().join("run")
    }

    pub(crate) fn rnetstat(&self, args: &[&str]) -> std::process::Output {
        Command::new(BIN)
            .args(args)
            .env("RNETSTAT_RUNTIME_DIR", self.dir())
            .output()
            .expect("run rnetstat")
    }

    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let o = self.rnetstat(args);
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        serde_json::from_slice(&o.stdout).expect("JSON")
    }

    /// Both stacks' TCP sockets from `rnetstat -ta --stack all --json`.
    fn sockets(&self) -> Vec<Value> {
        let doc = self.json(&["-tua", "--stack", "all", "--json"]);
        doc["sockets"].as_array().expect("sockets").clone()
    }

    pub(crate) fn compare(&self) -> Value {
        self.json(&["compare", "--json"])
    }

    /// SIGTERM, then wait; returns whether it exited 0.
    fn stop(&mut self) -> bool {
        rustix::process::kill_process(
            rustix::process::Pid::from_child(&self.child),
            rustix::process::Signal::TERM,
        )
        .expect("kill");
        self.child.wait().expect("wait").success()
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.stop();
        }
    }
}

/// The socket of `stack` ("kernel" / "userspace") whose local endpoint is `local`.
fn find<'a>(socks: &'a [Value], stack: &str, local: SocketAddr) -> Option<&'a Value> {
    socks
        .iter()
        .find(|s| s["stack"] == stack && s["local"].is_object() && endpoint(&s["local"]) == local)
}

pub(crate) fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect((STACK4, port)).expect("connect to the stack");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

/// The pair in `compare --json` whose kernel end is `kernel_local`.
pub(crate) fn pair_of(doc: &Value, kernel_local: SocketAddr) -> Option<Value> {
    doc["connections"]
        .as_array()?
        .iter()
        .find(|c| c["kernel"].is_object() && endpoint(&c["kernel"]["local"]) == kernel_local)
        .cloned()
}

/// The hold service never reads: its Recv-Q equals its buffer, its window is zero, and the
/// kernel's Send-Q holds exactly the rest of what was written.
#[test]
fn hold_fills_the_window_and_the_kernel_keeps_the_rest() {
    in_netns(
        "hold_fills_the_window_and_the_kernel_keeps_the_rest",
        || {
            let stack = Stack::start(&["--rx-buffer", "16384"]);
            let mut k = connect(9999);
            k.set_nonblocking(true).unwrap();
            let chunk = vec![b'h'; 4096];
            let mut written = 0usize;
            // Write until the kernel's send buffer is full too.
            let mut idle = 0;
            while idle < 20 {
                match k.write(&chunk) {
                    Ok(n) => {
                        written += n;
                        idle = 0;
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        idle += 1;
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Err(e) => panic!("write: {e}"),
                }
            }
            let local = k.local_addr().unwrap();
            let (kern, user) = eventually("zero window, all bytes accounted", 10, || {
                let socks = stack.sockets();
                let kern = find(&socks, "kernel", local)?.clone();
                let user = socks
                    .iter()
                    .find(|s| {
                        s["stack"] == "userspace"
                            && s["remote"].is_object()
                            && endpoint(&s["remote"]) == local
                    })?
                    .clone();
                let total = kern["send_q"].as_u64()? + user["recv_q"].as_u64()?;
                (user["recv_q"] == 16384 && total == written as u64).then_some((kern, user))
            });
            assert_eq!(user["state"], "ESTABLISHED");
            assert_eq!(user["service"], "hold");
            assert_eq!(user["tcp_info"]["rcv_wnd"], 0);
            assert_eq!(user["tcp_info"]["bytes_received"], 16384);
            assert_eq!(kern["send_q"].as_u64().unwrap(), written as u64 - 16384);
            assert!(user["stack_pid"].as_u64().is_some());
            // compare pairs them and explains the zero window.
            let c = stack.compare();
            let p = pair_of(&c, local).expect("pair");
            assert_eq!(p["userspace"]["recv_q"], 16384);
            assert_eq!(
                p["kernel"]["tcp_info"]["snd_wnd"], 0,
                "kernel sees the zero window"
            );
            assert!(
                p["notes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|n| n.as_str().unwrap().contains("zero window")),
                "{p}"
            );
        },
    );
}

/// Echo: the bytes both sides count agree, on the wire tap and in the kernel's tcp_info.
#[test]
fn echo_counters_agree_on_both_ends() {
    in_netns("echo_counters_agree_on_both_ends", || {
        let stack = Stack::start(&[]);
        let mut k = connect(7);
        let msg = vec![b'e'; 1000];
        k.write_all(&msg).unwrap();
        let mut back = vec![0u8; 1000];
        k.read_exact(&mut back).unwrap();
        assert_eq!(back, msg);
        let local = k.local_addr().unwrap();
        let p = eventually("both ends acknowledged", 10, || {
            let p = pair_of(&stack.compare(), local)?;
            let (ki, ui) = (&p["kernel"]["tcp_info"], &p["userspace"]["tcp_info"]);
            // Linux counts the SYN in bytes_acked; the wire tap does the same.
            (ki["bytes_acked"] == 1001 && ui["bytes_acked"] == 1001).then_some(p)
        });
        let (ki, ui) = (&p["kernel"]["tcp_info"], &p["userspace"]["tcp_info"]);
        assert_eq!(ki["bytes_received"], 1000);
        assert_eq!(ui["bytes_received"], 1000);
        // Each side's announced window is what the other side sees as its send window,
        // and the window-scale shifts mirror each other.
        assert_eq!(ki["snd_wnd"], ui["rcv_wnd"]);
        assert_eq!(ui["snd_wnd"], ki["rcv_wnd"]);
        assert_eq!(ki["snd_wscale"], ui["rcv_wscale"]);
        assert_eq!(ui["snd_wscale"], ki["rcv_wscale"]);
        assert_eq!(p["kernel"]["state"], "ESTABLISHED");
        assert_eq!(p["userspace"]["state"], "ESTABLISHED");
        assert!(ui["rtt"].as_u64().unwrap() > 0);
        assert_eq!(p["kernel"]["send_q"], 0);
        assert_eq!(p["userspace"]["recv_q"], 0);
    });
}

/// qotd closes first: the kernel sits in CLOSE_WAIT beside the stack's FIN_WAIT2, and after
/// the kernel closes, the stack waits in TIME_WAIT with a running timewait timer.
#[test]
fn stack_closes_first_and_waits_in_time_wait() {
    in_netns("stack_closes_first_and_waits_in_time_wait", || {
        let stack = Stack::start(&[]);
        let mut k = connect(17);
        let mut quote = Vec::new();
        k.read_to_end(&mut quote).unwrap();
        assert!(quote.ends_with(b"\r\n") && quote.len() > 10);
        let local = k.local_addr().unwrap();
        eventually("CLOSE_WAIT beside FIN_WAIT2", 10, || {
            let p = pair_of(&stack.compare(), local)?;
            (p["kernel"]["state"] == "CLOSE_WAIT" && p["userspace"]["state"] == "FIN_WAIT2")
                .then_some(())
        });
        drop(k);
        let user = eventually("stack in TIME_WAIT", 10, || {
            let socks = stack.sockets();
            socks
                .iter()
                .find(|s| {
                    s["stack"] == "userspace"
                        && s["remote"].is_object()
                        && endpoint(&s["remote"]) == local
                        && s["state"] == "TIME_WAIT"
                })
                .cloned()
        });
        assert_eq!(user["timer"]["timer"], "timewait");
        let left = user["timer"]["expires_ms"].as_u64().unwrap();
        assert!(left > 0 && left <= 10_000, "{left}");
        let c = stack.compare();
        let lone = c["connections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["kernel"].is_null() && p["userspace"]["state"] == "TIME_WAIT")
            .expect("the stack's TIME_WAIT listed unpaired");
        assert!(lone["notes"][0].as_str().unwrap().contains("TIME_WAIT"));
    });
}

/// Half close from the kernel: FIN_WAIT2 beside CLOSE_WAIT, then the hold service closes
/// its side and the kernel ends in TIME_WAIT.
#[test]
fn kernel_half_close_then_time_wait() {
    in_netns("kernel_half_close_then_time_wait", || {
        let stack = Stack::start(&[]);
        let k = connect(9999);
        let local = k.local_addr().unwrap();
        k.shutdown(Shutdown::Write).unwrap();
        eventually("FIN_WAIT2 beside CLOSE_WAIT", 10, || {
            let p = pair_of(&stack.compare(), local)?;
            (p["kernel"]["state"] == "FIN_WAIT2" && p["userspace"]["state"] == "CLOSE_WAIT")
                .then_some(())
        });
        let mut rest = Vec::new();
        (&k).read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty());
        let kern = eventually("kernel TIME_WAIT", 10, || {
            find(&stack.sockets(), "kernel", local)
                .filter(|s| s["state"] == "TIME_WAIT")
                .cloned()
        });
        assert_eq!(kern["send_q"], 0);
    });
}

/// UDP echo over IPv6 and the stack's UDP socket in the listing.
#[test]
fn udp_echo_over_ipv6() {
    in_netns("udp_echo_over_ipv6", || {
        let stack = Stack::start(&[]);
        let u = UdpSocket::bind("[fd00:77::1]:0").expect("bind");
        u.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        u.send_to(b"datagram", "[fd00:77::2]:7").unwrap();
        let mut buf = [0u8; 64];
        let (n, from) = u.recv_from(&mut buf).expect("echo reply");
        assert_eq!(&buf[..n], b"datagram");
        assert_eq!(from, "[fd00:77::2]:7".parse::<SocketAddr>().unwrap());
        let socks = stack.sockets();
        let us = socks
            .iter()
            .find(|s| s["stack"] == "userspace" && s["proto"] == "udp")
            .expect("stack udp socket");
        assert_eq!(endpoint(&us["local"]).port(), 7);
        assert_eq!(us["recv_q"], 0);
    });
}

/// The control socket is private, refuses other users (SO_PEERCRED) and bad requests
/// with an error, and the stack carries on; on SIGTERM it removes device and socket.
#[test]
fn control_socket_is_private_and_robust() {
    in_netns("control_socket_is_private_and_robust", || {
        let mut stack = Stack::start(&[]);
        let path = stack.control_path();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        for bad in [
            "nonsense\n",
            "{\"op\":\"reboot\"}\n",
            "\u{0}\u{1}\u{2}\n",
            "\n",
        ] {
            let mut c = std::os::unix::net::UnixStream::connect(&path).unwrap();
            c.write_all(bad.as_bytes()).unwrap();
            let mut reply = String::new();
            c.read_to_string(&mut reply).unwrap();
            let v: Value = serde_json::from_str(&reply).expect("JSON error reply");
            assert!(v["error"].is_string(), "{bad:?} → {reply}");
        }
        // Another user, even with the file opened up, gets a refusal.
        std::fs::set_permissions(stack.dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let o = super::common::run_as_nobody(
            &["--stack", "user", "--json"],
            &[("RNETSTAT_RUNTIME_DIR", &stack.dir())],
        );
        let doc: Value = serde_json::from_slice(&o.stdout).expect("JSON");
        assert_eq!(doc["sockets"].as_array().unwrap().len(), 0);
        assert!(
            doc["warnings"][0]
                .as_str()
                .unwrap()
                .contains("only the stack's owner or root"),
            "{doc}"
        );
        // Still serving after all that.
        let mut k = connect(7);
        k.write_all(b"ok").unwrap();
        let mut b = [0u8; 2];
        k.read_exact(&mut b).unwrap();
        assert!(stack.stop(), "clean exit");
        assert!(!path.exists(), "control socket removed");
        let links = std::fs::read_to_string("/proc/net/dev").unwrap();
        assert!(!links.contains("rns0"), "device removed");
    });
}

/// Garbage aimed at the stack (bad TCP headers and checksums, IP fragments, a SYN flood)
/// does not kill it, and its socket table stays within --max-sockets.
#[test]
fn garbage_and_syn_flood_leave_it_serving() {
    in_netns("garbage_and_syn_flood_leave_it_serving", || {
        use socket2::{Domain, Protocol, SockAddr, Socket, Type};
        let stack = Stack::start(&["--max-sockets", "40"]);
        let raw = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::TCP)).expect("raw socket");
        let dst: SockAddr = "10.77.0.2:0".parse::<SocketAddr>().unwrap().into();
        let mut rng = rnetstat::rng::Rng::new(0x2545_f491_4f6c_dd1d);
        let mut next = || rng.next_u64();
        for i in 0..3000u32 {
            // A TCP header (the kernel adds the IP header): random, or a SYN to port 7.
            let mut seg = vec![0u8; 20 + (next() % 40) as usize];
            for b in seg.iter_mut() {
                *b = next() as u8;
            }
            if i % 2 == 0 {
                seg[2..4].copy_from_slice(&7u16.to_be_bytes());
                seg[12] = 0x50; // data offset 5
                seg[13] = 0x02; // SYN
            }
            let _ = raw.send_to(&seg, &dst);
        }
        // Fragments: a UDP datagram bigger than the MTU.
        let u = UdpSocket::bind("10.77.0.1:0").unwrap();
        let _ = u.send_to(&vec![0u8; 4000], "10.77.0.2:7");
        let snap_ok = eventually("stack answers", 10, || {
            let doc = stack.json(&["-tua", "--stack", "user", "--json"]);
            Some(doc["sockets"].as_array()?.len())
        });
        assert!(snap_ok <= 40, "{snap_ok} sockets");
        let mut k = eventually("echo after the flood", 40, || {
            TcpStream::connect((STACK4, 7)).ok()
        });
        k.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        k.write_all(b"alive").unwrap();
        let mut b = [0u8; 5];
        k.read_exact(&mut b).unwrap();
        assert_eq!(&b, b"alive");
    });
}

/// ICMP echo is answered, and with `--stack all` text and table gain a Stack column that
/// tells kernel rows from the stack's.
#[test]
fn icmp_echo_and_stack_columns() {
    in_netns("icmp_echo_and_stack_columns", || {
        use socket2::{Domain, Protocol, SockAddr, Socket, Type};
        let stack = Stack::start(&[]);
        let icmp = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4)).expect("raw icmp");
        icmp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        // Echo request, id 0x1234, seq 1, payload "rnetstat"; checksum over the message.
        let mut req = vec![8, 0, 0, 0, 0x12, 0x34, 0, 1];
        req.extend_from_slice(b"rnetstat");
        let sum = req
            .chunks(2)
            .fold(0u32, |a, c| a + u32::from(u16::from_be_bytes([c[0], c[1]])));
        let sum = !(((sum & 0xffff) + (sum >> 16)) as u16);
        req[2..4].copy_from_slice(&sum.to_be_bytes());
        let dst: SockAddr = "10.77.0.2:0".parse::<SocketAddr>().unwrap().into();
        icmp.send_to(&req, &dst).unwrap();
        let mut buf = [0u8; 256];
        let reply = eventually("echo reply", 5, || {
            let n = (&icmp).read(&mut buf).ok()?;
            let b = &buf[..n];
            let ihl = usize::from(b[0] & 0x0f) * 4;
            (b[ihl] == 0 && b[12..16] == [10, 77, 0, 2]).then(|| b[ihl..].to_vec())
        });
        assert_eq!(&reply[4..8], &[0x12, 0x34, 0, 1]);
        assert_eq!(&reply[8..], b"rnetstat");
        let _k = connect(7);
        let pid = stack.child.id();
        let text = String::from_utf8(stack.rnetstat(&["-tn", "--stack", "all"]).stdout).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].starts_with("Stack        Proto Recv-Q"), "{text}");
        assert!(
            lines.iter().any(|l| l.starts_with("kernel       tcp ")),
            "{text}"
        );
        assert!(
            lines.iter().any(|l| l.starts_with(&format!("user/{pid}"))),
            "{text}"
        );
        let table = String::from_utf8(
            stack
                .rnetstat(&["-tn", "--stack", "all", "--format", "table"])
                .stdout,
        )
        .unwrap();
        assert!(
            table.contains("Stack") && table.contains(&format!("user/{pid}")),
            "{table}"
        );
        // --stack user lists only the stack's rows.
        let user = String::from_utf8(stack.rnetstat(&["-tn", "--stack", "user"]).stdout).unwrap();
        assert_eq!(user.lines().count(), 3, "{user}");
        assert!(
            user.lines().nth(2).unwrap().contains("10.77.0.2:7"),
            "{user}"
        );
    });
}

/// `rnetstat stack` with an impaired link: a named delay holds the SYN-ACK exactly as long
/// as asked, and with random loss both ways (seeded) TCP still delivers every byte, with
/// retransmissions the kernel counts.
#[test]
fn impaired_link_delays_and_loses_but_tcp_delivers() {
    in_netns("impaired_link_delays_and_loses_but_tcp_delivers", || {
        let _stack = Stack::start(&["--delay-segment", "syn-ack:1:300", "--to-kernel"]);
        let t = std::time::Instant::now();
        let mut k = connect(7);
        let took = t.elapsed();
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(2),
            "connect took {took:?}"
        );
        k.write_all(b"ping").unwrap();
        let mut back = [0u8; 4];
        k.read_exact(&mut back).unwrap();
        assert_eq!(&back, b"ping");
    });
    in_netns(
        "impaired_link_delays_and_loses_but_tcp_delivers (loss)",
        || {
            let stack = Stack::start(&["--loss", "5", "--seed", "7"]);
            let mut k = connect(7);
            k.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            let msg: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
            let writer = {
                let mut w = k.try_clone().unwrap();
                let msg = msg.clone();
                std::thread::spawn(move || w.write_all(&msg).unwrap())
            };
            let mut back = vec![0u8; msg.len()];
            k.read_exact(&mut back).unwrap();
            writer.join().unwrap();
            assert!(back == msg, "the echo differs");
            let local = k.local_addr().unwrap();
            let p = pair_of(&stack.compare(), local).expect("the pair");
            let retrans = p["kernel"]["tcp_info"]["total_retrans"].as_u64().unwrap();
            assert!(retrans > 0, "5% loss, yet no retransmission: {p}");
        },
    );
}
