//! Sockets counted by protocol, family and state (what `--summary` prints), kept apart
//! from their printing so that two counts can be added: a fork of the summary counts the
//! IPv6 TCP table on the thread that dumps it, and its counts join the summary's when the
//! IPv4 rows are done.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{Netns, Proto, Socket, State};

/// Slots of [`ProtoCounts::by_state`]: the kernel's state numbers, and UNCONN.
const SLOTS: usize = 14;
const UNCONN: usize = 13;

#[derive(Debug, Default, Serialize)]
pub struct ProtoCounts {
    pub total: u64,
    pub ipv4: u64,
    pub ipv6: u64,
    /// Sockets per state slot, counted without comparing names; shown by name.
    #[serde(rename = "states", serialize_with = "by_name")]
    by_state: [u64; SLOTS],
}

impl ProtoCounts {
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
pub struct SocketCounts {
    pub protos: Vec<(&'static str, ProtoCounts)>,
    /// (namespace, protocol name → sockets), in the order namespaces first appear; `None`
    /// when not asked for.
    pub per_netns: Option<Vec<(Netns, BTreeMap<&'static str, u64>)>>,
}

impl SocketCounts {
    pub fn add(&mut self, s: &Socket<'_>) {
        let name = s.proto.name();
        let c = self.counts(name);
        c.total += 1;
        match s.family {
            crate::Family::Inet => c.ipv4 += 1,
            crate::Family::Inet6 => c.ipv6 += 1,
            _ => {}
        }
        c.by_state[slot(s)] += 1;
        if let (Some(per), Some(ns)) = (&mut self.per_netns, s.netns) {
            *namespace(per, ns).entry(name).or_default() += 1;
        }
    }

    fn counts(&mut self, name: &'static str) -> &mut ProtoCounts {
        let i = match self.protos.iter().position(|(n, _)| *n == name) {
            Some(i) => i,
            None => {
                self.protos.push((name, ProtoCounts::default()));
                self.protos.len() - 1
            }
        };
        &mut self.protos[i].1
    }

    /// Adds `other`'s counts, taken after this one's.
    pub fn merge(&mut self, other: SocketCounts) {
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
