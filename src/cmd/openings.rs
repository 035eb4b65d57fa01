//! TCP connections' openings as the kernel's `inet_sock_set_state` tracepoint tells them
//! (through `rnetstat-trace`), for the recorder: a socket's life starts at its first
//! transition (CLOSE→SYN_SENT for a connect, LISTEN→SYN_RECV for an accepted connection,
//! CLOSE→LISTEN for a listener) and is sent on once its address pair is known (a connect
//! has no port yet when it starts), with the moment it started.

use std::net::IpAddr;
use std::sync::mpsc;
use std::time::{Duration, UNIX_EPOCH};

use crate::hash::Map;
use crate::model::State;
use crate::trace::{Kind, Tracer, Unavailable};

/// A socket's opening: its namespace's inode, when (Unix ms), local and remote.
pub type Opening = (u64, i64, (IpAddr, u16), (IpAddr, u16));

/// At most this many sockets are followed between their first transition and their
/// address pair; past it the oldest are forgotten (their openings stay bounded).
const MAX_FOLLOWED: usize = 1 << 20;

/// Starts the tracer on its own thread; the openings arrive on the receiver.
pub fn start() -> Result<mpsc::Receiver<Opening>, Unavailable> {
    let mut tracer = Tracer::attach(&["inet_sock_set_state"])?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // By the socket's identity: when its life started.
        let mut born: Map<u64, i64> = Map::default();
        let mut batch = Vec::new();
        loop {
            tracer.wait(Duration::from_millis(100));
            tracer.read(|e| batch.push(e));
            for e in batch.drain(..) {
                if e.kind != Kind::State {
                    continue;
                }
                let (old, new) = (
                    State::from_kernel(e.old_state),
                    State::from_kernel(e.new_state),
                );
                let ms = tracer
                    .wall_time(e.time_ns)
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64);
                let starts = matches!(
                    (old, new),
                    (Some(State::Close), Some(State::SynSent | State::Listen))
                        | (Some(State::Listen), Some(State::SynRecv))
                );
                if starts {
                    if born.len() >= MAX_FOLLOWED {
                        born.clear();
                    }
                    born.insert(e.sock, ms);
                }
                if new == Some(State::Close) {
                    born.remove(&e.sock);
                    continue;
                }
                let listener = new == Some(State::Listen);
                let paired = e.local.1 != 0 && (e.remote.1 != 0 || listener);
                if paired && let Some(at) = born.remove(&e.sock) {
                    let o = (u64::from(e.netns), at, e.local, e.remote);
                    if tx.send(o).is_err() {
                        return;
                    }
                }
            }
        }
    });
    Ok(rx)
}
