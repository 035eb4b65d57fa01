//! Receiving a big dump one step ahead, on a second core.
//!
//! The kernel fills a dump's next skb inside the `recvmsg` that reads the previous one
//! (net/netlink/af_netlink.c, `netlink_recvmsg` → `netlink_dump`), so in one thread the
//! kernel's walk and our decoding take turns. [`ReadAhead`] is a [`Transport`] whose `send`
//! starts a receive thread: it sends the request and then calls `recvmsg` in a loop,
//! passing each datagram through a short bounded queue, while the caller's thread decodes
//! and prints the previous ones. Datagrams arrive in order, so output order is unchanged;
//! the queue is bounded ([`QUEUE`] datagrams of at most 32 KiB each), so memory stays flat
//! however big the table is. Used only where it pays: a table known to be big, and more
//! than one core to run on.

use std::io;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::Scope;

use super::{DiagSocket, RECV_BUF, Transport, ends_dump, request_seq};

/// Datagrams the receive thread may be ahead of the decoder.
pub(crate) const QUEUE: usize = 2;

/// One received datagram: the length `recv` returned and the buffer holding it (or the
/// error that ended the receiving).
type Item = io::Result<(usize, Vec<u8>)>;

pub(crate) struct ReadAhead<'scope, 'env> {
    scope: &'scope Scope<'scope, 'env>,
    sock: &'env DiagSocket,
    rx: Option<Receiver<Item>>,
    /// Buffers handed back to the receive thread for reuse.
    spare: Option<SyncSender<Vec<u8>>>,
}

impl<'scope, 'env> ReadAhead<'scope, 'env> {
    pub fn new(scope: &'scope Scope<'scope, 'env>, sock: &'env DiagSocket) -> Self {
        ReadAhead {
            scope,
            sock,
            rx: None,
            spare: None,
        }
    }
}

impl Transport for ReadAhead<'_, '_> {
    fn send(&mut self, msg: &[u8]) -> io::Result<()> {
        // A new request: the previous receive thread (if any) ends when it finds its
        // queue closed.
        self.rx = None;
        self.spare = None;
        let (tx, rx) = sync_channel::<Item>(QUEUE);
        let (spare_tx, spare_rx) = sync_channel::<Vec<u8>>(QUEUE + 2);
        // Every buffer is made here, so the receive thread never calls malloc (which would
        // give it an arena of its own: more resident memory for nothing).
        for _ in 0..QUEUE + 2 {
            let _ = spare_tx.try_send(vec![0u8; RECV_BUF]);
        }
        let seq = request_seq(msg);
        let sock = self.sock;
        let mut t: &DiagSocket = sock;
        t.send(msg)?;
        self.scope.spawn(move || {
            loop {
                // The caller hands each buffer back after copying it out.
                let Ok(mut buf) = spare_rx.recv() else {
                    return;
                };
                let mut t: &DiagSocket = sock;
                let n = match t.recv(&mut buf) {
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                let kept = n.min(buf.len());
                let last = n > buf.len() || n == 0 || ends_dump(&buf[..kept], seq);
                // The buffer keeps its full length (its untouched tail costs no memory);
                // `n` says how much of it the datagram filled.
                if tx.send(Ok((n, buf))).is_err() || last {
                    return;
                }
            }
        });
        self.rx = Some(rx);
        self.spare = Some(spare_tx);
        Ok(())
    }

    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rx = self
            .rx
            .as_ref()
            .ok_or_else(|| io::Error::other("recv before send"))?;
        match rx.recv() {
            Ok(Ok((n, bytes))) => {
                let k = n.min(bytes.len()).min(buf.len());
                buf[..k].copy_from_slice(&bytes[..k]);
                if let Some(s) = &self.spare {
                    let _ = s.try_send(bytes);
                }
                Ok(n)
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(io::Error::other("the receive thread ended early")),
        }
    }
}

/// Whether a table of about `rows` sockets is worth a receive thread: more than one core
/// to run on (a single core would only add switching), and enough rows that the thread's
/// start (tens of µs) is small beside the dump.
pub(crate) fn pays(rows: u64) -> bool {
    const MIN_ROWS: u64 = 2_000;
    rows >= MIN_ROWS && rnetstat_sys::cores() > 1
}
