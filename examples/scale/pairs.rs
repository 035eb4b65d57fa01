//! The load: N established loopback TCP pairs held open by worker processes.
//!
//! A worker is this same binary run as `scale worker v4|v6 COUNT INDEX`. It listens on
//! its own port (below the ephemeral range, so a million connected sockets holding
//! ephemeral ports never leave a listener without one) and, for IPv4, its own loopback
//! address (127.0.0.1–127.0.0.16, by INDEX), connects COUNT clients to itself, accepts
//! each, says `ready` on stdout and holds every socket until its stdin closes. Clients
//! take ephemeral source ports, which the kernel shares between different destinations,
//! so 500k pairs fit in a 28k-port range. Both ends of a pair live in one worker, so a
//! worker holds 2·COUNT + 1 sockets; [`PER_WORKER`] keeps that under the 20,000-fd limit a
//! process has here. A quarter of the pairs go over `::1`.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};

/// Pairs per worker: 2 × 9,000 sockets + listener + stdio stays under 20,000 fds.
pub const PER_WORKER: usize = 9_000;

/// The first listener port; worker k listens on `BASE_PORT + k`.
const BASE_PORT: u16 = 20_000;

/// The worker side: build `count` pairs over `family`, report, hold until stdin closes.
pub fn worker(family: &str, count: usize, index: u16) -> io::Result<()> {
    let port = BASE_PORT + index;
    let addr: SocketAddr = match family {
        "v4" => (Ipv4Addr::new(127, 0, 0, 1 + (index % 16) as u8), port).into(),
        "v6" => (Ipv6Addr::LOCALHOST, port).into(),
        other => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("family must be v4 or v6, not {other:?}"),
            ));
        }
    };
    let listener = TcpListener::bind(addr)?;
    let at = listener.local_addr()?;
    let mut held = Vec::with_capacity(2 * count);
    for _ in 0..count {
        // On loopback the handshake completes inside connect(), so the accept never waits.
        let client = TcpStream::connect(at)?;
        let (server, _) = listener.accept()?;
        held.push(client);
        held.push(server);
    }
    let mut out = io::stdout().lock();
    writeln!(out, "ready {}", held.len() + 1)?;
    out.flush()?;
    drop(out);
    // Hold until the harness closes our stdin (or dies).
    let mut sink = Vec::new();
    io::stdin().lock().read_to_end(&mut sink)?;
    Ok(())
}

/// Running workers; dropping this closes their stdin and reaps them.
pub struct Load {
    workers: Vec<(Child, Option<ChildStdin>)>,
    /// Sockets the workers hold (pairs × 2 + one listener each).
    pub sockets: usize,
}

impl Load {
    /// Starts workers for `pairs` pairs, a quarter over IPv6, and waits until all are ready.
    pub fn start(pairs: usize) -> io::Result<Load> {
        let v6 = pairs / 4;
        let mut load = Load {
            workers: Vec::new(),
            sockets: 0,
        };
        let exe = std::env::current_exe()?;
        let mut index = 0u16;
        for (family, total) in [("v4", pairs - v6), ("v6", v6)] {
            let n = total.div_ceil(PER_WORKER);
            for i in 0..n {
                // Spread `total` evenly: the first `total % n` workers take one more.
                let count = total / n + usize::from(i < total % n);
                let mut child = Command::new(&exe)
                    .args(["worker", family, &count.to_string(), &index.to_string()])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()?;
                index += 1;
                let stdin = child.stdin.take();
                load.workers.push((child, stdin));
            }
        }
        for (child, _) in &mut load.workers {
            let mut line = String::new();
            let stdout = child
                .stdout
                .take()
                .ok_or_else(|| io::Error::other("no stdout"))?;
            BufReader::new(stdout).read_line(&mut line)?;
            let held: usize = line
                .strip_prefix("ready ")
                .and_then(|n| n.trim().parse().ok())
                .ok_or_else(|| io::Error::other(format!("worker failed: {line:?}")))?;
            load.sockets += held;
        }
        Ok(load)
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        for (_, stdin) in &mut self.workers {
            stdin.take();
        }
        for (child, _) in &mut self.workers {
            let _ = child.wait();
        }
    }
}
