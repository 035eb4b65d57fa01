//! The interface views: `-g`'s multicast memberships, and the interface list behind `-i`:
//! counters from `/proc/net/dev`, flags and MTU from the
//! interface ioctls, in netstat's order. netstat keeps its list sorted with `nstrcmp`
//! (net-tools lib/nstrcmp.c): names compare by their text, then by a trailing number as a
//! number (`eth2` before `eth10`), then by a `:N` alias suffix.

use std::cmp::Ordering;

use crate::procfs::if_inet6::parse_if_inet6;
use crate::procfs::{ProcRoot, dev, igmp};
use rnetstat_model::error::Error;
use rnetstat_model::iface::{Details, Inet, Inet6, Interface, Membership};
use rnetstat_sys::net::{LinkQuery, V4Query};

/// Every interface `/proc/net/dev` lists, in netstat's order, and warnings for lines that
/// could not be read. With `long`, each also gets what `-ie` prints: addresses (IPv4 from
/// the interface ioctls, IPv6 from `/proc/net/if_inet6`), hardware address and type,
/// transmit queue length, device map.
pub fn interfaces(root: &ProcRoot, long: bool) -> Result<(Vec<Interface>, Vec<String>), Error> {
    let path = root.path("net/dev");
    let text = std::fs::read_to_string(&path).map_err(|source| Error::Proc { path, source })?;
    let query = LinkQuery::new().ok();
    let mut list = Vec::new();
    let mut warnings = Vec::new();
    let inet6 = if long {
        let mut t = String::new();
        root.read_table("net/if_inet6", &mut t)?;
        parse_if_inet6(&t, &mut warnings)
    } else {
        Vec::new()
    };
    // Two header lines, then one line per interface.
    for (i, line) in text.lines().enumerate().skip(2) {
        match dev::parse_line(line) {
            Ok((name, stats)) => {
                let flags = query.as_ref().and_then(|q| q.flags(name).ok());
                let mtu = query.as_ref().and_then(|q| q.mtu(name).ok()).unwrap_or(0);
                list.push(Interface {
                    name: name.to_string(),
                    mtu,
                    flags,
                    stats,
                    details: long.then(|| details(query.as_ref(), name, &inet6)),
                });
            }
            Err(why) => warnings.push(format!("/proc/net/dev:{}: {why}, skipped", i + 1)),
        }
    }
    list.sort_by(|a, b| netstat_order(&a.name, &b.name));
    Ok((list, warnings))
}

fn details(q: Option<&LinkQuery>, name: &str, inet6: &[(String, Inet6)]) -> Details {
    let Some(q) = q else {
        return Details::default();
    };
    let hw = q.hwaddr(name).ok();
    let v4 = |w| q.ipv4(name, w).unwrap_or(std::net::Ipv4Addr::UNSPECIFIED);
    Details {
        hw_type: hw.map(|h| h.0),
        hw_addr: hw.map(|h| h.1).unwrap_or_default(),
        txqueuelen: q.txqueuelen(name).ok(),
        inet: q.ipv4(name, V4Query::Addr).ok().map(|address| Inet {
            address,
            netmask: v4(V4Query::Netmask),
            broadcast: v4(V4Query::Broadcast),
            destination: v4(V4Query::Destination),
        }),
        inet6: inet6
            .iter()
            .filter(|(n, _)| n == name)
            .map(|&(_, a)| a)
            .collect(),
        map: q.map(name).unwrap_or_default(),
    }
}

/// Multicast memberships, IPv4 first, each file in the kernel's order (as netstat prints
/// them). A missing file (no IPv6, say) contributes nothing.
pub fn groups(
    root: &ProcRoot,
    v4: bool,
    v6: bool,
) -> Result<(Vec<Membership>, Vec<String>), Error> {
    let mut list = Vec::new();
    let mut warnings = Vec::new();
    let mut text = String::new();
    type Parse = fn(&str, &mut Vec<Membership>, &mut Vec<(usize, &'static str)>);
    let files: [(bool, &str, Parse); 2] = [
        (v4, "net/igmp", igmp::parse_v4),
        (v6, "net/igmp6", igmp::parse_v6),
    ];
    for (wanted, rel, parse) in files {
        if !wanted {
            continue;
        }
        root.read_table(rel, &mut text)?;
        let mut bad = Vec::new();
        parse(&text, &mut list, &mut bad);
        warnings.extend(
            bad.into_iter()
                .map(|(n, why)| format!("/proc/{rel}:{n}: {why}, skipped")),
        );
    }
    Ok((list, warnings))
}

/// net-tools' `nstrcmp`.
pub fn netstat_order(a: &str, b: &str) -> Ordering {
    let (a, a_alias) = cut_alias(a);
    let (b, b_alias) = cut_alias(b);
    let ai = a.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let bi = b.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let common = ai.min(bi);
    a.as_bytes()[..common]
        .cmp(&b.as_bytes()[..common])
        .then(ai.cmp(&bi))
        .then_with(|| number(&a[ai..]).cmp(&number(&b[bi..])))
        .then_with(|| a.cmp(b))
        .then_with(|| {
            let an = a_alias.map_or(-1, number);
            let bn = b_alias.map_or(-1, number);
            an.cmp(&bn)
        })
        .then_with(|| match (a_alias, b_alias) {
            (Some(x), Some(y)) => x.cmp(y),
            _ => Ordering::Equal,
        })
}

/// `eth0:12` → (`eth0`, Some(`12`)); a name without a numeric `:N` suffix is returned whole.
fn cut_alias(name: &str) -> (&str, Option<&str>) {
    match name.rsplit_once(':') {
        Some((base, n)) if !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()) => {
            (base, Some(n))
        }
        _ => (name, None),
    }
}

/// C's `atoi` on a run of digits (0 when empty; saturating instead of overflowing).
fn number(digits: &str) -> i64 {
    digits.bytes().fold(0i64, |n, c| {
        n.saturating_mul(10).saturating_add(i64::from(c - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netstat_orders_names_like_nstrcmp() {
        let mut v = vec![
            "eth10", "eth2", "lo", "eth0:1", "eth0", "br-x", "eth0:10", "eth0:2", "veth1", "a",
        ];
        v.sort_by(|a, b| netstat_order(a, b));
        assert_eq!(
            v,
            [
                "a", "br-x", "eth0", "eth0:1", "eth0:2", "eth0:10", "eth2", "eth10", "lo", "veth1"
            ]
        );
        assert_eq!(netstat_order("va", "vb"), Ordering::Less);
        assert_eq!(netstat_order("x", "x"), Ordering::Equal);
    }

    #[test]
    fn fixture_with_a_bogus_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("net")).unwrap();
        std::fs::write(
            dir.path().join("net/dev"),
            "Inter-| header\n face |bytes\n  zz9: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n  bad line\n  zz10: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
        )
        .unwrap();
        let (list, warnings) = interfaces(&ProcRoot(dir.path().into()), false).unwrap();
        let names: Vec<_> = list.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["zz9", "zz10"]);
        assert_eq!(list[0].stats.tx_packets, 10);
        assert_eq!(list[0].flags, None, "no such interface here");
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("/proc/net/dev:4:"));
    }
}
