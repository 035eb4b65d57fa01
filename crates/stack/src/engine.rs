//! The engine: smoltcp's interface, the socket set, the services and the TUN device, driven
//! by one poll loop. It never reads the clock itself beyond `now_us`, and it answers
//! control requests between polls with a snapshot of plain copies.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant as StdInstant};

use smoltcp::iface::{Config as IfaceConfig, Interface, SocketHandle, SocketSet};
use smoltcp::socket::{tcp, udp};
use smoltcp::time::Instant;
use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr, IpEndpoint};

use rnetstat_model::{State, TimerKind};

use super::device::TunDevice;
use super::driven::{Command, Counts, Driven};
use super::services::{Limits, Service, Services};
use rnetstat_diag::stack_reply::{SnapTimer, Snapshot, StackSocket, VERSION};

/// smoltcp keeps a socket in TIME_WAIT this long (`CLOSE_DELAY` in socket/tcp.rs).
const SMOLTCP_TIME_WAIT: Duration = Duration::from_secs(10);
/// smoltcp's RTO bounds (`RTTE_MIN_RTO`, `RTTE_MAX_RTO`), in ms.
const SMOLTCP_RTO_MS: (u32, u32) = (1000, 60_000);

/// Addresses of the stack (its side of the TUN link).
#[derive(Debug, Clone, Copy)]
pub struct Addrs {
    pub v4: Ipv4Addr,
    pub prefix4: u8,
    pub v6: Ipv6Addr,
    pub prefix6: u8,
}

pub struct Engine {
    iface: Interface,
    sockets: SocketSet<'static>,
    pub dev: TunDevice,
    services: Services,
    start: StdInstant,
    /// When each socket was first seen in TIME_WAIT (µs), for the timer's expiry.
    time_wait_since: HashMap<SocketHandle, u64>,
    device: String,
    mtu: u32,
    vnet: bool,
    /// The lab's socket, while it exists.
    driven: Option<Driven>,
    /// The driven socket's counts, kept after it is gone.
    counts: Counts,
}

impl Engine {
    pub fn new(
        mut dev: TunDevice,
        device: String,
        addrs: Addrs,
        ports: Vec<(Service, u16)>,
        limits: Limits,
        seed: u64,
    ) -> Engine {
        let mut cfg = IfaceConfig::new(HardwareAddress::Ip);
        cfg.random_seed = seed;
        let caps = smoltcp::phy::Device::capabilities(&dev);
        let mut iface = Interface::new(cfg, &mut dev, Instant::from_micros(0));
        iface.update_ip_addrs(|a| {
            let _ = a.push(IpCidr::new(IpAddress::Ipv4(addrs.v4), addrs.prefix4));
            let _ = a.push(IpCidr::new(IpAddress::Ipv6(addrs.v6), addrs.prefix6));
        });
        let mut sockets = SocketSet::new(Vec::new());
        let mut services = Services::new(ports, limits);
        services.start(&mut sockets);
        let vnet = dev.vnet();
        Engine {
            iface,
            sockets,
            dev,
            services,
            start: StdInstant::now(),
            time_wait_since: HashMap::new(),
            device,
            mtu: caps.max_transmission_unit as u32,
            vnet,
            driven: None,
            counts: Counts::default(),
        }
    }

    pub fn now_us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }

    /// One round: packets in, services, packets out. The services run between the two, so
    /// what they read reopens the window in the same ACK that acknowledges it (and an echo's
    /// data rides on it), instead of an ACK and then a window update. Returns whether
    /// anything happened.
    pub fn poll(&mut self) -> bool {
        use smoltcp::iface::{PollIngressSingleResult, PollResult};
        let mut any = false;
        for _ in 0..2 {
            let now = self.now_us();
            self.dev.now_us = now;
            let ts = Instant::from_micros(now as i64);
            self.iface.poll_maintenance(ts);
            let mut changed = false;
            loop {
                match self
                    .iface
                    .poll_ingress_single(ts, &mut self.dev, &mut self.sockets)
                {
                    PollIngressSingleResult::None => break,
                    PollIngressSingleResult::PacketProcessed => {}
                    PollIngressSingleResult::SocketStateChanged => changed = true,
                }
            }
            let mut served = self.drive_run();
            served |= self.services.run(&mut self.sockets, now);
            while self.iface.poll_egress(ts, &mut self.dev, &mut self.sockets)
                == PollResult::SocketStateChanged
            {
                changed = true;
            }
            self.dev.flush();
            any |= changed | served;
            if !served {
                break;
            }
        }
        self.track_time_wait();
        any
    }

    /// How long the loop may sleep before smoltcp needs polling again, or a packet on
    /// an impaired link is due.
    pub fn delay(&mut self) -> Option<Duration> {
        let now = self.now_us();
        let ts = Instant::from_micros(now as i64);
        let smol = self
            .iface
            .poll_delay(ts, &self.sockets)
            .map(|d| Duration::from_micros(d.total_micros()));
        let link = self
            .dev
            .next_due()
            .filter(|_| self.dev.line.as_ref().is_some_and(|l| !l.manual))
            .map(|due| Duration::from_micros(due.saturating_sub(now)));
        match (smol, link) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Carries out one of the lab's commands on its socket.
    pub fn drive(&mut self, cmd: Command) -> Result<Counts, String> {
        let r = self.drive_one(cmd);
        if let Some(d) = self.driven.as_ref() {
            self.counts = Counts {
                read: d.read,
                written: d.written,
            };
        }
        r.map(|()| self.counts)
    }

    fn drive_one(&mut self, cmd: Command) -> Result<(), String> {
        let live = self
            .driven
            .as_ref()
            .is_some_and(|d| self.services.service_of(d.handle).is_some());
        match cmd {
            Command::Status => Ok(()),
            Command::Listen { .. } | Command::Connect { .. } => {
                if live {
                    return Err("the stack's socket is already open".into());
                }
                let d = Driven::open(cmd, &mut self.sockets, self.iface.context())?;
                self.services.adopt(d.handle, Service::Lab);
                self.driven = Some(d);
                Ok(())
            }
            _ => {
                let d = self
                    .driven
                    .as_mut()
                    .filter(|_| live)
                    .ok_or("the stack has no open socket (closed, reset or never opened)")?;
                d.command(cmd, self.sockets.get_mut::<tcp::Socket>(d.handle))
            }
        }
    }

    /// Moves the driven socket's owed bytes; forgets it once the set has removed it.
    fn drive_run(&mut self) -> bool {
        let Some(d) = self.driven.as_mut() else {
            return false;
        };
        if self.services.service_of(d.handle).is_none() {
            self.counts = Counts {
                read: d.read,
                written: d.written,
            };
            self.driven = None;
            return false;
        }
        d.run(self.sockets.get_mut::<tcp::Socket>(d.handle))
    }

    /// Runs after every poll, so it allocates nothing in the common case. Every live handle
    /// is visited, so an entry left by a removed socket is dropped as soon as its slot is
    /// reused (a new socket is never born in TIME_WAIT).
    fn track_time_wait(&mut self) {
        let now = self.now_us();
        for h in self.services.tcp_handles() {
            if self.sockets.get::<tcp::Socket>(h).state() == tcp::State::TimeWait {
                self.time_wait_since.entry(h).or_insert(now);
            } else {
                self.time_wait_since.remove(&h);
            }
        }
        // Forget tap flows whose connection is finished and gone from the socket set.
        if self.dev.tap.len() > self.services.socket_count() + 64 {
            let live: Vec<(SocketAddr, SocketAddr)> = self
                .services
                .tcp_handles()
                .filter_map(|h| {
                    let s = self.sockets.get::<tcp::Socket>(h);
                    Some((to_std(s.local_endpoint()?), to_std(s.remote_endpoint()?)))
                })
                .collect();
            self.dev.tap.retain(|k, f| {
                live.contains(k) || (!f.finished && now - f.last_seen_us < 60_000_000)
            });
        }
    }

    pub fn close_all(&mut self) {
        self.services.close_all(&mut self.sockets);
    }

    pub fn all_closed(&self) -> bool {
        self.services.all_closed(&self.sockets)
    }

    /// A copy of every socket's control information.
    pub fn snapshot(&self) -> Snapshot {
        let now = self.now_us();
        let mut out = Vec::with_capacity(self.services.socket_count());
        for h in self.services.tcp_handles() {
            let s = self.sockets.get::<tcp::Socket>(h);
            out.push(self.tcp_record(h, s, now));
        }
        if let Some(h) = self.services.udp_handle() {
            let u = self.sockets.get::<udp::Socket>(h);
            let ep = u.endpoint();
            out.push(StackSocket {
                proto: "udp".into(),
                state: State::Close,
                recv_q: u.recv_queue() as u32,
                send_q: u.send_queue() as u32,
                local: SocketAddr::new(
                    ep.addr.map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), to_std_ip),
                    ep.port,
                ),
                remote: None,
                service: Service::Echo.name().into(),
                timer: None,
                tcp_info: None,
            });
        }
        // Stable order for people and tests: by local port, then remote.
        out.sort_by_key(|s| (s.proto.clone(), s.local.port(), s.remote));
        Snapshot {
            version: VERSION,
            pid: std::process::id(),
            uid: rnetstat_sys::geteuid(),
            netns: rnetstat_diag::stack_reply::current_netns(),
            device: self.device.clone(),
            mtu: self.mtu,
            vnet_hdr: self.vnet,
            addresses: self
                .iface
                .ip_addrs()
                .iter()
                .map(|c| c.to_string())
                .collect(),
            stats: self.dev.stats,
            tap_flows: self.dev.tap.len(),
            sockets: out,
        }
    }

    fn tcp_record(&self, h: SocketHandle, s: &tcp::Socket<'_>, now: u64) -> StackSocket {
        let state = map_state(s.state());
        let local = match s.local_endpoint() {
            Some(ep) => to_std(ep),
            None => {
                let l = s.listen_endpoint();
                SocketAddr::new(
                    l.addr.map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), to_std_ip),
                    l.port,
                )
            }
        };
        let remote = s.remote_endpoint().map(to_std);
        let flow = remote.and_then(|r| self.dev.tap.get(&(local, r)));
        let info = flow.map(|f| f.info());
        let timer = if let Some(since) = self.time_wait_since.get(&h) {
            let left = SMOLTCP_TIME_WAIT.as_micros() as u64
                - (now - since).min(SMOLTCP_TIME_WAIT.as_micros() as u64);
            Some(SnapTimer {
                timer: TimerKind::TimeWait.name().into(),
                expires_ms: (left / 1000) as u32,
                retrans: 0,
            })
        } else if s.send_queue() > 0 {
            let rto_ms = info
                .and_then(|i| i.rto)
                .map_or(SMOLTCP_RTO_MS.0, |us| us / 1000)
                .clamp(SMOLTCP_RTO_MS.0, SMOLTCP_RTO_MS.1);
            let zero_window = info.and_then(|i| i.snd_wnd) == Some(0);
            Some(SnapTimer {
                timer: if zero_window {
                    TimerKind::Probe
                } else {
                    TimerKind::Retransmit
                }
                .name()
                .into(),
                expires_ms: rto_ms,
                retrans: 0,
            })
        } else if let (Some(k), Some(f), true) = (s.keep_alive(), flow, s.is_active()) {
            // smoltcp probes `k` after the last segment either way; the tap saw that one.
            let due_us = f.last_seen_us.saturating_add(k.total_micros());
            Some(SnapTimer {
                timer: TimerKind::KeepAlive.name().into(),
                expires_ms: u32::try_from(due_us.saturating_sub(now) / 1000).unwrap_or(u32::MAX),
                retrans: 0,
            })
        } else {
            None
        };
        StackSocket {
            proto: "tcp".into(),
            state,
            recv_q: s.recv_queue() as u32,
            send_q: s.send_queue() as u32,
            local,
            remote,
            service: self.services.service_of(h).map_or("", |s| s.name()).into(),
            timer,
            tcp_info: info,
        }
    }
}

pub(crate) fn map_state(s: tcp::State) -> State {
    match s {
        tcp::State::Closed => State::Close,
        tcp::State::Listen => State::Listen,
        tcp::State::SynSent => State::SynSent,
        tcp::State::SynReceived => State::SynRecv,
        tcp::State::Established => State::Established,
        tcp::State::FinWait1 => State::FinWait1,
        tcp::State::FinWait2 => State::FinWait2,
        tcp::State::CloseWait => State::CloseWait,
        tcp::State::Closing => State::Closing,
        tcp::State::LastAck => State::LastAck,
        tcp::State::TimeWait => State::TimeWait,
    }
}

fn to_std_ip(a: IpAddress) -> IpAddr {
    match a {
        IpAddress::Ipv4(a) => IpAddr::V4(a),
        IpAddress::Ipv6(a) => IpAddr::V6(a),
    }
}

fn to_std(ep: IpEndpoint) -> SocketAddr {
    SocketAddr::new(to_std_ip(ep.addr), ep.port)
}
