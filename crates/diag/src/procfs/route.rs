//! `/proc/net/route` (net/ipv4/fib_trie.c `fib_route_seq_show`: the main table, one
//! tab-separated line per route, addresses as the raw `__be32` in hex) and
//! `/proc/net/ipv6_route` (net/ipv6/ip6_fib.c `ipv6_route_native_seq_show`: every table,
//! `dst plen src plen nexthop metric refcnt use flags dev`, all hex). A line that cannot be
//! read is reported with its number and skipped.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rnetstat_model::route::{Route, RouteSource};

fn hex32(s: &str) -> Option<u32> {
    u32::from_str_radix(s, 16).ok()
}

/// Parses `/proc/net/route`.
pub fn parse_v4(text: &str, out: &mut Vec<Route>, bad: &mut Vec<(usize, &'static str)>) {
    each_line(text, 1, v4_line, out, bad);
}

/// Parses the non-blank lines after `header` lines with `line`; 1-based numbers of the
/// lines it refuses go to `bad`.
fn each_line(
    text: &str,
    header: usize,
    line: fn(&str) -> Option<Route>,
    out: &mut Vec<Route>,
    bad: &mut Vec<(usize, &'static str)>,
) {
    for (n, l) in text.lines().enumerate().skip(header) {
        if l.trim().is_empty() {
            continue;
        }
        match line(l) {
            Some(r) => out.push(r),
            None => bad.push((n + 1, "not a route line")),
        }
    }
}

fn v4_line(line: &str) -> Option<Route> {
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.len() < 11 {
        return None;
    }
    // The kernel prints the big-endian word as a native integer: its bytes in memory order
    // are the address.
    let ip = |s: &str| hex32(s).map(|v| Ipv4Addr::from(v.to_ne_bytes()));
    let dec = |s: &str| s.parse::<u32>().ok();
    let dst = ip(f[1])?;
    let gw = ip(f[2])?;
    let mask = u32::from(ip(f[7])?);
    // Non-contiguous masks do not exist in today's kernels; a prefix length covers them.
    if mask.leading_ones() + mask.trailing_zeros() != 32 {
        return None;
    }
    let mtu = dec(f[8])?;
    Some(Route {
        gateway: (!gw.is_unspecified()).then_some(gw.into()),
        iface: (f[0] != "*").then(|| f[0].to_string()),
        flags: hex32(f[3])?,
        metric: dec(f[6])?,
        // The MTU column is advmss + 40 (fib_route_seq_show).
        advmss: mtu.saturating_sub(40),
        window: dec(f[9])?,
        irtt: dec(f[10])?,
        ..Route::new(dst.into(), mask.leading_ones() as u8, RouteSource::Proc)
    })
}

/// Parses `/proc/net/ipv6_route`.
pub fn parse_v6(text: &str, out: &mut Vec<Route>, bad: &mut Vec<(usize, &'static str)>) {
    each_line(text, 0, v6_line, out, bad);
}

fn v6_line(line: &str) -> Option<Route> {
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.len() != 10 {
        return None;
    }
    let ip = |s: &str| {
        (s.len() == 32)
            .then(|| u128::from_str_radix(s, 16).ok())
            .flatten()
            .map(Ipv6Addr::from)
    };
    let plen = u8::from_str_radix(f[1], 16).ok().filter(|p| *p <= 128)?;
    let gw = ip(f[4])?;
    ip(f[2])?;
    Some(Route {
        gateway: (!gw.is_unspecified()).then_some(gw.into()),
        iface: Some(f[9].to_string()),
        flags: hex32(f[8])?,
        metric: hex32(f[5])?,
        refcnt: Some(hex32(f[6])?),
        ..Route::new(IpAddr::V6(ip(f[0])?), plen, RouteSource::Proc)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_lines() {
        let text = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
            va\t0000020A\t0200010A\t0003\t0\t0\t7\t0000FFFF\t1440\t4000\t96\n\
            *\t0000040A\t00000000\t0201\t0\t0\t0\t0000FFFF\t0\t0\t0\n\
            va\tzz\n\
            va\t0000020A\t0200010A\t0003\t0\t0\t7\t00FF00FF\t0\t0\t0\n";
        let (mut out, mut bad) = (Vec::new(), Vec::new());
        parse_v4(text, &mut out, &mut bad);
        assert_eq!(bad, [(4, "not a route line"), (5, "not a route line")]);
        assert_eq!(out.len(), 2);
        let r = &out[0];
        assert_eq!(r.dst.to_string(), "10.2.0.0");
        assert_eq!(r.prefix_len, 16);
        assert_eq!(r.gateway.unwrap().to_string(), "10.1.0.2");
        assert_eq!(
            (r.flags, r.metric, r.advmss, r.window, r.irtt),
            (3, 7, 1400, 4000, 96)
        );
        assert_eq!(out[1].iface, None);
        assert_eq!(out[1].gateway, None);
    }

    #[test]
    fn v6_lines() {
        let text = "fd020000000000000000000000000000 30 00000000000000000000000000000000 00 fd010000000000000000000000000002 00000005 00000002 00000000 00000003       va\n\
            00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n\
            fd02 30\n";
        let (mut out, mut bad) = (Vec::new(), Vec::new());
        parse_v6(text, &mut out, &mut bad);
        assert_eq!(bad, [(3, "not a route line")]);
        assert_eq!(out[0].dst.to_string(), "fd02::");
        assert_eq!(out[0].prefix_len, 48);
        assert_eq!(out[0].gateway.unwrap().to_string(), "fd01::2");
        assert_eq!(
            (out[0].metric, out[0].refcnt, out[0].flags),
            (5, Some(2), 3)
        );
        assert_eq!(out[1].metric, u32::MAX);
        assert_eq!(out[1].iface.as_deref(), Some("lo"));
    }
}
