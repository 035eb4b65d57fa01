//! The stack's built-in services, each on its well-known port, and the listener pool.
//!
//! smoltcp has no accept backlog: a listening socket *becomes* the connection when a SYN
//! arrives. To let many clients connect at once, each TCP service keeps `backlog` sockets
//! listening on its port and a fresh one is added whenever one is taken, as long as the
//! stack is under `max_sockets`. The cap is what bounds memory under a SYN flood (further
//! SYNs are answered with RST by smoltcp), together with the timeout that aborts a connection
//! whose handshake never completes.
//!
//! smoltcp aborts any connection whose peer has been silent for the socket's timeout, idle or
//! not. A TCP keeps an idle connection for ever unless keep-alive is on (RFC 9293 §3.8.4), so
//! the timeout is set per state on every step ([`fit_timeout`]): only where something is due
//! from the peer.

use std::collections::HashMap;
use std::time::Duration;

use smoltcp::iface::{SocketHandle, SocketSet};
use smoltcp::socket::{tcp, udp};
use smoltcp::wire::IpListenEndpoint;

/// What a TCP socket of the stack does with a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// RFC 862: every byte is sent back.
    Echo,
    /// RFC 863: every byte is read and dropped.
    Discard,
    /// Accepts and never reads, so the receive queue fills and the window closes.
    Hold,
    /// RFC 865: one quote, then the stack closes first.
    Qotd,
    /// RFC 864: an endless stream of characters.
    Chargen,
    /// The lab's driven socket (`driven`): the script reads and writes it.
    Lab,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::Echo => "echo",
            Service::Discard => "discard",
            Service::Hold => "hold",
            Service::Qotd => "qotd",
            Service::Chargen => "chargen",
            Service::Lab => "lab",
        }
    }
}

pub const QUOTE: &[u8] =
    b"\"A socket is not a thing; it is the control information kept for one communication.\"\r\n";

/// How long the hold service keeps its side open after the peer's FIN, so the half-closed
/// pair (FIN_WAIT2 beside CLOSE_WAIT) can be looked at.
pub(crate) const HOLD_LINGER: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub rx_buffer: usize,
    pub tx_buffer: usize,
    pub backlog: usize,
    pub max_sockets: usize,
    /// How long the peer may stay silent while something is due from it: the handshake's
    /// last ACK (SYN-RECEIVED, SYN-SENT), an acknowledgement of data or of our FIN
    /// (FIN-WAIT-1, CLOSING, LAST-ACK), or its FIN after ours (FIN-WAIT-2, as Linux's
    /// `tcp_fin_timeout`). An idle synchronized connection has no timeout.
    pub timeout: Duration,
    /// Keep-alive probes after this much silence on an idle connection, and every as much
    /// again; a peer silent for [`KEEPALIVE_PROBES`] + 1 intervals is dropped. Off (`None`)
    /// by default, as RFC 1122 §4.2.3.6 asks.
    pub keepalive: Option<Duration>,
}

/// Unanswered keep-alive probes after which a connection is dropped.
pub const KEEPALIVE_PROBES: u32 = 3;

fn smol(d: Duration) -> smoltcp::time::Duration {
    smoltcp::time::Duration::from_micros(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// The timeout a socket should have in its present state (see [`Limits::timeout`]).
pub fn timeout_for(s: &tcp::Socket<'_>, limits: &Limits) -> Option<smoltcp::time::Duration> {
    use tcp::State::*;
    let idle = match s.state() {
        Closed | Listen | TimeWait => return None,
        SynSent | SynReceived | FinWait1 | FinWait2 | Closing | LastAck => false,
        Established | CloseWait => s.send_queue() == 0,
    };
    match (idle, limits.keepalive) {
        (false, _) => Some(smol(limits.timeout)),
        (true, None) => None,
        (true, Some(k)) => Some(smol(k.saturating_mul(KEEPALIVE_PROBES + 1))),
    }
}

/// Sets a socket's timeout for its present state; cheap enough for every step.
pub fn fit_timeout(s: &mut tcp::Socket<'_>, limits: &Limits) {
    let want = timeout_for(s, limits);
    if s.timeout() != want {
        s.set_timeout(want);
    }
}

#[derive(Debug, Clone, Copy)]
struct Conn {
    service: Service,
    port: u16,
    quoted: bool,
    /// When the peer's FIN was first seen (µs since start), for the hold service.
    peer_closed_at: Option<u64>,
    chargen_pos: usize,
}

pub struct Services {
    ports: Vec<(Service, u16)>,
    conns: HashMap<SocketHandle, Conn>,
    udp_echo: Option<SocketHandle>,
    limits: Limits,
    scratch: Vec<u8>,
}

impl Services {
    pub fn new(ports: Vec<(Service, u16)>, limits: Limits) -> Services {
        Services {
            ports,
            conns: HashMap::new(),
            udp_echo: None,
            limits,
            scratch: vec![0; 64 * 1024],
        }
    }

    /// The service a socket belongs to.
    pub fn service_of(&self, h: SocketHandle) -> Option<Service> {
        if Some(h) == self.udp_echo {
            return Some(Service::Echo);
        }
        self.conns.get(&h).map(|c| c.service)
    }

    /// TCP sockets in the set, in handle order.
    pub fn tcp_handles(&self) -> impl Iterator<Item = SocketHandle> + '_ {
        self.conns.keys().copied()
    }

    pub fn udp_handle(&self) -> Option<SocketHandle> {
        self.udp_echo
    }

    pub fn socket_count(&self) -> usize {
        self.conns.len() + usize::from(self.udp_echo.is_some())
    }

    /// Takes a socket made elsewhere (the lab's) into the set's bookkeeping, so it is
    /// snapshotted, timed in TIME_WAIT, closed at shutdown and removed once closed.
    pub fn adopt(&mut self, h: SocketHandle, service: Service) {
        self.conns.insert(
            h,
            Conn {
                service,
                port: 0,
                quoted: false,
                peer_closed_at: None,
                chargen_pos: 0,
            },
        );
    }

    /// Opens the UDP echo socket and the first listeners.
    pub fn start(&mut self, sockets: &mut SocketSet<'static>) {
        let rx = udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 64], vec![0; 65_536]);
        let tx = udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 64], vec![0; 65_536]);
        let mut u = udp::Socket::new(rx, tx);
        if u.bind(7).is_ok() {
            self.udp_echo = Some(sockets.add(u));
        }
        self.replenish(sockets);
    }

    /// Keeps `backlog` listeners per service port, within `max_sockets`.
    fn replenish(&mut self, sockets: &mut SocketSet<'static>) {
        for i in 0..self.ports.len() {
            let (service, port) = self.ports[i];
            let listening = self
                .conns
                .iter()
                .filter(|(h, c)| c.port == port && sockets.get::<tcp::Socket>(**h).is_listening())
                .count();
            for _ in listening..self.limits.backlog {
                if self.socket_count() >= self.limits.max_sockets {
                    return;
                }
                let rx = tcp::SocketBuffer::new(vec![0; self.limits.rx_buffer]);
                let tx = tcp::SocketBuffer::new(vec![0; self.limits.tx_buffer]);
                let mut s = tcp::Socket::new(rx, tx);
                s.set_timeout(Some(smol(self.limits.timeout)));
                s.set_keep_alive(self.limits.keepalive.map(smol));
                if s.listen(IpListenEndpoint { addr: None, port }).is_err() {
                    continue;
                }
                let h = sockets.add(s);
                self.conns.insert(
                    h,
                    Conn {
                        service,
                        port,
                        quoted: false,
                        peer_closed_at: None,
                        chargen_pos: 0,
                    },
                );
            }
        }
    }

    /// Runs every service once; returns whether anything was read or written.
    pub fn run(&mut self, sockets: &mut SocketSet<'static>, now_us: u64) -> bool {
        let mut busy = self.udp_echo(sockets);
        let mut closed = Vec::new();
        for (&h, c) in self.conns.iter_mut() {
            let s = sockets.get_mut::<tcp::Socket>(h);
            if s.state() == tcp::State::Closed {
                closed.push(h);
                continue;
            }
            busy |= serve(c, s, &mut self.scratch, now_us);
            fit_timeout(s, &self.limits);
        }
        for h in closed {
            self.conns.remove(&h);
            sockets.remove(h);
        }
        self.replenish(sockets);
        busy
    }

    fn udp_echo(&mut self, sockets: &mut SocketSet<'static>) -> bool {
        let Some(h) = self.udp_echo else {
            return false;
        };
        let u = sockets.get_mut::<udp::Socket>(h);
        let mut busy = false;
        while u.can_send() {
            let Ok((n, meta)) = u.recv_slice(&mut self.scratch) else {
                break;
            };
            let _ = u.send_slice(&self.scratch[..n], meta);
            busy = true;
        }
        busy
    }

    /// Closes every connection and listener (shutdown).
    pub fn close_all(&mut self, sockets: &mut SocketSet<'static>) {
        for &h in self.conns.keys() {
            sockets.get_mut::<tcp::Socket>(h).close();
        }
        self.limits.backlog = 0;
    }

    /// Whether every TCP socket has finished closing (TIME_WAIT counts as finished).
    pub fn all_closed(&self, sockets: &SocketSet<'static>) -> bool {
        self.conns.keys().all(|&h| {
            matches!(
                sockets.get::<tcp::Socket>(h).state(),
                tcp::State::Closed | tcp::State::TimeWait
            )
        })
    }
}

/// One service step for one connection.
fn serve(c: &mut Conn, s: &mut tcp::Socket<'_>, scratch: &mut [u8], now_us: u64) -> bool {
    let mut busy = false;
    match c.service {
        Service::Echo => {
            while s.can_recv() && s.can_send() {
                let room = (s.send_capacity() - s.send_queue()).min(scratch.len());
                let n = s.recv_slice(&mut scratch[..room]).unwrap_or(0);
                if n == 0 {
                    break;
                }
                let _ = s.send_slice(&scratch[..n]);
                busy = true;
            }
        }
        Service::Discard | Service::Chargen | Service::Qotd => {
            while s.can_recv() {
                busy |= s.recv(|b| (b.len(), !b.is_empty())).unwrap_or(false);
            }
        }
        Service::Hold | Service::Lab => {}
    }
    match c.service {
        Service::Qotd if s.may_send() && !c.quoted => {
            let _ = s.send_slice(QUOTE);
            s.close();
            c.quoted = true;
            busy = true;
        }
        Service::Chargen => {
            while s.can_send() {
                let pos = c.chargen_pos;
                let n = s
                    .send(|buf| {
                        chargen_fill(buf, pos);
                        (buf.len(), buf.len())
                    })
                    .unwrap_or(0);
                if n == 0 {
                    break;
                }
                c.chargen_pos = (pos + n) % CHARGEN_PERIOD;
                busy = true;
            }
        }
        _ => {}
    }
    // The peer has closed its side: close ours once everything owed is queued.
    if s.state() == tcp::State::CloseWait {
        let linger_over = match c.service {
            Service::Hold => {
                let at = *c.peer_closed_at.get_or_insert(now_us);
                now_us.saturating_sub(at) >= HOLD_LINGER.as_micros() as u64
            }
            Service::Echo => !s.can_recv(),
            // The script decides when the lab's socket closes.
            Service::Lab => false,
            _ => true,
        };
        if linger_over {
            s.close();
            busy = true;
        }
    }
    busy
}

/// RFC 864's pattern: 95 printable characters, lines of 72 starting one further each line.
const CHARGEN_LINE: usize = 74; // 72 characters + CR LF
const CHARGEN_PERIOD: usize = 95 * CHARGEN_LINE;

/// One period of the pattern, built once.
fn chargen_period() -> &'static [u8] {
    static PERIOD: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    PERIOD.get_or_init(|| {
        (0..CHARGEN_PERIOD)
            .map(|p| {
                let (line, col) = (p / CHARGEN_LINE, p % CHARGEN_LINE);
                match col {
                    72 => b'\r',
                    73 => b'\n',
                    _ => b' ' + ((line + col) % 95) as u8,
                }
            })
            .collect()
    })
}

/// Fills `buf` with the stream from position `start`, a slice copy at a time.
fn chargen_fill(buf: &mut [u8], start: usize) {
    let period = chargen_period();
    let mut pos = start % CHARGEN_PERIOD;
    let mut done = 0;
    while done < buf.len() {
        let n = (buf.len() - done).min(CHARGEN_PERIOD - pos);
        buf[done..done + n].copy_from_slice(&period[pos..pos + n]);
        done += n;
        pos = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chargen_lines_rotate() {
        let mut buf = vec![0u8; 2 * CHARGEN_LINE];
        chargen_fill(&mut buf, 0);
        assert_eq!(&buf[..3], b" !\"");
        assert_eq!(&buf[72..74], b"\r\n");
        assert_eq!(&buf[74..77], b"!\"#");
        // Filling from an offset continues the same stream.
        let mut tail = vec![0u8; CHARGEN_LINE];
        chargen_fill(&mut tail, CHARGEN_LINE);
        assert_eq!(tail, buf[CHARGEN_LINE..]);
    }
}
