//! `--peer`: which socket on this host is at the other end of each socket. A pass over a
//! finished collection (a hash join, linear in the sockets, with no system call):
//!
//! - unix: the peer inode the kernel reports (`UNIX_DIAG_PEER`) names the other socket,
//!   in whatever network namespace it was listed (unix sockets belong to none).
//! - TCP, UDP, SCTP, MPTCP: the socket whose local and remote addresses are this one's
//!   remote and local, first in the same namespace (`local`), else in another one
//!   (`netns`: veth pairs and bridges, where addresses are unique). Loopback addresses exist
//!   in every namespace, so they are only paired within one, and a tuple found in more than
//!   one other namespace is not paired at all: a guess is worse than none.
//!
//! - through NAT (`nat`): a connection tracking entry whose tuples differ maps the one end's
//!   tuple to the other's. A socket whose (local, remote) is an entry's original tuple, in
//!   the table of its own namespace, pairs with the socket whose (local, remote) is that
//!   entry's reply tuple; and the other way round, the reply end finds the original end in
//!   the namespace whose table held the entry. (A host client `127.0.0.1:X → 127.0.0.1:18080`
//!   and a container's `10.88.0.8:8080 ← 10.88.0.1:X'`.)
//!
//! IPv4-mapped IPv6 addresses are compared as IPv4, so a `tcp6` socket pairs with its
//! `tcp` peer.

use std::net::IpAddr;

use rnetstat_model::{Endpoint, Flow, Proto, State, Via};
use rnetstat_sys::hash::Map;

/// What the join needs of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub proto: Proto,
    pub state: State,
    pub local: Endpoint,
    pub remote: Endpoint,
    pub inode: u32,
    pub peer_inode: u32,
    /// The namespace it was listed in (any number that tells namespaces apart).
    pub ns: u32,
}

#[cfg(test)]
impl Key {
    /// A fixture: `proto` from `local` to `remote` (socket address text) in namespace `ns`.
    pub fn fixture(proto: Proto, state: State, local: &str, remote: &str, ns: u32) -> Key {
        let ep = |s: &str| {
            let a: std::net::SocketAddr = s.parse().expect("a socket address");
            Endpoint {
                addr: a.ip(),
                port: a.port(),
            }
        };
        Key {
            proto,
            state,
            local: ep(local),
            remote: ep(remote),
            inode: 0,
            peer_inode: 0,
            ns,
        }
    }
}

/// An endpoint packed for hashing: the address's 16 bytes (IPv4 as mapped), then the port.
/// Bytes, not a `u128`, whose 16-byte alignment would pad every key of the join's maps
/// (an 88-byte entry instead of 48: 11 MB more at 100k sockets).
type Packed = ([u8; 16], u16);

/// Each socket's peer: (index into `keys`, how it was found). `flows` are the connection
/// tracking entries of each namespace (the same numbers as [`Key::ns`]).
pub fn pair(keys: &[Key], flows: &[(u32, Flow)]) -> Vec<Option<(usize, Via)>> {
    let n = keys.len();
    let mut unix: Map<u32, usize> = Map::with_capacity_and_hasher(n, Default::default());
    // Indices as u32, like the key's namespace: a 48-byte entry.
    let mut here: Map<(Proto, u32, Packed, Packed), u32> =
        Map::with_capacity_and_hasher(n, Default::default());
    // Non-loopback tuples across namespaces: the first holder and how many there are.
    let mut anywhere: Map<(Proto, Packed, Packed), (usize, u32)> = Map::default();
    for (i, k) in keys.iter().enumerate() {
        if k.proto == Proto::Unix {
            if k.inode != 0 {
                unix.insert(k.inode, i);
            }
            continue;
        }
        let Some((l, r)) = connected(k) else { continue };
        here.insert((k.proto, k.ns, l, r), i as u32);
        if !loopback(l.0) {
            anywhere
                .entry((k.proto, l, r))
                .and_modify(|e| e.1 += 1)
                .or_insert((i, 1));
        }
    }
    // Translated flows: original tuple (in its table's namespace) → reply tuple, and reply
    // tuple → (the table's namespace, original tuple).
    let mut forward: Map<(u8, u32, Packed, Packed), (Packed, Packed)> = Map::default();
    let mut backward: Map<(u8, Packed, Packed), (u32, Packed, Packed)> = Map::default();
    for (ns, f) in flows.iter().filter(|(_, f)| f.translated()) {
        let (o, r) = (
            (pack(f.orig.0), pack(f.orig.1)),
            (pack(f.reply.0), pack(f.reply.1)),
        );
        forward.insert((f.proto, *ns, o.0, o.1), r);
        backward.insert((f.proto, r.0, r.1), (*ns, o.0, o.1));
    }
    // The socket whose own (local, remote) is `t`: in `ns` first, else anywhere, once.
    let holder = |proto: Proto, ns: u32, t: (Packed, Packed)| -> Option<usize> {
        if let Some(&j) = here.get(&(proto, ns, t.0, t.1)) {
            return Some(j as usize);
        }
        match anywhere.get(&(proto, t.0, t.1)) {
            Some(&(j, 1)) if !loopback(t.0.0) => Some(j),
            _ => None,
        }
    };
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            if k.proto == Proto::Unix {
                return (k.peer_inode != 0)
                    .then(|| unix.get(&k.peer_inode))
                    .flatten()
                    .filter(|&&j| j != i)
                    .map(|&j| (j, Via::Unix));
            }
            let (l, r) = connected(k)?;
            if let Some(j) = here
                .get(&(k.proto, k.ns, r, l))
                .map(|&j| j as usize)
                .filter(|&j| j != i)
            {
                return Some((j, Via::Local));
            }
            if !loopback(l.0)
                && let Some(&(j, 1)) = anywhere.get(&(k.proto, r, l))
                && keys[j].ns != k.ns
            {
                return Some((j, Via::Netns));
            }
            let num = ip_proto(k.proto)?;
            // This end opened the connection through NAT: the reply tuple's holder.
            if let Some(&(rs, rd)) = forward.get(&(num, k.ns, l, r)) {
                return holder(k.proto, k.ns, (rs, rd))
                    .filter(|&j| j != i)
                    .map(|j| (j, Via::Nat));
            }
            // This end was reached through NAT: the original tuple's holder, where the
            // table was.
            let &(ns, os, od) = backward.get(&(num, l, r))?;
            here.get(&(k.proto, ns, os, od))
                .map(|&j| j as usize)
                .filter(|&j| j != i)
                .map(|j| (j, Via::Nat))
        })
        .collect()
}

/// The IP protocol number connection tracking knows a protocol by.
fn ip_proto(p: Proto) -> Option<u8> {
    match p {
        Proto::Tcp | Proto::Mptcp => Some(6),
        Proto::Udp => Some(17),
        Proto::Sctp => Some(132),
        _ => None,
    }
}

/// A connected inet socket's (local, remote), packed; `None` for listeners and
/// unconnected sockets.
fn connected(k: &Key) -> Option<(Packed, Packed)> {
    if k.state == State::Listen || k.remote.port == 0 && k.remote.addr.is_unspecified() {
        return None;
    }
    Some((pack(k.local), pack(k.remote)))
}

/// IPv4 and IPv4-mapped IPv6 pack alike, so a `tcp6` socket pairs with its `tcp` peer.
fn pack(e: Endpoint) -> Packed {
    let v6 = match e.addr {
        IpAddr::V4(a) => a.to_ipv6_mapped(),
        IpAddr::V6(a) => a,
    };
    (v6.octets(), e.port)
}

/// 127.0.0.0/8 (as mapped) or ::1.
fn loopback(a: [u8; 16]) -> bool {
    let v6 = std::net::Ipv6Addr::from(a);
    v6.to_ipv4_mapped()
        .map_or(v6.is_loopback(), |v4| v4.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inet(proto: Proto, local: &str, remote: &str, ns: u32) -> Key {
        Key::fixture(proto, State::Established, local, remote, ns)
    }

    fn unix(inode: u32, peer: u32, ns: u32) -> Key {
        Key {
            proto: Proto::Unix,
            state: State::Established,
            local: Endpoint::UNSPECIFIED,
            remote: Endpoint::UNSPECIFIED,
            inode,
            peer_inode: peer,
            ns,
        }
    }

    #[test]
    fn unix_pairs_by_peer_inode_across_namespaces() {
        let keys = [
            unix(10, 11, 0),
            unix(11, 10, 1),
            unix(12, 99, 0),
            unix(13, 0, 0),
        ];
        let p = pair(&keys, &[]);
        assert_eq!(p[0], Some((1, Via::Unix)));
        assert_eq!(p[1], Some((0, Via::Unix)));
        assert_eq!(p[2], None, "a peer that is gone");
        assert_eq!(p[3], None);
    }

    #[test]
    fn mirrored_tuples_same_namespace_first_then_unique_elsewhere() {
        let keys = [
            inet(Proto::Tcp, "127.0.0.1:40000", "127.0.0.1:80", 0),
            inet(Proto::Tcp, "127.0.0.1:80", "127.0.0.1:40000", 0),
            // The same loopback tuple in another namespace is another connection.
            inet(Proto::Tcp, "127.0.0.1:80", "127.0.0.1:40001", 1),
            inet(Proto::Tcp, "127.0.0.1:40001", "127.0.0.1:80", 2),
            // A veth connection between namespaces 3 and 4.
            inet(Proto::Tcp, "10.1.0.1:5000", "10.1.0.2:22", 3),
            inet(Proto::Tcp, "10.1.0.2:22", "10.1.0.1:5000", 4),
            // v4-mapped against IPv4; UDP apart from TCP.
            inet(
                Proto::Tcp,
                "[::ffff:127.0.0.1]:81",
                "[::ffff:127.0.0.1]:40002",
                0,
            ),
            inet(Proto::Tcp, "127.0.0.1:40002", "127.0.0.1:81", 0),
            inet(Proto::Udp, "127.0.0.1:40000", "127.0.0.1:80", 0),
        ];
        let p = pair(&keys, &[]);
        assert_eq!(p[0], Some((1, Via::Local)));
        assert_eq!(p[1], Some((0, Via::Local)));
        assert_eq!(p[2], None, "loopback is never paired across namespaces");
        assert_eq!(p[3], None);
        assert_eq!(p[4], Some((5, Via::Netns)));
        assert_eq!(p[5], Some((4, Via::Netns)));
        assert_eq!(p[6], Some((7, Via::Local)));
        assert_eq!(p[7], Some((6, Via::Local)));
        assert_eq!(p[8], None);
    }

    #[test]
    fn ambiguous_or_unconnected_is_never_guessed() {
        let mut l = inet(Proto::Tcp, "0.0.0.0:80", "0.0.0.0:0", 0);
        l.state = State::Listen;
        let keys = [
            l,
            inet(Proto::Tcp, "10.2.0.1:5000", "10.2.0.2:22", 0),
            // The mirror exists in two other namespaces: no answer.
            inet(Proto::Tcp, "10.2.0.2:22", "10.2.0.1:5000", 1),
            inet(Proto::Tcp, "10.2.0.2:22", "10.2.0.1:5000", 2),
            inet(Proto::Udp, "0.0.0.0:53", "0.0.0.0:0", 0),
        ];
        let p = pair(&keys, &[]);
        assert_eq!(p[0], None);
        assert_eq!(p[1], None);
        assert_eq!(p[4], None);
    }

    #[test]
    fn through_nat_both_ways() {
        let ep = |s: &str| {
            let a: std::net::SocketAddr = s.parse().unwrap();
            Endpoint {
                addr: a.ip(),
                port: a.port(),
            }
        };
        let keys = [
            // The host's client, to a published port on loopback (namespace 0).
            inet(Proto::Tcp, "127.0.0.1:41234", "127.0.0.1:18080", 0),
            // The container's accepted socket (namespace 5).
            inet(Proto::Tcp, "10.88.0.8:8080", "10.88.0.1:41234", 5),
            // Another host client, whose flow is not translated.
            inet(Proto::Tcp, "127.0.0.1:41300", "127.0.0.1:9000", 0),
        ];
        let flows = [
            (
                0,
                Flow {
                    proto: 6,
                    orig: (ep("127.0.0.1:41234"), ep("127.0.0.1:18080")),
                    reply: (ep("10.88.0.8:8080"), ep("10.88.0.1:41234")),
                },
            ),
            // The container's own table sees the connection untranslated.
            (
                5,
                Flow {
                    proto: 6,
                    orig: (ep("10.88.0.1:41234"), ep("10.88.0.8:8080")),
                    reply: (ep("10.88.0.8:8080"), ep("10.88.0.1:41234")),
                },
            ),
            (
                0,
                Flow {
                    proto: 6,
                    orig: (ep("127.0.0.1:41300"), ep("127.0.0.1:9000")),
                    reply: (ep("127.0.0.1:9000"), ep("127.0.0.1:41300")),
                },
            ),
        ];
        let p = pair(&keys, &flows);
        assert_eq!(p[0], Some((1, Via::Nat)));
        assert_eq!(p[1], Some((0, Via::Nat)));
        assert_eq!(p[2], None);
        // The same flow in another namespace's table does not pair namespace 0's socket.
        let moved = [(3, flows[0].1)];
        assert_eq!(pair(&keys, &moved)[0], None);
    }
}
