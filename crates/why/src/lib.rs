//! rnetstat-why: the rules that turn what the kernel keeps (tcp_info's chrono fields,
//! retransmit counts, windows, the queues, `/proc/net/netstat` and `snmp`, `sockstat`,
//! the port range, conntrack) into findings in a fixed vocabulary, each with its evidence.
//! Pure functions over data: the collector reads, these rules judge, the renderers print.
//! docs/why.md states every rule and threshold.
//!
//! Public entry points: [`Conn`] (a TCP socket's sample) with [`connection`] and
//! [`listener`]; [`NetnsCounters`] with [`netns`]; [`PortUse`] (`port-exhaustion`);
//! [`close_wait_leak`]; [`HostState`] with [`host`]; [`Samples`] (the first of two samples) and [`judge`] (one socket).
#![deny(unsafe_code)]

mod conn;
mod place;
mod samples;

pub use conn::{Conn, connection, listener};
pub use place::{CLOSE_WAIT_LEAK, HostState, NetnsCounters, PortUse, close_wait_leak, host, netns};
pub use samples::{Key, Samples, judge};
