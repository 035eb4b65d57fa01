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
}

impl ExplainConfig {
    pub fn from_args(a: &ExplainArgs) -> Result<ExplainConfig, Error> {
        let interval = one_or_two("--interval", &a.interval)?;
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
        cli.filter_file = a.filter_file.clone();
        let mut listing = Config::from_cli(&cli)?;
        listing.selection.tcp_info = true;
        Ok(ExplainConfig {
            listing,
            interval,
            json: a.json,
        })
    }
}

/// `--interval` of explain and `--why`: 0 for one sample, else seconds from
/// [`super::MIN_INTERVAL`] to [`super::MAX_INTERVAL`].
pub(crate) fn one_or_two(flag: &str, v: &str) -> Result<Option<Duration>, Error> {
    if v.trim().parse::<f64>().is_ok_and(|x| x == 0.0) {
        return Ok(None);
    }
    seconds(flag, v).map(Some).map_err(|_| {
        Error::Usage(format!(
            "{flag}: '{}' is not 0 (one sample) or a number of seconds from {} to {}",
            crate::output::sanitize::quoted(v),
            super::MIN_INTERVAL,
            super::MAX_INTERVAL
        ))
    })
}
