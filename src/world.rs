//! The outside world a run touches, passed in so tests can substitute it.

use std::io::{self, BufWriter, IsTerminal, Write};

use crate::source::procfs::ProcRoot;

pub struct World<W: Write> {
    pub out: W,
    pub proc_root: ProcRoot,
    /// Whether stdout is a terminal (colour in tables).
    pub tty: bool,
}

impl World<BufWriter<io::Stdout>> {
    pub fn real() -> Self {
        let stdout = io::stdout();
        let tty = stdout.is_terminal();
        World {
            out: BufWriter::with_capacity(64 * 1024, stdout),
            proc_root: ProcRoot::default(),
            tty,
        }
    }
}
