//! rnetstat-stack: the companion userspace TCP/IP stack: smoltcp driving a TUN device, with built-in
//! services, a wire tap that recovers what smoltcp keeps private, and a control socket that
//! serves its socket table, so its sockets print in the same columns as the kernel's.
//!
//! Layout: `device` (the TUN `Device`), `packet` + `tap` (the wire), `services` (echo,
//! discard, hold, qotd, chargen, UDP echo, listener pool), `engine` (the poll loop's state),
//! `control` (the unix control socket; what it serves is `rnetstat_diag::stack_reply`).
//! smoltcp is confined to this crate.
//!
//! Public entry points: [`start`] (the loop on its own thread, for the lab) and
//! [`foreground::run`] (`rnetstat stack`), [`StackConfig`], [`StackHandle`], [`impair`]
//! (the impaired link), [`driven`] (the lab's scripted side), [`packet`] and [`tap`] (the
//! wire), [`link_addrs`] (the link's addresses); `fuzz` with the `fuzzing` feature.
#![deny(unsafe_code)]

pub mod checksum;
pub mod control;
pub mod device;
pub mod driven;
pub mod engine;
pub mod foreground;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzz;
pub(crate) mod gso;
pub mod impair;
pub mod link_addrs;
pub mod packet;
pub mod services;
pub mod tap;

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec};

use rnetstat_sys::net as netdev;

use control::{ControlServer, Request};
use device::TunDevice;
use engine::{Addrs, Engine};
use impair::{Impairment, Pending};
use services::{Limits, Service};
use tap::Tap;

/// Everything `rnetstat stack` can be told.
#[derive(Debug, Clone)]
pub struct StackConfig {
    pub device: String,
    /// The kernel's side of the link.
    pub kernel_v4: Ipv4Addr,
    pub kernel_v6: Ipv6Addr,
    /// The stack's own addresses.
    pub addrs: Addrs,
    pub mtu: u32,
    pub txqueuelen: u32,
    pub vnet_hdr: bool,
    pub limits: Limits,
    pub hold_port: u16,
    /// Hold every packet until the caller releases it (the lab).
    pub step: bool,
    /// What the link does to packets each way, and the seed (also smoltcp's, when given).
    pub impair: Impairment,
    pub seed: Option<u64>,
}

impl Default for StackConfig {
    fn default() -> Self {
        StackConfig {
            device: "rns0".into(),
            kernel_v4: Ipv4Addr::new(10, 77, 0, 1),
            kernel_v6: "fd00:77::1".parse().unwrap_or(Ipv6Addr::LOCALHOST),
            addrs: Addrs {
                v4: Ipv4Addr::new(10, 77, 0, 2),
                prefix4: 24,
                v6: "fd00:77::2".parse().unwrap_or(Ipv6Addr::LOCALHOST),
                prefix6: 64,
            },
            mtu: 1500,
            txqueuelen: 10_000,
            vnet_hdr: true,
            limits: Limits {
                rx_buffer: 256 * 1024,
                tx_buffer: 256 * 1024,
                backlog: 4,
                max_sockets: 256,
                timeout: Duration::from_secs(30),
                keepalive: None,
            },
            hold_port: 9999,
            step: false,
            impair: Impairment::default(),
            seed: None,
        }
    }
}

impl StackConfig {
    pub fn ports(&self) -> Vec<(Service, u16)> {
        vec![
            (Service::Echo, 7),
            (Service::Discard, 9),
            (Service::Qotd, 17),
            (Service::Chargen, 19),
            (Service::Hold, self.hold_port),
        ]
    }
}

/// A packet released from the link, with the way it went and what the link did to it.
pub(crate) type Released = Option<Pending>;

/// A running stack.
pub struct StackHandle {
    stop: Arc<AtomicBool>,
    wake: UnixStream,
    requests: Sender<Request>,
    steps: Option<Sender<SyncSender<Released>>>,
    thread: Option<JoinHandle<io::Result<()>>>,
    pub control_path: std::path::PathBuf,
}

impl StackHandle {
    /// Asks the loop to close every connection and stop, and waits for it.
    pub fn stop(mut self) -> io::Result<()> {
        self.stop.store(true, Ordering::SeqCst);
        let _ = (&self.wake).write(&[1]);
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(io::Error::other("the stack thread panicked")),
            None => Ok(()),
        }
    }

    /// The flag that stops the loop (for signal handlers) and a way to wake it.
    pub fn stopper(&self) -> (Arc<AtomicBool>, io::Result<UnixStream>) {
        (self.stop.clone(), self.wake.try_clone())
    }

    /// A snapshot taken by the loop itself (in-process users such as the lab).
    pub fn snapshot(&self) -> Option<rnetstat_diag::stack_reply::Snapshot> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.requests.send(Request::Snapshot(tx)).ok()?;
        let _ = (&self.wake).write(&[1]);
        rx.recv_timeout(Duration::from_secs(2)).ok()
    }

    /// A command for the lab's driven socket, carried out by the loop.
    pub fn drive(&self, cmd: driven::Command) -> Result<driven::Counts, String> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.requests
            .send(Request::Drive(cmd, tx))
            .map_err(|_| "the stack has stopped".to_string())?;
        let _ = (&self.wake).write(&[1]);
        rx.recv_timeout(Duration::from_secs(2))
            .map_err(|_| "the stack did not answer".to_string())?
    }

    /// Adds a link rule for one direction (the lab's `impair` lines).
    pub fn impair(&self, dir: tap::Dir, words: &[String]) -> Result<(), String> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.requests
            .send(Request::Impair(dir, words.to_vec(), tx))
            .map_err(|_| "the stack has stopped".to_string())?;
        let _ = (&self.wake).write(&[1]);
        rx.recv_timeout(Duration::from_secs(2))
            .map_err(|_| "the stack did not answer".to_string())?
    }

    /// Step mode: releases the earliest packet due on the link, if any.
    pub fn release(&self) -> Released {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.steps.as_ref()?.send(tx).ok()?;
        let _ = (&self.wake).write(&[1]);
        rx.recv_timeout(Duration::from_secs(2)).ok().flatten()
    }

    /// Whether the thread has ended (e.g. after a fatal device error).
    pub fn finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }
}

impl Drop for StackHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = (&self.wake).write(&[1]);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Why the TUN device could not be made; when it is busy, who holds it.
fn tun_error(device: &str, e: &io::Error) -> String {
    let name = rnetstat_sys::sanitize::quoted(device);
    if e.raw_os_error() != Some(libc::EBUSY) {
        return format!("cannot create TUN device {name}: {e}");
    }
    match rnetstat_sys::tun_holder::holder(device) {
        Some(h) if h.command == "rnetstat" => format!(
            "cannot create TUN device {name}: a userspace stack (pid {}) already runs on it in \
             this network namespace; stop it, or give this one another --device",
            h.pid
        ),
        Some(h) => format!(
            "cannot create TUN device {name}: it is held by pid {} ({}); give this stack \
             another --device",
            h.pid, h.command
        ),
        None => format!(
            "cannot create TUN device {name}: another process holds it (not one this user \
             may see); give this stack another --device"
        ),
    }
}

/// Creates and configures the TUN device, binds the control socket and starts the loop.
pub fn start(cfg: &StackConfig) -> io::Result<StackHandle> {
    let offload = netdev::TUN_F_CSUM | netdev::TUN_F_TSO4 | netdev::TUN_F_TSO6;
    // An impaired or stepped link acts on single segments, so the kernel must not hand
    // over GSO super-packets: no virtio header then.
    let line = cfg.step || !cfg.impair.is_empty();
    let tun = netdev::tun_open(&cfg.device, cfg.vnet_hdr && !line, offload)
        .map_err(|e| io::Error::new(e.kind(), tun_error(&cfg.device, &e)))?;
    configure_kernel_side(&tun.name, cfg)?;
    let control = ControlServer::bind()
        .map_err(|e| io::Error::new(e.kind(), format!("cannot create the control socket: {e}")))?;
    let control_path = control.path.clone();
    let mut dev = TunDevice::new(tun.fd, tun.vnet_hdr, cfg.mtu as usize, Tap::new(4096));
    if line {
        dev.line = Some(device::Line::new(&cfg.impair, cfg.step));
    }
    // smoltcp draws initial sequence numbers and ports from this seed.
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let seed = cfg
        .seed
        .unwrap_or(u64::from(std::process::id()).rotate_left(32) ^ clock);
    let engine = Engine::new(
        dev,
        tun.name.clone(),
        cfg.addrs,
        cfg.ports(),
        cfg.limits,
        seed,
    );
    let (wake_rx, wake) = UnixStream::pair()?;
    wake_rx.set_nonblocking(true)?;
    wake.set_nonblocking(true)?;
    let stop = Arc::new(AtomicBool::new(false));
    let (req_tx, req_rx) = channel();
    let (step_tx, step_rx) = channel();
    let ctx = LoopCtx {
        stop: stop.clone(),
        wake_rx,
        wake: wake.try_clone()?,
        requests: req_rx,
        requests_tx: req_tx.clone(),
        steps: step_rx,
        control,
    };
    let thread = std::thread::Builder::new()
        .name("rnetstat-stack".into())
        .spawn(move || run_loop(engine, ctx))?;
    Ok(StackHandle {
        stop,
        wake,
        requests: req_tx,
        steps: cfg.step.then_some(step_tx),
        thread: Some(thread),
        control_path,
    })
}

/// The kernel's side of the link: addresses (IPv6 without duplicate address detection,
/// which would hold the address tentative for a second), MTU, tx queue, up.
fn configure_kernel_side(dev: &str, cfg: &StackConfig) -> io::Result<()> {
    let ctx = |what: &str, e: io::Error| io::Error::new(e.kind(), format!("{dev}: {what}: {e}"));
    let _ = std::fs::write(format!("/proc/sys/net/ipv6/conf/{dev}/accept_dad"), "0");
    netdev::link_up(dev, Some(cfg.mtu), Some(cfg.txqueuelen)).map_err(|e| ctx("link up", e))?;
    netdev::add_ipv4(dev, cfg.kernel_v4, cfg.addrs.prefix4).map_err(|e| ctx("IPv4 address", e))?;
    netdev::add_ipv6(dev, cfg.kernel_v6, cfg.addrs.prefix6).map_err(|e| ctx("IPv6 address", e))
}

struct LoopCtx {
    stop: Arc<AtomicBool>,
    wake_rx: UnixStream,
    wake: UnixStream,
    requests: Receiver<Request>,
    requests_tx: Sender<Request>,
    steps: Receiver<SyncSender<Released>>,
    control: ControlServer,
}

/// How long shutdown waits for connections to finish closing.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Rounds a busy loop runs before it looks at its other descriptors again.
const BUSY_ROUNDS: u32 = 64;
/// How long after the last activity the loop keeps looking without sleeping.
const SPIN: Duration = Duration::from_micros(50);

fn run_loop(mut engine: Engine, ctx: LoopCtx) -> io::Result<()> {
    let mut closing: Option<Instant> = None;
    let mut drain = [0u8; 64];
    // What the last poll(2) saw ready: [wake pipe, control listener]. While the loop is
    // busy it polls only every BUSY_ROUNDS rounds, so a bulk transfer does not pay three
    // idle syscalls per round.
    let mut ready = [true, true];
    let mut busy_rounds = 0u32;
    let mut last_busy = Instant::now();
    loop {
        engine.dev.take_incoming();
        let busy = engine.poll();
        if busy {
            last_busy = Instant::now();
        }
        if std::mem::take(&mut ready[0]) {
            while let Ok(n) = (&ctx.wake_rx).read(&mut drain) {
                if n == 0 {
                    break;
                }
            }
        }
        while let Ok(req) = ctx.requests.try_recv() {
            match req {
                Request::Snapshot(reply) => {
                    let _ = reply.try_send(engine.snapshot());
                }
                Request::Impair(dir, words, reply) => {
                    let words: Vec<&str> = words.iter().map(String::as_str).collect();
                    let r = match engine.dev.line.as_mut() {
                        Some(l) => l.link.add_rule(dir, &words),
                        None => Err("the link is not impaired or stepped".into()),
                    };
                    let _ = reply.try_send(r);
                }
                Request::Drive(cmd, reply) => {
                    let r = engine.drive(cmd);
                    engine.poll();
                    let _ = reply.try_send(r);
                }
            }
        }
        while let Ok(reply) = ctx.steps.try_recv() {
            engine.dev.now_us = engine.now_us();
            engine.dev.take_incoming();
            let released = engine.dev.release_one();
            engine.poll();
            let _ = reply.try_send(released);
        }
        if std::mem::take(&mut ready[1]) {
            ctx.control.accept_all(&ctx.requests_tx, &ctx.wake);
        }
        if ctx.stop.load(Ordering::SeqCst) && closing.is_none() {
            engine.close_all();
            if let Some(l) = engine.dev.line.as_mut() {
                l.manual = false;
            }
            closing = Some(Instant::now());
        }
        if let Some(t) = closing
            && (engine.all_closed() || t.elapsed() > CLOSE_GRACE)
        {
            engine.poll();
            return Ok(());
        }
        if busy {
            busy_rounds += 1;
            if busy_rounds < BUSY_ROUNDS && closing.is_none() {
                continue;
            }
        }
        busy_rounds = 0;
        // Traffic that just flowed is likely to flow on: look again at once for a short
        // while instead of sleeping, which saves the sender a wake-up per packet.
        let mut wait = if busy || last_busy.elapsed() < SPIN {
            Duration::ZERO
        } else {
            engine
                .delay()
                .unwrap_or(Duration::from_secs(1))
                .min(Duration::from_secs(1))
        };
        if closing.is_some() {
            wait = wait.min(Duration::from_millis(20));
        }
        let ts = Timespec::try_from(wait).unwrap_or(Timespec {
            tv_sec: 1,
            tv_nsec: 0,
        });
        let tun_fd = engine.dev.fd();
        let mut fds = [
            PollFd::new(&tun_fd, PollFlags::IN),
            PollFd::new(&ctx.wake_rx, PollFlags::IN),
            PollFd::new(&ctx.control.listener, PollFlags::IN),
        ];
        match rustix::event::poll(&mut fds, Some(&ts)) {
            Ok(_) => {
                ready = [!fds[1].revents().is_empty(), !fds[2].revents().is_empty()];
            }
            Err(rustix::io::Errno::INTR) => ready = [true, true],
            Err(e) => return Err(e.into()),
        }
    }
}
