//! Records → metric families. A [`Sink`]: every socket of a collection passes through once
//! and is counted, never formatted, so a scrape of 100k sockets allocates per label set,
//! not per socket.
//!
//! `rnetstat_connections` needs to know which local ports have a listener before it can say
//! whether a connection came in or went out, and listeners may arrive after their
//! connections (a dual-stack IPv6 listener after the IPv4 table), so connections are kept
//! as small tuples and classified in [`Aggregate::finish`].

use std::io;
use std::net::IpAddr;

use rnetstat_collect::{Group, Sink};
use rnetstat_model::counters::Section;
use rnetstat_model::{Family as Fam, Netns, Proto, Socket, State};

use super::{Exposition, Family, Kind, Sample, Value};

/// Bounds on label cardinality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// `--ports`: the ports that get `rnetstat_connections` series (in: local, out: remote).
    /// `None`: every port with a listener (in) and the busiest remote ports (out).
    pub ports: Option<Vec<u16>>,
    /// How many remote ports per namespace and protocol get "out" series without `--ports`.
    pub busiest: usize,
    /// Most series of each per-port family (`rnetstat_connections`, the listen queues);
    /// what falls out is counted in `rnetstat_series_dropped_total`.
    pub max_series: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            ports: None,
            busiest: 20,
            max_series: 10_000,
        }
    }
}

/// A namespace's two labels.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Where {
    inode: u64,
    netns: String,
    container: String,
}

/// The `netns` label: the namespace's name, `host`, or `net:[INODE]`.
pub fn netns_label(n: &Netns) -> String {
    match &n.name {
        Some(name) => name.clone(),
        None if n.host => "host".into(),
        None => format!("net:[{}]", n.inode),
    }
}

/// The `container` label: the container's name, else its short id, else empty.
pub fn container_label(n: &Netns) -> String {
    n.container.as_ref().map_or(String::new(), |c| {
        c.name
            .clone()
            .unwrap_or_else(|| c.id[..c.id.len().min(12)].to_string())
    })
}

use rnetstat_sys::hash::{Map, Set};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Conn {
    ns: u32,
    proto: Proto,
    state: State,
    local: u16,
    remote: u16,
}

/// A connection series' key: namespace, protocol, port, direction ("in": true), state.
type ConnKey = (u32, Proto, u16, bool, State);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Listener {
    ns: u32,
    proto: Proto,
    addr: IpAddr,
    port: u16,
    len: u32,
    max: u32,
}

/// What one collection gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    pub exposition: Exposition,
    /// Series the limits left out.
    pub dropped: u64,
    /// The `netns` labels of namespaces that could not be read.
    pub failed: Vec<String>,
    pub warnings: Vec<String>,
}

/// Counts records into families; see the module docs.
#[derive(Debug)]
pub struct Aggregate {
    limits: Limits,
    spaces: Vec<Where>,
    /// The last namespace seen (records come namespace by namespace): (inode, index).
    last: Option<(u64, u32)>,
    sockets: Map<(u32, Proto, Fam, State), u64>,
    listeners: Vec<Listener>,
    conns: Vec<Conn>,
    /// (namespace, protocol) → (receive bytes, send bytes) of non-listening sockets.
    queues: Map<(u32, Proto), (u64, u64)>,
    /// Per namespace: the kernel's counters, when read.
    counters: Vec<Option<Vec<Section>>>,
    /// Namespaces that could not be read this time, by index.
    errors: Vec<u32>,
    /// (namespace, verdict, severity, count): `rnetstat_findings`.
    findings: Vec<(u32, &'static str, &'static str, u64)>,
    pub warnings: Vec<String>,
}

impl Aggregate {
    /// For the namespaces about to be collected (all of them get counter series).
    pub fn new(spaces: &[&Netns], limits: Limits) -> Aggregate {
        Aggregate {
            limits,
            spaces: spaces
                .iter()
                .map(|n| Where {
                    inode: n.inode,
                    netns: netns_label(n),
                    container: container_label(n),
                })
                .collect(),
            last: None,
            sockets: Map::default(),
            listeners: Vec::new(),
            conns: Vec::new(),
            queues: Map::default(),
            counters: vec![None; spaces.len()],
            errors: Vec::new(),
            findings: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The findings counted in namespace `inode` (docs/why.md).
    pub fn findings(&mut self, inode: u64, verdict: &'static str, severity: &'static str, n: u64) {
        let k = self.index(inode);
        self.findings.push((k, verdict, severity, n));
    }

    fn index(&mut self, inode: u64) -> u32 {
        if let Some((i, k)) = self.last
            && i == inode
        {
            return k;
        }
        let k = self
            .spaces
            .iter()
            .position(|w| w.inode == inode)
            .unwrap_or_else(|| {
                self.spaces.push(Where {
                    inode,
                    netns: format!("net:[{inode}]"),
                    container: String::new(),
                });
                self.counters.push(None);
                self.spaces.len() - 1
            }) as u32;
        self.last = Some((inode, k));
        k
    }

    /// Adds what `other` counted (over other tables of the same namespaces).
    pub fn merge(&mut self, other: Aggregate) {
        let index: Vec<u32> = other.spaces.iter().map(|w| self.index(w.inode)).collect();
        let at = |k: u32| index[k as usize];
        for ((k, p, f, s), n) in other.sockets {
            *self.sockets.entry((at(k), p, f, s)).or_default() += n;
        }
        for ((k, p), (r, s)) in other.queues {
            let q = self.queues.entry((at(k), p)).or_default();
            q.0 += r;
            q.1 += s;
        }
        self.listeners.extend(
            other
                .listeners
                .into_iter()
                .map(|l| Listener { ns: at(l.ns), ..l }),
        );
        self.conns
            .extend(other.conns.into_iter().map(|c| Conn { ns: at(c.ns), ..c }));
        for k in other.errors {
            if !self.errors.contains(&at(k)) {
                self.errors.push(at(k));
            }
        }
        self.warnings.extend(other.warnings);
    }

    /// The kernel's counters of namespace `inode` (`/proc/net/snmp`, `netstat`).
    pub fn counters(&mut self, inode: u64, sections: Vec<Section>) {
        let k = self.index(inode) as usize;
        self.counters[k] = Some(sections);
    }

    /// Namespace `inode` could not be read (entered, dumped, or its counters).
    pub fn error(&mut self, inode: u64) {
        let k = self.index(inode);
        if !self.errors.contains(&k) {
            self.errors.push(k);
        }
    }

    /// The socket families, and what the scrape-level families need.
    pub fn finish(self) -> Finished {
        let mut dropped = 0u64;
        let w = |k: u32| &self.spaces[k as usize];
        let base = |k: u32| -> Vec<(&'static str, String)> {
            vec![
                ("netns", w(k).netns.clone()),
                ("container", w(k).container.clone()),
            ]
        };
        let mut fams = Vec::new();

        let mut socks: Vec<_> = self
            .sockets
            .iter()
            .map(|(&(k, p, f, st), &n)| ((k, p.name(), f.name(), state_label(st)), n))
            .collect();
        socks.sort_by(|a, b| (w(a.0.0).netns.as_str(), a.0).cmp(&(w(b.0.0).netns.as_str(), b.0)));
        fams.push(Family {
            name: "rnetstat_sockets",
            kind: Kind::Gauge,
            unit: None,
            help: "Sockets by network namespace, container, protocol, address family and state.",
            samples: socks
                .into_iter()
                .map(|((k, proto, family, state), n)| {
                    let mut l = base(k);
                    l.extend([
                        ("proto", proto.to_string()),
                        ("family", family.to_string()),
                        ("state", state.to_string()),
                    ]);
                    Sample {
                        labels: l,
                        value: Value::Int(n),
                    }
                })
                .collect(),
        });

        // Listen queues: every listener, up to the cap (longest queues first).
        let mut ls: Vec<&Listener> = self.listeners.iter().collect();
        ls.sort_by(|a, b| b.len.cmp(&a.len).then(a.port.cmp(&b.port)));
        if ls.len() > self.limits.max_series {
            dropped += 2 * (ls.len() - self.limits.max_series) as u64;
            ls.truncate(self.limits.max_series);
        }
        ls.sort_by(|a, b| {
            (w(a.ns).netns.as_str(), a.proto.name(), a.port, a.addr).cmp(&(
                w(b.ns).netns.as_str(),
                b.proto.name(),
                b.port,
                b.addr,
            ))
        });
        let queue = |f: fn(&Listener) -> u32| -> Vec<Sample> {
            ls.iter()
                .map(|l| {
                    let mut lab = base(l.ns);
                    lab.extend([
                        ("proto", l.proto.name().to_string()),
                        ("address", l.addr.to_string()),
                        ("port", l.port.to_string()),
                    ]);
                    Sample {
                        labels: lab,
                        value: Value::Int(u64::from(f(l))),
                    }
                })
                .collect()
        };
        fams.push(Family {
            name: "rnetstat_listen_queue_length",
            kind: Kind::Gauge,
            unit: None,
            help: "Connections waiting in a listener's accept queue (its Recv-Q).",
            samples: queue(|l| l.len),
        });
        fams.push(Family {
            name: "rnetstat_listen_queue_max",
            kind: Kind::Gauge,
            unit: None,
            help: "A listener's accept queue limit, its backlog (its Send-Q).",
            samples: queue(|l| l.max),
        });

        let (conns, conn_dropped) = self.connections();
        dropped += conn_dropped;
        fams.push(Family {
            name: "rnetstat_connections",
            kind: Kind::Gauge,
            unit: None,
            help: "Connections per local listening port (direction in) and per remote port (direction out), by state.",
            samples: conns
                .into_iter()
                .map(|((k, proto, port, inward, state), n)| {
                    let mut l = base(k);
                    l.extend([
                        ("proto", proto.name().to_string()),
                        ("port", port.to_string()),
                        ("direction", if inward { "in" } else { "out" }.to_string()),
                        ("state", state_label(state).to_string()),
                    ]);
                    Sample {
                        labels: l,
                        value: Value::Int(n),
                    }
                })
                .collect(),
        });

        let mut qs: Vec<_> = self
            .queues
            .iter()
            .map(|(&(k, p), &v)| ((k, p.name()), v))
            .collect();
        qs.sort_by(|a, b| (w(a.0.0).netns.as_str(), a.0.1).cmp(&(w(b.0.0).netns.as_str(), b.0.1)));
        let mut qsamples = Vec::new();
        for ((k, proto), (recv, send)) in qs {
            for (q, v) in [("recv", recv), ("send", send)] {
                let mut l = base(k);
                l.extend([("proto", proto.to_string()), ("queue", q.to_string())]);
                qsamples.push(Sample {
                    labels: l,
                    value: Value::Int(v),
                });
            }
        }
        fams.push(Family {
            name: "rnetstat_socket_queue_bytes",
            kind: Kind::Gauge,
            unit: Some("bytes"),
            help: "Bytes received and not yet read (recv) or sent and not yet acknowledged (send), summed over non-listening sockets.",
            samples: qsamples,
        });

        // The kernel's counters, per namespace.
        const COUNTERS: [(&str, &str, &str, &str); 4] = [
            (
                "rnetstat_tcp_listen_overflows",
                "TcpExt",
                "ListenOverflows",
                "SYNs and handshake completions dropped because a listener's accept queue was full (TcpExt ListenOverflows).",
            ),
            (
                "rnetstat_tcp_listen_drops",
                "TcpExt",
                "ListenDrops",
                "Connection requests a listener dropped, for any reason (TcpExt ListenDrops).",
            ),
            (
                "rnetstat_tcp_retransmitted_segments",
                "Tcp",
                "RetransSegs",
                "TCP segments retransmitted (Tcp RetransSegs).",
            ),
            (
                "rnetstat_tcp_resets_sent",
                "Tcp",
                "OutRsts",
                "TCP segments sent with RST (Tcp OutRsts).",
            ),
        ];
        let mut order: Vec<u32> = (0..self.spaces.len() as u32).collect();
        order.sort_by(|a, b| w(*a).netns.cmp(&w(*b).netns));
        for (name, section, counter, help) in COUNTERS {
            let samples = order
                .iter()
                .filter_map(|&k| {
                    let secs = self.counters[k as usize].as_ref()?;
                    let v = secs
                        .iter()
                        .find(|s| s.name == section)?
                        .counters
                        .iter()
                        .find(|c| c.name == counter)?
                        .value;
                    Some(Sample {
                        labels: base(k),
                        value: Value::Int(u64::try_from(v).unwrap_or(0)),
                    })
                })
                .collect();
            fams.push(Family {
                name,
                kind: Kind::Counter,
                unit: None,
                help,
                samples,
            });
        }
        let mut found: Vec<_> = self.findings.clone();
        found.sort_by(|a, b| {
            (w(a.0).netns.as_str(), a.1, a.2).cmp(&(w(b.0).netns.as_str(), b.1, b.2))
        });
        fams.push(Family {
            name: "rnetstat_findings",
            kind: Kind::Gauge,
            unit: None,
            help: "Findings (docs/why.md) by network namespace, container, verdict and severity; host findings under the namespace rnetstat runs in.",
            samples: found
                .into_iter()
                .map(|(k, verdict, severity, n)| {
                    let mut l = base(k);
                    l.extend([
                        ("verdict", verdict.to_string()),
                        ("severity", severity.to_string()),
                    ]);
                    Sample {
                        labels: l,
                        value: Value::Int(n),
                    }
                })
                .collect(),
        });
        Finished {
            failed: self.errors.iter().map(|&k| w(k).netns.clone()).collect(),
            exposition: Exposition { families: fams },
            dropped,
            warnings: self.warnings,
        }
    }

    /// `rnetstat_connections`' series, capped (busiest first), then in label order.
    fn connections(&self) -> (Vec<(ConnKey, u64)>, u64) {
        let listening: Set<(u32, Proto, u16)> = self
            .listeners
            .iter()
            .map(|l| (l.ns, l.proto, l.port))
            .collect();
        let chosen = |p: u16| self.limits.ports.as_ref().is_none_or(|v| v.contains(&p));
        // Without --ports, "out" is kept to the busiest remote ports of each namespace and
        // protocol.
        let mut busiest: Set<(u32, Proto, u16)> = Set::default();
        if self.limits.ports.is_none() {
            let mut per: Map<(u32, Proto, u16), u64> = Map::default();
            for c in &self.conns {
                if !listening.contains(&(c.ns, c.proto, c.local)) {
                    *per.entry((c.ns, c.proto, c.remote)).or_default() += 1;
                }
            }
            let mut groups: Map<(u32, Proto), Vec<(u16, u64)>> = Map::default();
            for ((k, p, port), n) in per {
                groups.entry((k, p)).or_default().push((port, n));
            }
            for ((k, p), mut v) in groups {
                v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                busiest.extend(
                    v.into_iter()
                        .take(self.limits.busiest)
                        .map(|(port, _)| (k, p, port)),
                );
            }
        }
        let mut counts: Map<ConnKey, u64> = Map::default();
        for c in &self.conns {
            let key = if listening.contains(&(c.ns, c.proto, c.local)) {
                if !chosen(c.local) {
                    continue;
                }
                (c.ns, c.proto, c.local, true, c.state)
            } else {
                let keep = match &self.limits.ports {
                    Some(v) => v.contains(&c.remote),
                    None => busiest.contains(&(c.ns, c.proto, c.remote)),
                };
                if !keep {
                    continue;
                }
                (c.ns, c.proto, c.remote, false, c.state)
            };
            *counts.entry(key).or_default() += 1;
        }
        let order = |k: &ConnKey| {
            let w = self.spaces[k.0 as usize].netns.as_str();
            (w, k.1.name(), k.2, !k.3, state_label(k.4))
        };
        let mut v: Vec<(ConnKey, u64)> = counts.into_iter().collect();
        let mut dropped = 0;
        if v.len() > self.limits.max_series {
            v.sort_by(|a, b| b.1.cmp(&a.1).then(order(&a.0).cmp(&order(&b.0))));
            dropped = (v.len() - self.limits.max_series) as u64;
            v.truncate(self.limits.max_series);
        }
        v.sort_by(|a, b| order(&a.0).cmp(&order(&b.0)));
        (v, dropped)
    }
}

/// The state label: the kernel's name, with NEW_SYN_RECV counted as SYN_RECV (as ss does).
fn state_label(s: State) -> &'static str {
    match s {
        State::NewSynRecv => State::SynRecv.name(),
        st => st.name(),
    }
}

impl Sink for Aggregate {
    fn group(&mut self, _: Group) -> io::Result<()> {
        Ok(())
    }

    fn socket(&mut self, s: &Socket<'_>) -> io::Result<()> {
        let k = self.index(s.netns.map_or(0, |n| n.inode));
        // NEW_SYN_RECV is counted as SYN_RECV (state_label), so one key serves both.
        let state = match s.state {
            State::NewSynRecv => State::SynRecv,
            st => st,
        };
        *self
            .sockets
            .entry((k, s.proto, s.family, state))
            .or_default() += 1;
        let inet = matches!(s.family, Fam::Inet | Fam::Inet6);
        if !inet {
            return Ok(());
        }
        if s.state == State::Listen {
            self.listeners.push(Listener {
                ns: k,
                proto: s.proto,
                addr: s.local.addr,
                port: s.local.port,
                len: s.recv_q,
                max: s.send_q,
            });
            return Ok(());
        }
        let q = self.queues.entry((k, s.proto)).or_default();
        q.0 += u64::from(s.recv_q);
        q.1 += u64::from(s.send_q);
        if matches!(s.proto, Proto::Tcp | Proto::Mptcp | Proto::Sctp) && s.remote.port != 0 {
            self.conns.push(Conn {
                ns: k,
                proto: s.proto,
                state,
                local: s.local.port,
                remote: s.remote.port,
            });
        }
        Ok(())
    }

    fn warning(&mut self, msg: &str) {
        self.warnings.push(msg.to_string());
    }

    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}
