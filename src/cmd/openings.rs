//! TCP connections' openings, from their state transitions ([`super::transitions`]), for
//! the recorder: a socket's life starts at its first transition (CLOSE→SYN_SENT for a
//! connect, LISTEN→SYN_RECV for an accepted connection, CLOSE→LISTEN for a listener) and
//! is told once its address pair is known (a connect has no port yet when it starts), with
//! the moment it started.

use std::net::IpAddr;
use std::time::UNIX_EPOCH;

use super::transitions::Transition;
use crate::hash::Map;
use crate::model::State;

/// A socket's opening: its namespace's inode, when (Unix ms), local and remote.
pub type Opening = (u64, i64, (IpAddr, u16), (IpAddr, u16));

/// At most this many sockets are followed between their first transition and their
/// address pair; past it they are forgotten (their openings stay bounded).
const MAX_FOLLOWED: usize = 1 << 20;

/// The sockets between their first transition and their address pair.
#[derive(Default)]
pub struct Openings {
    /// By the socket's identity: when its life started (Unix ms).
    born: Map<u64, i64>,
}

impl Openings {
    /// Takes one transition; the opening it completes, if it does.
    pub fn feed(&mut self, t: &Transition) -> Option<Opening> {
        let ms =
            t.at.duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64);
        if super::transitions::is_birth(t) {
            if self.born.len() >= MAX_FOLLOWED {
                self.born.clear();
            }
            self.born.insert(t.sock, ms);
        }
        if t.new == State::Close {
            self.born.remove(&t.sock);
            return None;
        }
        let paired = t.local.1 != 0 && (t.remote.1 != 0 || t.new == State::Listen);
        if !paired {
            return None;
        }
        let at = self.born.remove(&t.sock)?;
        Some((t.netns, at, t.local, t.remote))
    }
}
