//! rnetstat-record: the recorder's store. Every socket's life (when it was first and last
//! seen, each change of state or queues, its process, user, namespace and container at the
//! time) and, for TCP connections that moved, their counters per interval, in one SQLite
//! file (WAL, one transaction per interval, a versioned schema: docs/history.md). TCP
//! connections born and gone between two dumps are kept compactly, one batch per interval
//! (`batch`: the layout; `batch_rows`: reading them back).
//!
//! Public entry points: [`Store`] (open, [`Store::write`] one interval, [`Store::prune`]),
//! [`Seen`] (what a dump saw of one socket), [`sockets_at`] (what was there at a moment,
//! for `--at`), [`SCHEMA_VERSION`].
#![deny(unsafe_code)]

mod batch;
mod batch_rows;
mod read;
mod schema;
mod seen;
mod store;

pub use read::{Happened, Remote, Snapshot, events, first_seen, open_read, sockets_at};
pub use schema::SCHEMA_VERSION;
pub use store::{Counters, Gone, Key, Opened, Pair, Run, Seen, SeenContainer, Store, Written};
