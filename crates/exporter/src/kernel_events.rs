//! The kernel's events counted while `serve` runs (the tracer of `rnetstat-trace`, fed by
//! the command): drops by reason, resets by direction and reason, retransmits by kind, per
//! namespace and container. The labels are bounded: reasons and kinds are the kernel's
//! enums, namespaces those selected; past [`MAX_SERIES`] new series are counted as dropped.

use std::collections::BTreeMap;

use crate::metrics::{Family, Kind, Sample, Value};

/// The most series the three families hold together.
pub const MAX_SERIES: usize = 4096;

/// Which family a count belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Counted {
    /// A packet dropped, for a reason.
    Drop,
    /// A reset sent (with the kernel's reason) or received (no reason: empty).
    ResetSent,
    ResetReceived,
    /// A retransmit of a kind (`timeout`, `fast`, `tail-loss-probe`), counted in segments.
    Retransmit,
}

/// The counts: (family, reason or kind, netns label, container label) → count.
#[derive(Debug, Default)]
pub struct KernelEvents {
    counts: BTreeMap<(Counted, String, String, String), u64>,
    /// New series refused by [`MAX_SERIES`].
    pub dropped: u64,
}

impl KernelEvents {
    /// Adds `n` to a series.
    pub fn add(&mut self, what: Counted, reason: &str, netns: &str, container: &str, n: u64) {
        let key = (
            what,
            reason.to_string(),
            netns.to_string(),
            container.to_string(),
        );
        if let Some(v) = self.counts.get_mut(&key) {
            *v += n;
        } else if self.counts.len() < MAX_SERIES {
            self.counts.insert(key, n);
        } else {
            self.dropped += 1;
        }
    }

    /// The three families, each with every series counted so far.
    pub fn families(&self) -> Vec<Family> {
        let samples = |want: &[Counted], first: &'static str| -> Vec<Sample> {
            self.counts
                .iter()
                .filter(|((w, ..), _)| want.contains(w))
                .map(|((w, reason, ns, ct), n)| {
                    let mut labels = Vec::with_capacity(4);
                    if *w == Counted::ResetSent || *w == Counted::ResetReceived {
                        let dir = if *w == Counted::ResetSent {
                            "sent"
                        } else {
                            "received"
                        };
                        labels.push(("direction", dir.to_string()));
                    }
                    labels.push((first, reason.clone()));
                    labels.push(("netns", ns.clone()));
                    labels.push(("container", ct.clone()));
                    Sample {
                        labels,
                        value: Value::Int(*n),
                    }
                })
                .collect()
        };
        vec![
            Family {
                name: "rnetstat_drops",
                kind: Kind::Counter,
                unit: None,
                help: "TCP and UDP packets the kernel dropped, by its drop reason (skb:kfree_skb).",
                samples: samples(&[Counted::Drop], "reason"),
            },
            Family {
                name: "rnetstat_resets",
                kind: Kind::Counter,
                unit: None,
                help: "TCP resets sent (with the kernel's reason) and received (tcp:tcp_send_reset, tcp:tcp_receive_reset).",
                samples: samples(&[Counted::ResetSent, Counted::ResetReceived], "reason"),
            },
            Family {
                name: "rnetstat_retransmits",
                kind: Kind::Counter,
                unit: None,
                help: "TCP segments retransmitted, by kind: timeout, fast, tail-loss-probe (tcp:tcp_retransmit_skb).",
                samples: samples(&[Counted::Retransmit], "kind"),
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_and_their_bound() {
        let mut k = KernelEvents::default();
        k.add(Counted::Drop, "no_socket", "host", "", 1);
        k.add(Counted::Drop, "no_socket", "host", "", 2);
        k.add(Counted::ResetReceived, "", "box", "web", 1);
        let f = k.families();
        assert_eq!(f[0].samples.len(), 1);
        assert_eq!(f[0].samples[0].value, Value::Int(3));
        assert_eq!(
            f[1].samples[0].labels[0],
            ("direction", "received".to_string())
        );
        assert!(f[2].samples.is_empty());
        for i in 0..MAX_SERIES + 10 {
            k.add(Counted::Drop, &format!("r{i}"), "host", "", 1);
        }
        assert!(k.dropped >= 10);
    }
}
