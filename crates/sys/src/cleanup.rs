//! What a running command has made on the file system (a stack's control socket), removed
//! however the command ends: on its own, or on SIGINT, SIGTERM or SIGHUP.
//!
//! A command that can be interrupted mid-way (the lab, waiting for Enter in `--step`)
//! calls [`exit_on_signals`] once: a thread then waits for those signals, removes every
//! path registered with [`remove_on_exit`] and exits with 128 + the signal's number, as a
//! shell reports a process the signal ended. A command that stops gracefully on signals
//! itself (`stack`, `top`) does not call it, and removes its paths as it ends. A file being
//! written by the safe writer installs it, so its temporary goes too.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

static PATHS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes `path` if the process ends on a signal (see [`exit_on_signals`]).
pub fn remove_on_exit(path: &Path) {
    if let Ok(mut v) = PATHS.lock() {
        v.push(path.to_path_buf());
    }
}

/// No longer removes `path` on a signal (its owner removed it).
pub fn forget(path: &Path) {
    if let Ok(mut v) = PATHS.lock() {
        v.retain(|p| p != path);
    }
}

/// For a command that stops gracefully (`record`, `trace`, `top`): a flag that SIGINT,
/// SIGTERM and SIGHUP set; the command checks it between steps and ends.
pub fn stop_flag() -> io::Result<std::sync::Arc<std::sync::atomic::AtomicBool>> {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for sig in [SIGTERM, SIGINT, SIGHUP] {
        signal_hook::flag::register(sig, std::sync::Arc::clone(&stop))?;
    }
    Ok(stop)
}

/// [`stop_flag`] for a command whose output may block (a full pipe nobody reads): the
/// flag is also set at `deadline`, and once it is set, a command still running `grace`
/// later is ended with status 0 (what it holds in the kernel, BPF links and maps among
/// them, is released with its descriptors).
pub fn stop_flag_with_grace(
    grace: std::time::Duration,
    deadline: Option<std::time::Instant>,
) -> io::Result<std::sync::Arc<std::sync::atomic::AtomicBool>> {
    use std::sync::atomic::Ordering;
    let stop = stop_flag()?;
    let seen = std::sync::Arc::clone(&stop);
    std::thread::Builder::new()
        .name("rnetstat-grace".into())
        .spawn(move || {
            while !seen.load(Ordering::Relaxed)
                && deadline.is_none_or(|d| std::time::Instant::now() < d)
            {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            seen.store(true, Ordering::Relaxed);
            std::thread::sleep(grace);
            std::process::exit(0);
        })?;
    Ok(stop)
}

/// From now on, SIGINT, SIGTERM and SIGHUP remove the registered paths and end the process
/// with status 128 + the signal. Installed once, however often it is called.
pub fn exit_on_signals() -> io::Result<()> {
    static INSTALLED: Mutex<bool> = Mutex::new(false);
    let mut done = INSTALLED.lock().unwrap_or_else(|p| p.into_inner());
    if *done {
        return Ok(());
    }
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("rnetstat-signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                if let Ok(v) = PATHS.lock() {
                    for p in v.iter() {
                        let _ = std::fs::remove_file(p);
                    }
                }
                std::process::exit(128 + sig);
            }
        })?;
    *done = true;
    Ok(())
}
