//! Timing one command: wall time from spawn to reap, and the child's own peak RSS.
//!
//! The child is reaped with `wait4(2)`, whose `rusage` is that one child's (not the sum
//! over all children as `getrusage(RUSAGE_CHILDREN)` would be). Output goes to /dev/null,
//! as hyperfine does by default, so the terminal is not what is measured.

use std::io::{self, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One run's figures.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub wall: Duration,
    /// Peak resident set size, KiB (`ru_maxrss`).
    pub max_rss_kib: u64,
}

/// Runs `argv` once with stdout and stderr discarded. A non-zero exit is an error.
pub fn run(argv: &[String]) -> io::Result<Sample> {
    let start = Instant::now();
    let child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of that plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own unreaped child; status and usage point to live locals that
    // wait4 fills in. `child` is not waited on afterwards (dropping a Child does not wait).
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    drop(child);
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(io::Error::other(format!(
            "`{}` failed (wait status {status:#x})",
            argv.join(" ")
        )));
    }
    Ok(Sample {
        wall,
        max_rss_kib: usage.ru_maxrss as u64,
    })
}

/// Runs `argv` once and returns its stdout (short outputs: versions).
pub fn output(argv: &[String]) -> io::Result<String> {
    let out = Command::new(&argv[0]).args(&argv[1..]).output()?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs `argv` once and counts the lines it prints, reading through a small buffer: the
/// harness's own peak RSS is the floor of every child's `ru_maxrss` (a child starts in its
/// parent's memory until it execs), so the harness never holds a listing.
pub fn count_lines(argv: &[String]) -> io::Result<usize> {
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut out = child
        .stdout
        .take()
        .ok_or_else(|| io::Error::other("no stdout"))?;
    let mut buf = [0u8; 16 * 1024];
    let mut lines = 0;
    loop {
        let n = out.read(&mut buf)?;
        if n == 0 {
            break;
        }
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count();
    }
    child.wait()?;
    Ok(lines)
}

/// The commands of one comparison and every sample of each.
pub struct Group {
    pub title: String,
    pub commands: Vec<Vec<String>>,
    /// Index of the command the others are divided by.
    pub reference: usize,
    pub samples: Vec<Vec<Sample>>,
}

impl Group {
    pub fn new(title: &str, commands: Vec<Vec<String>>, reference: usize) -> Group {
        let samples = vec![Vec::new(); commands.len()];
        Group {
            title: title.into(),
            commands,
            reference,
            samples,
        }
    }

    /// One warm-up round, then `rounds` rounds in which every command runs once. The
    /// order rotates each round so no command always runs right after the same one.
    pub fn measure(&mut self, rounds: usize) -> io::Result<()> {
        let k = self.commands.len();
        for c in &self.commands {
            run(c)?;
        }
        for r in 0..rounds {
            for j in 0..k {
                let i = (r + j) % k;
                let s = run(&self.commands[i])?;
                self.samples[i].push(s);
            }
        }
        Ok(())
    }

    pub fn median(&self, i: usize) -> Duration {
        median(&self.samples[i])
    }

    pub fn ratio(&self, i: usize) -> f64 {
        self.median(i).as_secs_f64() / self.median(self.reference).as_secs_f64()
    }

    pub fn peak_rss_kib(&self, i: usize) -> u64 {
        self.samples[i]
            .iter()
            .map(|s| s.max_rss_kib)
            .max()
            .unwrap_or(0)
    }

    /// A command as a person would type it.
    pub fn label(&self, i: usize) -> String {
        // Programs by their file names (`taskset -c 0 /…/rnetstat` reads `taskset -c 0 rnetstat`).
        self.commands[i]
            .iter()
            .map(|a| {
                if a.starts_with('/') {
                    a.rsplit('/').next().unwrap_or(a)
                } else {
                    a
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn median(s: &[Sample]) -> Duration {
    let mut v: Vec<Duration> = s.iter().map(|s| s.wall).collect();
    v.sort();
    match v.len() {
        0 => Duration::ZERO,
        n if !n.is_multiple_of(2) => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2,
    }
}
