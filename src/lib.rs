//! rnetstat: a Linux netstat clone and socket inspector.
//!
//! The crate is laid out as collect → model → render: `source` reads the kernel's socket
//! tables (sock_diag netlink, with `/proc/net/*` as the fallback) and pushes plain
//! [`model::Socket`] records into a [`source::Sink`]; `output` holds the sinks that print
//! them (netstat-compatible text, a table for people, JSON for scripts). `config` is the
//! only place that knows about the command line.
#![deny(unsafe_code)]

pub mod assets;
// The lower crates, under the names the modules above have always used for them.
pub use rnetstat_collect as source;
pub use rnetstat_diag as diag;
pub use rnetstat_exporter as exporter;
pub use rnetstat_filter as filter;
pub use rnetstat_lab as lab;
pub use rnetstat_lab::compare;
pub use rnetstat_model as model;
pub use rnetstat_model::error;
pub use rnetstat_output as output;
pub use rnetstat_record as record;
pub use rnetstat_stack as stack;
pub use rnetstat_sys as sys;
pub use rnetstat_sys::{cleanup, hash, rng, safe_file};
pub use rnetstat_trace as trace;
pub use rnetstat_why as why;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod history;
pub mod world;
