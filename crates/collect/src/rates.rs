//! Per-connection throughput from the kernel's own counters, for `top`: the change of
//! `tcp_info`'s `bytes_acked` (out) and `bytes_received` (in) between two refreshes, over
//! the time between them. A pass over two collections, keyed like `diff`'s.
//!
//! A socket first seen after the first refresh started from zero within the interval, so
//! its counters are its change. A socket whose counters went down is a reused key: it too
//! counts from zero. At the very first refresh nothing is known of before: no rates.
//! These are payload bytes acknowledged and received, not wire bytes; sockets without
//! `tcp_info` (UDP, unix) have none.

use rnetstat_sys::hash::Map;

use super::diff::Key;

/// One connection's counters at one refresh, and what the verdicts read of it (kept in
/// the same map, so a refresh builds one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    pub acked: u64,
    pub received: u64,
    pub retrans: u64,
    pub sample: rnetstat_why::Conn,
}

/// Rates per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub out_bps: f64,
    pub in_bps: f64,
    pub retrans_ps: f64,
}

/// Each socket's rate since `before` (`None` when there was no earlier refresh).
pub fn rates(
    before: Option<&Map<Key, Counters>>,
    now: &[(Key, Counters)],
    seconds: f64,
) -> Vec<Option<Rate>> {
    let Some(before) = before else {
        return vec![None; now.len()];
    };
    let secs = seconds.max(1e-6);
    now.iter()
        .map(|(k, c)| {
            let base = before
                .get(k)
                .filter(|b| {
                    b.acked <= c.acked && b.received <= c.received && b.retrans <= c.retrans
                })
                .map_or((0, 0, 0), |b| (b.acked, b.received, b.retrans));
            Some(Rate {
                out_bps: (c.acked - base.0) as f64 / secs,
                in_bps: (c.received - base.1) as f64 / secs,
                retrans_ps: (c.retrans - base.2) as f64 / secs,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(acked: u64, received: u64) -> Counters {
        Counters {
            acked,
            received,
            retrans: 0,
            sample: rnetstat_why::Conn::default(),
        }
    }

    #[test]
    fn deltas_new_and_reused() {
        let mut before = Map::default();
        before.insert((1, 10, 0), c(1_000, 500));
        before.insert((1, 11, 0), c(9_000, 9_000));
        let now = [
            ((1, 10, 0), c(5_000, 2_500)),
            // New since the last refresh: all of its counters are the change.
            ((1, 12, 0), c(400, 0)),
            // Counters went down: a reused key, from zero.
            ((1, 11, 0), c(100, 50)),
        ];
        let r = rates(Some(&before), &now, 2.0);
        assert_eq!(r[0].unwrap().out_bps, 2_000.0);
        assert_eq!(r[0].unwrap().in_bps, 1_000.0);
        assert_eq!(r[1].unwrap().out_bps, 200.0);
        assert_eq!(r[2].unwrap().out_bps, 50.0);
        assert!(rates(None, &now, 1.0).iter().all(Option::is_none));
    }
}
