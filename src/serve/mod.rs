//! A small blocking HTTP server for `rnetstat serve`: one thread per connection, at most
//! `max_connections` of them (more are answered 503 at once), each with a deadline to send
//! its request and to read the reply, so a slow client holds one thread for a bounded time
//! and never delays the others. Memory is bounded by the connection cap and the request
//! size limit ([`http::MAX_HEAD`]).
//!
//! What a request gets is the [`Handler`]'s business; this module knows only HTTP.

pub mod http;

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub use http::Request;

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

/// Serves connections from `listener` until accepting fails.
pub fn run(listener: &TcpListener, opts: Options, handler: &dyn Handler) -> io::Result<()> {
    let active = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        loop {
            let (mut stream, _) = match listener.accept() {
                Ok(c) => c,
                Err(e) if is_transient(&e) => continue,
                Err(e) => return Err(e),
            };
            if active.load(Ordering::Acquire) >= opts.max_connections {
                let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
                let _ = stream.write_all(&http::response(503, "text/plain", "", b"busy\n", false));
                continue;
            }
            active.fetch_add(1, Ordering::AcqRel);
            let active = &active;
            let spawned = std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn_scoped(scope, move || {
                    connection(stream, opts.timeout, handler);
                    active.fetch_sub(1, Ordering::AcqRel);
                });
            if spawned.is_err() {
                active.fetch_sub(1, Ordering::AcqRel);
            }
        }
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

/// One connection: read the head within the deadline, reply, close.
fn connection(mut stream: TcpStream, timeout: Duration, handler: &dyn Handler) {
    let arrived = Instant::now();
    let deadline = arrived + timeout;
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    let req = loop {
        match http::parse(&buf) {
            Ok(Some(r)) => break Ok(r),
            Ok(None) => {}
            Err(e) => break Err(e),
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
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
    let reply = match req {
        Err(http::Refusal::Malformed) => {
            http::response(400, "text/plain", "", b"bad request\n", false)
        }
        Err(http::Refusal::TooLarge) => {
            http::response(431, "text/plain", "", b"request head too large\n", false)
        }
        Ok(r) if r.method != "GET" && r.method != "HEAD" => http::response(
            405,
            "text/plain",
            "Allow: GET, HEAD\r\n",
            b"only GET\n",
            false,
        ),
        Ok(r) => {
            let rep = handler.reply(&r, arrived);
            http::response(
                rep.status,
                rep.content_type,
                "",
                &rep.body,
                r.method == "HEAD",
            )
        }
    };
    send(&mut stream, timeout, &reply);
}

/// Writes the reply, then closes gracefully: closing with unread request bytes would make
/// the kernel send RST, and the client could lose the reply (a 431 to an oversized head).
/// So the write side is shut and input is drained until the client closes, for at most the
/// timeout and 64 KiB.
fn send(stream: &mut TcpStream, timeout: Duration, bytes: &[u8]) {
    let _ = stream.set_write_timeout(Some(timeout));
    if stream.write_all(bytes).is_err() {
        return;
    }
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let deadline = Instant::now() + timeout;
    let mut sink = [0u8; 4096];
    let mut drained = 0usize;
    while drained < 64 * 1024 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => return,
            Ok(n) => drained += n,
        }
    }
}
