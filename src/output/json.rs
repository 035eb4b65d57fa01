//! JSON output: one document (`--json`) or one record per line (`--format jsonl`).
//!
//! The document is streamed: `{"sockets":[` then each record as it arrives, then
//! `],"warnings":[…]}`, so a dump of 100k sockets is never held in memory. The shape is the
//! scripting contract documented in `docs/json.md`; field names here must not change.

use std::io::{self, Write};
use std::net::IpAddr;

use serde::Serialize;

use crate::model::{CongInfo, LinkId, MemInfo, Proto, Socket, TcpInfo};

use super::netns::{JsonContainer, JsonNetns};
use crate::model::CgroupPaths;
use crate::source::owners::Owners;
use crate::source::{Group, Sink};

use super::json_fast::{self, Plain, PlainContainer};
use super::sanitize::unix_name;

#[derive(Serialize)]
struct JsonEndpoint {
    address: IpAddr,
    port: u16,
}

#[derive(Serialize)]
struct JsonProcess<'a> {
    pid: u32,
    name: &'a str,
    fd: u32,
}

#[derive(Serialize)]
struct JsonTimer {
    timer: &'static str,
    expires_ms: u32,
    retrans: u32,
}

/// One socket as the JSON contract spells it (docs/json.md).
#[derive(Serialize)]
pub struct JsonSocket<'a> {
    stack: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    stack_pid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<&'a str>,
    proto: &'static str,
    family: &'static str,
    #[serde(rename = "type")]
    sock_type: &'static str,
    state: &'static str,
    recv_q: u32,
    send_q: u32,
    local: Option<JsonEndpoint>,
    remote: Option<JsonEndpoint>,
    path: Option<String>,
    peer_inode: Option<u32>,
    inode: u32,
    uid: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    timer: Option<JsonTimer>,
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
    netns: Option<JsonNetns<'a>>,
    /// `null` on the host and wherever no container is known; absent only with `netns`.
    #[serde(skip_serializing_if = "Option::is_none")]
    container: Option<Option<JsonContainer<'a>>>,
    /// `--peer`: the other end on this host, or `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    peer: Option<Option<JsonPeer<'a>>>,
    /// `--peer`, a listener that forwards (a published port): where it leads.
    #[serde(skip_serializing_if = "Option::is_none")]
    forwards_to: Option<Vec<JsonForward<'a>>>,
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
        let endpoint = |e: crate::model::Endpoint| {
            inet.then_some(JsonEndpoint {
                address: e.addr,
                port: e.port,
            })
        };
        let processes = owners.map(|o| holders(o, s.inode));
        let peer = peers.map(|o| {
            s.peer.map(|p| {
                let inet = !matches!(p.proto, Proto::Unix | Proto::Packet | Proto::Netlink);
                let ep = |e: crate::model::Endpoint| {
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
    /// The record's fields when it has none of the optional blocks ([`json_fast`]).
    ///
    /// [`json_fast`]: super::json_fast
    pub fn plain(&self) -> Option<Plain<'_>> {
        if self.tcp_info.is_some()
            || self.congestion.is_some()
            || self.skmem.is_some()
            || self.link.is_some()
            || self.extended.is_some()
            || self.processes.is_some()
            || self.peer.is_some()
            || self.forwards_to.is_some()
        {
            return None;
        }
        let ep = |e: &Option<JsonEndpoint>| e.as_ref().map(|e| (e.address, e.port));
        Some(Plain {
            stack: self.stack,
            stack_pid: self.stack_pid,
            service: self.service,
            proto: self.proto,
            family: self.family,
            sock_type: self.sock_type,
            state: self.state,
            recv_q: self.recv_q,
            send_q: self.send_q,
            local: ep(&self.local),
            remote: ep(&self.remote),
            path: self.path.as_deref(),
            peer_inode: self.peer_inode,
            inode: self.inode,
            uid: self.uid,
            timer: self
                .timer
                .as_ref()
                .map(|t| (t.timer, t.expires_ms, t.retrans)),
            netns: self.netns.as_ref().map(|n| (n.inode(), n.name())),
            container: self.container.as_ref().map(|c| {
                c.as_ref().map(|c| PlainContainer {
                    runtime: c.runtime(),
                    id: c.id(),
                    name: c.name(),
                    pod: c.pod(),
                })
            }),
        })
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

pub struct Json<'a, W: Write> {
    out: W,
    lines: bool,
    owners: Option<&'a Owners>,
    /// `-e`: the extended fields, with cgroup paths when known.
    extended: Option<Option<&'a CgroupPaths>>,
    /// `--peer`: the owners to name peers' processes with.
    peers: Option<&'a Owners>,
    count: usize,
    warnings: Vec<String>,
    /// Where a plain record is built before it is written.
    buf: String,
}

impl<'a, W: Write> Json<'a, W> {
    /// `lines`: one record per line (jsonl) instead of one document.
    pub fn new(out: W, lines: bool, owners: Option<&'a Owners>) -> io::Result<Self> {
        let mut j = Json {
            out,
            lines,
            owners,
            extended: None,
            peers: None,
            count: 0,
            warnings: Vec::new(),
            buf: String::with_capacity(512),
        };
        if !lines {
            j.out.write_all(b"{\"sockets\":[")?;
        }
        Ok(j)
    }

    /// Adds the `-e` fields to every record.
    pub fn with_extended(mut self, cgroups: Option<&'a CgroupPaths>) -> Self {
        self.extended = Some(cgroups);
        self
    }

    /// Adds the `peer` field to every record, naming processes from `owners`.
    pub fn with_peers(mut self, owners: Option<&'a Owners>) -> Self {
        self.peers = owners;
        self
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> Sink for Json<'_, W> {
    fn group(&mut self, _: Group) -> io::Result<()> {
        Ok(())
    }

    fn socket(&mut self, s: &Socket<'_>) -> io::Result<()> {
        let rec = JsonSocket::full(s, self.owners, self.extended, self.peers);
        if !self.lines && self.count > 0 {
            self.out.write_all(b",")?;
        }
        self.count += 1;
        match rec.plain() {
            Some(p) => json_fast::write_plain(&mut self.out, &mut self.buf, &p)?,
            None => serde_json::to_writer(&mut self.out, &rec).map_err(io::Error::other)?,
        }
        if self.lines {
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn warning(&mut self, msg: &str) {
        if self.lines {
            eprintln!("rnetstat: warning: {msg}");
        } else {
            self.warnings.push(msg.to_string());
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        if !self.lines {
            self.out.write_all(b"],\"warnings\":")?;
            serde_json::to_writer(&mut self.out, &self.warnings).map_err(io::Error::other)?;
            self.out.write_all(b"}\n")?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Container, Family, Netns, Runtime, State, Timer, TimerKind};

    fn netns(inode: u64, name: Option<&str>, container: Option<Container>) -> Netns {
        Netns {
            inode,
            name: name.map(str::to_string),
            host: container.is_none() && name.is_none(),
            container,
        }
    }

    /// The hand-written bytes equal serde's for every shape a plain record takes.
    #[test]
    fn same_bytes_as_serde() {
        let host = netns(4026531840, None, None);
        let named = netns(4026532177, Some("a \"quoted\"\\ name\t"), None);
        let web = Container {
            runtime: Runtime::Podman,
            id: "abc123".into(),
            name: Some("web".into()),
            pod: None,
        };
        let boxed = netns(4026532200, Some("box"), Some(web));
        let mut sockets = Vec::new();
        for (fam, l, r) in [
            (Family::Inet, "127.0.0.1:22", "10.1.2.3:40000"),
            (Family::Inet6, "[::1]:443", "[::ffff:10.0.0.1]:5"),
            (Family::Inet6, "[fd00::1:0:0:7]:1", "[::]:0"),
            (Family::Inet, "0.0.0.0:0", "255.255.255.255:65535"),
        ] {
            let mut s = Socket::between(
                Proto::Tcp,
                l.parse().unwrap(),
                r.parse().unwrap(),
                State::Established,
            );
            s.family = fam;
            s.recv_q = 7;
            s.send_q = u32::MAX;
            s.inode = 123_456;
            s.uid = 1000;
            sockets.push(s);
        }
        let mut t = sockets[0].clone();
        t.timer = Some(Timer {
            kind: TimerKind::KeepAlive,
            expires_ms: 7199,
            retrans: 0,
        });
        sockets.push(t);
        let mut u = Socket::blank(Proto::Unix, Family::Unix, crate::model::SockType::Stream);
        u.path = Some(b"\0abstract\n\"x\"");
        u.peer_inode = 9;
        sockets.push(u.clone());
        u.path = None;
        sockets.push(u);
        let mut st = sockets[1].clone();
        st.stack = crate::model::Stack::Userspace;
        st.stack_pid = Some(4242);
        st.service = Some("echo");
        sockets.push(st);
        let spaces = [None, Some(&host), Some(&named), Some(&boxed)];
        let mut n = 0;
        for s in &sockets {
            for ns in spaces {
                let mut s = s.clone();
                s.netns = ns;
                let rec = JsonSocket::new(&s, None);
                let want = serde_json::to_string(&rec).unwrap();
                let mut got = Vec::new();
                let plain = rec.plain().expect("a plain record");
                json_fast::write_plain(&mut got, &mut String::new(), &plain).unwrap();
                assert_eq!(String::from_utf8(got).unwrap(), want);
                n += 1;
            }
        }
        assert_eq!(n, 32);
        let mut info = sockets[0].clone();
        info.mem = Some(Default::default());
        assert!(JsonSocket::new(&info, None).plain().is_none());
    }

    #[test]
    fn document_deserialises() {
        let mut j = Json::new(Vec::new(), false, None).unwrap();
        let mut s = Socket::inet(Proto::Tcp, Family::Inet6);
        s.local.addr = "::ffff:1.2.3.4".parse().unwrap();
        s.local.port = 80;
        s.state = State::Listen;
        s.send_q = 128;
        j.socket(&s).unwrap();
        let mut u = Socket::inet(Proto::Unix, Family::Unix);
        u.path = Some(b"\0abs");
        j.socket(&u).unwrap();
        j.warning("w1");
        j.finish().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&j.into_inner()).unwrap();
        let socks = v["sockets"].as_array().unwrap();
        assert_eq!(socks.len(), 2);
        assert_eq!(socks[0]["local"]["address"], "::ffff:1.2.3.4");
        assert_eq!(socks[0]["local"]["port"], 80);
        assert_eq!(socks[0]["state"], "LISTEN");
        assert_eq!(socks[0]["send_q"], 128);
        assert_eq!(socks[0]["type"], "stream");
        assert!(socks[0]["path"].is_null());
        assert!(socks[0].get("processes").is_none());
        assert_eq!(socks[1]["path"], "@abs");
        assert_eq!(socks[1]["peer_inode"], 0);
        assert!(socks[1]["local"].is_null());
        assert_eq!(v["warnings"][0], "w1");
    }

    #[test]
    fn jsonl_is_one_record_per_line() {
        let mut j = Json::new(Vec::new(), true, None).unwrap();
        for _ in 0..3 {
            j.socket(&Socket::inet(Proto::Udp, Family::Inet)).unwrap();
        }
        j.finish().unwrap();
        let out = String::from_utf8(j.into_inner()).unwrap();
        assert_eq!(out.lines().count(), 3);
        for l in out.lines() {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert_eq!(v["proto"], "udp");
            assert_eq!(v["state"], "CLOSE");
        }
    }
}
