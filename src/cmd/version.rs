//! `rnetstat --version`: the version, the kernel, and what its sock_diag serves (which
//! tables come over netlink rather than `/proc`, and whether `-K` can work).

use std::io::{self, Write};

use crate::error::Error;
use crate::source::netlink::probe;

pub fn run() -> Result<(), Error> {
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let f = probe::probe();
    let mut out = io::stdout().lock();
    let diag: Vec<String> = f.diag.iter().map(|(n, s)| format!("{n} {s}")).collect();
    let w = |e: io::Error| Error::Output(e);
    writeln!(out, "rnetstat {}", env!("CARGO_PKG_VERSION")).map_err(w)?;
    writeln!(out, "kernel {}", kernel.trim()).map_err(w)?;
    writeln!(out, "sock_diag: {}", diag.join(", ")).map_err(w)?;
    writeln!(out, "socket destroy (-K): {}", f.destroy).map_err(w)?;
    Ok(())
}
