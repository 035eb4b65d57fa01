//! `rnetstat lab`: the TCP life cycle walked through in a private namespace.

use crate::cli::LabArgs;
use crate::error::Error;

pub fn run(a: &LabArgs) -> Result<(), Error> {
    crate::config::lab_config(a).and_then(|cfg| crate::lab::run(&cfg))
}
