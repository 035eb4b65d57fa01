//! Splits a filter expression into tokens that remember where they came from, so an error
//! can point at the offending one.
//!
//! ss splits each argument on blanks (`ssfilter.y`, `get_token_from_line`); a quoted
//! `'dport = :22'` and separate words are the same. We also peel parentheses and a leading
//! `!` off words (`(dport`, `!autobound`), which ss requires to stand alone.

use std::fmt;
use std::ops::Range;

/// One word of the expression and its byte range in [`Source::text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub text: String,
    pub span: Range<usize>,
}

/// The expression as one line (arguments joined by a space), for error messages.
#[derive(Debug, Clone, Default)]
pub(crate) struct Source {
    pub text: String,
}

/// A filter that cannot be parsed or resolved, with the span it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub msg: String,
    pub text: String,
    pub span: Range<usize>,
}

/// The most characters of a filter an error quotes: a filter may be a 1 MiB `-F` file.
const QUOTE: usize = 200;

impl fmt::Display for FilterError {
    /// `filter: MSG`, then the expression with carets under the bad token: at most
    /// `QUOTE` characters of it around that token, control characters shown as `?`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chars: Vec<char> = self.text.chars().collect();
        let at = |byte: usize| self.text[..floor(&self.text, byte)].chars().count();
        let start = at(self.span.start);
        let end = at(self.span.end).max(start + 1);
        let lo = if chars.len() <= QUOTE {
            0
        } else {
            start.saturating_sub(QUOTE / 3).min(chars.len() - QUOTE)
        };
        let hi = (lo + QUOTE).min(chars.len());
        let mut line = String::new();
        if lo > 0 {
            line.push('…');
        }
        line.extend(chars[lo..hi].iter().map(|&c| shown(c)));
        if hi < chars.len() {
            line.push('…');
        }
        let lead = start - lo + usize::from(lo > 0);
        let width = end.min(hi.max(start + 1)) - start;
        let msg: String = self.msg.chars().take(QUOTE).map(shown).collect();
        let more = if self.msg.chars().nth(QUOTE).is_some() {
            "…"
        } else {
            ""
        };
        writeln!(f, "filter: {msg}{more}")?;
        writeln!(f, "  {line}")?;
        write!(f, "  {}{}", " ".repeat(lead), "^".repeat(width))
    }
}

/// A character as an error shows it: control characters (escape, bell) as `?`.
fn shown(c: char) -> char {
    if c.is_control() { '?' } else { c }
}

/// `byte` moved down to a character boundary of `s` (and at most its length).
fn floor(s: &str, byte: usize) -> usize {
    let mut b = byte.min(s.len());
    while !s.is_char_boundary(b) {
        b -= 1;
    }
    b
}

/// Tokenises the words of an expression (command-line arguments, or lines of a `-F` file).
pub(crate) fn tokens<S: AsRef<str>>(words: &[S]) -> (Source, Vec<Token>) {
    let mut src = Source::default();
    let mut out = Vec::new();
    for w in words {
        let w = w.as_ref();
        if !src.text.is_empty() {
            src.text.push(' ');
        }
        let base = src.text.len();
        src.text.push_str(w);
        let mut at = 0;
        for piece in w.split([' ', '\t', '\n', '\r']) {
            let start = base + at;
            at += piece.len() + 1;
            split_word(piece, start, &mut out);
        }
    }
    (src, out)
}

/// Peels `(`, `)` and a leading `!` (but not `!=`) off one blank-separated word.
fn split_word(mut w: &str, mut start: usize, out: &mut Vec<Token>) {
    let mut tail = Vec::new();
    loop {
        if w.is_empty() {
            break;
        }
        if w.len() > 1 && (w.starts_with('(') || (w.starts_with('!') && !w.starts_with("!="))) {
            out.push(Token {
                text: w[..1].to_string(),
                span: start..start + 1,
            });
            w = &w[1..];
            start += 1;
            continue;
        }
        if w.len() > 1 && w.ends_with(')') {
            let end = start + w.len();
            tail.push(Token {
                text: ")".into(),
                span: end - 1..end,
            });
            w = &w[..w.len() - 1];
            continue;
        }
        out.push(Token {
            text: w.to_string(),
            span: start..start + w.len(),
        });
        break;
    }
    out.extend(tail.into_iter().rev());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(words: &[&str]) -> Vec<String> {
        tokens(words).1.into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn words_and_quoted_arguments_are_the_same() {
        assert_eq!(texts(&["dport", "=", ":22"]), texts(&["dport = :22"]),);
        assert_eq!(
            texts(&["( dport = :22 or !autobound)"]),
            ["(", "dport", "=", ":22", "or", "!", "autobound", ")"]
        );
        assert_eq!(
            texts(&["sport", "!=", "((:80))"]),
            ["sport", "!=", "(", "(", ":80", ")", ")"]
        );
    }

    #[test]
    fn spans_point_into_the_joined_text() {
        let (src, toks) = tokens(&["dst", "10.0.0.1/8  sport"]);
        assert_eq!(src.text, "dst 10.0.0.1/8  sport");
        for t in &toks {
            assert_eq!(&src.text[t.span.clone()], t.text);
        }
        let e = FilterError {
            msg: "bad".into(),
            text: src.text.clone(),
            span: toks[1].span.clone(),
        };
        assert_eq!(
            e.to_string(),
            "filter: bad\n  dst 10.0.0.1/8  sport\n      ^^^^^^^^^^"
        );
    }

    #[test]
    fn errors_quote_a_bounded_sanitised_excerpt() {
        // Guards against a 177 KB filter echoed whole, escape bytes and all.
        let long = format!("{} \x1b[2Jbad", "sport = :1 or ".repeat(1000));
        let e = FilterError {
            msg: format!("unknown word `{}`", "\x07".repeat(300)),
            span: long.len() - 7..long.len(),
            text: long,
        };
        let text = e.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(
            lines.iter().all(|l| l.chars().count() <= QUOTE + 20),
            "{text}"
        );
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
        assert!(
            lines[1].starts_with("  …") && lines[1].ends_with("?[2Jbad"),
            "{text}"
        );
        // The carets still sit under the bad word.
        let caret = lines[2].find('^').unwrap();
        let word = lines[1].find("?[2Jbad").unwrap();
        assert_eq!(
            lines[1][..word].chars().count(),
            lines[2][..caret].chars().count()
        );
        assert_eq!(lines[2].trim().len(), 7);
    }
}
