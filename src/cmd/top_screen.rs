//! `top`'s full screen: the terminal's side (raw mode, the alternate screen, keys), around
//! the app state of `output::top_app` and the drawing of `output::top_screen`. The terminal
//! is restored on quit, on SIGTERM and on a panic.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyCode, KeyEventKind};
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

fn key(code: KeyCode) -> Option<Key> {
    Some(match code {
        KeyCode::Tab => Key::Tab,
        KeyCode::Esc => Key::Esc,
        KeyCode::Enter => Key::Enter,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Char(c) => Key::Char(c),
        _ => return None,
    })
}

pub fn run(mut cfg: TopConfig, proc_root: &ProcRoot, spaces: &[Space]) -> Result<(), Error> {
    let term_err = |e: io::Error| Error::Output(e);
    let stop = Arc::new(AtomicBool::new(false));
    let _ = signal_hook::flag::register(signal_hook::consts::SIGTERM, Arc::clone(&stop));
    let _ = signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&stop));
    terminal::enable_raw_mode().map_err(term_err)?;
    let _restore = Restore;
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        hook(info);
    }));
    execute!(io::stdout(), EnterAlternateScreen, crossterm::cursor::Hide).map_err(term_err)?;
    let mut term = Terminal::new(CrosstermBackend::new(io::stdout())).map_err(term_err)?;
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
            before = Some((now.at, now.counters.into_iter().collect()));
            conns = now.conns;
            next = Instant::now() + cfg.interval;
        }
        let height = term.size().map_or(50, |r| usize::from(r.height));
        let rows = app.sorted(top::rows(app.view, &conns, app.scroll + height));
        let totals = top::totals(&conns);
        term.draw(|f| crate::output::top_screen::draw(f, &app, &rows, totals, seconds))
            .map_err(term_err)?;
        let wait = next
            .saturating_duration_since(Instant::now())
            .min(Duration::from_millis(250));
        if !event::poll(wait).map_err(term_err)? {
            continue;
        }
        let Event::Key(k) = event::read().map_err(term_err)? else {
            continue;
        };
        if k.kind != KeyEventKind::Press {
            continue;
        }
        let Some(k) = key(k.code) else { continue };
        match app.key(k) {
            Action::Quit => break,
            Action::Filter(f) if f.trim().is_empty() => cfg.selection.filter = None,
            Action::Filter(f) => {
                let words: Vec<String> = f.split_whitespace().map(str::to_string).collect();
                match Filter::parse(&words) {
                    Ok(p) => {
                        cfg.selection.filter = Some(p);
                        next = Instant::now();
                    }
                    Err(e) => app.message = Some(format!("filter: {e}")),
                }
            }
            Action::None => {}
        }
    }
    Ok(())
}
