//! rnetstat's integration tests: one binary, a module per topic.
//!
//! Tests that build sockets run inside a private network namespace they create themselves
//! (`common::in_netns`), so nothing else on the machine changes what they see and nothing
//! they send leaves the namespace. Without root they are skipped with a printed reason.

mod assets;
mod benches;
mod cli;
mod cli_meanings;
mod common;
mod container;
mod exporter_security;
mod fuzz_corpora;
mod kernel_zoo;
mod lab;
mod lab_scenarios;
mod layering;
mod metrics;
mod netns;
mod package;
mod peers;
mod procfs_fixture;
mod record;
mod record_lives;
mod root_safety;
mod routes;
mod signals;
mod ss_depth;
mod stack;
mod stack_namespaces;
mod stack_timers;
mod stats;
mod top;
mod top_ends;
mod trace;
mod two_cores;
mod views;
mod watch;
mod why;
mod zoo;
