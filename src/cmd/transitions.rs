//! Every TCP state transition, as the kernel's `sock:inet_sock_set_state` tracepoint tells
//! it (through `rnetstat-trace`), heard on a thread of its own: `watch` prints them, so no
//! transition is missed between two dumps; `record` takes connections' openings from them.

use std::net::IpAddr;
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use crate::model::State;
use crate::trace::{Kind, Tracer, Unavailable};

/// One transition.
#[derive(Debug, Clone, Copy)]
pub struct Transition {
    /// The namespace's inode.
    pub netns: u64,
    pub at: SystemTime,
    pub old: State,
    pub new: State,
    pub local: (IpAddr, u16),
    pub remote: (IpAddr, u16),
    /// The socket's inode (0: no file behind it yet, or any more).
    pub inode: u32,
    /// The socket's identity across transitions (the kernel's address of it).
    pub sock: u64,
}

/// Whether a transition is a socket's first: a connect (CLOSE→SYN_SENT), a connection a
/// listener accepts (LISTEN→SYN_RECV), a listen (CLOSE→LISTEN).
pub fn is_birth(t: &Transition) -> bool {
    matches!(
        (t.old, t.new),
        (State::Close, State::SynSent | State::Listen) | (State::Listen, State::SynRecv)
    )
}

/// Attaches the tracer and starts the thread; the transitions arrive on the receiver, in
/// the order the kernel made them. Every program is attached, so that while this runs the
/// per-socket counts (retransmits, resets, drops) are kept for listings too
/// ([`crate::trace::counts`]); only the transitions are read here.
pub fn start() -> Result<mpsc::Receiver<Transition>, Unavailable> {
    let mut tracer = Tracer::start()?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut batch = Vec::new();
        loop {
            tracer.wait(Duration::from_millis(100));
            tracer.read(|e| batch.push(e));
            for e in batch.drain(..) {
                let (Some(old), Some(new)) = (
                    State::from_kernel(e.old_state),
                    State::from_kernel(e.new_state),
                ) else {
                    continue;
                };
                if e.kind != Kind::State {
                    continue;
                }
                let t = Transition {
                    netns: u64::from(e.netns),
                    at: tracer.wall_time(e.time_ns),
                    old,
                    new,
                    local: e.local,
                    remote: e.remote,
                    inode: e.inode,
                    sock: e.sock,
                };
                if tx.send(t).is_err() {
                    return;
                }
            }
        }
    });
    Ok(rx)
}
