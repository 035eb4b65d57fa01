//! `rnetstat compare`: kernel sockets beside the userspace stack's, connection by connection.

use crate::cli::CompareArgs;
use crate::error::Error;
use crate::world::World;

pub fn run(a: &CompareArgs) -> Result<(), Error> {
    crate::config::compare_config(a).and_then(|cfg| {
        let mut world = World::real();
        crate::compare::run(&cfg, &mut world.out, &world.proc_root)
    })
}
