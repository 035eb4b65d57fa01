//! `rnetstat trace`'s options, resolved: which namespaces and sockets, which events, how
//! long.

use std::time::Duration;

use super::{exporter_config, seconds};
use crate::cli::{ExporterArgs, Protocols, TraceArgs};
use crate::error::Error;
use crate::source::Selection;
use crate::source::netns::Target;

/// The event names `--events` takes, in the order they are documented.
pub const EVENT_NAMES: [&str; 5] = [
    "retransmit",
    "reset-sent",
    "reset-received",
    "drop",
    "state",
];

#[derive(Debug, Clone)]
pub struct TraceConfig {
    pub selection: Selection,
    pub netns: Target,
    pub json: bool,
    /// Which of [`EVENT_NAMES`] to print.
    pub events: [bool; 5],
    pub duration: Option<Duration>,
}

impl TraceConfig {
    pub fn from_args(a: &TraceArgs) -> Result<TraceConfig, Error> {
        let exporter = exporter_config(&ExporterArgs {
            // TCP sockets, and the UDP packets a drop may be about.
            protocols: Protocols {
                tcp: true,
                udp: true,
                raw: false,
                unix: false,
                inet4: a.ipv4,
                inet6: a.ipv6,
            },
            netns: a.netns.clone(),
            ports: Vec::new(),
            max_series: 1,
            filter: a.filter.clone(),
        })?;
        let mut events = [a.events.is_empty(); 5];
        for e in &a.events {
            let i = EVENT_NAMES
                .iter()
                .position(|n| n == &e.trim())
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "--events: '{}' is not an event; give {}",
                        crate::output::sanitize::quoted(e),
                        EVENT_NAMES.join(", ")
                    ))
                })?;
            events[i] = true;
        }
        let duration = a
            .duration
            .as_deref()
            .map(|d| seconds("--duration", d))
            .transpose()?;
        Ok(TraceConfig {
            selection: exporter.selection,
            netns: exporter.netns,
            json: a.json,
            events,
            duration,
        })
    }
}
