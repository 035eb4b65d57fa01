//! A small blocking HTTP server for `rnetstat serve`: one thread per connection, each with
//! a deadline to send its request and to read the reply, at most `max_connections` at once.
//!
//! Slow clients cannot starve real ones. A connection is *sheddable* while the server waits
//! on it (its TLS handshake and request head, and the drain after the reply) and not while
//! its request is answered. When every slot is taken, the connection that has waited
//! longest in a sheddable phase is shut down to make room; only when none is sheddable
//! is a newcomer answered 503. So a client that sends its request promptly is served even
//! while hundreds of others trickle bytes. Memory is bounded by the connection cap and the
//! request size limit (`http::MAX_HEAD`).
//!
//! With a `web_config::WebConfig`, connections are TLS (rustls; a plain HTTP request on
//! the TLS port is answered 400 in plain text, as Go's servers do) and requests carry basic
//! authentication (401 without it). What a request gets is the [`Handler`]'s business;
//! this module knows only HTTP.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::http;
pub use crate::http::Request;
use crate::web_config::WebConfig;

/// A reply to a request.
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

/// Answers requests (a request arrived at `arrived`).
pub trait Handler: Sync {
    fn reply(&self, req: &Request, arrived: Instant) -> Reply;
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Time to send the request head, and again to read the reply.
    pub timeout: Duration,
    pub max_connections: usize,
}

/// One connection in the table: a handle to shut it down, when it came, and whether the
/// server is waiting on it (sheddable) or answering it.
struct Slot {
    stream: TcpStream,
    since: Instant,
    waiting: AtomicBool,
}

/// The connections being served, by id.
#[derive(Default)]
struct Table {
    slots: Mutex<HashMap<u64, Arc<Slot>>>,
}

impl Table {
    /// Makes room for one more: true if there is room (after shedding the connection that
    /// has waited longest, if the table was full).
    fn admit(&self, max: usize) -> bool {
        let full = self.slots.lock().unwrap_or_else(|p| p.into_inner()).len() >= max;
        !full || self.shed()
    }

    /// Shuts down the connection that has waited longest on its client; false when none
    /// is waiting (every one is being answered).
    fn shed(&self) -> bool {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        let oldest = slots
            .iter()
            .filter(|(_, s)| s.waiting.load(Ordering::Acquire))
            .min_by_key(|(_, s)| s.since)
            .map(|(id, _)| *id);
        match oldest.and_then(|id| slots.remove(&id)) {
            Some(slot) => {
                // Its thread's next read or write fails, and it ends.
                let _ = slot.stream.shutdown(Shutdown::Both);
                true
            }
            None => false,
        }
    }

    fn insert(&self, id: u64, slot: Arc<Slot>) {
        self.slots
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, slot);
    }

    fn remove(&self, id: u64) {
        self.slots
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    }
}

/// Serves connections from `listener` until accepting fails.
pub fn run(
    listener: &TcpListener,
    opts: Options,
    web: &WebConfig,
    handler: &dyn Handler,
) -> io::Result<()> {
    let table = Table::default();
    std::thread::scope(|scope| {
        for id in 0u64.. {
            let (stream, _) = match listener.accept() {
                Ok(c) => c,
                Err(e) if matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) => {
                    // Out of descriptors: the connection waiting longest on its client
                    // gives its up, and accepting resumes once it has.
                    let _ = table.shed();
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
                Err(e) if is_transient(&e) => continue,
                Err(e) => return Err(e),
            };
            if !table.admit(opts.max_connections) {
                let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
                let _ =
                    (&stream).write_all(&http::response(503, "text/plain", "", b"busy\n", false));
                continue;
            }
            let Ok(handle) = stream.try_clone() else {
                continue;
            };
            let slot = Arc::new(Slot {
                stream: handle,
                since: Instant::now(),
                waiting: AtomicBool::new(true),
            });
            table.insert(id, Arc::clone(&slot));
            let table = &table;
            let spawned = std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn_scoped(scope, move || {
                    connection(stream, &slot, opts.timeout, web, handler);
                    table.remove(id);
                });
            if spawned.is_err() {
                table.remove(id);
            }
        }
        Ok(())
    })
}

/// Accept errors that concern one connection, not the listener.
fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(
            libc::ECONNABORTED
                | libc::EINTR
                | libc::EMFILE
                | libc::ENFILE
                | libc::ENOBUFS
                | libc::ENOMEM
                | libc::EPROTO
        )
    )
}

/// A connection, plain or TLS.
enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

impl Conn {
    fn tcp(&self) -> &TcpStream {
        match self {
            Conn::Plain(s) => s,
            Conn::Tls(t) => &t.sock,
        }
    }

    /// Ends the reply: TLS's close_notify, then the write side shut.
    fn finish(&mut self) {
        if let Conn::Tls(t) = self {
            t.conn.send_close_notify();
            let _ = t.flush();
        }
        let _ = self.tcp().shutdown(Shutdown::Write);
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(t) => t.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(t) => t.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(t) => t.flush(),
        }
    }
}

/// The TLS connection over `stream`, or `None` once a plain HTTP request on the TLS port
/// has been answered 400 (or the client sent nothing in time).
fn tls(stream: TcpStream, config: &Arc<rustls::ServerConfig>, timeout: Duration) -> Option<Conn> {
    let _ = stream.set_read_timeout(Some(timeout));
    let mut first = [0u8; 1];
    match stream.peek(&mut first) {
        Ok(1) => {}
        _ => return None,
    }
    // A TLS record starts with its content type; 22 is a handshake.
    if first[0] != 22 {
        let mut plain = Conn::Plain(stream);
        send(
            &mut plain,
            timeout,
            &http::response(
                400,
                "text/plain",
                "",
                b"this server speaks HTTPS: client sent an HTTP request to an HTTPS server\n",
                false,
            ),
        );
        return None;
    }
    let conn = rustls::ServerConnection::new(Arc::clone(config)).ok()?;
    Some(Conn::Tls(Box::new(rustls::StreamOwned::new(conn, stream))))
}

/// One connection: read the head within the deadline, reply, close.
fn connection(
    stream: TcpStream,
    slot: &Slot,
    timeout: Duration,
    web: &WebConfig,
    handler: &dyn Handler,
) {
    let arrived = Instant::now();
    let deadline = arrived + timeout;
    let mut stream = match &web.tls {
        None => Conn::Plain(stream),
        Some(config) => match tls(stream, config, timeout) {
            Some(c) => c,
            None => return,
        },
    };
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    let req = loop {
        match http::parse(&buf) {
            Ok(Some(r)) => break Ok(r),
            Ok(None) => {}
            Err(e) => break Err(e),
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.tcp().set_read_timeout(Some(left)).is_err() {
            return send(
                &mut stream,
                timeout,
                &http::response(408, "text/plain", "", b"too slow\n", false),
            );
        }
        let room = (http::MAX_HEAD + 4 - buf.len()).clamp(1, chunk.len());
        match stream.read(&mut chunk[..room]) {
            Ok(0) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return send(
                    &mut stream,
                    timeout,
                    &http::response(408, "text/plain", "", b"too slow\n", false),
                );
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    };
    // Answering now: not to be shed.
    slot.waiting.store(false, Ordering::Release);
    let extra = web.headers.as_str();
    let reply = match req {
        Err(http::Refusal::Malformed) => {
            http::response(400, "text/plain", extra, b"bad request\n", false)
        }
        Err(http::Refusal::TooLarge) => {
            http::response(431, "text/plain", extra, b"request head too large\n", false)
        }
        Ok(r)
            if web
                .auth
                .as_ref()
                .is_some_and(|a| !a.admits(r.authorization.as_deref())) =>
        {
            let head =
                format!("{extra}WWW-Authenticate: Basic realm=\"rnetstat\", charset=\"UTF-8\"\r\n");
            http::response(
                401,
                "text/plain",
                &head,
                b"unauthorized\n",
                r.method == "HEAD",
            )
        }
        Ok(r) if r.method != "GET" && r.method != "HEAD" => http::response(
            405,
            "text/plain",
            &format!("{extra}Allow: GET, HEAD\r\n"),
            b"only GET\n",
            false,
        ),
        Ok(r) => {
            let rep = handler.reply(&r, arrived);
            http::response(
                rep.status,
                rep.content_type,
                extra,
                &rep.body,
                r.method == "HEAD",
            )
        }
    };
    send(&mut stream, timeout, &reply);
    slot.waiting.store(true, Ordering::Release);
    drain(&mut stream, timeout);
}

/// Writes the reply, then ends the write side.
fn send(stream: &mut Conn, timeout: Duration, bytes: &[u8]) {
    let _ = stream.tcp().set_write_timeout(Some(timeout));
    if stream.write_all(bytes).is_err() {
        return;
    }
    let _ = stream.flush();
    stream.finish();
}

/// Closing with unread request bytes would make the kernel send RST, and the client could
/// lose the reply (a 431 to an oversized head). So input is drained until the client
/// closes, for at most the timeout and 64 KiB (the connection is sheddable meanwhile).
fn drain(stream: &mut Conn, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    let mut sink = [0u8; 4096];
    let mut drained = 0usize;
    while drained < 64 * 1024 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.tcp().set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.tcp().read(&mut sink) {
            Ok(0) | Err(_) => return,
            Ok(n) => drained += n,
        }
    }
}
