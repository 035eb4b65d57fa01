//! Dumping many namespaces at once: worker threads run whole dumps, the caller decodes
//! them in its own order.
//!
//! A TCP dump walks the listening and established hash tables, which every namespace
//! shares and which are sized for the host (0.2–0.3 ms per dump here, even for a few
//! sockets); the kernel does that walk inside the `sendto` and `recvmsg` calls of the
//! dump (net/netlink/af_netlink.c `netlink_dump`). Over a hundred namespaces that walk is
//! nearly all the time, so workers make those calls and keep each dump's reply datagrams
//! exactly as received; the caller replays them through the usual dump loop ([`Replay`]).
//! Workers run at most a window of dumps ahead of the caller, so memory stays flat however
//! many namespaces there are.

use std::collections::VecDeque;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};
use std::thread::Scope;

use super::{DiagSocket, RECV_BUF, Transport, ends_dump};

/// One dump as a worker received it.
#[derive(Debug, Default)]
pub struct Fetched {
    /// The sequence number of its request.
    pub seq: u32,
    /// Each datagram's length as `recv` returned it (larger than the bytes kept when it
    /// was truncated) and its bytes.
    datagrams: VecDeque<(usize, Vec<u8>)>,
    /// The error that ended the worker's reading, handed on after the datagrams.
    error: Option<io::Error>,
    /// Or the whole dump in a temporary file (`spill`).
    spill: Option<super::ipv6_spill::Spill>,
}

impl Fetched {
    /// A dump spilled to a file, replayed like one held in memory.
    pub fn spilled(seq: u32, spill: super::ipv6_spill::Spill) -> Fetched {
        Fetched {
            seq,
            spill: Some(spill),
            ..Fetched::default()
        }
    }
}

/// The workers' next dump to claim, and how far the caller has read.
pub struct Pace {
    next: AtomicUsize,
    read: Mutex<usize>,
    moved: Condvar,
    window: usize,
}

impl Pace {
    /// Workers may be up to `window` dumps ahead of the caller.
    pub fn new(window: usize) -> Pace {
        Pace {
            next: AtomicUsize::new(0),
            read: Mutex::new(0),
            moved: Condvar::new(),
            window: window.max(1),
        }
    }

    fn wait_room(&self, k: usize) {
        let mut r = self.read.lock().unwrap_or_else(|p| p.into_inner());
        while k >= r.saturating_add(self.window) {
            r = self.moved.wait(r).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// The caller has read `n` dumps (`usize::MAX` when it stops early: every worker
    /// goes on and ends).
    pub fn read(&self, n: usize) {
        let mut r = self.read.lock().unwrap_or_else(|p| p.into_inner());
        *r = (*r).max(n);
        self.moved.notify_all();
    }
}

/// Tells the workers on drop that the caller reads no more, so none waits for it.
pub struct Release<'p>(pub &'p Pace);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.read(usize::MAX);
    }
}

/// Runs dump `requests[k]` for every k on `workers` threads inside `scope`; the receiver
/// yields `(k, dump)` as each completes.
pub(crate) fn fetch_all<'scope, 'env: 'scope>(
    scope: &'scope Scope<'scope, 'env>,
    requests: &'env [(&'env DiagSocket, Vec<u8>)],
    pace: &'env Pace,
    workers: usize,
) -> mpsc::Receiver<(usize, Fetched)> {
    let (tx, rx) = mpsc::channel();
    for _ in 0..workers.clamp(1, requests.len().max(1)) {
        let tx = tx.clone();
        scope.spawn(move || {
            let mut buf = vec![0u8; RECV_BUF];
            loop {
                let k = pace.next.fetch_add(1, Ordering::Relaxed);
                let Some((sock, req)) = requests.get(k) else {
                    break;
                };
                pace.wait_room(k);
                if tx.send((k, fetch(sock, req, &mut buf))).is_err() {
                    break;
                }
            }
        });
    }
    rx
}

/// Sends one request and keeps every datagram up to the dump's end (or an error).
fn fetch(sock: &DiagSocket, req: &[u8], buf: &mut [u8]) -> Fetched {
    let seq = super::request_seq(req);
    let mut f = Fetched {
        seq,
        ..Fetched::default()
    };
    let mut t: &DiagSocket = sock;
    if let Err(e) = t.send(req) {
        f.error = Some(e);
        return f;
    }
    loop {
        let n = match t.recv(buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                f.error = Some(e);
                return f;
            }
        };
        let kept = &buf[..n.min(buf.len())];
        let last = n > buf.len() || n == 0 || ends_dump(kept, seq);
        f.datagrams.push_back((n, kept.to_vec()));
        if last {
            return f;
        }
    }
}

/// Waits for dump `k`, keeping the others that arrive first.
pub(crate) fn wait_for(
    rx: &mpsc::Receiver<(usize, Fetched)>,
    early: &mut Vec<Option<Fetched>>,
    k: usize,
) -> Option<Fetched> {
    loop {
        if let Some(f) = early.get_mut(k).and_then(Option::take) {
            return Some(f);
        }
        match rx.recv() {
            Ok((j, f)) => {
                if early.len() <= j {
                    early.resize_with(j + 1, || None);
                }
                early[j] = Some(f);
            }
            // Every worker has ended without it: the caller dumps it itself.
            Err(_) => return None,
        }
    }
}

/// A transport that first hands back a fetched dump: its request counts as sent, its
/// datagrams are received in order, then its error; after that, the real socket.
pub struct Replay<'t, T: Transport> {
    pub inner: &'t mut T,
    pub fetched: Option<Fetched>,
}

impl<T: Transport> Transport for Replay<'_, T> {
    fn send(&mut self, msg: &[u8]) -> io::Result<()> {
        if self.fetched.is_some() {
            return Ok(());
        }
        self.inner.send(msg)
    }

    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(f) = &mut self.fetched else {
            return self.inner.recv(buf);
        };
        if let Some((n, bytes)) = f.datagrams.pop_front() {
            let k = bytes.len().min(buf.len());
            buf[..k].copy_from_slice(&bytes[..k]);
            return Ok(n);
        }
        if let Some(sp) = &mut f.spill {
            match sp.next(buf) {
                Ok(Some(n)) => return Ok(n),
                Ok(None) => {}
                Err(e) => {
                    self.fetched = None;
                    return Err(e);
                }
            }
        }
        let e = f.error.take();
        self.fetched = None;
        match e {
            Some(e) => Err(e),
            None => self.inner.recv(buf),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::{NLMSG_DONE, NLMSG_ERROR};

    fn msg(kind: u16, seq: u32, payload: usize) -> Vec<u8> {
        let len = 16 + payload;
        let mut b = Vec::new();
        b.extend_from_slice(&(len as u32).to_ne_bytes());
        b.extend_from_slice(&kind.to_ne_bytes());
        b.extend_from_slice(&2u16.to_ne_bytes()); // NLM_F_MULTI
        b.extend_from_slice(&seq.to_ne_bytes());
        b.extend_from_slice(&0u32.to_ne_bytes());
        b.resize(len.next_multiple_of(4), 0);
        b
    }

    #[test]
    fn the_dump_ends_at_done_or_error_of_its_own_sequence() {
        let rows = [msg(20, 7, 72), msg(20, 7, 72)].concat();
        assert!(!ends_dump(&rows, 7));
        assert!(ends_dump(
            &[rows.clone(), msg(NLMSG_DONE, 7, 4)].concat(),
            7
        ));
        assert!(ends_dump(&msg(NLMSG_ERROR, 7, 20), 7));
        // Another request's end is not ours.
        assert!(!ends_dump(&msg(NLMSG_DONE, 8, 4), 7));
        // A length that cannot be walked ends the fetch; the dump loop reports it.
        let mut bad = msg(20, 7, 0);
        bad[0..4].copy_from_slice(&3u32.to_ne_bytes());
        assert!(ends_dump(&bad, 7));
    }

    struct Never;
    impl Transport for Never {
        fn send(&mut self, _: &[u8]) -> io::Result<()> {
            Err(io::Error::other("sent to the socket"))
        }
        fn recv(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::from_raw_os_error(libc::EAGAIN))
        }
    }

    #[test]
    fn replay_gives_the_datagrams_then_the_error_then_the_socket() {
        let mut f = Fetched::default();
        f.datagrams.push_back((5, b"hello".to_vec()));
        f.datagrams.push_back((9000, b"cut".to_vec()));
        f.error = Some(io::Error::from_raw_os_error(libc::ENOBUFS));
        let mut inner = Never;
        let mut r = Replay {
            inner: &mut inner,
            fetched: Some(f),
        };
        assert!(r.send(b"req").is_ok());
        let mut buf = [0u8; 8];
        assert_eq!(r.recv(&mut buf).unwrap(), 5);
        assert_eq!(&buf[..5], b"hello");
        // A truncated datagram keeps its real length, so the loop sees the truncation.
        assert_eq!(r.recv(&mut buf).unwrap(), 9000);
        assert_eq!(
            r.recv(&mut buf).unwrap_err().raw_os_error(),
            Some(libc::ENOBUFS)
        );
        // Then the real socket: a repeated request goes out.
        assert!(r.send(b"again").is_err());
    }
}
