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
pub struct Token {
    pub text: String,
    pub span: Range<usize>,
}

/// The expression as one line (arguments joined by a space), for error messages.
#[derive(Debug, Clone, Default)]
pub struct Source {
    pub text: String,
}

/// A filter that cannot be parsed or resolved, with the span it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub msg: String,
    pub text: String,
    pub span: Range<usize>,
}

impl fmt::Display for FilterError {
    /// `filter: MSG`, then the expression with carets under the bad token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "filter: {}", self.msg)?;
        writeln!(f, "  {}", self.text)?;
        let width = self.text[self.span.start..self.span.end.min(self.text.len())]
            .chars()
            .count()
            .max(1);
        let lead = self.text[..self.span.start.min(self.text.len())]
            .chars()
            .count();
        write!(f, "  {}{}", " ".repeat(lead), "^".repeat(width))
    }
}

/// Tokenises the words of an expression (command-line arguments, or lines of a `-F` file).
pub fn tokens<S: AsRef<str>>(words: &[S]) -> (Source, Vec<Token>) {
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
}
