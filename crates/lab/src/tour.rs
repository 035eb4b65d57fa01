//! `rnetstat lab` without a scenario: the TCP life cycle watched from both ends, against the
//! stack's built-in services.
//!
//! The lab enters a private network namespace (so nothing it sends can leave it), starts the
//! userspace stack there on a TUN device, and opens kernel sockets that walk through a
//! handshake, data both ways, a full receive queue and zero window, a half close, TIME_WAIT
//! on either side and a UDP exchange. After each step it prints the compare view of that
//! step's connection. With `--step` the device holds every packet and releases one at a
//! time, printing it and both sockets after each. The namespace and the device vanish when
//! the lab's process ends.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use socket2::{Domain, SockAddr, Socket as Sock, Type};

use crate::compare::{pair, render};
use crate::config::LabConfig;
use rnetstat_collect as source;
use rnetstat_model::error::Error;
use rnetstat_model::{Proto, Socket, State};
use rnetstat_stack as stack;
use rnetstat_stack::tap::Dir;
use rnetstat_stack::{StackConfig, StackHandle, packet};
use rnetstat_sys::net as netdev;

/// What a step waits for, checked against the step's connection.
type Goal = fn(Option<&Socket<'_>>, Option<&Socket<'_>>) -> bool;

struct Lab {
    handle: StackHandle,
    cfg: LabConfig,
    stack_addr: IpAddr,
    failed: Vec<String>,
    step_no: usize,
}

const STEPS: usize = 8;
const HOLD_BUFFER: usize = 16_384;

pub fn run(cfg: &LabConfig) -> Result<(), Error> {
    if rnetstat_sys::geteuid() != 0 {
        return Err(Error::Permission(
            "rnetstat lab needs root (CAP_SYS_ADMIN for a network namespace, CAP_NET_ADMIN for the TUN device)".into(),
        ));
    }
    netdev::unshare_netns().map_err(Error::Stack)?;
    netdev::link_up("lo", None, None).map_err(Error::Stack)?;
    let mut sc = StackConfig {
        device: "rnslab0".into(),
        step: cfg.step,
        ..StackConfig::default()
    };
    sc.limits.rx_buffer = HOLD_BUFFER;
    sc.limits.tx_buffer = HOLD_BUFFER;
    let handle = stack::start(&sc).map_err(Error::Stack)?;
    println!(
        "rnetstat lab: private network namespace; kernel {} ⇄ userspace stack {} on {}",
        sc.kernel_v4, sc.addrs.v4, sc.device
    );
    let mut lab = Lab {
        handle,
        cfg: cfg.clone(),
        stack_addr: IpAddr::V4(sc.addrs.v4),
        failed: Vec::new(),
        step_no: 0,
    };
    let r = lab.script();
    let failed = std::mem::take(&mut lab.failed);
    lab.handle.stop().map_err(Error::Stack)?;
    r.map_err(Error::Stack)?;
    if failed.is_empty() {
        println!("\nThe lab is over: the namespace, its device and every socket are gone.");
        Ok(())
    } else {
        Err(Error::Stack(io::Error::other(format!(
            "steps that did not reach their expected states: {}",
            failed.join("; ")
        ))))
    }
}

fn tcp_connect(dst: SocketAddr) -> io::Result<Sock> {
    let s = Sock::new(Domain::IPV4, Type::STREAM, None)?;
    s.set_nonblocking(true)?;
    match s.connect(&SockAddr::from(dst)) {
        Ok(()) => Ok(s),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(s),
        Err(e) => Err(e),
    }
}

fn state_is(s: Option<&Socket<'_>>, st: State) -> bool {
    s.is_some_and(|s| s.state == st)
}

impl Lab {
    fn script(&mut self) -> io::Result<()> {
        let addr = self.stack_addr;
        let to = |port| SocketAddr::new(addr, port);
        // 1. Handshake.
        let c1 = tcp_connect(to(7))?;
        self.step(
            "Handshake",
            "the kernel connects to the stack's echo service: SYN, SYN-ACK, ACK",
            Proto::Tcp,
            local(&c1)?,
            |k, u| state_is(k, State::Established) && state_is(u, State::Established),
        )?;
        // 2. Data both ways.
        c1.send(&[b'd'; 3000])?;
        self.step(
            "Data both ways",
            "3000 bytes to echo and back; the echoed bytes wait unread in the kernel's Recv-Q",
            Proto::Tcp,
            local(&c1)?,
            |k, u| {
                k.is_some_and(|k| k.recv_q == 3000 && k.send_q == 0)
                    && u.is_some_and(|u| u.send_q == 0)
            },
        )?;
        let mut sink = [0u8; 4096];
        let _ = (&c1).read(&mut sink);
        // 3. Full receive queue, zero window.
        let c2 = tcp_connect(to(9999))?;
        self.wait_connected(&c2);
        let mut written = 0;
        while written < 4 * HOLD_BUFFER {
            match c2.send(&[b'h'; 4096]) {
                Ok(n) => written += n,
                Err(_) => break,
            }
        }
        self.step(
            "Full receive queue, zero window",
            "the hold service never reads: its Recv-Q fills its 16 KiB buffer, it advertises a zero window, and the rest stays in the kernel's Send-Q",
            Proto::Tcp,
            local(&c2)?,
            |k, u| {
                u.is_some_and(|u| u.recv_q as usize == HOLD_BUFFER && u.tcp_info.as_ref().and_then(|i| i.rcv_wnd) == Some(0))
                    && k.is_some_and(|k| k.send_q > 0)
            },
        )?;
        // 4. Half close from the kernel.
        let c3 = tcp_connect(to(9999))?;
        self.wait_connected(&c3);
        c3.send(b"last words")?;
        c3.shutdown(Shutdown::Write)?;
        self.step(
            "Half close",
            "the kernel shuts its sending side: FIN_WAIT2 beside CLOSE_WAIT (the stack could still send)",
            Proto::Tcp,
            local(&c3)?,
            |k, u| state_is(k, State::FinWait2) && state_is(u, State::CloseWait),
        )?;
        // 5. TIME_WAIT on the kernel side.
        self.step(
            "TIME_WAIT on the kernel side",
            "the hold service closes its side after 2 s; the kernel closed first, so it keeps the connection in TIME_WAIT",
            Proto::Tcp,
            local(&c3)?,
            |k, u| state_is(k, State::TimeWait) && u.is_none_or(|u| u.state == State::LastAck),
        )?;
        drop(c3);
        // 6. The stack closes first.
        let c4 = tcp_connect(to(17))?;
        self.step(
            "The stack closes first",
            "qotd sends one quote and closes: the kernel is in CLOSE_WAIT with the quote unread, the stack in FIN_WAIT2",
            Proto::Tcp,
            local(&c4)?,
            |k, u| state_is(k, State::CloseWait) && k.is_some_and(|k| k.recv_q > 0) && state_is(u, State::FinWait2),
        )?;
        // 7. TIME_WAIT on the stack side.
        let c4_local = local(&c4)?;
        let mut quote = Vec::new();
        let _ = (&c4).read_to_end(&mut quote);
        drop(c4);
        self.step(
            "TIME_WAIT on the stack side",
            "the kernel reads the quote and closes (LAST_ACK, then gone); the stack closed first, so it waits in TIME_WAIT",
            Proto::Tcp,
            c4_local,
            |k, u| k.is_none_or(|k| k.state == State::LastAck) && state_is(u, State::TimeWait),
        )?;
        // 8. UDP.
        let udp = UdpSocket::bind("0.0.0.0:0")?;
        udp.connect(to(7))?;
        udp.send(b"hello, stack")?;
        self.step(
            "A UDP exchange",
            "a datagram to the stack's UDP echo comes back and waits in the kernel socket's Recv-Q",
            Proto::Udp,
            udp.local_addr()?,
            |k, u| k.is_some_and(|k| k.recv_q > 0) && u.is_some(),
        )?;
        drop((c1, c2, udp));
        Ok(())
    }

    fn wait_connected(&self, s: &Sock) {
        // In step mode the handshake needs its packets released.
        let end = Instant::now() + Duration::from_secs(3);
        while Instant::now() < end {
            if s.peer_addr().is_ok() {
                return;
            }
            if self.cfg.step
                && let Some(p) = self.handle.release()
            {
                let (arrow, desc) = describe(p.dir, &p.pkt);
                println!("   (connecting: {arrow} {desc})");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The step's kernel socket(s) and the stack's sockets facing it, right now.
    fn focus(&self, proto: Proto, local: SocketAddr) -> io::Result<Focus> {
        let mut kernel = super::look::kernel_sockets()?;
        kernel.retain(|s| {
            s.proto == proto && s.local.port == local.port() && s.state != State::Listen
        });
        Ok(Focus {
            kernel,
            snaps: self.handle.snapshot().into_iter().collect(),
            proto,
            port: local.port(),
        })
    }

    /// Prints the step's connection; returns whether `goal` holds.
    fn show(&self, proto: Proto, local: SocketAddr, goal: Goal) -> io::Result<bool> {
        let f = self.focus(proto, local)?;
        let user = f.user();
        let pairs = pair::pair(&f.kernel, &user, &[self.stack_addr]);
        let mut out = io::stdout().lock();
        writeln!(out, "{}", render::header())?;
        render::rows(&mut out, &pairs)?;
        out.flush()?;
        Ok(f.goal(&user, goal))
    }

    fn step(
        &mut self,
        title: &str,
        what: &str,
        proto: Proto,
        local: SocketAddr,
        goal: Goal,
    ) -> io::Result<()> {
        self.step_no += 1;
        println!("\n== Step {}/{STEPS}: {title} ==\n   {what}", self.step_no);
        let reached = if self.cfg.step {
            self.packets(proto, local, goal)?
        } else {
            self.settle(proto, local, goal)?
        };
        if !reached {
            println!("   (not reached: the expected states did not appear in time)");
            self.failed.push(format!("{} ({title})", self.step_no));
        }
        Ok(())
    }

    /// Waits until the goal holds (or 5 s), then prints.
    fn settle(&self, proto: Proto, local: SocketAddr, goal: Goal) -> io::Result<bool> {
        let end = Instant::now() + Duration::from_secs(5);
        while !self.settled(proto, local, goal)? && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(25));
        }
        self.show(proto, local, goal)
    }

    /// Step mode: releases held packets one at a time until the goal holds and the link
    /// is quiet, printing each packet and the connection after it.
    fn packets(&self, proto: Proto, local: SocketAddr, goal: Goal) -> io::Result<bool> {
        let end = Instant::now() + Duration::from_secs(30);
        let mut quiet_since = Instant::now();
        let mut reached = false;
        while Instant::now() < end {
            match self.handle.release() {
                Some(p) => {
                    let (dir, pkt) = (p.dir, p.pkt);
                    quiet_since = Instant::now();
                    let (arrow, desc) = describe(dir, &pkt);
                    let ours = match packet::parse(&pkt) {
                        Ok(packet::Packet::Tcp(t)) => {
                            t.src.port() == local.port() || t.dst.port() == local.port()
                        }
                        Ok(packet::Packet::Udp { src, dst, .. }) => {
                            src.port() == local.port() || dst.port() == local.port()
                        }
                        _ => false,
                    };
                    if !ours {
                        println!("   (other traffic released: {arrow} {desc})");
                        continue;
                    }
                    println!("\n-> {arrow}: {desc}");
                    reached = self.show(proto, local, goal)?;
                    self.pause()?;
                }
                None => {
                    std::thread::sleep(Duration::from_millis(20));
                    let quiet = quiet_since.elapsed() > Duration::from_millis(300);
                    if quiet && (reached || self.settled(proto, local, goal)?) {
                        return Ok(true);
                    }
                    if quiet_since.elapsed() > Duration::from_secs(4) {
                        // Nothing more is coming (e.g. a timer-driven close is due later).
                        return self.settle(proto, local, goal);
                    }
                }
            }
        }
        Ok(reached)
    }

    fn settled(&self, proto: Proto, local: SocketAddr, goal: Goal) -> io::Result<bool> {
        let f = self.focus(proto, local)?;
        Ok(f.goal(&f.user(), goal))
    }

    fn pause(&self) -> io::Result<()> {
        super::pause(self.cfg.auto, "   ")
    }
}

/// One look at a step's connection from both ends.
struct Focus {
    kernel: Vec<Socket<'static>>,
    snaps: Vec<rnetstat_diag::stack_reply::Snapshot>,
    proto: Proto,
    port: u16,
}

impl Focus {
    /// The stack's sockets facing the kernel port (for UDP, also its unconnected socket).
    fn user(&self) -> Vec<Socket<'_>> {
        let (proto, port) = (self.proto, self.port);
        self.snaps
            .iter()
            .flat_map(|sn| sn.sockets.iter().map(move |s| source::stack::record(sn, s)))
            .filter(|u| {
                u.proto == proto
                    && (u.remote.port == port || (proto == Proto::Udp && u.remote.port == 0))
            })
            .collect()
    }

    fn goal(&self, user: &[Socket<'_>], goal: Goal) -> bool {
        let u = user
            .iter()
            .find(|u| u.remote.port == self.port)
            .or(user.first().filter(|_| self.proto == Proto::Udp));
        goal(self.kernel.first(), u)
    }
}

/// Which way a packet went, and what it is.
pub(super) fn describe(dir: Dir, pkt: &[u8]) -> (&'static str, String) {
    let arrow = super::arrow(dir);
    let desc = packet::parse(pkt).map_or_else(|e| format!("undecodable: {e}"), |p| p.to_string());
    (arrow, desc)
}

fn local(s: &Sock) -> io::Result<SocketAddr> {
    s.local_addr()?
        .as_socket()
        .ok_or_else(|| io::Error::other("socket without an inet address"))
}
