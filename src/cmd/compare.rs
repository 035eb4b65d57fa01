//! `rnetstat compare`: kernel sockets beside the userspace stack's, connection by connection.

use crate::cli::CompareArgs;
use crate::config::CompareConfig;
use crate::error::Error;
use crate::world::World;

pub fn run(a: &CompareArgs) -> Result<(), Error> {
    CompareConfig::from_args(a).and_then(|cfg| crate::compare::run(&cfg, &mut World::real()))
}
