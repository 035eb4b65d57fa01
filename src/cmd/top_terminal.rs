//! `top`'s full screen: the terminal's side (raw mode, the alternate screen, keys), around
//! the app state of `output::top_app` and the drawing of `output::top_screen`. It ends, and
//! the terminal is restored, on `q`, Ctrl-C, SIGTERM, SIGINT, SIGHUP, a panic, and when the
//! terminal goes away (end of file or an error on it: a killed tmux session, a dropped SSH
//! connection), which [`Tty::wait`] sees: it reads the keys itself.

use std::io;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crossterm::execute;
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use crate::config::TopConfig;
use crate::error::Error;
use crate::filter::Filter;
use crate::hash::Map;
use crate::output::top;
use crate::output::top_app::{Action, App, Key};
use crate::source::diff::Key as SockKey;
use crate::source::netns::Space;
use crate::source::procfs::ProcRoot;
use crate::source::rates::{Counters, rates};

/// Puts the terminal back as it was.
fn restore() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, crossterm::cursor::Show);
}

/// Restores on drop, whatever ends the screen.
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        restore();
    }
}

/// The terminal `top` reads keys from: standard input if it is a terminal, else
/// `/dev/tty`. Read here, not by crossterm's event reader, which retries a read of 0 bytes
/// (or an error) for ever once the terminal is gone.
enum Tty {
    Stdin,
    Opened(std::fs::File),
}

/// What waiting on the terminal found.
#[derive(Debug, PartialEq, Eq)]
enum Input {
    Keys(Vec<Key>),
    Nothing,
    Gone,
}

impl Tty {
    fn open() -> io::Result<Tty> {
        use std::io::IsTerminal;
        if io::stdin().is_terminal() {
            Ok(Tty::Stdin)
        } else {
            std::fs::File::open("/dev/tty").map(Tty::Opened)
        }
    }

    /// Waits up to `wait` for keys. A terminal that hung up, reports an error, or reads
    /// end of file is gone.
    fn wait(&self, wait: Duration) -> Input {
        use rustix::event::{PollFd, PollFlags, Timespec};
        use std::os::fd::AsFd;
        let stdin = io::stdin();
        let fd = match self {
            Tty::Stdin => stdin.as_fd(),
            Tty::Opened(f) => f.as_fd(),
        };
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        let timeout = Timespec {
            tv_sec: wait.as_secs() as i64,
            tv_nsec: i64::from(wait.subsec_nanos()),
        };
        match rustix::event::poll(&mut fds, Some(&timeout)) {
            Ok(0) | Err(rustix::io::Errno::INTR) => return Input::Nothing,
            Err(_) => return Input::Gone,
            Ok(_) => {}
        }
        if fds[0]
            .revents()
            .intersects(PollFlags::ERR | PollFlags::NVAL)
        {
            return Input::Gone;
        }
        let mut buf = [0u8; 256];
        match rustix::io::read(fd, &mut buf) {
            Ok(0) => Input::Gone,
            Ok(n) => {
                let mut keys = Vec::new();
                crate::output::top_keys::decode(&buf[..n], &mut keys);
                Input::Keys(keys)
            }
            Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => Input::Nothing,
            Err(_) => Input::Gone,
        }
    }
}

pub fn run(mut cfg: TopConfig, proc_root: &ProcRoot, spaces: &[Space]) -> Result<(), Error> {
    let term_err = |e: io::Error| Error::Output(e);
    let stop = crate::cleanup::stop_flag().map_err(term_err)?;
    let tty = Tty::open().map_err(term_err)?;
    terminal::enable_raw_mode().map_err(term_err)?;
    let _restore = Restore;
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        hook(info);
    }));
    execute!(io::stdout(), EnterAlternateScreen, crossterm::cursor::Hide).map_err(term_err)?;
    // Never dropped: ratatui's drop shows the cursor and, when that fails (the terminal is
    // gone), prints to a standard error that may be gone too, which panics. `Restore`
    // shows the cursor instead, ignoring errors.
    let mut term = std::mem::ManuallyDrop::new(
        Terminal::new(CrosstermBackend::new(io::stdout())).map_err(term_err)?,
    );
    let mut app = App::new(cfg.view);
    let mut before: Option<(Instant, Map<SockKey, Counters>)> = None;
    let mut conns = Vec::new();
    let mut seconds = 0.0;
    let mut next = Instant::now();
    let mut owned = super::top_sample::Owned::default();
    while !stop.load(Ordering::Relaxed) {
        if !app.paused && Instant::now() >= next {
            let mut now = super::top_sample::sample(&cfg, proc_root, spaces, Some(&mut owned))?;
            seconds = before
                .as_ref()
                .map_or(0.0, |(t, _)| now.at.duration_since(*t).as_secs_f64());
            let r = rates(before.as_ref().map(|(_, m)| m), &now.counters, seconds);
            for (c, rate) in now.conns.iter_mut().zip(r) {
                c.rate = rate;
            }
            now.judge(before.as_ref().map(|(_, m)| m), seconds);
            before = Some((now.at, now.counters.into_iter().collect()));
            conns = now.conns;
            next = Instant::now() + cfg.interval;
        }
        let height = term.size().map_or(50, |r| usize::from(r.height));
        let rows = app.sorted(top::rows(app.view, &conns, app.scroll + height));
        let totals = top::totals(&conns);
        term.draw(|f| crate::output::top_screen::draw(f, &app, &rows, totals, seconds))
            .map_err(term_err)?;
        // Paused, `next` is past: wait for keys, not for a refresh that will not come.
        let wait = if app.paused {
            Duration::from_millis(250)
        } else {
            next.saturating_duration_since(Instant::now())
                .min(Duration::from_millis(250))
        };
        let keys = match tty.wait(wait) {
            Input::Nothing => continue,
            Input::Gone => break,
            Input::Keys(k) => k,
        };
        for k in keys {
            match app.key(k) {
                Action::Quit => return Ok(()),
                Action::Filter(f) if f.trim().is_empty() => {
                    cfg.selection.filter = None;
                    app.filter.clear();
                }
                Action::Filter(f) => {
                    let words: Vec<String> = f.split_whitespace().map(str::to_string).collect();
                    match Filter::parse(&words) {
                        Ok(p) => {
                            cfg.selection.filter = Some(p);
                            app.filter = f;
                            next = Instant::now();
                        }
                        Err(e) => app.filter_failed(f, &e.to_string()),
                    }
                }
                Action::None => {}
            }
        }
    }
    Ok(())
}
