//! The expression grammar, read the way ss's bison grammar reads it (`misc/ssfilter.y`):
//!
//! ```text
//! exprlist := expr { [ "and" | "&&" | "&" | "or" | "||" | "|" ] expr }   left to right
//! expr     := "(" exprlist ")" | ( "!" | "not" ) expr
//!           | ("dst" | "src") [ "=" ] HOST
//!           | ("dport" | "sport") [ OP ] PORT
//!           | ("dev" | "fwmark" | "cgroup") [ "=" | "!=" ] VALUE
//!           | "autobound"
//! ```
//!
//! As in ss, `and` and `or` have equal precedence and group from the left: `a or b and c`
//! is `(a or b) and c`; two expressions side by side are joined by `and`.

use super::cond::{self, Side};
use super::lex::{FilterError, Source, Token};
use super::{Expr, Pred};

pub struct Parser<'a> {
    src: &'a Source,
    toks: &'a [Token],
    at: usize,
    /// Open parentheses and `not`s around the current token.
    depth: usize,
    /// Terms joined so far.
    terms: usize,
}

/// Bounds on an expression. The parser, the bytecode compiler and the evaluator all
/// recurse over the tree, so an unbounded one (`((((…` or ten thousand `or`s, found by
/// the `filter` fuzz target) would overflow the stack instead of being refused.
const MAX_DEPTH: usize = 64;
const MAX_TERMS: usize = 512;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

fn op(t: &str) -> Option<Op> {
    Some(match t {
        "=" | "==" | "eq" => Op::Eq,
        "!=" | "ne" | "neq" => Op::Ne,
        "<" | "lt" => Op::Lt,
        "<=" | "le" | "leq" => Op::Le,
        ">" | "gt" => Op::Gt,
        ">=" | "ge" | "geq" => Op::Ge,
        _ => return None,
    })
}

fn is_and(t: &str) -> bool {
    matches!(t, "and" | "&&" | "&")
}

fn is_or(t: &str) -> bool {
    matches!(t, "or" | "||" | "|")
}

impl<'a> Parser<'a> {
    pub fn new(src: &'a Source, toks: &'a [Token]) -> Self {
        Parser {
            src,
            toks,
            at: 0,
            depth: 0,
            terms: 0,
        }
    }

    fn err(&self, msg: String, tok: Option<&Token>) -> FilterError {
        let end = self.src.text.len();
        FilterError {
            msg,
            text: self.src.text.clone(),
            span: tok.map_or(end..end + 1, |t| t.span.clone()),
        }
    }

    fn peek(&self) -> Option<&'a Token> {
        self.toks.get(self.at)
    }

    fn next(&mut self) -> Option<&'a Token> {
        let t = self.toks.get(self.at);
        self.at += 1;
        t
    }

    /// The whole expression; every token must be used.
    pub fn parse(mut self) -> Result<Expr, FilterError> {
        let e = self.exprlist()?;
        match self.peek() {
            None => Ok(e),
            Some(t) => Err(self.err(format!("unexpected '{}'", t.text), Some(t))),
        }
    }

    fn exprlist(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.expr()?;
        while let Some(t) = self.peek() {
            if t.text == ")" {
                break;
            }
            let or = if is_or(&t.text) {
                self.at += 1;
                true
            } else {
                if is_and(&t.text) {
                    self.at += 1;
                }
                false
            };
            self.terms += 1;
            if self.terms > MAX_TERMS {
                return Err(self.err(
                    format!("more than {MAX_TERMS} terms; split the filter"),
                    self.peek(),
                ));
            }
            let right = self.expr()?;
            left = if or {
                Expr::Or(Box::new(left), Box::new(right))
            } else {
                Expr::And(Box::new(left), Box::new(right))
            };
        }
        Ok(left)
    }

    fn expr(&mut self) -> Result<Expr, FilterError> {
        let Some(t) = self.next() else {
            let prev = self.at.checked_sub(2).and_then(|i| self.toks.get(i));
            let msg = match prev {
                Some(p) => format!("expected an expression after '{}'", p.text),
                None => "expected an expression".into(),
            };
            return Err(self.err(msg, None));
        };
        if matches!(t.text.as_str(), "(" | "!" | "not") {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(self.err(format!("nested more than {MAX_DEPTH} deep"), Some(t)));
            }
        }
        match t.text.as_str() {
            "(" => {
                let e = self.exprlist()?;
                self.depth -= 1;
                match self.next() {
                    Some(c) if c.text == ")" => Ok(e),
                    other => Err(self.err("'(' is not closed".into(), other.or(Some(t)))),
                }
            }
            "!" | "not" => {
                let e = self.expr()?;
                self.depth -= 1;
                Ok(Expr::Not(Box::new(e)))
            }
            "dst" | "src" => {
                let side = if t.text == "dst" {
                    Side::Remote
                } else {
                    Side::Local
                };
                if self.peek().is_some_and(|n| op(&n.text) == Some(Op::Eq)) {
                    self.at += 1;
                }
                let v = self.value(t)?;
                if let Some(glob) = v.text.strip_prefix("unix:") {
                    if side == Side::Remote {
                        return Err(self.err(
                            "dst unix:PATTERN is not supported; use src for a unix socket's own path"
                                .into(),
                            Some(v),
                        ));
                    }
                    return Ok(Expr::Pred(Pred::UnixPath(glob.to_string())));
                }
                let c = cond::host(&v.text).map_err(|m| self.err(m, Some(v)))?;
                Ok(Expr::Pred(Pred::Host(side, c)))
            }
            "dport" | "sport" => {
                let side = if t.text == "dport" {
                    Side::Remote
                } else {
                    Side::Local
                };
                let o = match self.peek().and_then(|n| op(&n.text)) {
                    Some(o) => {
                        self.at += 1;
                        o
                    }
                    None => Op::Eq,
                };
                let v = self.value(t)?;
                let (family, port) = cond::port(&v.text).map_err(|m| self.err(m, Some(v)))?;
                let eq = || {
                    Expr::Pred(Pred::Host(
                        side,
                        cond::HostCond {
                            family,
                            prefixes: Vec::new(),
                            port,
                        },
                    ))
                };
                let Some(p) = port else {
                    return match o {
                        Op::Eq => Ok(eq()),
                        _ => Err(self.err(format!("'{}' needs a port number", t.text), Some(v))),
                    };
                };
                let ge = Expr::Pred(Pred::PortGe(side, p));
                let le = Expr::Pred(Pred::PortLe(side, p));
                Ok(match o {
                    Op::Eq => eq(),
                    Op::Ne => Expr::Not(Box::new(eq())),
                    Op::Ge => ge,
                    Op::Le => le,
                    // ss: `>` is "not <=", `<` is "not >=".
                    Op::Gt => Expr::Not(Box::new(le)),
                    Op::Lt => Expr::Not(Box::new(ge)),
                })
            }
            "dev" | "fwmark" | "cgroup" => {
                let negate = match self.peek().and_then(|n| op(&n.text)) {
                    Some(Op::Eq) => {
                        self.at += 1;
                        false
                    }
                    Some(Op::Ne) => {
                        self.at += 1;
                        true
                    }
                    Some(_) => {
                        let n = self.peek();
                        return Err(self.err(
                            format!("'{}' takes only = or !=", t.text),
                            n,
                        ));
                    }
                    None => false,
                };
                let v = self.value(t)?;
                let pred = match t.text.as_str() {
                    "dev" => Pred::Dev(cond::device(&v.text).map_err(|m| self.err(m, Some(v)))?),
                    "fwmark" => {
                        let (mark, mask) = cond::mark(&v.text).map_err(|m| self.err(m, Some(v)))?;
                        Pred::Mark { mark, mask }
                    }
                    _ => Pred::Cgroup(cond::cgroup(&v.text).map_err(|m| self.err(m, Some(v)))?),
                };
                let e = Expr::Pred(pred);
                Ok(if negate { Expr::Not(Box::new(e)) } else { e })
            }
            "autobound" => Ok(Expr::Pred(Pred::Autobound)),
            ")" => Err(self.err("')' without '('".into(), Some(t))),
            other if is_and(other) || is_or(other) => {
                Err(self.err(format!("'{other}' needs an expression before it"), Some(t)))
            }
            other => Err(self.err(
                format!(
                    "unknown filter '{other}' (expected dst, src, dport, sport, dev, fwmark, cgroup, autobound, not or '(')"
                ),
                Some(t),
            )),
        }
    }

    /// The argument of `key`; a missing one is an error pointing past the key.
    fn value(&mut self, key: &Token) -> Result<&'a Token, FilterError> {
        match self.next() {
            Some(v) if v.text != ")" && !is_and(&v.text) && !is_or(&v.text) => Ok(v),
            other => Err(self.err(format!("'{}' needs a value", key.text), other)),
        }
    }
}
