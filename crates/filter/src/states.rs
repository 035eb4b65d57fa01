//! The state filter that may open an expression: `state NAME` and `exclude NAME`, repeated.
//! Names and groups are ss's (`misc/ss.c`, `scan_state`): the first `state` starts from no
//! states and adds, the first `exclude` starts from all and removes.

use super::lex::{FilterError, Source, Token};
use rnetstat_model::{State, StateMask};

/// The states one name stands for.
pub fn named(name: &str) -> Option<StateMask> {
    let one = |s: State| StateMask(s.bit());
    let all = StateMask::ALL;
    let not = |m: StateMask, states: &[State]| {
        StateMask(states.iter().fold(m.0, |acc, s| acc & !s.bit()))
    };
    Some(match name.to_ascii_lowercase().as_str() {
        "all" => all,
        "connected" => not(all, &[State::Close, State::Listen]),
        "synchronized" => not(all, &[State::Close, State::Listen, State::SynSent]),
        "bucket" => StateMask(State::SynRecv.bit() | State::TimeWait.bit()),
        "big" => not(all, &[State::SynRecv, State::TimeWait]),
        "established" => one(State::Established),
        "syn-sent" => one(State::SynSent),
        "syn-recv" | "syn-rcv" => one(State::SynRecv),
        "fin-wait-1" => one(State::FinWait1),
        "fin-wait-2" => one(State::FinWait2),
        "time-wait" => one(State::TimeWait),
        "closed" | "close" | "unconnected" => one(State::Close),
        "close-wait" => one(State::CloseWait),
        "last-ack" => one(State::LastAck),
        "listening" | "listen" => one(State::Listen),
        "closing" => one(State::Closing),
        _ => return None,
    })
}

/// Reads leading `state`/`exclude` pairs; returns the mask and how many tokens it used.
pub fn leading(src: &Source, toks: &[Token]) -> Result<(Option<StateMask>, usize), FilterError> {
    let mut mask: Option<StateMask> = None;
    let mut i = 0;
    while let Some(t) = toks.get(i) {
        let add = match t.text.as_str() {
            "state" => true,
            "exclude" | "excl" => false,
            _ => break,
        };
        let Some(name) = toks.get(i + 1) else {
            let end = src.text.len();
            return Err(FilterError {
                msg: format!("'{}' needs a state name", t.text),
                text: src.text.clone(),
                span: end..end + 1,
            });
        };
        let m = named(&name.text).ok_or_else(|| FilterError {
            msg: format!(
                "unknown state '{}' (expected established, syn-sent, syn-recv, fin-wait-1, \
                 fin-wait-2, time-wait, closed, close-wait, last-ack, listening, closing, \
                 or a group: all, connected, synchronized, bucket, big)",
                name.text
            ),
            text: src.text.clone(),
            span: name.span.clone(),
        })?;
        let cur = mask.unwrap_or(if add { StateMask(0) } else { StateMask::ALL });
        mask = Some(if add {
            StateMask(cur.0 | m.0)
        } else {
            StateMask(cur.0 & !m.0)
        });
        i += 2;
    }
    Ok((mask, i))
}
