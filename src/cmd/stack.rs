//! `rnetstat stack`: the userspace TCP/IP stack in the foreground.

use crate::cli::StackArgs;
use crate::error::Error;

pub fn run(a: &StackArgs) -> Result<(), Error> {
    crate::config::stack_config(a).and_then(|cfg| crate::stack::foreground::run(&cfg))
}
