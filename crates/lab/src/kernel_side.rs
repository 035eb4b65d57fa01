//! The kernel's end of a scenario: one TCP socket driven through ordinary system calls,
//! all non-blocking, so the lab's single thread can also release packets and look.
//! `write N` and `read N` are owed amounts, as on the stack's side (`stack::driven`).

use std::io::{self, Read};
use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

use socket2::{Domain, SockAddr, Socket, Type};

use super::script::{Act, Opt};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    No,
    Owed(usize),
    All,
}

pub(crate) struct KernelSide {
    listener: Option<Socket>,
    conn: Option<Socket>,
    rcvbuf: Option<usize>,
    sndbuf: Option<usize>,
    nodelay: bool,
    owed_write: usize,
    reading: Reading,
    /// After `close`: the descriptor is gone, nothing more is read or written.
    closed: bool,
    pub read: u64,
    pub written: u64,
}

impl Default for KernelSide {
    fn default() -> KernelSide {
        KernelSide::new()
    }
}

impl KernelSide {
    pub fn new() -> KernelSide {
        KernelSide {
            listener: None,
            conn: None,
            rcvbuf: None,
            sndbuf: None,
            nodelay: false,
            owed_write: 0,
            reading: Reading::No,
            closed: false,
            read: 0,
            written: 0,
        }
    }

    fn socket(&self) -> io::Result<Socket> {
        let s = Socket::new(Domain::IPV4, Type::STREAM, None)?;
        s.set_nonblocking(true)?;
        if let Some(n) = self.rcvbuf {
            s.set_recv_buffer_size(n)?;
        }
        if let Some(n) = self.sndbuf {
            s.set_send_buffer_size(n)?;
        }
        s.set_tcp_nodelay(self.nodelay)?;
        Ok(s)
    }

    fn conn(&mut self) -> Result<&Socket, String> {
        self.accept();
        self.conn
            .as_ref()
            .ok_or_else(|| "the kernel has no connection yet (listen or connect first)".into())
    }

    /// Carries out an action. `local` is the kernel's address, `peer` the stack's.
    pub fn act(&mut self, act: Act, local: SocketAddr, peer: SocketAddr) -> Result<(), String> {
        let e = |what: &str, err: io::Error| format!("kernel {what}: {err}");
        if self.closed && !matches!(act, Act::Set(_)) {
            return Err("the kernel's socket is closed".into());
        }
        match act {
            Act::Listen => {
                let s = self.socket().map_err(|x| e("socket", x))?;
                s.set_reuse_address(true)
                    .map_err(|x| e("SO_REUSEADDR", x))?;
                s.bind(&SockAddr::from(local)).map_err(|x| e("bind", x))?;
                s.listen(1).map_err(|x| e("listen", x))?;
                self.listener = Some(s);
            }
            Act::Connect => {
                let s = self.socket().map_err(|x| e("socket", x))?;
                match s.connect(&SockAddr::from(peer)) {
                    Ok(()) => {}
                    Err(x) if x.raw_os_error() == Some(libc::EINPROGRESS) => {}
                    Err(x) => return Err(e("connect", x)),
                }
                self.conn = Some(s);
            }
            Act::Write(n) => {
                self.conn()?;
                self.owed_write += n;
            }
            Act::Read(Some(n)) => {
                self.reading = match self.reading {
                    Reading::Owed(m) => Reading::Owed(m + n),
                    _ => Reading::Owed(n),
                }
            }
            Act::Read(None) => self.reading = Reading::All,
            Act::Hold => self.reading = Reading::No,
            Act::Shutdown => self
                .conn()?
                .shutdown(Shutdown::Write)
                .map_err(|x| e("shutdown", x))?,
            Act::Close | Act::Abort => {
                if act == Act::Abort {
                    self.conn()?
                        .set_linger(Some(Duration::ZERO))
                        .map_err(|x| e("SO_LINGER", x))?;
                }
                self.conn = None;
                self.listener = None;
                self.closed = true;
            }
            Act::Set(o) => match o {
                Opt::Nodelay(on) => {
                    self.nodelay = on;
                    if let Some(c) = &self.conn {
                        c.set_tcp_nodelay(on).map_err(|x| e("TCP_NODELAY", x))?;
                    }
                }
                Opt::Rcvbuf(n) => self.rcvbuf = Some(n),
                Opt::Sndbuf(n) => self.sndbuf = Some(n),
            },
        }
        self.pump();
        Ok(())
    }

    fn accept(&mut self) {
        if self.conn.is_none()
            && let Some(l) = &self.listener
            && let Ok((s, _)) = l.accept()
        {
            let _ = s.set_nonblocking(true);
            let _ = s.set_tcp_nodelay(self.nodelay);
            self.conn = Some(s);
        }
    }

    /// Accepts, writes and reads what is owed, as far as the socket takes it now.
    pub fn pump(&mut self) {
        self.accept();
        let Some(c) = &self.conn else { return };
        let chunk = [b'k'; 16 * 1024];
        while self.owed_write > 0 {
            let n = self.owed_write.min(chunk.len());
            match c.send(&chunk[..n]) {
                Ok(0) | Err(_) => break,
                Ok(k) => {
                    self.owed_write -= k;
                    self.written += k as u64;
                }
            }
        }
        let mut buf = [0u8; 16 * 1024];
        loop {
            let want = match self.reading {
                Reading::No | Reading::Owed(0) => break,
                Reading::Owed(m) => m.min(buf.len()),
                Reading::All => buf.len(),
            };
            match (&mut &*c).read(&mut buf[..want]) {
                Ok(0) | Err(_) => break,
                Ok(k) => {
                    if let Reading::Owed(m) = &mut self.reading {
                        *m -= k;
                    }
                    self.read += k as u64;
                }
            }
        }
    }
}
