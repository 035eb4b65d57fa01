//! Multicast memberships from `/proc/net/igmp` (net/ipv4/igmp.c `igmp_mc_seq_show`) and
//! `/proc/net/igmp6` (net/ipv6/mcast.c `igmp6_mc_seq_show`), read as netstat reads them
//! (net-tools netstat.c `igmp_do_one`).
//!
//! `igmp` has a header, then per device a line `Idx\tName: Count Querier` followed by one
//! tab-indented line per group: the address as the `%08X` of its network-order word, and
//! the number of users. `igmp6` has no header: `Idx Name Address(32 hex) Users Flags Timer`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rnetstat_model::iface::Membership;

/// Parses `/proc/net/igmp`. Bad lines are reported by line number and skipped.
pub fn parse_v4(text: &str, out: &mut Vec<Membership>, bad: &mut Vec<(usize, &'static str)>) {
    let mut device: Option<&str> = None;
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with('\t') {
            // "1\tlo        :     1      V3"
            device = line
                .split_once('\t')
                .and_then(|(_, rest)| rest.split_once(':'))
                .map(|(name, _)| name.trim())
                .filter(|n| !n.is_empty());
            if device.is_none() {
                bad.push((i + 1, "no device name"));
            }
            continue;
        }
        let mut f = line.split_ascii_whitespace();
        let parsed = f
            .next()
            .filter(|h| h.len() == 8)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .zip(f.next().and_then(|u| u.parse::<u32>().ok()));
        match (device, parsed) {
            (Some(dev), Some((word, users))) => out.push(Membership {
                interface: dev.to_string(),
                refcnt: users,
                // The kernel prints the network-order word as a native integer.
                group: IpAddr::V4(Ipv4Addr::from(word.to_ne_bytes())),
            }),
            (None, _) => bad.push((i + 1, "a group before any device")),
            (_, None) => bad.push((i + 1, "not a group address and count")),
        }
    }
}

/// Parses `/proc/net/igmp6`.
pub fn parse_v6(text: &str, out: &mut Vec<Membership>, bad: &mut Vec<(usize, &'static str)>) {
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        let addr = f
            .get(2)
            .filter(|h| h.len() == 32)
            .and_then(|h| u128::from_str_radix(h, 16).ok());
        let users = f.get(3).and_then(|u| u.parse::<u32>().ok());
        match (f.get(1), addr, users) {
            (Some(dev), Some(a), Some(users)) => out.push(Membership {
                interface: dev.to_string(),
                refcnt: users,
                group: IpAddr::V6(Ipv6Addr::from(a)),
            }),
            _ => bad.push((i + 1, "not `index device address users`")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_lines() {
        let v4 = "Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n\
                  1\tlo        :     1      V3\n\
                  \t\t\t\t010000E0     1 0:00000000\t\t0\n\
                  4\tverylongname0: 2      V3\n\
                  \t\t\t\tFB0000E0     2 0:00000000\t\t0\n\
                  \t\t\t\tzz\n";
        let v6 = "1    lo              ff020000000000000000000000000001     1 0000000C 0\n\
                  3    va              ff0200000000000000000001ffdd237f     2 00000004 0\n\
                  junk\n";
        let (mut out, mut bad) = (Vec::new(), Vec::new());
        parse_v4(v4, &mut out, &mut bad);
        parse_v6(v6, &mut out, &mut bad);
        let got: Vec<(String, u32, String)> = out
            .iter()
            .map(|m| (m.interface.clone(), m.refcnt, m.group.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("lo".into(), 1, "224.0.0.1".into()),
                ("verylongname0".into(), 2, "224.0.0.251".into()),
                ("lo".into(), 1, "ff02::1".into()),
                ("va".into(), 2, "ff02::1:ffdd:237f".into()),
            ]
        );
        assert_eq!(
            bad,
            [
                (6, "not a group address and count"),
                (3, "not `index device address users`")
            ]
        );
    }
}
