//! The other end of a connection, when it is a socket on this host (`--peer`).

use super::{Endpoint, Family, Netns, Proto, State};

/// How the other end was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Via {
    /// The peer inode a unix socket reports.
    Unix,
    /// The mirrored 4-tuple in the same network namespace.
    Local,
    /// The mirrored 4-tuple in another network namespace (veth, bridge; no NAT).
    Netns,
    /// Through NAT: the connection tracking entry that maps one end's tuple to the other's.
    Nat,
}

impl Via {
    pub fn name(self) -> &'static str {
        match self {
            Via::Unix => "unix",
            Via::Local => "local",
            Via::Netns => "netns",
            Via::Nat => "nat",
        }
    }
}

/// Where a listener that only forwards (a published port) leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forwarded<'a> {
    /// The namespace of the socket it reaches, when that was found.
    pub netns: Option<&'a Netns>,
    pub address: Endpoint,
    /// The inode of the listener it reaches, 0 when not found.
    pub inode: u32,
    /// Which record said so: `"podman"`, `"docker"` or `"conntrack"`.
    pub source: &'static str,
}

/// The peer socket, as far as a listing shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer<'a> {
    pub via: Via,
    pub netns: Option<&'a Netns>,
    pub proto: Proto,
    pub family: Family,
    pub state: State,
    pub local: Endpoint,
    pub remote: Endpoint,
    pub inode: u32,
    /// A unix peer's name.
    pub path: Option<&'a [u8]>,
}
