//! The exporter's view of sockets: records aggregated into metric families
//! (`aggregate`), written as Prometheus text or OpenMetrics ([`encode`]).
//!
//! The families are plain data ([`Exposition`]), built once per collection and encoded per
//! request in whichever format the scraper asked for. Names, labels and meanings are the
//! contract documented in `docs/metrics.md`.

pub(crate) mod aggregate;
pub mod encode;

pub use aggregate::{Aggregate, Finished, Limits, container_label, netns_label};

/// What a family is, in both formats' words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gauge,
    /// Samples are `NAME_total`.
    Counter,
    /// OpenMetrics `info` (samples `NAME_info` = 1); a gauge in Prometheus text.
    Info,
}

/// A sample's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Int(u64),
    Float(f64),
}

/// One series: label pairs in the family's order, and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: Vec<(&'static str, String)>,
    pub value: Value,
}

/// One metric family.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// The family's name: without `_total` for counters, without `_info` for infos.
    pub name: &'static str,
    pub kind: Kind,
    /// OpenMetrics `UNIT` (the name then ends in it).
    pub unit: Option<&'static str>,
    pub help: &'static str,
    pub samples: Vec<Sample>,
}

/// Everything one scrape shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Exposition {
    pub families: Vec<Family>,
}

/// The scrape's own families: how long it took, which namespaces failed so far (a counter
/// per `netns` label), how many series the limits dropped so far, and the build.
pub fn scrape_families(seconds: f64, errors: &[(String, u64)], dropped: u64) -> Vec<Family> {
    vec![
        Family {
            name: "rnetstat_scrape_duration_seconds",
            kind: Kind::Gauge,
            unit: Some("seconds"),
            help: "How long collecting this scrape took.",
            samples: vec![Sample {
                labels: Vec::new(),
                value: Value::Float(seconds),
            }],
        },
        Family {
            name: "rnetstat_scrape_errors",
            kind: Kind::Counter,
            unit: None,
            help: "Scrapes in which a network namespace could not be read (entered, dumped or its counters).",
            samples: errors
                .iter()
                .map(|(ns, n)| Sample {
                    labels: vec![("netns", ns.clone())],
                    value: Value::Int(*n),
                })
                .collect(),
        },
        Family {
            name: "rnetstat_series_dropped",
            kind: Kind::Counter,
            unit: None,
            help: "Series left out by the cardinality limits (--max-series, --ports).",
            samples: vec![Sample {
                labels: Vec::new(),
                value: Value::Int(dropped),
            }],
        },
        Family {
            name: "rnetstat_build",
            kind: Kind::Info,
            unit: None,
            help: "The rnetstat build serving these metrics.",
            samples: vec![Sample {
                labels: vec![("version", env!("CARGO_PKG_VERSION").to_string())],
                value: Value::Int(1),
            }],
        },
    ]
}
