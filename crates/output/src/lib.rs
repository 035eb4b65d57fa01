//! rnetstat-output: renderers. Each takes records from a [`rnetstat_collect::Sink`] call and writes to an
//! `impl Write`. They only read records; nothing here touches the kernel (names are looked
//! up through `rnetstat-sys`, services and networks read from `/etc`).
//!
//! Public entry points: the sinks [`netstat::NetstatText`], [`table::TableOut`],
//! [`json::Json`], [`summary::Summary`], [`events`] (`watch`); [`counters_text`] (`-s`),
//! [`iface`], [`groups`], [`route`]; `top`'s [`top`], [`top_app`], [`top_keys`] and
//! [`top_screen`]; [`why`] (`explain`'s findings); [`names::Names`] (the name lookups every renderer shares).
#![deny(unsafe_code)]

pub mod addr;
pub(crate) mod cells;
pub(crate) mod detail;
pub mod events;
pub mod groups;
pub mod iface;
pub(crate) mod iface_long;
pub mod json;
pub(crate) mod json_fast;
pub(crate) mod json_record;
pub mod link;
pub mod names;
pub mod netns;
pub mod netstat;
pub(crate) mod networks;
pub mod peer;
pub mod route;
pub use rnetstat_sys::sanitize;
pub mod changes;
pub mod counters_text;
pub(crate) mod counters_words;
pub mod summary;
pub mod table;
pub mod top;
pub mod top_app;
pub mod top_keys;
pub mod top_screen;
pub mod view;
pub mod why;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// netstat-compatible text.
    Text,
    /// A table for people.
    Table,
    /// One JSON document.
    Json,
    /// One JSON record per line.
    Jsonl,
}
