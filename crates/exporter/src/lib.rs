//! rnetstat-exporter: rnetstat for Prometheus. The metric families and their encoding
//! ([`metrics`]: Prometheus text and OpenMetrics), one collection for an exposition
//! ([`scrape`]), and `serve`'s HTTP side: a small blocking server ([`server`], [`http`]),
//! TLS and basic auth from the exporters' web configuration ([`web_config`]), and the
//! handler that answers scrapes ([`exporter`]).
//!
//! Public entry points: [`scrape::scrape`], [`scrape::ExporterConfig`],
//! [`exporter::Exporter`], [`server::run`], [`web_config::WebConfig::load`],
//! [`metrics::encode::write`], [`findings::WhyState`], [`kernel_events::KernelEvents`].
#![deny(unsafe_code)]

pub mod exporter;
pub mod findings;
pub mod http;
pub mod kernel_events;
pub mod metrics;
pub mod scrape;
pub mod server;
pub mod web_config;
