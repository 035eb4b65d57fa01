//! `--summary`'s counts, kept apart from their printing so that two can be added: a fork
//! of the summary ([`TallyFork`]) counts the IPv6 TCP table on the thread that dumps it
//! (`source::ipv6_rows`), and its counts join the summary's when the IPv4 rows are done,
//! instead of the IPv6 datagrams being spilled and decoded after them.

use std::collections::BTreeMap;
use std::fs::File;
use std::io;

use serde::Serialize;

use rnetstat_collect::ipv6_rows::ForkedRows;
use rnetstat_collect::{ForkSink, Group, Sink};
use rnetstat_model::{Netns, Proto, Socket, State};

/// Slots of [`Counts::by_state`]: the kernel's state numbers, and UNCONN.
const SLOTS: usize = 14;
const UNCONN: usize = 13;

#[derive(Debug, Default, Serialize)]
pub struct Counts {
    pub total: u64,
    pub ipv4: u64,
    pub ipv6: u64,
    /// Sockets per state slot, counted without comparing names; shown by name.
    #[serde(rename = "states", serialize_with = "by_name")]
    by_state: [u64; SLOTS],
}

impl Counts {
    /// State name → sockets in it, for the states that have any.
    pub fn states(&self) -> BTreeMap<&'static str, u64> {
        named(&self.by_state)
    }
}

fn named(by_state: &[u64; SLOTS]) -> BTreeMap<&'static str, u64> {
    by_state
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(i, n)| (slot_name(i), *n))
        .collect()
}

fn by_name<S: serde::Serializer>(by_state: &[u64; SLOTS], ser: S) -> Result<S::Ok, S::Error> {
    ser.collect_map(named(by_state))
}

/// The slot of a socket's state, as the summary names it: SYN_RECV for a request
/// socket, UNCONN for a datagram socket in CLOSE.
fn slot(s: &Socket<'_>) -> usize {
    match (s.proto, s.state) {
        (_, State::NewSynRecv) => State::SynRecv as usize,
        (Proto::Udp | Proto::Raw | Proto::Packet | Proto::Netlink, State::Close) => UNCONN,
        (_, st) => st as usize,
    }
}

fn slot_name(i: usize) -> &'static str {
    if i == UNCONN {
        return "UNCONN";
    }
    State::ALL
        .iter()
        .find(|s| **s as usize == i)
        .map_or("UNKNOWN", |s| s.name())
}

/// Counts per protocol, in the order protocols first appear, and per namespace.
#[derive(Debug, Default)]
pub struct Tally {
    pub protos: Vec<(&'static str, Counts)>,
    /// (namespace, protocol name → sockets), in the order namespaces first appear; `None`
    /// when not asked for.
    pub per_netns: Option<Vec<(Netns, BTreeMap<&'static str, u64>)>>,
}

impl Tally {
    pub fn add(&mut self, s: &Socket<'_>) {
        let name = s.proto.name();
        let c = self.counts(name);
        c.total += 1;
        match s.family {
            rnetstat_model::Family::Inet => c.ipv4 += 1,
            rnetstat_model::Family::Inet6 => c.ipv6 += 1,
            _ => {}
        }
        c.by_state[slot(s)] += 1;
        if let (Some(per), Some(ns)) = (&mut self.per_netns, s.netns) {
            *namespace(per, ns).entry(name).or_default() += 1;
        }
    }

    fn counts(&mut self, name: &'static str) -> &mut Counts {
        let i = match self.protos.iter().position(|(n, _)| *n == name) {
            Some(i) => i,
            None => {
                self.protos.push((name, Counts::default()));
                self.protos.len() - 1
            }
        };
        &mut self.protos[i].1
    }

    /// Adds `other`'s counts, taken after this one's.
    pub fn merge(&mut self, other: Tally) {
        for (name, o) in other.protos {
            let c = self.counts(name);
            c.total += o.total;
            c.ipv4 += o.ipv4;
            c.ipv6 += o.ipv6;
            for (a, b) in c.by_state.iter_mut().zip(o.by_state) {
                *a += b;
            }
        }
        if let (Some(per), Some(theirs)) = (&mut self.per_netns, other.per_netns) {
            for (ns, counts) in theirs {
                let mine = namespace(per, &ns);
                for (name, n) in counts {
                    *mine.entry(name).or_default() += n;
                }
            }
        }
    }

    pub fn total(&self) -> u64 {
        self.protos.iter().map(|(_, c)| c.total).sum()
    }
}

/// `ns`'s counts in `per`, added at the end when it is new. Rows come namespace by
/// namespace, so the last one is nearly always the one.
fn namespace<'p>(
    per: &'p mut Vec<(Netns, BTreeMap<&'static str, u64>)>,
    ns: &Netns,
) -> &'p mut BTreeMap<&'static str, u64> {
    let last = per
        .len()
        .checked_sub(1)
        .filter(|&l| per[l].0.inode == ns.inode);
    let i = match last.or_else(|| per.iter().position(|(n, _)| n.inode == ns.inode)) {
        Some(i) => i,
        None => {
            per.push((ns.clone(), BTreeMap::new()));
            per.len() - 1
        }
    };
    &mut per[i].1
}

/// A summary's fork: counts, and the warnings it was given, handed back in
/// [`ForkedRows::tally`]. It writes nothing to its file.
pub struct TallyFork {
    pub tally: Tally,
    pub warnings: Vec<String>,
    pub rows: usize,
    pub file: File,
}

impl Sink for TallyFork {
    fn group(&mut self, _: Group) -> io::Result<()> {
        Ok(())
    }

    fn socket(&mut self, s: &Socket<'_>) -> io::Result<()> {
        self.rows += 1;
        self.tally.add(s);
        Ok(())
    }

    fn warning(&mut self, msg: &str) {
        self.warnings.push(msg.to_string());
    }

    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn counts_only(&self) -> bool {
        true
    }
}

impl ForkSink for TallyFork {
    fn done(self: Box<Self>) -> io::Result<ForkedRows> {
        let TallyFork {
            tally,
            warnings,
            rows,
            file,
        } = *self;
        Ok(ForkedRows {
            text: file,
            rows,
            tally: Some(Box::new((tally, warnings))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnetstat_model::Family;

    /// Two tallies added are the tally of all their sockets, states named alike.
    #[test]
    fn merged_tallies_count_as_one() {
        let mut socks = Vec::new();
        for (p, f, st) in [
            (Proto::Tcp, Family::Inet, State::Established),
            (Proto::Tcp, Family::Inet6, State::NewSynRecv),
            (Proto::Tcp, Family::Inet6, State::SynRecv),
            (Proto::Udp, Family::Inet, State::Close),
            (Proto::Tcp, Family::Inet, State::Listen),
            (Proto::Unix, Family::Unix, State::Close),
        ] {
            let mut s = Socket::inet(p, f);
            s.family = f;
            s.state = st;
            socks.push(s);
        }
        let mut whole = Tally::default();
        socks.iter().for_each(|s| whole.add(s));
        let (mut first, mut second) = (Tally::default(), Tally::default());
        socks[..2].iter().for_each(|s| first.add(s));
        socks[2..].iter().for_each(|s| second.add(s));
        first.merge(second);
        let view = |t: &Tally| {
            t.protos
                .iter()
                .map(|(n, c)| (*n, c.total, c.ipv4, c.ipv6, c.states()))
                .collect::<Vec<_>>()
        };
        assert_eq!(view(&first), view(&whole));
        let tcp = &whole.protos[0].1;
        assert_eq!(tcp.states().get("SYN_RECV"), Some(&2));
        assert_eq!(whole.protos[1].1.states().get("UNCONN"), Some(&1));
        assert_eq!(whole.protos[2].1.states().get("CLOSE"), Some(&1));
        assert_eq!(whole.total(), 6);
    }
}
