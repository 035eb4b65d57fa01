//! The counter files behind `netstat -s`, in their two layouts:
//!
//! - `/proc/net/snmp` and `/proc/net/netstat` (net/ipv4/proc.c): per section, a line of
//!   names and a line of values, both starting with `Section:`;
//! - `/proc/net/snmp6` (net/ipv6/proc.c) and `/proc/net/sctp/snmp` (net/sctp/proc.c): one
//!   `Name value` per line. snmp6 names carry their section (`Icmp6InMsgs`); the section
//!   is split off as netstat does, through the first `6`, and a new one starts at the first
//!   name that does not contain it.
//!
//! A line that cannot be read is reported (file and line number) and its section or
//! counter skipped; nothing here panics on odd input.

use rnetstat_model::counters::{Counter, Section, StatsFile};

/// Parses the header/value-pair layout.
pub fn parse_pairs(text: &str, file: StatsFile, out: &mut Vec<Section>, bad: &mut Vec<String>) {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    while let Some((n, head)) = lines.next() {
        let Some((m, vals)) = lines.next() else {
            bad.push(format!("{file}:{}: a line of names without values", n + 1));
            break;
        };
        match pair(head, vals) {
            Ok((name, counters)) => out.push(Section {
                file,
                name: name.to_string(),
                counters,
            }),
            Err(why) => bad.push(format!("{file}:{}-{}: {why}, skipped", n + 1, m + 1)),
        }
    }
}

fn pair<'a>(head: &'a str, vals: &str) -> Result<(&'a str, Vec<Counter>), &'static str> {
    let (name, names) = head.split_once(':').ok_or("no section name")?;
    let (vname, values) = vals.split_once(':').ok_or("no section name")?;
    if name != vname || name.is_empty() {
        return Err("names and values belong to different sections");
    }
    let names: Vec<&str> = names.split_whitespace().collect();
    let values: Vec<&str> = values.split_whitespace().collect();
    if names.len() != values.len() {
        return Err("the counts of names and values differ");
    }
    let counters = names
        .iter()
        .zip(&values)
        .map(|(n, v)| {
            Ok(Counter {
                name: (*n).to_string(),
                value: v.parse().map_err(|_| "a value is not a number")?,
            })
        })
        .collect::<Result<_, &'static str>>()?;
    Ok((name, counters))
}

/// Parses the `Name value` layout. `section` names the whole file (`Sctp`); without it the
/// section comes from each name, as for snmp6.
pub fn parse_named(
    text: &str,
    file: StatsFile,
    section: Option<&str>,
    out: &mut Vec<Section>,
    bad: &mut Vec<String>,
) {
    let first = out.len();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(name), Some(value), None) = (words.next(), words.next(), words.next()) else {
            bad.push(format!(
                "{file}:{}: not a `name value` line, skipped",
                n + 1
            ));
            continue;
        };
        let Ok(value) = value.parse() else {
            bad.push(format!(
                "{file}:{}: the value is not a number, skipped",
                n + 1
            ));
            continue;
        };
        let title = section.unwrap_or_else(|| snmp6_section(name));
        let current = out[first..].last_mut();
        let sec = match current {
            Some(s) if name.contains(s.name.as_str()) || section.is_some() => s,
            _ => {
                out.push(Section {
                    file,
                    name: title.to_string(),
                    counters: Vec::new(),
                });
                out.last_mut().expect("just pushed")
            }
        };
        sec.counters.push(Counter {
            name: name.to_string(),
            value,
        });
    }
}

/// `Icmp6InMsgs` → `Icmp6`: through the first `6`, or the whole name.
fn snmp6_section(name: &str) -> &str {
    name.find('6').map_or(name, |i| &name[..=i])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &Section) -> Vec<(&str, i128)> {
        s.counters
            .iter()
            .map(|c| (c.name.as_str(), c.value))
            .collect()
    }

    #[test]
    fn pairs() {
        let text = "Ip: Forwarding DefaultTTL\nIp: 2 64\nTcp: RtoAlgorithm MaxConn\nTcp: 1 -1\n\n\
                    Udp: InDatagrams\nUdp: 18446744073709551615\n";
        let (mut out, mut bad) = (Vec::new(), Vec::new());
        parse_pairs(text, StatsFile::Snmp, &mut out, &mut bad);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].name, "Ip");
        assert_eq!(names(&out[0]), [("Forwarding", 2), ("DefaultTTL", 64)]);
        assert_eq!(names(&out[1]), [("RtoAlgorithm", 1), ("MaxConn", -1)]);
        assert_eq!(names(&out[2]), [("InDatagrams", u64::MAX as i128)]);
    }

    #[test]
    fn odd_pairs_are_reported_not_fatal() {
        let text = "Ip: A B\nIp: 1\nTcp: A\nUdp: 1\nX: A\nX: z\nNoColon\nY: 1\nTcpExt: A B\nTcpExt: 3 4\nIpExt: A\n";
        let (mut out, mut bad) = (Vec::new(), Vec::new());
        parse_pairs(text, StatsFile::Netstat, &mut out, &mut bad);
        assert_eq!(out.len(), 1);
        assert_eq!(names(&out[0]), [("A", 3), ("B", 4)]);
        assert_eq!(
            bad,
            [
                "/proc/net/netstat:1-2: the counts of names and values differ, skipped",
                "/proc/net/netstat:3-4: names and values belong to different sections, skipped",
                "/proc/net/netstat:5-6: a value is not a number, skipped",
                "/proc/net/netstat:7-8: no section name, skipped",
                "/proc/net/netstat:11: a line of names without values",
            ]
        );
    }

    #[test]
    fn snmp6_sections_split_as_netstat_does() {
        let text = "Ip6InReceives 5\nIp6InOctets 640\nIcmp6InMsgs 2\nIcmp6InType1 5\n\
                    Udp6InDatagrams 0\nUdpLite6InDatagrams 0\nbad line here\nUdpLite6X y\n";
        let (mut out, mut bad) = (Vec::new(), Vec::new());
        parse_named(text, StatsFile::Snmp6, None, &mut out, &mut bad);
        let secs: Vec<(&str, usize)> = out
            .iter()
            .map(|s| (s.name.as_str(), s.counters.len()))
            .collect();
        assert_eq!(
            secs,
            [("Ip6", 2), ("Icmp6", 2), ("Udp6", 1), ("UdpLite6", 1)]
        );
        assert_eq!(bad.len(), 2);
        assert!(bad[0].starts_with("/proc/net/snmp6:7:"), "{bad:?}");
    }

    #[test]
    fn sctp_is_one_section() {
        let text = "SctpCurrEstab                   \t1\nSctpActiveEstabs                \t3\n";
        let (mut out, mut bad) = (Vec::new(), Vec::new());
        parse_named(text, StatsFile::Sctp, Some("Sctp"), &mut out, &mut bad);
        assert_eq!(out.len(), 1);
        assert_eq!(
            names(&out[0]),
            [("SctpCurrEstab", 1), ("SctpActiveEstabs", 3)]
        );
    }
}
