//! The stack's timers: an idle ESTABLISHED connection lives (RFC 9293 §3.8.4: no timeout
//! without keep-alive), and `--keepalive SECS` probes an idle peer that answers, so the
//! connection lives on with the probes counted on the kernel's side.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{eventually, in_netns};
use crate::stack::{Stack, connect, pair_of};

/// The pair for `local` once both ends are ESTABLISHED with nothing queued.
fn settled(stack: &Stack, local: std::net::SocketAddr) -> Value {
    eventually("both ends ESTABLISHED and idle", 10, || {
        let p = pair_of(&stack.compare(), local)?;
        (p["kernel"]["state"] == "ESTABLISHED"
            && p["userspace"]["state"] == "ESTABLISHED"
            && p["kernel"]["send_q"] == 0
            && p["userspace"]["send_q"] == 0)
            .then_some(p)
    })
}

fn segs_in(p: &Value) -> u64 {
    p["kernel"]["tcp_info"]["segs_in"]
        .as_u64()
        .expect("kernel segs_in")
}

/// Three minutes of silence on an echo connection: both ends still ESTABLISHED, not one
/// segment exchanged meanwhile, and the connection still echoes.
#[test]
fn idle_connection_lives_three_minutes() {
    in_netns("idle_connection_lives_three_minutes", || {
        let stack = Stack::start(&[]);
        let mut k = connect(7);
        k.write_all(b"before").unwrap();
        let mut back = [0u8; 6];
        k.read_exact(&mut back).unwrap();
        assert_eq!(&back, b"before");
        let local = k.local_addr().unwrap();
        let first = settled(&stack, local);
        let start = Instant::now();
        // Looked at every 30 s, as a user would; each look is a control-socket query, not
        // traffic on the connection.
        while start.elapsed() < Duration::from_secs(180) {
            std::thread::sleep(Duration::from_secs(30));
            let p = pair_of(&stack.compare(), local).unwrap_or_else(|| {
                panic!(
                    "the idle connection vanished after {} s",
                    start.elapsed().as_secs()
                )
            });
            assert_eq!(p["kernel"]["state"], "ESTABLISHED", "{p}");
            assert_eq!(p["userspace"]["state"], "ESTABLISHED", "{p}");
        }
        let last = pair_of(&stack.compare(), local).expect("pair after 3 minutes");
        assert_eq!(
            segs_in(&last),
            segs_in(&first),
            "no keep-alive is on, so the stack sent nothing while idle"
        );
        k.write_all(b"after").unwrap();
        let mut back = [0u8; 5];
        k.read_exact(&mut back).unwrap();
        assert_eq!(&back, b"after");
    });
}

/// `--keepalive 1`: the stack probes its idle peer about once a second; the kernel answers
/// each probe, so after 6 s of silence the kernel has received probes and the connection is
/// ESTABLISHED on both ends (a peer silent for 4 s would have been dropped).
#[test]
fn keepalive_probes_an_idle_peer_that_answers() {
    in_netns("keepalive_probes_an_idle_peer_that_answers", || {
        let stack = Stack::start(&["--keepalive", "1"]);
        let mut k = connect(7);
        k.write_all(b"x").unwrap();
        let mut back = [0u8; 1];
        k.read_exact(&mut back).unwrap();
        let local = k.local_addr().unwrap();
        let first = settled(&stack, local);
        std::thread::sleep(Duration::from_secs(6));
        let p = pair_of(&stack.compare(), local).expect("the connection lives");
        assert_eq!(p["userspace"]["state"], "ESTABLISHED", "{p}");
        assert_eq!(p["kernel"]["state"], "ESTABLISHED", "{p}");
        let probes = segs_in(&p) - segs_in(&first);
        assert!(
            (3..=10).contains(&probes),
            "about one probe a second for 6 s, got {probes}"
        );
    });
}

/// A keep-alive interval that is not a number of seconds is a usage error, not a panic.
#[test]
fn keepalive_rejects_garbage() {
    let o = std::process::Command::new(crate::common::BIN)
        .args(["stack", "--keepalive", "soon"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--keepalive: 'soon' is not a number of seconds"),
        "{err}"
    );
}
