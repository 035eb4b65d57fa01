//! The socket the lab drives: one smoltcp TCP socket per scenario run, opened, written,
//! read and closed by the lab's script through requests to the poll loop, as the kernel's
//! socket on the other end is through system calls.
//!
//! `write N` and `read N` are owed amounts: the loop writes (a repeating pattern) and reads
//! as room and data appear, so a script says what an application does, not how many
//! syscall-sized pieces it takes. Options are smoltcp's own: Nagle (RFC 896), the delayed
//! ACK (RFC 1122 §4.2.3.2, 10 ms by default against Linux's 40 ms) and congestion control
//! (RFC 5681 Reno, RFC 9438 CUBIC, or none).

use std::net::SocketAddr;

use smoltcp::iface::{Context, SocketHandle, SocketSet};
use smoltcp::socket::tcp::{self, CongestionControl};
use smoltcp::wire::IpListenEndpoint;

/// Congestion control for the stack's driven socket (`--cc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cc {
    None,
    Reno,
    /// Linux's default since 2.6.19, so the default here too.
    #[default]
    Cubic,
}

impl Cc {
    pub fn name(self) -> &'static str {
        match self {
            Cc::None => "none",
            Cc::Reno => "reno",
            Cc::Cubic => "cubic",
        }
    }

    fn smoltcp(self) -> CongestionControl {
        match self {
            Cc::None => CongestionControl::None,
            Cc::Reno => CongestionControl::Reno,
            Cc::Cubic => CongestionControl::Cubic,
        }
    }
}

impl std::str::FromStr for Cc {
    type Err = String;
    fn from_str(s: &str) -> Result<Cc, String> {
        match s {
            "none" => Ok(Cc::None),
            "reno" => Ok(Cc::Reno),
            "cubic" => Ok(Cc::Cubic),
            _ => Err(format!(
                "'{s}' is not a congestion control (reno, cubic, none)"
            )),
        }
    }
}

/// How the driven socket is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opts {
    pub rx_buffer: usize,
    pub tx_buffer: usize,
    pub nagle: bool,
    pub cc: Cc,
}

impl Default for Opts {
    fn default() -> Opts {
        Opts {
            rx_buffer: 64 * 1024,
            tx_buffer: 64 * 1024,
            nagle: true,
            cc: Cc::default(),
        }
    }
}

/// What the lab asks of the driven socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Listen {
        port: u16,
        opts: Opts,
    },
    Connect {
        remote: SocketAddr,
        local_port: u16,
        opts: Opts,
    },
    /// Owe `n` more bytes to the peer.
    Write(usize),
    /// Read `n` more bytes as they come, or everything from now on.
    Read(Option<usize>),
    /// Stop reading.
    Hold,
    /// Send FIN (smoltcp's `close`): no more writes, reads go on.
    Shutdown,
    /// Send FIN and discard whatever still arrives, as a closed descriptor would.
    Close,
    /// Send RST.
    Abort,
    Nodelay(bool),
    /// Nothing: just report the counts.
    Status,
}

/// What the application side of the driven socket has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub read: u64,
    pub written: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    No,
    Owed(usize),
    All,
}

/// The driven socket's bookkeeping beside smoltcp's socket.
#[derive(Debug)]
pub(crate) struct Driven {
    pub handle: SocketHandle,
    owed_write: usize,
    reading: Reading,
    pub written: u64,
    pub read: u64,
}

impl Driven {
    /// Runs `Listen` and `Connect`, which make the socket.
    pub fn open(
        cmd: Command,
        sockets: &mut SocketSet<'static>,
        cx: &mut Context,
    ) -> Result<Driven, String> {
        let make = |o: &Opts| {
            let mut s = tcp::Socket::new(
                tcp::SocketBuffer::new(vec![0; o.rx_buffer]),
                tcp::SocketBuffer::new(vec![0; o.tx_buffer]),
            );
            s.set_nagle_enabled(o.nagle);
            s.set_congestion_control(o.cc.smoltcp());
            s
        };
        let s = match cmd {
            Command::Listen { port, opts } => {
                let mut s = make(&opts);
                s.listen(IpListenEndpoint { addr: None, port })
                    .map_err(|e| format!("listen on port {port}: {e}"))?;
                s
            }
            Command::Connect {
                remote,
                local_port,
                opts,
            } => {
                let mut s = make(&opts);
                s.connect(cx, remote, local_port)
                    .map_err(|e| format!("connect to {remote}: {e}"))?;
                s
            }
            other => return Err(format!("{other:?} needs an open socket")),
        };
        Ok(Driven {
            handle: sockets.add(s),
            owed_write: 0,
            reading: Reading::No,
            written: 0,
            read: 0,
        })
    }

    /// Applies a command to the open socket.
    pub fn command(&mut self, cmd: Command, s: &mut tcp::Socket<'_>) -> Result<(), String> {
        match cmd {
            Command::Listen { .. } | Command::Connect { .. } => {
                return Err("the stack's socket is already open".into());
            }
            Command::Write(n) => self.owed_write += n,
            Command::Read(Some(n)) => {
                self.reading = match self.reading {
                    Reading::Owed(m) => Reading::Owed(m + n),
                    _ => Reading::Owed(n),
                }
            }
            Command::Read(None) => self.reading = Reading::All,
            Command::Hold => self.reading = Reading::No,
            Command::Shutdown => s.close(),
            Command::Close => {
                s.close();
                self.owed_write = 0;
                self.reading = Reading::All;
            }
            Command::Abort => s.abort(),
            Command::Nodelay(on) => s.set_nagle_enabled(!on),
            Command::Status => {}
        }
        self.run(s);
        Ok(())
    }

    /// Writes and reads what is owed, as far as the buffers allow. Returns whether
    /// anything moved.
    pub fn run(&mut self, s: &mut tcp::Socket<'_>) -> bool {
        let mut busy = false;
        while self.owed_write > 0 && s.can_send() {
            let owed = self.owed_write;
            let base = self.written;
            let n = s
                .send(|buf| {
                    let n = buf.len().min(owed);
                    for (i, b) in buf[..n].iter_mut().enumerate() {
                        *b = b'a' + ((base + i as u64) % 26) as u8;
                    }
                    (n, n)
                })
                .unwrap_or(0);
            if n == 0 {
                break;
            }
            self.owed_write -= n;
            self.written += n as u64;
            busy = true;
        }
        while s.can_recv() {
            let want = match self.reading {
                Reading::No | Reading::Owed(0) => break,
                Reading::Owed(m) => m,
                Reading::All => usize::MAX,
            };
            let n = s.recv(|b| {
                let n = b.len().min(want);
                (n, n)
            });
            let n = n.unwrap_or(0);
            if n == 0 {
                break;
            }
            if let Reading::Owed(m) = &mut self.reading {
                *m -= n;
            }
            self.read += n as u64;
            busy = true;
        }
        busy
    }
}
