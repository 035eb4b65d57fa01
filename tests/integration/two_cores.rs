//! Big tables take the two-core paths (a receive thread one datagram ahead, and the IPv6
//! TCP dump beside the IPv4 one: formatted there by a fork of the sink for numeric text,
//! else spilled to a temporary file until its turn; `--peer`'s held collection made into
//! rows in two halves, the second by a fork). Whatever path is taken, the bytes
//! printed must be exactly those of a run pinned to one core (which takes neither), in
//! text and in JSON, and every socket must be listed.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::process::Command;

use crate::common::{BIN, in_netns};

/// Pairs per family: above the 2,000-row threshold in each, and 8,402 sockets in all,
/// above the 8,192 from which `--peer` makes its rows in two halves.
const PAIRS: usize = 2_100;

fn pairs(at: SocketAddr) -> (TcpListener, Vec<TcpStream>) {
    let l = TcpListener::bind(at).unwrap();
    let to = l.local_addr().unwrap();
    let mut held = Vec::new();
    for _ in 0..PAIRS {
        held.push(TcpStream::connect(to).unwrap());
        held.push(l.accept().unwrap().0);
    }
    (l, held)
}

fn run(pinned: bool, args: &[&str]) -> Vec<u8> {
    let o = if pinned {
        Command::new("taskset")
            .args(["-c", "0", BIN])
            .args(args)
            .output()
    } else {
        Command::new(BIN).args(args).output()
    }
    .expect("run rnetstat");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o.stdout
}

#[test]
fn two_core_paths_print_what_one_core_prints() {
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        eprintln!("skipping two_core_paths_print_what_one_core_prints: one core");
        return;
    }
    if Command::new("taskset").arg("-V").output().is_err() {
        eprintln!("skipping two_core_paths_print_what_one_core_prints: no taskset (util-linux)");
        return;
    }
    in_netns("two_core_paths_print_what_one_core_prints", || {
        let v4 = pairs((Ipv4Addr::LOCALHOST, 0).into());
        let v6 = pairs((Ipv6Addr::LOCALHOST, 0).into());
        let sockets = 2 * (2 * PAIRS + 1);
        for args in [
            &["-tan"][..],
            &["-tane"],
            &["-tano"],
            &["-tanp"],
            &["-tanp", "--peer"],
            &["-tan", "--json"],
            &["-tan", "--summary"],
            &["-tln"],
        ] {
            let two = run(false, args);
            let one = run(true, args);
            assert!(
                two == one,
                "{args:?}: the two-core output differs from one core's"
            );
            if args == ["-tan"] {
                let rows = String::from_utf8_lossy(&two).lines().count() - 2;
                assert_eq!(rows, sockets);
            }
        }
        drop((v4, v6));
    });
}
