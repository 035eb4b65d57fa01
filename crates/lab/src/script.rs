//! The lab's scenario format: a small line-based text, packetdrill-like in spirit, that says
//! what two applications do on one TCP connection, what the link does to their packets, and
//! what both sockets must show. Written in terms of sides `a` and `b`, so the same script
//! runs twice: once with the kernel as `a` and the stack as `b`, once the other way round.
//! docs/lab-scripts.md is the reference; every built-in scenario is written in it.
//!
//! ```text
//! name    lost-syn                       # header: name, title, about (repeatable)
//! impair  a>b drop syn 1                 # the link, from this line on: a rule per line
//! b listen                               # actions: SIDE listen|connect|write N|read [N]|
//! a connect                              #   hold|shutdown|close|abort|set OPT VALUE
//! step    The SYN is lost                # a titled step (in output, pcap comments, ladder)
//! expect  both state ESTABLISHED within 5s
//! expect  link a>b syn == 2              # counts of what crossed the link
//! note    RFC 6298 §5: ...               # printed when reached
//! sleep   300ms
//! ```

use std::fmt;
use std::time::Duration;

use rnetstat_model::State;
use rnetstat_stack::impair::{Kind, Rules, micros};

/// Who an action or expectation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    A,
    B,
    Both,
    /// Whichever side is the kernel in this run.
    Kernel,
    /// Whichever side is the stack in this run.
    Stack,
}

impl Who {
    /// The sides it names, `both` being a then b.
    pub fn each(&self) -> &[Who] {
        match self {
            Who::Both => &[Who::A, Who::B],
            w => std::slice::from_ref(w),
        }
    }
}

/// A direction on the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    AtoB,
    BtoA,
}

impl fmt::Display for Way {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Way::AtoB => "a>b",
            Way::BtoA => "b>a",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opt {
    Nodelay(bool),
    Rcvbuf(usize),
    Sndbuf(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Listen,
    Connect,
    Write(usize),
    /// `None`: everything, from now on.
    Read(Option<usize>),
    Hold,
    Shutdown,
    Close,
    Abort,
    Set(Opt),
}

/// A socket figure an expectation reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    State,
    Timer,
    RecvQ,
    SendQ,
    /// Sent and not yet acknowledged (snd_nxt − snd_una).
    InFlight,
    /// Written by the application, not yet sent.
    Unsent,
    SndWnd,
    RcvWnd,
    Retrans,
    Cwnd,
    /// Milliseconds.
    Rtt,
    /// Milliseconds.
    Rto,
    /// Bytes the application has read / written so far.
    Read,
    Written,
}

const FIELDS: &[(&str, Field)] = &[
    ("state", Field::State),
    ("timer", Field::Timer),
    ("recv_q", Field::RecvQ),
    ("send_q", Field::SendQ),
    ("in_flight", Field::InFlight),
    ("unsent", Field::Unsent),
    ("snd_wnd", Field::SndWnd),
    ("rcv_wnd", Field::RcvWnd),
    ("retrans", Field::Retrans),
    ("cwnd", Field::Cwnd),
    ("rtt", Field::Rtt),
    ("rto", Field::Rto),
    ("read", Field::Read),
    ("written", Field::Written),
];

impl Field {
    pub fn name(self) -> &'static str {
        FIELDS
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("?", |(n, _)| n)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
}

impl Op {
    pub fn holds(self, have: u64, want: u64) -> bool {
        match self {
            Op::Eq => have == want,
            Op::Ne => have != want,
            Op::Ge => have >= want,
            Op::Le => have <= want,
            Op::Gt => have > want,
            Op::Lt => have < want,
        }
    }

    fn sym(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Ge => ">=",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Lt => "<",
        }
    }
}

/// What a link expectation counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Kind(Kind),
    /// Pure ACKs repeating the previous acknowledgment number (RFC 5681 §2).
    DupAck,
    Dropped,
    Packets,
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Count::Kind(k) => write!(f, "{k}"),
            Count::DupAck => f.write_str("dupack"),
            Count::Dropped => f.write_str("dropped"),
            Count::Packets => f.write_str("packets"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    /// A TCP state, or `None` for `gone` (no socket).
    State(Option<State>),
    /// A timer name as netstat prints it (`on`, `probe`, `timewait`, `keepalive`, `off`).
    Timer(String),
    Num(u64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Side {
        who: Who,
        field: Field,
        op: Op,
        want: Want,
    },
    Link {
        way: Way,
        count: Count,
        op: Op,
        n: u64,
    },
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Check::Side {
                who,
                field,
                op,
                want,
            } => {
                let who = match who {
                    Who::A => "a",
                    Who::B => "b",
                    Who::Both => "both",
                    Who::Kernel => "kernel",
                    Who::Stack => "stack",
                };
                let want = match want {
                    Want::State(Some(s)) => s.name().to_string(),
                    Want::State(None) => "gone".into(),
                    Want::Timer(t) => t.clone(),
                    Want::Num(n) => n.to_string(),
                };
                write!(f, "{who} {} {} {want}", field.name(), op.sym())
            }
            Check::Link { way, count, op, n } => {
                write!(f, "link {way} {count} {} {n}", op.sym())
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Do(Who, Act),
    Sleep(Duration),
    Step(String),
    Note(String),
    Expect(Check, Duration),
    /// A link rule for one direction, in `Rules::add`'s words; it applies from here on,
    /// and a named event counts segments from here.
    Impair(Way, Vec<String>),
}

/// A parsed scenario.
#[derive(Debug, Clone, Default)]
pub struct Script {
    pub name: String,
    pub title: String,
    pub about: String,
    /// Each line with its line number, for messages.
    pub lines: Vec<(usize, Line)>,
}

/// How long an expectation may take when it names no `within`.
pub(crate) const DEFAULT_WITHIN: Duration = Duration::from_secs(3);

/// A parse error at a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub msg: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.msg)
    }
}

pub fn parse(text: &str) -> Result<Script, ParseError> {
    let mut s = Script::default();
    for (i, raw) in text.lines().enumerate() {
        let no = i + 1;
        let err = |msg: String| ParseError { line: no, msg };
        let line = raw.split_once('#').map_or(raw, |(l, _)| l).trim();
        if line.is_empty() {
            continue;
        }
        let (head, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        let words: Vec<&str> = rest.split_whitespace().collect();
        match head {
            "name" => s.name = one(&words, "a name").map_err(err)?.to_string(),
            "title" => s.title = rest.to_string(),
            "about" => {
                if !s.about.is_empty() {
                    s.about.push(' ');
                }
                s.about.push_str(rest);
            }
            "impair" => {
                let (way, rule) = words.split_first().ok_or_else(|| {
                    err("impair needs a direction (a>b or b>a) and a rule".into())
                })?;
                let way = match *way {
                    "a>b" => Way::AtoB,
                    "b>a" => Way::BtoA,
                    w => return Err(err(format!("'{w}' is not a direction (a>b or b>a)"))),
                };
                Rules::default().add(rule).map_err(err)?;
                let words = rule.iter().map(|w| w.to_string()).collect();
                s.lines.push((no, Line::Impair(way, words)));
            }
            "step" => s.lines.push((no, Line::Step(rest.to_string()))),
            "note" => s.lines.push((no, Line::Note(rest.to_string()))),
            "sleep" => {
                let t = one(&words, "a time").map_err(err)?;
                let us = micros(t).map_err(err)?;
                s.lines.push((no, Line::Sleep(Duration::from_micros(us))));
            }
            "expect" => {
                let (check, within) = expectation(&words).map_err(err)?;
                s.lines.push((no, Line::Expect(check, within)));
            }
            "a" | "b" | "both" => {
                let who = match head {
                    "a" => Who::A,
                    "b" => Who::B,
                    _ => Who::Both,
                };
                s.lines
                    .push((no, Line::Do(who, action(&words).map_err(err)?)));
            }
            other => {
                return Err(err(format!(
                    "unknown keyword '{other}' (name, title, about, impair, a, b, both, step, note, sleep, expect)"
                )));
            }
        }
    }
    if s.name.is_empty() {
        return Err(ParseError {
            line: 1,
            msg: "the script has no 'name' line".into(),
        });
    }
    if !s.lines.iter().any(|(_, l)| matches!(l, Line::Expect(..))) {
        return Err(ParseError {
            line: text.lines().count().max(1),
            msg: "the script expects nothing: add at least one 'expect' line".into(),
        });
    }
    Ok(s)
}

fn one<'a>(words: &[&'a str], what: &str) -> Result<&'a str, String> {
    match words {
        [w] => Ok(w),
        _ => Err(format!("expected {what}, got '{}'", words.join(" "))),
    }
}

fn bytes(s: &str) -> Result<usize, String> {
    let (n, mul) = match s.strip_suffix(['k', 'K']) {
        Some(n) => (n, 1024),
        None => (s, 1),
    };
    n.parse::<usize>()
        .ok()
        .and_then(|v| v.checked_mul(mul))
        .filter(|v| *v <= 1 << 30)
        .ok_or_else(|| format!("'{s}' is not a byte count (e.g. 1460, 64k)"))
}

fn action(words: &[&str]) -> Result<Act, String> {
    let on = |v: &str| match v {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("'{v}' is not on or off")),
    };
    Ok(match words {
        ["listen"] => Act::Listen,
        ["connect"] => Act::Connect,
        ["write", n] => Act::Write(bytes(n)?),
        ["read"] => Act::Read(None),
        ["read", n] => Act::Read(Some(bytes(n)?)),
        ["hold"] => Act::Hold,
        ["shutdown"] => Act::Shutdown,
        ["close"] => Act::Close,
        ["abort"] => Act::Abort,
        ["set", "nodelay", v] => Act::Set(Opt::Nodelay(on(v)?)),
        ["set", "rcvbuf", n] => Act::Set(Opt::Rcvbuf(bytes(n)?)),
        ["set", "sndbuf", n] => Act::Set(Opt::Sndbuf(bytes(n)?)),
        _ => {
            return Err(format!(
                "'{}' is not an action (listen, connect, write N, read [N], hold, shutdown, close, abort, set nodelay|rcvbuf|sndbuf VALUE)",
                words.join(" ")
            ));
        }
    })
}

fn op(s: &str) -> Result<Op, String> {
    Ok(match s {
        "==" => Op::Eq,
        "!=" => Op::Ne,
        ">=" => Op::Ge,
        "<=" => Op::Le,
        ">" => Op::Gt,
        "<" => Op::Lt,
        _ => return Err(format!("'{s}' is not a comparison (== != >= <= > <)")),
    })
}

/// `SIDE FIELD OP VALUE [within TIME]` or `link WAY COUNT OP N [within TIME]`.
fn expectation(words: &[&str]) -> Result<(Check, Duration), String> {
    let (words, within) = match words {
        [w @ .., "within", t] => (w, Duration::from_micros(micros(t)?)),
        w => (w, DEFAULT_WITHIN),
    };
    // `SIDE FIELD VALUE` means `SIDE FIELD == VALUE`.
    let with_eq;
    let words = match words {
        [who, field, v] if *who != "link" => {
            with_eq = [*who, *field, "==", *v];
            &with_eq[..]
        }
        w => w,
    };
    let check = match words {
        ["link", way, count, o, n] => Check::Link {
            way: match *way {
                "a>b" => Way::AtoB,
                "b>a" => Way::BtoA,
                w => return Err(format!("'{w}' is not a direction (a>b or b>a)")),
            },
            count: match *count {
                "dupack" => Count::DupAck,
                "dropped" => Count::Dropped,
                "packets" => Count::Packets,
                k => Count::Kind(k.parse()?),
            },
            op: op(o)?,
            n: n.parse().map_err(|_| format!("'{n}' is not a count"))?,
        },
        [who, field, o, v] => {
            let who = match *who {
                "a" => Who::A,
                "b" => Who::B,
                "both" => Who::Both,
                "kernel" => Who::Kernel,
                "stack" => Who::Stack,
                w => return Err(format!("'{w}' is not a side (a, b, both, kernel, stack)")),
            };
            let field = FIELDS
                .iter()
                .find(|(n, _)| n == field)
                .map(|(_, f)| *f)
                .ok_or_else(|| {
                    let names: Vec<&str> = FIELDS.iter().map(|(n, _)| *n).collect();
                    format!("'{field}' is not a field ({})", names.join(", "))
                })?;
            let op = op(o)?;
            let want = match field {
                Field::State => {
                    if !matches!(op, Op::Eq | Op::Ne) {
                        return Err("a state compares with == or != only".into());
                    }
                    if *v == "gone" {
                        Want::State(None)
                    } else {
                        Want::State(Some(State::from_name(v).ok_or_else(|| {
                            format!("'{v}' is not a TCP state (ESTABLISHED, SYN_SENT, … or gone)")
                        })?))
                    }
                }
                Field::Timer => {
                    if !["on", "off", "probe", "timewait", "keepalive"].contains(v) {
                        return Err(format!(
                            "'{v}' is not a timer (on, off, probe, timewait, keepalive)"
                        ));
                    }
                    Want::Timer(v.to_string())
                }
                Field::Rtt | Field::Rto => Want::Num(micros(v)? / 1000),
                _ => Want::Num(bytes(v)? as u64),
            };
            Check::Side {
                who,
                field,
                op,
                want,
            }
        }
        _ => {
            return Err(format!(
                "'{}' is not an expectation (SIDE FIELD OP VALUE, or link a>b|b>a COUNT OP N, then optionally 'within TIME')",
                words.join(" ")
            ));
        }
    };
    Ok((check, within))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_parses() {
        let s = parse(
            "name t\ntitle A test\nabout one\nabout two\nimpair a>b drop syn 1 # lost\n\
             b listen\na connect\nstep Go\nexpect both state ESTABLISHED within 5s\n\
             expect link a>b syn == 2\nexpect kernel rto <= 300ms\nexpect b state LISTEN\na write 64k\nsleep 10ms\n",
        )
        .unwrap();
        assert_eq!(s.name, "t");
        assert_eq!(s.about, "one two");
        assert_eq!(
            s.lines[0],
            (
                5,
                Line::Impair(Way::AtoB, vec!["drop".into(), "syn".into(), "1".into()])
            )
        );
        let s = Script {
            lines: s.lines[1..].to_vec(),
            ..s
        };
        assert_eq!(s.lines[0], (6, Line::Do(Who::B, Act::Listen)));
        assert_eq!(
            s.lines[3].1,
            Line::Expect(
                Check::Side {
                    who: Who::Both,
                    field: Field::State,
                    op: Op::Eq,
                    want: Want::State(Some(State::Established))
                },
                Duration::from_secs(5)
            )
        );
        assert_eq!(s.lines[4].1.clone(), {
            let c = Check::Link {
                way: Way::AtoB,
                count: Count::Kind(Kind::Syn),
                op: Op::Eq,
                n: 2,
            };
            Line::Expect(c, DEFAULT_WITHIN)
        });
        assert!(matches!(
            s.lines[5].1,
            Line::Expect(
                Check::Side {
                    want: Want::Num(300),
                    ..
                },
                _
            )
        ));
        assert!(matches!(
            s.lines[6].1,
            Line::Expect(
                Check::Side {
                    op: Op::Eq,
                    want: Want::State(Some(State::Listen)),
                    ..
                },
                _
            )
        ));
        assert_eq!(s.lines[7].1, Line::Do(Who::A, Act::Write(65536)));
    }

    #[test]
    fn errors_point_at_the_line() {
        for (text, line, needle) in [
            (
                "name x\nexpect a state ESTABLISHED\na jump\n",
                3,
                "not an action",
            ),
            ("name x\nimpair a<b loss 5\n", 2, "not a direction"),
            ("name x\nexpect a state DANCING\n", 2, "not a TCP state"),
            ("name x\nexpect a colour == 3\n", 2, "not a field"),
            ("name x\nexpect a recv_q ~ 3\n", 2, "not a comparison"),
            (
                "name x\nexpect link a>b urg == 1\n",
                2,
                "not a segment kind",
            ),
            ("name x\nexpect a state > ESTABLISHED\n", 2, "== or !="),
            ("name x\nwobble\n", 2, "unknown keyword"),
            ("expect a read == 1\n", 1, "no 'name'"),
            ("name x\na connect\n", 2, "expects nothing"),
            ("name x\nsleep soon\n", 2, "not a time"),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.msg.contains(needle), "{text:?}: {e}");
        }
    }
}
