//! Link impairment between the kernel and the stack: what netem does to a qdisc, done to the
//! TUN link itself, per direction, deterministic for a seed.
//!
//! Two kinds of rule:
//! - named events, exact: drop, delay or duplicate the Nth segment of a kind (any, SYN,
//!   SYN-ACK, data, pure ACK, FIN) in one direction. Counting is per direction and per kind,
//!   and a retransmission is a new segment, so `drop data 1` loses only the first
//!   transmission;
//! - random impairments as netem names them: loss, delay with jitter, reorder, duplicate and
//!   a rate limit. The rate is a token bucket that delays (a serialisation queue), never
//!   drops. A reordered packet is held `REORDER_HOLD` beyond its due time (or, with a
//!   delay configured, sent without it, as netem does), so the packets behind it overtake it.
//!
//! [`Link`] is pure: packets and the time come in, verdicts and due times go out. The device
//! holds the queue; the lab releases from it one packet at a time.

use std::collections::BinaryHeap;
use std::fmt;
use std::str::FromStr;

use super::packet::{self, Packet, flags};
use super::tap::Dir;
use rnetstat_sys::rng::Rng;

/// How long a reordered packet waits when no delay is configured.
pub(crate) const REORDER_HOLD_US: u64 = 20_000;

/// What a segment is, for named events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Any,
    Syn,
    SynAck,
    Data,
    Ack,
    Fin,
}

impl Kind {
    const ALL: [Kind; 6] = [
        Kind::Any,
        Kind::Syn,
        Kind::SynAck,
        Kind::Data,
        Kind::Ack,
        Kind::Fin,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::Any => "segment",
            Kind::Syn => "syn",
            Kind::SynAck => "syn-ack",
            Kind::Data => "data",
            Kind::Ack => "ack",
            Kind::Fin => "fin",
        }
    }

    /// Whether a TCP segment with these flags and payload is of this kind.
    pub fn matches(self, fl: u8, len: u32) -> bool {
        let has = |f| fl & f != 0;
        match self {
            Kind::Any => true,
            Kind::Syn => has(flags::SYN) && !has(flags::ACK),
            Kind::SynAck => has(flags::SYN) && has(flags::ACK),
            Kind::Data => len > 0,
            Kind::Ack => has(flags::ACK) && len == 0 && !has(flags::SYN | flags::FIN | flags::RST),
            Kind::Fin => has(flags::FIN),
        }
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Kind, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == s || (s == "any" && *k == Kind::Any))
            .ok_or_else(|| {
                format!("'{s}' is not a segment kind (any, syn, syn-ack, data, ack, fin)")
            })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a named event does to its segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Drop,
    /// Hold it this many µs.
    Delay(u64),
    Duplicate,
}

/// `drop|delay|duplicate` the `nth` (from 1) segment of `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub action: Action,
    pub kind: Kind,
    pub nth: u32,
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.action {
            Action::Drop => write!(f, "drop {} #{}", self.kind, self.nth),
            Action::Delay(us) => write!(f, "delay {} #{} by {} ms", self.kind, self.nth, us / 1000),
            Action::Duplicate => write!(f, "duplicate {} #{}", self.kind, self.nth),
        }
    }
}

/// One direction's rules. Percentages are in [0, 100].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rules {
    pub events: Vec<Event>,
    pub loss: f64,
    pub delay_us: u64,
    pub jitter_us: u64,
    pub reorder: f64,
    pub duplicate: f64,
    /// Kilobits (1000 bits) per second; `None` is unlimited.
    pub rate_kbit: Option<u64>,
}

impl Rules {
    pub fn is_empty(&self) -> bool {
        *self == Rules::default()
    }

    /// Adds one rule written as words, as a lab script's `impair` line and the command
    /// line's flags give them:
    /// `drop KIND N`, `delay KIND N TIME`, `duplicate KIND N` (named events);
    /// `loss PCT`, `delay TIME[:JITTER]`, `reorder PCT`, `duplicate PCT`, `rate KBIT`.
    pub fn add(&mut self, words: &[&str]) -> Result<(), String> {
        let event = |action, kind: &str, nth: &str| -> Result<Event, String> {
            let nth: u32 = nth
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("'{nth}' is not a segment number (1, 2, …)"))?;
            Ok(Event {
                action,
                kind: kind.parse()?,
                nth,
            })
        };
        match words {
            ["drop", kind, n] => self.events.push(event(Action::Drop, kind, n)?),
            ["duplicate", kind, n] => self.events.push(event(Action::Duplicate, kind, n)?),
            ["delay", kind, n, t] => {
                let us = micros(t)?;
                self.events.push(event(Action::Delay(us), kind, n)?);
            }
            ["loss", p] => self.loss = percent(p)?,
            ["reorder", p] => self.reorder = percent(p)?,
            ["duplicate", p] => self.duplicate = percent(p)?,
            ["delay", t] => {
                let (d, j) = t.split_once(':').unwrap_or((t, "0"));
                self.delay_us = micros(d)?;
                self.jitter_us = micros(j)?;
                if self.jitter_us > self.delay_us {
                    return Err(format!("jitter {j} is larger than the delay {d}"));
                }
            }
            ["rate", k] => {
                let k: u64 = k
                    .parse()
                    .ok()
                    .filter(|k| *k > 0)
                    .ok_or_else(|| format!("'{k}' is not a rate in kbit/s"))?;
                self.rate_kbit = Some(k);
            }
            _ => {
                return Err(format!(
                    "'{}' is not an impairment (drop KIND N, delay KIND N TIME, duplicate KIND N, loss PCT, delay TIME[:JITTER], reorder PCT, duplicate PCT, rate KBIT)",
                    words.join(" ")
                ));
            }
        }
        Ok(())
    }
}

/// A percentage in [0, 100], with or without `%`.
fn percent(s: &str) -> Result<f64, String> {
    s.trim_end_matches('%')
        .parse()
        .ok()
        .filter(|p: &f64| (0.0..=100.0).contains(p))
        .ok_or_else(|| format!("'{s}' is not a percentage between 0 and 100"))
}

/// A time: `250ms`, `1.5s`, `800us`, or a bare number of milliseconds.
pub fn micros(s: &str) -> Result<u64, String> {
    let (num, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1e3)
    } else if let Some(n) = s.strip_suffix("us") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1e6)
    } else {
        (s, 1e3)
    };
    num.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0 && *v <= 3_600.0 * 1e6 / scale)
        .map(|v| (v * scale).round() as u64)
        .ok_or_else(|| format!("'{s}' is not a time (e.g. 200ms, 1.5s)"))
}

/// Both directions' rules and the seed: what `--to-stack`, `--to-kernel` and a scenario's
/// `impair` lines build.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Impairment {
    pub to_stack: Rules,
    pub to_kernel: Rules,
    pub seed: u64,
}

impl Impairment {
    pub fn is_empty(&self) -> bool {
        self.to_stack.is_empty() && self.to_kernel.is_empty()
    }

    pub fn rules_mut(&mut self, dir: Dir) -> &mut Rules {
        match dir {
            Dir::In => &mut self.to_stack,
            Dir::Out => &mut self.to_kernel,
        }
    }
}

/// What happened to a packet on the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    Delivered,
    /// Lost; the reason names the rule.
    Dropped(String),
    /// Delivered late or twice; the note names the rule.
    Impaired(String),
}

impl Fate {
    pub fn delivered(&self) -> bool {
        !matches!(self, Fate::Dropped(_))
    }
}

/// A packet waiting on the link.
#[derive(Debug)]
pub struct Pending {
    /// When it was put on the link, and when it leaves.
    pub at_us: u64,
    pub due_us: u64,
    /// Arrival order, to keep FIFO among equal due times.
    seq: u64,
    pub dir: Dir,
    pub pkt: Vec<u8>,
    pub fate: Fate,
}

impl PartialEq for Pending {
    fn eq(&self, o: &Self) -> bool {
        (self.due_us, self.seq) == (o.due_us, o.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Pending {
    /// Reversed, so the max-heap pops the earliest due packet first.
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (o.due_us, o.seq).cmp(&(self.due_us, self.seq))
    }
}

#[derive(Debug, Default)]
struct DirState {
    rules: Rules,
    seen: [u32; 6],
    /// When the rate limiter's queue is next free (µs).
    free_at_us: u64,
}

/// The impaired link: both directions' rules, their counters and the packets in flight.
#[derive(Debug)]
pub struct Link {
    dirs: [DirState; 2],
    rng: Rng,
    queue: BinaryHeap<Pending>,
    seq: u64,
}

impl Link {
    pub fn new(imp: &Impairment) -> Link {
        Link {
            dirs: [
                DirState {
                    rules: imp.to_stack.clone(),
                    ..DirState::default()
                },
                DirState {
                    rules: imp.to_kernel.clone(),
                    ..DirState::default()
                },
            ],
            rng: Rng::new(imp.seed),
            queue: BinaryHeap::new(),
            seq: 0,
        }
    }

    fn slot(dir: Dir) -> usize {
        match dir {
            Dir::In => 0,
            Dir::Out => 1,
        }
    }

    /// Adds a rule (in [`Rules::add`]'s words) while the link runs. A named event counts
    /// from now: `drop data 1` is the next data segment.
    pub fn add_rule(&mut self, dir: Dir, words: &[&str]) -> Result<(), String> {
        let mut new = Rules::default();
        new.add(words)?;
        let st = &mut self.dirs[Self::slot(dir)];
        let named = !new.events.is_empty();
        for mut e in new.events.drain(..) {
            e.nth += st.seen[e.kind as usize];
            st.rules.events.push(e);
        }
        if !named {
            // A random setting: the one word changed replaces the old value.
            let r = &mut st.rules;
            match words.first() {
                Some(&"loss") => r.loss = new.loss,
                Some(&"reorder") => r.reorder = new.reorder,
                Some(&"duplicate") => r.duplicate = new.duplicate,
                Some(&"delay") => (r.delay_us, r.jitter_us) = (new.delay_us, new.jitter_us),
                Some(&"rate") => r.rate_kbit = new.rate_kbit,
                _ => {}
            }
        }
        Ok(())
    }

    /// Puts a packet on the link at `now_us`; it leaves by [`Link::pop_due`].
    pub fn push(&mut self, dir: Dir, pkt: Vec<u8>, now_us: u64) {
        let (flags, len) = match packet::parse(&pkt) {
            Ok(Packet::Tcp(t)) => (Some(t.flags), t.len),
            _ => (None, 0),
        };
        let st = &mut self.dirs[Self::slot(dir)];
        // Named events first: they are exact and consume no randomness.
        let mut event = None;
        if let Some(fl) = flags {
            for k in Kind::ALL {
                if k.matches(fl, len) {
                    let i = k as usize;
                    st.seen[i] += 1;
                    if let Some(e) = st
                        .rules
                        .events
                        .iter()
                        .find(|e| e.kind == k && e.nth == st.seen[i])
                    {
                        event = Some(*e);
                    }
                }
            }
        }
        // The scalars only: no per-packet copy of the event list.
        let r = Rules {
            events: Vec::new(),
            ..st.rules
        };
        let mut due = now_us;
        let mut fate = Fate::Delivered;
        let mut copies = 1;
        if let Some(e) = event {
            match e.action {
                Action::Drop => fate = Fate::Dropped(e.to_string()),
                Action::Delay(us) => {
                    due += us;
                    fate = Fate::Impaired(e.to_string());
                }
                Action::Duplicate => {
                    copies = 2;
                    fate = Fate::Impaired(e.to_string());
                }
            }
        }
        if fate.delivered() && self.rng.chance(r.loss) {
            fate = Fate::Dropped(format!("random loss {}%", r.loss));
        }
        if fate.delivered() {
            if r.delay_us > 0 || r.jitter_us > 0 {
                let j = if r.jitter_us > 0 {
                    self.rng.below(2 * r.jitter_us + 1)
                } else {
                    0
                };
                due = (due + r.delay_us + j)
                    .saturating_sub(r.jitter_us)
                    .max(now_us);
            }
            if self.rng.chance(r.reorder) {
                due = if r.delay_us > 0 {
                    now_us
                } else {
                    due + REORDER_HOLD_US
                };
                fate = Fate::Impaired(format!("reordered ({}%)", r.reorder));
            }
            if let Some(kbit) = r.rate_kbit.filter(|k| *k > 0) {
                let st = &mut self.dirs[Self::slot(dir)];
                let tx_us = pkt.len() as u64 * 8 * 1000 / kbit;
                let start = due.max(st.free_at_us);
                st.free_at_us = start + tx_us;
                due = st.free_at_us;
            }
            if self.rng.chance(r.duplicate) {
                copies = 2;
                fate = Fate::Impaired(format!("duplicated ({}%)", r.duplicate));
            }
        }
        if copies == 2 {
            self.enqueue(now_us, due, dir, pkt.clone(), fate.clone());
        }
        self.enqueue(now_us, due, dir, pkt, fate);
    }

    fn enqueue(&mut self, at_us: u64, due_us: u64, dir: Dir, pkt: Vec<u8>, fate: Fate) {
        self.seq += 1;
        self.queue.push(Pending {
            at_us,
            due_us,
            seq: self.seq,
            dir,
            pkt,
            fate,
        });
    }

    /// The earliest packet due by `now_us`, if any.
    pub fn pop_due(&mut self, now_us: u64) -> Option<Pending> {
        if self.queue.peek()?.due_us <= now_us {
            self.queue.pop()
        } else {
            None
        }
    }

    /// When the next packet is due.
    pub fn next_due(&self) -> Option<u64> {
        self.queue.peek().map(|p| p.due_us)
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal IPv4/TCP packet with the given flags and payload length.
    fn seg(fl: u8, payload: usize) -> Vec<u8> {
        let total = 40 + payload;
        let mut p = vec![0u8; total];
        p[0] = 0x45;
        p[2..4].copy_from_slice(&(total as u16).to_be_bytes());
        p[8] = 64;
        p[9] = 6;
        p[12..16].copy_from_slice(&[10, 0, 0, 1]);
        p[16..20].copy_from_slice(&[10, 0, 0, 2]);
        let sum = !crate::checksum::ones_sum(&p[..20]);
        p[10..12].copy_from_slice(&sum.to_be_bytes());
        p[20..22].copy_from_slice(&1000u16.to_be_bytes());
        p[22..24].copy_from_slice(&2000u16.to_be_bytes());
        p[32] = 5 << 4;
        p[33] = fl;
        p[34..36].copy_from_slice(&1000u16.to_be_bytes());
        p
    }

    fn drain(l: &mut Link, now: u64) -> Vec<Pending> {
        std::iter::from_fn(|| l.pop_due(now)).collect()
    }

    fn rules(events: Vec<Event>) -> Impairment {
        Impairment {
            to_stack: Rules {
                events,
                ..Rules::default()
            },
            ..Impairment::default()
        }
    }

    #[test]
    fn rules_parse_from_words() {
        let mut r = Rules::default();
        r.add(&["drop", "syn-ack", "1"]).unwrap();
        r.add(&["delay", "data", "2", "30ms"]).unwrap();
        r.add(&["delay", "50ms:10ms"]).unwrap();
        r.add(&["loss", "10%"]).unwrap();
        r.add(&["rate", "800"]).unwrap();
        assert_eq!(r.events.len(), 2);
        assert_eq!(r.events[1].action, Action::Delay(30_000));
        assert_eq!((r.delay_us, r.jitter_us, r.loss), (50_000, 10_000, 10.0));
        assert_eq!(r.rate_kbit, Some(800));
        for bad in [
            &["drop", "syn", "0"][..],
            &["loss", "101"],
            &["delay", "5ms:10ms"],
            &["rate", "x"],
            &["drop", "urg", "1"],
            &["shuffle"],
        ] {
            assert!(r.add(bad).is_err(), "{bad:?}");
        }
        assert_eq!(micros("1.5s"), Ok(1_500_000));
        assert_eq!(micros("200"), Ok(200_000));
    }

    #[test]
    fn kinds_classify_segments() {
        use flags::*;
        assert!(Kind::Syn.matches(SYN, 0) && !Kind::Syn.matches(SYN | ACK, 0));
        assert!(Kind::SynAck.matches(SYN | ACK, 0));
        assert!(Kind::Data.matches(ACK | PSH, 10) && !Kind::Data.matches(ACK, 0));
        assert!(Kind::Ack.matches(ACK, 0) && !Kind::Ack.matches(ACK | FIN, 0));
        assert!(Kind::Fin.matches(ACK | FIN, 0));
        assert_eq!("syn-ack".parse(), Ok(Kind::SynAck));
        assert!("urg".parse::<Kind>().is_err());
    }

    #[test]
    fn named_drop_hits_exactly_the_nth_of_its_kind() {
        let e = Event {
            action: Action::Drop,
            kind: Kind::Data,
            nth: 2,
        };
        let mut l = Link::new(&rules(vec![e]));
        l.push(Dir::In, seg(flags::ACK, 0), 0); // a pure ACK: not data
        for _ in 0..4 {
            l.push(Dir::In, seg(flags::ACK, 100), 0);
        }
        l.push(Dir::Out, seg(flags::ACK, 100), 0); // the other direction counts apart
        let out = drain(&mut l, 0);
        let fates: Vec<bool> = out.iter().map(|p| p.fate.delivered()).collect();
        assert_eq!(fates, [true, true, false, true, true, true]);
        assert_eq!(out[2].fate, Fate::Dropped("drop data #2".into()));
    }

    #[test]
    fn named_delay_and_duplicate() {
        let mut l = Link::new(&rules(vec![
            Event {
                action: Action::Delay(300_000),
                kind: Kind::Syn,
                nth: 1,
            },
            Event {
                action: Action::Duplicate,
                kind: Kind::Fin,
                nth: 1,
            },
        ]));
        l.push(Dir::In, seg(flags::SYN, 0), 0);
        l.push(Dir::In, seg(flags::ACK | flags::FIN, 0), 10);
        let now = drain(&mut l, 10);
        assert_eq!(now.len(), 2, "the FIN twice, the SYN held");
        assert_eq!(l.next_due(), Some(300_000));
        assert_eq!(drain(&mut l, 299_999).len(), 0);
        assert_eq!(drain(&mut l, 300_000).len(), 1);
    }

    #[test]
    fn random_loss_is_statistically_right_and_repeatable() {
        let run = |seed| {
            let mut imp = Impairment {
                seed,
                ..Impairment::default()
            };
            imp.to_kernel.loss = 10.0;
            let mut l = Link::new(&imp);
            for i in 0..1000 {
                l.push(Dir::Out, seg(flags::ACK, 10), i);
            }
            drain(&mut l, 10_000)
                .iter()
                .enumerate()
                .filter(|(_, p)| !p.fate.delivered())
                .map(|(i, _)| i)
                .collect::<Vec<_>>()
        };
        let a = run(42);
        assert!((70..=130).contains(&a.len()), "{} dropped", a.len());
        assert_eq!(a, run(42), "the same seed drops the same packets");
        assert_ne!(a, run(43));
    }

    #[test]
    fn rate_delays_and_never_drops() {
        let mut imp = Impairment::default();
        imp.to_stack.rate_kbit = Some(80); // 10 bytes per ms
        let mut l = Link::new(&imp);
        for _ in 0..3 {
            l.push(Dir::In, seg(flags::ACK, 60), 0); // 100 bytes: 10 ms each
        }
        let due: Vec<u64> = drain(&mut l, 1_000_000).iter().map(|p| p.due_us).collect();
        assert_eq!(due, [10_000, 20_000, 30_000]);
    }

    #[test]
    fn reorder_lets_the_next_packet_overtake() {
        let mut imp = Impairment {
            seed: 7,
            ..Impairment::default()
        };
        imp.to_stack.reorder = 100.0;
        let mut l = Link::new(&imp);
        l.push(Dir::In, seg(flags::ACK, 1), 0);
        imp.to_stack.reorder = 0.0;
        l.dirs[0].rules = imp.to_stack.clone();
        l.push(Dir::In, seg(flags::ACK, 2), 1);
        let out = drain(&mut l, REORDER_HOLD_US);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].due_us, 1, "the second packet leaves first");
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let mut imp = Impairment {
            seed: 1,
            ..Impairment::default()
        };
        imp.to_stack.delay_us = 50_000;
        imp.to_stack.jitter_us = 10_000;
        let mut l = Link::new(&imp);
        for _ in 0..200 {
            l.push(Dir::In, seg(flags::ACK, 1), 100_000);
        }
        for p in drain(&mut l, 1_000_000) {
            assert!((140_000..=160_000).contains(&p.due_us), "{}", p.due_us);
        }
    }
}
