//! What one scenario run leaves behind: every packet that went onto the link, with its fate,
//! the step it belongs to and both sockets right after it; and what each expectation saw.
//! The pcapng writer, the ladder diagrams and the link expectations all read this.

use std::time::{Duration, SystemTime};

use rnetstat_stack::impair::{Fate, Kind};
use rnetstat_stack::packet::{self, Packet, flags};
use rnetstat_stack::tap::Dir;

use super::look::Look;
use super::script::Count;

pub struct Sent {
    /// When the lab released it (from the run's start).
    pub at: Duration,
    /// How long it was on the link (delay, rate, reorder).
    pub transit_us: u64,
    pub dir: Dir,
    pub bytes: Vec<u8>,
    pub fate: Fate,
    pub step: String,
    /// Both sockets right after it was delivered (or dropped).
    pub after: Look,
}

/// One expectation's outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub line: usize,
    pub check: String,
    pub ok: bool,
    /// When it held, from the run's start.
    pub at: Option<Duration>,
    /// What was seen last, when it did not hold.
    pub seen: String,
}

pub struct Run {
    pub scenario: String,
    /// The kernel is side a (it opens or sends first, as the script says).
    pub kernel_is_a: bool,
    pub started: SystemTime,
    pub first: Look,
    pub packets: Vec<Sent>,
    pub outcomes: Vec<Outcome>,
    pub failure: Option<String>,
}

impl Run {
    pub fn label(&self) -> &'static str {
        if self.kernel_is_a {
            "a = kernel, b = stack"
        } else {
            "a = stack, b = kernel"
        }
    }

    /// The device direction of a script direction.
    pub fn dir(&self, a_to_b: bool) -> Dir {
        if a_to_b == self.kernel_is_a {
            Dir::In
        } else {
            Dir::Out
        }
    }

    pub fn passed(&self) -> bool {
        self.failure.is_none() && self.outcomes.iter().all(|o| o.ok)
    }
}

/// How many packets that went onto the link in `dir` are of `what`.
pub fn count(packets: &[Sent], dir: Dir, what: Count) -> u64 {
    let mut n = 0;
    let mut last_ack: Option<u32> = None;
    for p in packets.iter().filter(|p| p.dir == dir) {
        let seg = match packet::parse(&p.bytes) {
            Ok(Packet::Tcp(t)) => Some(t),
            _ => None,
        };
        let hit = match what {
            Count::Packets => true,
            Count::Dropped => !p.fate.delivered(),
            Count::Kind(k) => seg.is_some_and(|t| k.matches(t.flags, t.len)),
            Count::DupAck => seg.is_some_and(|t| {
                // RFC 5681 §2: no data, no SYN/FIN, the same acknowledgment number as the
                // previous ACK. (The window may move as the application reads; Linux's
                // SACK-based recovery does not look at it either.)
                let pure = Kind::Ack.matches(t.flags, t.len);
                let dup = pure && last_ack == Some(t.ack);
                if t.has(flags::ACK) {
                    last_ack = Some(t.ack);
                }
                dup
            }),
        };
        n += u64::from(hit);
    }
    n
}
