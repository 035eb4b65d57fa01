//! The first of two samples, kept by socket until the second is taken.

use std::time::Duration;

use rnetstat_model::why::Finding;
use rnetstat_model::{Socket, State};
use rnetstat_sys::hash::Map;

use crate::conn::{Conn, connection, listener};

/// What identifies a socket across samples: (namespace inode, cookie, inode when the cookie
/// is 0), as `watch` and `top` key them.
pub type Key = (u64, u64, u32);

/// Each TCP socket's sample from the first pass.
#[derive(Debug, Default)]
pub struct Samples {
    conns: Map<Key, Conn>,
}

impl Samples {
    pub fn insert(&mut self, key: Key, c: Conn) {
        self.conns.insert(key, c);
    }

    /// Adds another pass's samples (the IPv6 table dumped beside the IPv4 one).
    pub fn extend(&mut self, other: Samples) {
        self.conns.extend(other.conns);
    }

    pub fn get(&self, key: &Key) -> Option<&Conn> {
        self.conns.get(key)
    }

    pub fn len(&self) -> usize {
        self.conns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.conns.is_empty()
    }
}

/// The verdicts about one socket: `earlier` is the first sample's store and the interval
/// since it, `overflows` the namespace's `ListenOverflows` over that interval (for a
/// listener's evidence). Non-TCP sockets have none.
pub fn judge(
    s: &Socket<'_>,
    key: &Key,
    earlier: Option<(&Samples, Duration)>,
    overflows: Option<u64>,
) -> Vec<Finding> {
    let Some(now) = Conn::of(s) else {
        return Vec::new();
    };
    let before = earlier.and_then(|(m, dt)| m.get(key).map(|c| (c, dt)));
    if s.state == State::Listen {
        listener(&now, before.map(|(c, _)| c), overflows)
            .into_iter()
            .collect()
    } else {
        connection(&now, before)
    }
}
