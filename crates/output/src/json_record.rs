//! One socket as the JSON contract spells it (docs/json.md): the record both JSON writers
//! print, serde's (`json.rs`) and the hand-written one for plain records (`json_fast.rs`).

use std::net::IpAddr;

use serde::Serialize;

use rnetstat_collect::owners::Owners;
use rnetstat_model::{CgroupPaths, CongInfo, LinkId, MemInfo, Proto, Socket, TcpInfo};

use super::netns::{JsonContainer, JsonNetns};
use super::sanitize::unix_name;

#[derive(Serialize)]
pub(super) struct JsonEndpoint {
    pub(super) address: IpAddr,
    pub(super) port: u16,
}

#[derive(Serialize)]
struct JsonProcess<'a> {
    pid: u32,
    name: &'a str,
    fd: u32,
}

#[derive(Serialize)]
pub(super) struct JsonTimer {
    pub(super) timer: &'static str,
    pub(super) expires_ms: u32,
    pub(super) retrans: u32,
}

/// One socket as the JSON contract spells it (docs/json.md).
#[derive(Serialize)]
pub struct JsonSocket<'a> {
    pub(super) stack: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) stack_pid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) service: Option<&'a str>,
    pub(super) proto: &'static str,
    pub(super) family: &'static str,
    #[serde(rename = "type")]
    pub(super) sock_type: &'static str,
    pub(super) state: &'static str,
    pub(super) recv_q: u32,
    pub(super) send_q: u32,
    pub(super) local: Option<JsonEndpoint>,
    pub(super) remote: Option<JsonEndpoint>,
    pub(super) path: Option<String>,
    pub(super) peer_inode: Option<u32>,
    pub(super) inode: u32,
    pub(super) uid: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) timer: Option<JsonTimer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tcp_info: Option<&'a TcpInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    congestion: Option<JsonCong<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skmem: Option<MemInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<JsonLink>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    extended: Option<JsonExtended<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    processes: Option<Vec<JsonProcess<'a>>>,
    /// Where the socket lives (every kernel and userspace record has it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) netns: Option<JsonNetns<'a>>,
    /// `null` on the host and wherever no container is known; absent only with `netns`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) container: Option<Option<JsonContainer<'a>>>,
    /// `--peer`: the other end on this host, or `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    peer: Option<Option<JsonPeer<'a>>>,
    /// `--peer`, a listener that forwards (a published port): where it leads.
    #[serde(skip_serializing_if = "Option::is_none")]
    forwards_to: Option<Vec<JsonForward<'a>>>,
    /// `--why`, `explain`: the socket's findings, worst first (docs/why.md).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    why: &'a [rnetstat_model::why::Finding],
    /// `--at`: when the recorder took this record (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) recorded_at: Option<&'a str>,
    /// `--age`: when the recorder first saw it (RFC 3339), and whether that is its real
    /// opening or only a bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    first_seen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_seen_exact: Option<bool>,
    /// While a tracer runs: what the kernel's tracepoints counted for it (docs/trace.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<JsonEvents<'a>>,
}

/// A socket's counted events (docs/json.md).
#[derive(Serialize)]
struct JsonEvents<'a> {
    retransmits: JsonRetransmits,
    resets_sent: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    reset_reason: Option<&'a str>,
    resets_received: u64,
    /// Drop reason → count.
    drops: std::collections::BTreeMap<&'a str, u64>,
}

#[derive(Serialize)]
struct JsonRetransmits {
    timeout: u64,
    fast: u64,
    tail_loss_probe: u64,
}

impl<'a> JsonEvents<'a> {
    fn new(e: &'a rnetstat_model::SocketEvents) -> Self {
        JsonEvents {
            retransmits: JsonRetransmits {
                timeout: e.retransmits_timeout,
                fast: e.retransmits_fast,
                tail_loss_probe: e.retransmits_tail_loss_probe,
            },
            resets_sent: e.resets_sent,
            reset_reason: e.reset_reason.as_deref(),
            resets_received: e.resets_received,
            drops: e.drops.iter().map(|(r, n)| (r.as_str(), *n)).collect(),
        }
    }
}

/// Where a forwarding listener leads (docs/json.md).
#[derive(Serialize)]
struct JsonForward<'a> {
    container: Option<JsonContainer<'a>>,
    netns: Option<JsonNetns<'a>>,
    address: IpAddr,
    port: u16,
    processes: Vec<JsonProcess<'a>>,
    source: &'static str,
}

/// The other end of a socket (docs/json.md).
#[derive(Serialize)]
struct JsonPeer<'a> {
    via: &'static str,
    netns: Option<JsonNetns<'a>>,
    container: Option<JsonContainer<'a>>,
    proto: &'static str,
    family: &'static str,
    state: &'static str,
    local: Option<JsonEndpoint>,
    remote: Option<JsonEndpoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    inode: u32,
    processes: Vec<JsonProcess<'a>>,
}

#[derive(Serialize)]
struct JsonCong<'a> {
    algorithm: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    info: Option<CongInfo>,
}

/// A packet or netlink socket's address.
#[derive(Serialize)]
#[serde(untagged)]
enum JsonLink {
    Packet {
        protocol: u16,
        ifindex: u32,
    },
    Netlink {
        protocol: u8,
        portid: u32,
        dst_portid: u32,
        dst_group: u32,
    },
}

/// `-e`: identity and options of the socket.
#[derive(Serialize)]
struct JsonExtended<'a> {
    cookie: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    cgroup_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cgroup: Option<&'a str>,
    /// Interface index from `SO_BINDTODEVICE`, 0 when unbound.
    bound_dev: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    fwmark: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    v6only: Option<bool>,
    /// Bit 0: receive side shut down, bit 1: send side.
    #[serde(skip_serializing_if = "Option::is_none")]
    shutdown: Option<u8>,
}

impl<'a> JsonSocket<'a> {
    pub fn new(s: &'a Socket<'a>, owners: Option<&'a Owners>) -> JsonSocket<'a> {
        Self::with(s, owners, None)
    }

    /// With `extended`, the `-e` fields, cgroup paths looked up in it.
    pub fn with(
        s: &'a Socket<'a>,
        owners: Option<&'a Owners>,
        extended: Option<Option<&'a CgroupPaths>>,
    ) -> JsonSocket<'a> {
        Self::full(s, owners, extended, None)
    }

    /// With `peers`, the `peer` field, its processes looked up there.
    pub fn full(
        s: &'a Socket<'a>,
        owners: Option<&'a Owners>,
        extended: Option<Option<&'a CgroupPaths>>,
        peers: Option<&'a Owners>,
    ) -> JsonSocket<'a> {
        let inet = !matches!(s.proto, Proto::Unix | Proto::Packet | Proto::Netlink);
        let endpoint = |e: rnetstat_model::Endpoint| {
            inet.then_some(JsonEndpoint {
                address: e.addr,
                port: e.port,
            })
        };
        let processes = owners.map(|o| holders(o, s.inode));
        let peer = peers.map(|o| {
            s.peer.map(|p| {
                let inet = !matches!(p.proto, Proto::Unix | Proto::Packet | Proto::Netlink);
                let ep = |e: rnetstat_model::Endpoint| {
                    inet.then_some(JsonEndpoint {
                        address: e.addr,
                        port: e.port,
                    })
                };
                JsonPeer {
                    via: p.via.name(),
                    netns: p.netns.map(JsonNetns::new),
                    container: p
                        .netns
                        .and_then(|n| n.container.as_ref())
                        .map(JsonContainer::new),
                    proto: p.proto.name(),
                    family: p.family.name(),
                    state: p.state.name(),
                    local: ep(p.local),
                    remote: ep(p.remote),
                    path: if inet { None } else { p.path.map(unix_name) },
                    inode: p.inode,
                    processes: holders(o, p.inode),
                }
            })
        });
        JsonSocket {
            stack: s.stack.name(),
            stack_pid: s.stack_pid,
            service: s.service,
            proto: s.proto.name(),
            family: s.family.name(),
            sock_type: s.sock_type.name(),
            state: s.state.name(),
            recv_q: s.recv_q,
            send_q: s.send_q,
            local: endpoint(s.local),
            remote: endpoint(s.remote),
            path: if inet { None } else { s.path.map(unix_name) },
            peer_inode: (s.proto == Proto::Unix).then_some(s.peer_inode),
            inode: s.inode,
            uid: s.uid,
            timer: s.timer.map(|t| JsonTimer {
                timer: t.kind.name(),
                expires_ms: t.expires_ms,
                retrans: t.retrans,
            }),
            tcp_info: s.tcp_info.as_deref(),
            congestion: s.cong.map(|c| JsonCong {
                algorithm: c.name,
                info: c.info,
            }),
            skmem: s.mem,
            link: s.link.map(|l| match l {
                LinkId::Packet { protocol, ifindex } => JsonLink::Packet { protocol, ifindex },
                LinkId::Netlink {
                    protocol,
                    portid,
                    dst_portid,
                    dst_group,
                } => JsonLink::Netlink {
                    protocol,
                    portid,
                    dst_portid,
                    dst_group,
                },
            }),
            extended: extended.map(|cg| JsonExtended {
                cookie: s.cookie,
                cgroup_id: s.cgroup_id,
                cgroup: s
                    .cgroup_id
                    .and_then(|id| cg.and_then(|c| c.get(&id)))
                    .map(String::as_str),
                bound_dev: s.bound_dev,
                fwmark: s.mark,
                v6only: s.v6only,
                shutdown: s.shutdown,
            }),
            processes,
            netns: s.netns.map(JsonNetns::new),
            container: s
                .netns
                .map(|n| n.container.as_ref().map(JsonContainer::new)),
            peer,
            why: s.why,
            recorded_at: None,
            first_seen: s
                .first_seen
                .map(|f| super::events::rfc3339(super::events::from_unix_ms(f.at_ms))),
            first_seen_exact: s.first_seen.map(|f| f.exact),
            events: s.events.map(JsonEvents::new),
            forwards_to: peers.filter(|_| !s.forwards.is_empty()).map(|o| {
                s.forwards
                    .iter()
                    .map(|f| JsonForward {
                        container: f
                            .netns
                            .and_then(|n| n.container.as_ref())
                            .map(JsonContainer::new),
                        netns: f.netns.map(JsonNetns::new),
                        address: f.address.addr,
                        port: f.address.port,
                        processes: holders(o, f.inode),
                        source: f.source,
                    })
                    .collect()
            }),
        }
    }
}

impl JsonSocket<'_> {
    /// Whether the record has none of the optional blocks, so `json_fast.rs` can write it.
    pub fn is_plain(&self) -> bool {
        self.tcp_info.is_none()
            && self.congestion.is_none()
            && self.skmem.is_none()
            && self.link.is_none()
            && self.extended.is_none()
            && self.processes.is_none()
            && self.peer.is_none()
            && self.forwards_to.is_none()
            && self.why.is_empty()
            && self.recorded_at.is_none()
            && self.first_seen.is_none()
            && self.events.is_none()
    }
}

/// Every process holding socket `inode`, lowest pid first.
fn holders<'a>(o: &'a Owners, inode: u32) -> Vec<JsonProcess<'a>> {
    o.holders(inode)
        .iter()
        .map(|(_, h)| JsonProcess {
            pid: h.pid,
            name: o.process(h.pid).map_or("", |p| p.comm.as_str()),
            fd: h.fd,
        })
        .collect()
}
