//! `--peer` for listeners that only forward: where a published port leads. A pass over a
//! finished collection, like the peer join:
//!
//! - from the runtimes' records (`containers::ports`): a host listener on a mapping's
//!   host port (in a namespace that is no container's) leads to the mapping's container,
//!   to its listener on the container port;
//! - from live connection tracking: a translated flow whose original destination is a
//!   listener's port leads to the flow's reply source; the socket holding the reply tuple
//!   names the namespace, and there the listener on that port.
//!
//! Each forward says which source named it; when both name the same address, the
//! runtime's record is kept.

use std::net::IpAddr;

use rnetstat_model::{Endpoint, Flow, Proto, State};
use rnetstat_sys::hash::Map;

use super::containers::ports::Mapping;
use super::peers::Key;

/// Where a listener leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forward {
    /// The listener (or bound socket) it reaches, when it was found (index into the keys).
    pub target: Option<usize>,
    pub address: Endpoint,
    /// `"podman"`, `"docker"` or `"conntrack"`.
    pub source: &'static str,
}

/// A listener: TCP in LISTEN, or UDP bound and unconnected.
fn listening(k: &Key) -> bool {
    match k.proto {
        Proto::Tcp | Proto::Mptcp => k.state == State::Listen,
        Proto::Udp => k.remote.port == 0 && k.local.port != 0,
        _ => false,
    }
}

fn proto_name(p: Proto) -> &'static str {
    match p {
        Proto::Udp => "udp",
        _ => "tcp",
    }
}

fn accepts(l: &Key, addr: IpAddr) -> bool {
    l.local.addr.is_unspecified() || l.local.addr == addr || addr.is_loopback()
}

/// Each listener's forwards (empty for every other socket). `containers[ns]` is the
/// container id of namespace `ns`, if any.
pub fn forwards(
    keys: &[Key],
    flows: &[(u32, Flow)],
    mappings: &[Mapping],
    containers: &[Option<&str>],
) -> Vec<Vec<Forward>> {
    let mut out = vec![Vec::new(); keys.len()];
    let mut by_port: Map<(u32, &'static str, u16), Vec<usize>> = Map::default();
    for (i, k) in keys.iter().enumerate().filter(|(_, k)| listening(k)) {
        by_port
            .entry((k.ns, proto_name(k.proto), k.local.port))
            .or_default()
            .push(i);
    }
    let in_container = |ns: u32| containers.get(ns as usize).is_some_and(|c| c.is_some());
    let listener_in = |ns: u32, proto: &'static str, port: u16| {
        by_port
            .get(&(ns, proto, port))
            .and_then(|v| v.first().copied())
    };
    // Runtime records.
    for m in mappings {
        let proto: &'static str = if m.proto == "udp" { "udp" } else { "tcp" };
        let target_ns = containers
            .iter()
            .position(|c| *c == Some(m.container_id.as_str()))
            .map(|n| n as u32);
        let target = target_ns.and_then(|ns| listener_in(ns, proto, m.port));
        let address = Endpoint {
            addr: m
                .address
                .or_else(|| target.map(|t| keys[t].local.addr))
                .unwrap_or(IpAddr::from([0, 0, 0, 0])),
            port: m.port,
        };
        for (&(ns, p, port), ls) in &by_port {
            if p != proto || port != m.host_port || in_container(ns) {
                continue;
            }
            for &l in ls {
                let f = Forward {
                    target,
                    address,
                    source: m.source,
                };
                if !out[l].iter().any(|g: &Forward| g.address == f.address) {
                    out[l].push(f);
                }
            }
        }
    }
    // Live connection tracking: the reply tuple's holder names the target's namespace.
    // (Only built when some flow was translated: most hosts list no NAT at all.)
    let mut holders: Map<(Endpoint, Endpoint), usize> = Map::default();
    if flows.iter().any(|(_, f)| f.translated()) {
        for (i, k) in keys.iter().enumerate() {
            if k.remote.port != 0 {
                holders.insert((norm(k.local), norm(k.remote)), i);
            }
        }
    }
    for (ns, f) in flows.iter().filter(|(_, f)| f.translated()) {
        let proto = match f.proto {
            6 => "tcp",
            17 => "udp",
            _ => continue,
        };
        let Some(ls) = by_port.get(&(*ns, proto, f.orig.1.port)) else {
            continue;
        };
        let address = f.reply.0;
        let target = holders
            .get(&(norm(f.reply.0), norm(f.reply.1)))
            .and_then(|&h| listener_in(keys[h].ns, proto, address.port));
        for &l in ls.iter().filter(|&&l| accepts(&keys[l], f.orig.1.addr)) {
            if !out[l].iter().any(|g| norm(g.address) == norm(address)) {
                out[l].push(Forward {
                    target,
                    address,
                    source: "conntrack",
                });
            }
        }
    }
    out
}

/// IPv4-mapped IPv6 as IPv4.
fn norm(e: Endpoint) -> Endpoint {
    match e.addr {
        IpAddr::V6(a) => Endpoint {
            addr: a.to_ipv4_mapped().map_or(e.addr, IpAddr::V4),
            port: e.port,
        },
        IpAddr::V4(_) => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(proto: Proto, state: State, local: &str, remote: &str, ns: u32) -> Key {
        Key::fixture(proto, state, local, remote, ns)
    }

    const ID: &str = "636e20d28002b47ba193ff438dced98aa439cbb40ea74348415cdbb63d91421a";

    #[test]
    fn published_port_from_records_and_conntrack() {
        use State::*;
        let keys = [
            // The host's forwarding listener (conmon), namespace 0.
            key(Proto::Tcp, Listen, "0.0.0.0:18080", "0.0.0.0:0", 0),
            // The container's httpd, namespace 1.
            key(Proto::Tcp, Listen, "0.0.0.0:8080", "0.0.0.0:0", 1),
            // A connection the container accepted, through the port.
            key(
                Proto::Tcp,
                Established,
                "10.88.0.3:8080",
                "10.88.0.1:46360",
                1,
            ),
            // An unrelated listener on the host.
            key(Proto::Tcp, Listen, "0.0.0.0:22", "0.0.0.0:0", 0),
        ];
        let containers = [None, Some(ID)];
        let mapping = Mapping {
            proto: "tcp".into(),
            host_port: 18080,
            container_id: ID.into(),
            address: Some("10.88.0.3".parse().unwrap()),
            port: 8080,
            source: "podman",
        };
        let f = forwards(&keys, &[], std::slice::from_ref(&mapping), &containers);
        assert_eq!(f[0].len(), 1);
        assert_eq!(f[0][0].target, Some(1));
        assert_eq!(f[0][0].address, keys[2].local);
        assert_eq!(f[0][0].source, "podman");
        assert!(f[1].is_empty() && f[3].is_empty());

        let flow = Flow {
            proto: 6,
            orig: (
                keys[2].remote,
                "127.0.0.1:18080"
                    .parse::<std::net::SocketAddr>()
                    .map(|a| Endpoint {
                        addr: a.ip(),
                        port: a.port(),
                    })
                    .unwrap(),
            ),
            reply: (keys[2].local, keys[2].remote),
        };
        let f = forwards(&keys, &[(0, flow)], &[], &containers);
        assert_eq!(f[0].len(), 1);
        assert_eq!((f[0][0].target, f[0][0].source), (Some(1), "conntrack"));
        // Both say the same: the runtime's record is kept, once.
        let f = forwards(&keys, &[(0, flow)], &[mapping], &containers);
        assert_eq!(f[0].len(), 1);
        assert_eq!(f[0][0].source, "podman");
    }
}
