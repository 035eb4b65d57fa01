//! The outside world a run touches, passed in so tests can substitute it.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::os::fd::AsFd;

use crate::source::procfs::ProcRoot;

pub struct World<W: Write> {
    pub out: W,
    pub proc_root: ProcRoot,
    /// Whether stdout is a terminal (colour in tables).
    pub tty: bool,
}

/// Standard output as a plain file descriptor. `io::Stdout` passes every write through a
/// lock and a line writer that searches each 64 KiB block for its last newline (1–2% of a
/// 100k-row listing); the buffer in front of it already makes the writes large.
pub(crate) enum Stdout {
    Fd(File),
    /// When fd 1 cannot be duplicated (closed): std's, which then reports the error.
    Std(io::Stdout),
}

impl Stdout {
    fn new() -> Self {
        match io::stdout().as_fd().try_clone_to_owned() {
            Ok(fd) => Stdout::Fd(File::from(fd)),
            Err(_) => Stdout::Std(io::stdout()),
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stdout::Fd(f) => f.write(buf),
            Stdout::Std(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stdout::Fd(f) => f.flush(),
            Stdout::Std(s) => s.flush(),
        }
    }
}

impl World<BufWriter<Stdout>> {
    pub fn real() -> Self {
        let tty = io::stdout().is_terminal();
        World {
            out: BufWriter::with_capacity(64 * 1024, Stdout::new()),
            proc_root: ProcRoot::default(),
            tty,
        }
    }
}
