//! `top`'s full-screen state and what each key does to it, apart from any terminal (so it
//! is tested without one, as ratatui's examples and bottom keep it).

use super::top::{Row, View};

/// A key, as far as `top` cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Tab,
    Esc,
    Enter,
    Backspace,
    Up,
    Down,
    Char(char),
    /// Ctrl-C (or Ctrl-D): quits, even while a filter is being typed.
    Interrupt,
}

/// How rows are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Total,
    In,
    Out,
    Label,
}

impl Sort {
    pub fn name(self) -> &'static str {
        match self {
            Sort::Total => "total rate",
            Sort::In => "in rate",
            Sort::Out => "out rate",
            Sort::Label => "name",
        }
    }
}

/// What the loop should do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    None,
    Quit,
    /// Apply this filter (ss's language) from the next refresh on; empty clears it.
    Filter(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub view: View,
    pub sort: Sort,
    pub paused: bool,
    pub scroll: usize,
    /// The filter being typed after `/`.
    pub typing: Option<String>,
    /// The filter in force, as typed (set by the caller once it parsed).
    pub filter: String,
    /// A message for the status line (a filter that did not parse).
    pub message: Option<String>,
}

impl App {
    pub fn new(view: View) -> App {
        App {
            view,
            sort: Sort::Total,
            paused: false,
            scroll: 0,
            typing: None,
            filter: String::new(),
            message: None,
        }
    }

    pub fn key(&mut self, k: Key) -> Action {
        if k == Key::Interrupt {
            return Action::Quit;
        }
        if let Some(t) = &mut self.typing {
            match k {
                Key::Enter => {
                    // In force only once it parses (the caller sets `filter` then).
                    let f = std::mem::take(t);
                    self.typing = None;
                    return Action::Filter(f);
                }
                Key::Esc => {
                    self.typing = None;
                    self.message = None;
                }
                Key::Backspace => {
                    t.pop();
                }
                Key::Char(c) => t.push(c),
                _ => {}
            }
            return Action::None;
        }
        match k {
            // Esc first dismisses a message; with none shown, it quits.
            Key::Esc if self.message.is_some() => self.message = None,
            Key::Char('q') | Key::Esc => return Action::Quit,
            Key::Tab => {
                self.view = match self.view {
                    View::Connections => View::Processes,
                    View::Processes => View::Containers,
                    View::Containers => View::Ports,
                    View::Ports => View::Connections,
                };
                self.scroll = 0;
            }
            Key::Char('p') => self.paused = !self.paused,
            Key::Char('s') => {
                self.sort = match self.sort {
                    Sort::Total => Sort::In,
                    Sort::In => Sort::Out,
                    Sort::Out => Sort::Label,
                    Sort::Label => Sort::Total,
                }
            }
            Key::Char('/') => {
                self.typing = Some(self.filter.clone());
                self.message = None;
            }
            Key::Up => self.scroll = self.scroll.saturating_sub(1),
            Key::Down => self.scroll += 1,
            _ => {}
        }
        Action::None
    }

    /// A filter typed at `/` that did not parse: the prompt opens again with it, and the
    /// error beside it, so Esc cancels the prompt (and does not quit) and Enter retries.
    pub fn filter_failed(&mut self, typed: String, error: &str) {
        let first = error.lines().next().unwrap_or(error);
        self.message = Some(crate::sanitize::quoted(first));
        self.typing = Some(typed);
    }

    /// `rows` in this app's order.
    pub fn sorted(&self, mut rows: Vec<Row>) -> Vec<Row> {
        match self.sort {
            Sort::Total => {} // rows come busiest first
            Sort::In => rows.sort_by(|a, b| b.in_bps.total_cmp(&a.in_bps)),
            Sort::Out => rows.sort_by(|a, b| b.out_bps.total_cmp(&a.out_bps)),
            Sort::Label => rows.sort_by(|a, b| a.label.cmp(&b.label)),
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        let mut a = App::new(View::Connections);
        assert_eq!(a.key(Key::Tab), Action::None);
        assert_eq!(a.view, View::Processes);
        a.key(Key::Char('p'));
        assert!(a.paused);
        a.key(Key::Char('s'));
        assert_eq!(a.sort, Sort::In);
        a.key(Key::Down);
        a.key(Key::Down);
        a.key(Key::Up);
        assert_eq!(a.scroll, 1);
        // Typing a filter: q is a letter then, not quit.
        a.key(Key::Char('/'));
        for c in "sport = :22q".chars() {
            assert_eq!(a.key(Key::Char(c)), Action::None);
        }
        a.key(Key::Backspace);
        assert_eq!(a.key(Key::Enter), Action::Filter("sport = :22".into()));
        // Not in force until the caller has parsed it.
        assert_eq!(a.filter, "");
        a.filter = "sport = :22".into();
        a.key(Key::Char('/'));
        assert_eq!(a.key(Key::Esc), Action::None);
        assert_eq!(a.typing, None);
        assert_eq!(a.key(Key::Char('q')), Action::Quit);
        assert_eq!(App::new(View::Ports).key(Key::Esc), Action::Quit);
        // Ctrl-C quits, even at the prompt.
        let mut a = App::new(View::Ports);
        a.key(Key::Char('/'));
        assert_eq!(a.key(Key::Interrupt), Action::Quit);
    }

    #[test]
    fn esc_after_a_filter_error_cancels_the_prompt_and_does_not_quit() {
        // Guards against Esc quitting top while a filter error made the prompt look open.
        let mut a = App::new(View::Connections);
        a.key(Key::Char('/'));
        for c in "sport =".chars() {
            a.key(Key::Char(c));
        }
        assert_eq!(a.key(Key::Enter), Action::Filter("sport =".into()));
        a.filter_failed("sport =".into(), "filter: expected a port\n  sport =\n  ^");
        assert_eq!(a.typing.as_deref(), Some("sport ="));
        assert_eq!(a.message.as_deref(), Some("filter: expected a port"));
        assert_eq!(a.key(Key::Esc), Action::None);
        assert_eq!((a.typing.as_deref(), a.message.as_deref()), (None, None));
        assert_eq!(a.key(Key::Esc), Action::Quit);
    }
}
