//! `/proc/net/sockstat` and `sockstat6`: a namespace's own socket counts, read to skip
//! TCP dumps that cannot return anything.
//!
//! A sock_diag TCP dump walks the whole established hash table, which is shared by every
//! namespace and sized for the host (262,144 buckets on a 24 GiB machine): about 0.2 ms
//! even when the namespace has no TCP socket at all. The counters are per namespace:
//! `TCP: inuse` (`sock_prot_inuse_get(net, &tcp_prot)`, hashed IPv4 TCP sockets, listeners
//! included), `TCP6: inuse` (the same for `tcpv6_prot`), and `tw` (the namespace's
//! TIME_WAIT sockets, both families; a global count on old kernels, which only makes it
//! larger). Request sockets (SYN_RECV) hang off a listener, which `inuse` counts. So a
//! family with `inuse` 0 and `tw` 0 has nothing to dump (net/ipv4/proc.c `sockstat_seq_show`,
//! net/ipv6/proc.c `sockstat6_seq_show`).

use rnetstat_model::Family;

/// A namespace's TCP counts; `None` where the file or line was missing or odd.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpCounts {
    pub inuse4: Option<u64>,
    pub inuse6: Option<u64>,
    pub tw: Option<u64>,
}

impl TcpCounts {
    /// From the texts of `sockstat` and `sockstat6`.
    pub fn parse(sockstat: &str, sockstat6: &str) -> TcpCounts {
        let field = |text: &str, line: &str, key: &str| -> Option<u64> {
            let rest = text.lines().find_map(|l| l.strip_prefix(line))?;
            let mut words = rest.split_ascii_whitespace();
            while let Some(w) = words.next() {
                if w == key {
                    return words.next()?.parse().ok();
                }
            }
            None
        };
        TcpCounts {
            inuse4: field(sockstat, "TCP:", "inuse"),
            inuse6: field(sockstat6, "TCP6:", "inuse"),
            tw: field(sockstat, "TCP:", "tw"),
        }
    }

    /// True only when the counters say the family's TCP table is empty.
    pub fn empty(&self, family: Family) -> bool {
        let inuse = match family {
            Family::Inet => self.inuse4,
            Family::Inet6 => self.inuse6,
            _ => None,
        };
        inuse == Some(0) && self.tw == Some(0)
    }

    /// About how many rows the family's TCP dump has (TIME_WAIT counted with either
    /// family: sockstat does not split it); 0 when unknown.
    pub fn rows(&self, family: Family) -> u64 {
        let inuse = match family {
            Family::Inet => self.inuse4,
            Family::Inet6 => self.inuse6,
            _ => None,
        };
        inuse.unwrap_or(0) + self.tw.unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V4: &str =
        "sockets: used 9\nTCP: inuse 1 orphan 12 tw 0 alloc 13 mem 101\nUDP: inuse 0 mem 0\n";
    const V6: &str = "TCP6: inuse 0\nUDP6: inuse 0\nUDPLITE6: inuse 0\n";

    #[test]
    fn empty_only_when_both_counters_say_so() {
        let c = TcpCounts::parse(V4, V6);
        assert_eq!(
            c,
            TcpCounts {
                inuse4: Some(1),
                inuse6: Some(0),
                tw: Some(0)
            }
        );
        assert!(!c.empty(Family::Inet));
        assert!(c.empty(Family::Inet6));
        // TIME_WAIT sockets of either family keep both tables.
        let tw = TcpCounts::parse(&V4.replace("tw 0", "tw 3"), V6);
        assert!(!tw.empty(Family::Inet6));
        // Missing or odd files never skip anything.
        assert!(!TcpCounts::parse("", "").empty(Family::Inet6));
        assert!(!TcpCounts::parse("TCP: inuse x tw 0", "TCP6: inuse").empty(Family::Inet));
        assert!(!TcpCounts::parse(V4, "").empty(Family::Inet6));
    }
}
