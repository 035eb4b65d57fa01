//! `explain`'s options, resolved into the listing's [`Config`] (the same selection, filter
//! and namespaces) and the interval between its two samples.

use std::time::Duration;

use clap::Parser;

use super::{Config, seconds};
use crate::cli::{Cli, ExplainArgs};
use crate::error::Error;

#[derive(Debug, Clone)]
pub struct ExplainConfig {
    /// What to collect, as a listing with these options would.
    pub listing: Config,
    /// `None`: one sample (`--interval 0`).
    pub interval: Option<Duration>,
    pub json: bool,
    /// `-p`: walk /proc for every socket, not only for findings.
    pub programs: bool,
}

impl ExplainConfig {
    pub fn from_args(a: &ExplainArgs) -> Result<ExplainConfig, Error> {
        let interval = match a.interval.trim() {
            "0" | "0.0" => None,
            v => Some(seconds("--interval", v)?),
        };
        // The listing's resolution, from the listing's own options: one set of meanings.
        let mut cli =
            Cli::try_parse_from(["rnetstat"]).map_err(|e| Error::Usage(format!("explain: {e}")))?;
        cli.protocols = a.protocols.clone();
        let p = &a.protocols;
        if !(p.tcp || p.udp || p.raw || p.unix) {
            // The verdicts are TCP's: without a choice, TCP over both families.
            cli.protocols.tcp = true;
        }
        cli.netns = a.netns.clone();
        cli.listening = a.listening;
        cli.all = !a.listening;
        cli.programs = a.programs;
        cli.numeric = true;
        cli.json = a.json;
        cli.stack = a.stack;
        cli.filter = a.filter.clone();
        let mut listing = Config::from_cli(&cli)?;
        listing.selection.tcp_info = true;
        Ok(ExplainConfig {
            listing,
            interval,
            json: a.json,
            programs: a.programs,
        })
    }
}
