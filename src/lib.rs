//! rnetstat: a Linux netstat clone and socket inspector.
//!
//! The crate is laid out as collect → model → render: `source` reads the kernel's socket
//! tables (sock_diag netlink, with `/proc/net/*` as the fallback) and pushes plain
//! [`model::Socket`] records into a [`source::Sink`]; `output` holds the sinks that print
//! them (netstat-compatible text, a table for people, JSON for scripts). `config` is the
//! only place that knows about the command line.
#![deny(unsafe_code)]

pub mod assets;
pub mod cleanup;
pub mod cli;
pub mod cmd;
pub mod compare;
pub mod config;
pub mod error;
pub mod filter;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod hash;
pub mod history;
pub mod lab;
pub mod model;
pub mod output;
pub mod rng;
pub mod safe_file;
pub mod serve;
pub mod source;
pub mod stack;
pub mod sys;
pub mod world;
