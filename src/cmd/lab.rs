//! `rnetstat lab`: the TCP life cycle walked through in a private namespace.

use crate::cli::LabArgs;
use crate::config::LabConfig;
use crate::error::Error;

pub fn run(a: &LabArgs) -> Result<(), Error> {
    LabConfig::from_args(a).and_then(|cfg| crate::lab::run(&cfg))
}
