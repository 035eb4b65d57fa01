//! `rnetstat explain`: two samples (or one), judged; the findings printed.

use std::io::Write;

use crate::cli::ExplainArgs;
use crate::config::ExplainConfig;
use crate::error::Error;
use crate::source::explain::{self, Request};

use super::World;

pub fn run<W: Write>(a: &ExplainArgs, world: &mut World<W>) -> Result<(), Error> {
    let cfg = ExplainConfig::from_args(a)?;
    let listing = &cfg.listing;
    let spaces = super::spaces(listing, &world.proc_root)?;
    let userspace = || {
        if listing.selection.userspace {
            crate::source::stack::fetch(&spaces).snaps
        } else {
            Vec::new()
        }
    };
    let found = explain::explain(
        &listing.selection,
        &Request {
            proc_root: &world.proc_root,
            spaces: &spaces,
            interval: cfg.interval,
            userspace: &userspace,
        },
    )?;
    super::refused_notice(found.reach.refused);
    if !listing.selection.tcp {
        eprintln!(
            "rnetstat: explain's verdicts are TCP's: UDP, raw and unix sockets have none \
             (namespace and host findings are given all the same)"
        );
    }
    let r = if cfg.json {
        crate::output::why::json(&mut world.out, &found, &spaces)
    } else {
        crate::output::why::text(&mut world.out, &found, &spaces)
    };
    r.map_err(Error::Output)
}
