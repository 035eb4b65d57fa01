//! What the tracer's programs count per socket (the `SOCKET_EVENTS` map: retransmitted
//! segments by kind, resets sent and received, drops by reason), read by any rnetstat
//! process, as root, while a tracer (`trace`, `serve`, `record`) runs: the map is found
//! among the kernel's loaded maps by its name, never pinned. Keys and counts are read
//! through length checks; a map of another shape is skipped.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use aya::maps::{Map, MapData, MapInfo, loaded_maps};

/// The map's name in the object (`bpf/events.bpf.c`).
const NAME: &str = "SOCKET_EVENTS";
const KEY_LEN: usize = 44;
const VALUE_LEN: usize = 60;

/// A socket as the programs key it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SocketKey {
    pub netns: u32,
    pub local: (IpAddr, u16),
    pub remote: (IpAddr, u16),
}

/// What happened to one socket since the tracer started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SocketCounts {
    /// Segments retransmitted: on a timeout, fast, as a tail-loss probe.
    pub retransmits: [u64; 3],
    pub resets_sent: u64,
    pub resets_received: u64,
    /// The last reset sent's reason (the kernel's number).
    pub reset_reason: u32,
    /// Drops by reason (the kernel's number), the first four reasons seen.
    pub drops: Vec<(u32, u64)>,
    /// Drops for any further reason.
    pub drops_other: u64,
}

impl SocketCounts {
    /// Several tracers count the same events: the one that ran longest saw the most.
    fn merge(&mut self, o: &SocketCounts) {
        for k in 0..3 {
            self.retransmits[k] = self.retransmits[k].max(o.retransmits[k]);
        }
        if o.resets_sent > self.resets_sent {
            self.reset_reason = o.reset_reason;
        }
        self.resets_sent = self.resets_sent.max(o.resets_sent);
        self.resets_received = self.resets_received.max(o.resets_received);
        for &(r, n) in &o.drops {
            match self.drops.iter_mut().find(|d| d.0 == r) {
                Some(d) => d.1 = d.1.max(n),
                None => self.drops.push((r, n)),
            }
        }
        self.drops_other = self.drops_other.max(o.drops_other);
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes(b[at..at + 2].try_into().expect("2 bytes"))
}

/// A key (`struct sk_key`), or `None` for a family this does not read.
pub fn key(b: &[u8]) -> Option<SocketKey> {
    if b.len() != KEY_LEN {
        return None;
    }
    let addr = |at: usize| -> Option<IpAddr> {
        let a: [u8; 16] = b[at..at + 16].try_into().ok()?;
        match b[8] {
            2 => Some(IpAddr::V4(Ipv4Addr::new(a[0], a[1], a[2], a[3]))),
            10 => Some(IpAddr::V6(Ipv6Addr::from(a))),
            _ => None,
        }
    };
    Some(SocketKey {
        netns: u32_at(b, 0),
        local: (addr(12)?, u16_at(b, 4)),
        remote: (addr(28)?, u16_at(b, 6)),
    })
}

/// Counts (`struct sk_counts`).
pub fn counts(b: &[u8]) -> Option<SocketCounts> {
    if b.len() != VALUE_LEN {
        return None;
    }
    let w = |i: usize| u64::from(u32_at(b, i * 4));
    let drops = (0..4)
        .filter(|&i| w(10 + i) > 0)
        .map(|i| (w(6 + i) as u32, w(10 + i)))
        .collect();
    Some(SocketCounts {
        retransmits: [w(0), w(1), w(2)],
        resets_sent: w(3),
        resets_received: w(4),
        reset_reason: w(5) as u32,
        drops,
        drops_other: w(14),
    })
}

/// Every running tracer's counts, merged; empty when none runs. An error when the
/// kernel's maps cannot be listed (no privilege).
pub fn read_all() -> Result<HashMap<SocketKey, SocketCounts>, String> {
    let mut out: HashMap<SocketKey, SocketCounts> = HashMap::new();
    for info in loaded_maps() {
        let info: MapInfo = info.map_err(|e| e.to_string())?;
        if info.name_as_str() != Some(NAME)
            || info.key_size() as usize != KEY_LEN
            || info.value_size() as usize != VALUE_LEN
        {
            continue;
        }
        let Ok(data) = MapData::from_id(info.id()) else {
            continue;
        };
        let Ok(map) = aya::maps::HashMap::<_, [u8; KEY_LEN], [u8; VALUE_LEN]>::try_from(
            Map::LruHashMap(data),
        ) else {
            continue;
        };
        for (k, v) in map.iter().flatten() {
            if let (Some(k), Some(v)) = (key(&k), counts(&v)) {
                out.entry(k).or_default().merge(&v);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_counts_are_checked_and_read() {
        assert!(key(&[0u8; 43]).is_none());
        let mut k = [0u8; KEY_LEN];
        k[0..4].copy_from_slice(&7u32.to_ne_bytes());
        k[4..6].copy_from_slice(&80u16.to_ne_bytes());
        k[6..8].copy_from_slice(&5000u16.to_ne_bytes());
        assert!(key(&k).is_none(), "family 0");
        k[8] = 2;
        k[12..16].copy_from_slice(&[127, 0, 0, 1]);
        k[28..32].copy_from_slice(&[10, 0, 0, 2]);
        let got = key(&k).unwrap();
        assert_eq!(got.local, (IpAddr::V4(Ipv4Addr::LOCALHOST), 80));
        assert_eq!(got.remote, (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), 5000));
        assert!(counts(&[0u8; 59]).is_none());
        let mut v = [0u8; VALUE_LEN];
        v[4..8].copy_from_slice(&2u32.to_ne_bytes());
        v[24..28].copy_from_slice(&3u32.to_ne_bytes());
        v[40..44].copy_from_slice(&9u32.to_ne_bytes());
        let c = counts(&v).unwrap();
        assert_eq!(c.retransmits, [0, 2, 0]);
        assert_eq!(c.drops, [(3, 9)]);
        let mut m = c.clone();
        m.merge(&SocketCounts {
            retransmits: [1, 1, 0],
            drops: vec![(3, 4), (5, 1)],
            ..Default::default()
        });
        assert_eq!(m.retransmits, [1, 2, 0]);
        assert_eq!(m.drops, [(3, 9), (5, 1)]);
    }
}
