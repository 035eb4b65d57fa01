//! `-r`: the routing tables as netstat prints them (net-tools 2.10 lib/inet_gr.c
//! `rprint_fib`, lib/inet6_gr.c `rprint_fib6`), as a table, and as JSON.
//!
//! IPv4 has three layouts: `-r` (MSS, Window, irtt), `-re` (Metric, Ref, Use) and `-ree`
//! (both). Its names follow netstat: `default` for 0.0.0.0/0; a host route or a gateway is
//! looked up as a host; a network as an `/etc/networks` name; each cut to 15 characters.
//! IPv6 has one layout, with `[::]` for the unspecified address unless `-n`.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::IpAddr;

use serde::Serialize;

use super::Format;
use super::names::Names;
use super::view;
use rnetstat_model::route::*;

/// `RTF_NOTCACHED`, which only net-tools knows (Linux 2.0.36).
const RTF_NOTCACHED: u32 = 0x0400;

/// netstat's `-e` count turned into its layout: `-r` is 2, `-re` 1, `-ree` 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Mss,
    Metric,
    Both,
}

impl Layout {
    pub fn from_extend(count: u8) -> Layout {
        match count {
            0 => Layout::Mss,
            1 => Layout::Metric,
            _ => Layout::Both,
        }
    }
}

pub struct Render<'a> {
    pub format: Format,
    pub layout: Layout,
    pub v4: bool,
    pub v6: bool,
    pub warnings: &'a [String],
    pub color: bool,
}

pub fn render<W: Write>(
    out: &mut W,
    routes: &[Route],
    names: &mut Names,
    r: &Render,
) -> io::Result<()> {
    match r.format {
        Format::Text => {
            view::warn_stderr(r.warnings);
            let mut s = String::new();
            if r.v4 {
                text_v4(&mut s, routes, names, r.layout);
            }
            if r.v6 {
                text_v6(&mut s, routes, names);
            }
            out.write_all(s.as_bytes())?;
            out.flush()
        }
        Format::Table => {
            view::warn_stderr(r.warnings);
            writeln!(out, "{}", table(routes, names, r.color))?;
            out.flush()
        }
        Format::Json | Format::Jsonl => {
            let recs: Vec<Record> = routes.iter().map(record).collect();
            view::json(out, r.format, "routes", &recs, r.warnings)
        }
    }
}

/// netstat's IPv4 flag letters (`rprint_fib`): a reject route shows `!` in place of the
/// letters before it.
pub(crate) fn flags_v4(f: u32) -> String {
    let mut s = String::new();
    for (bit, c) in [(RTF_UP, 'U'), (RTF_GATEWAY, 'G')] {
        if f & bit != 0 {
            s.push(c);
        }
    }
    if f & RTF_REJECT != 0 {
        s.clear();
        s.push('!');
    }
    for (bit, c) in [
        (RTF_HOST, 'H'),
        (RTF_REINSTATE, 'R'),
        (RTF_DYNAMIC, 'D'),
        (RTF_MODIFIED, 'M'),
        (RTF_DEFAULT, 'd'),
        (RTF_ALLONLINK, 'a'),
        (RTF_ADDRCONF, 'c'),
        (RTF_NONEXTHOP, 'o'),
        (RTF_EXPIRES, 'e'),
        (RTF_CACHE, 'c'),
        (RTF_FLOW, 'f'),
        (RTF_POLICY, 'p'),
        (RTF_LOCAL, 'l'),
        (RTF_MTU, 'u'),
        (RTF_WINDOW, 'w'),
        (RTF_IRTT, 'i'),
        (RTF_NOTCACHED, 'n'),
    ] {
        if f & bit != 0 {
            s.push(c);
        }
    }
    s
}

/// netstat's IPv6 flag letters (`rprint_fib6`).
pub(crate) fn flags_v6(f: u32) -> String {
    [
        (RTF_UP, 'U'),
        (RTF_REJECT, '!'),
        (RTF_GATEWAY, 'G'),
        (RTF_HOST, 'H'),
        (RTF_DEFAULT, 'D'),
        (RTF_ADDRCONF, 'A'),
        (RTF_CACHE, 'C'),
        (RTF_ALLONLINK, 'a'),
        (RTF_EXPIRES, 'e'),
        (RTF_MODIFIED, 'm'),
        (RTF_NONEXTHOP, 'n'),
        (RTF_FLOW, 'f'),
    ]
    .into_iter()
    .filter(|(bit, _)| f & bit != 0)
    .map(|(_, c)| c)
    .collect()
}

/// netstat's letters for a route of either family.
fn netstat_flags(r: &Route) -> String {
    if r.dst.is_ipv4() {
        flags_v4(r.flags)
    } else {
        flags_v6(r.flags)
    }
}

/// netstat cuts names and addresses to 15 bytes (at a character boundary here).
fn cut15(s: &mut String) {
    if s.len() > 15 {
        let mut end = 15;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
}

fn destination_v4(names: &mut Names, r: &Route) -> String {
    let mut s = String::new();
    let (IpAddr::V4(dst), mask) = (r.dst, r.netmask_v4()) else {
        return s;
    };
    let (d, m) = (u32::from(dst), u32::from(mask));
    if names.numeric.hosts {
        super::addr::push_ipv4(&mut s, dst);
    } else if d == 0 {
        s.push_str(if m == 0 { "default" } else { "0.0.0.0" });
    } else if d & !m != 0 || r.flags & RTF_HOST != 0 {
        names.push_host_lookup(&mut s, r.dst);
    } else {
        names.push_network(&mut s, dst);
    }
    cut15(&mut s);
    s
}

fn gateway_v4(names: &mut Names, r: &Route) -> String {
    let mut s = String::new();
    match r.gateway {
        Some(g) => names.push_host_lookup(&mut s, g),
        None => s.push_str("0.0.0.0"),
    }
    cut15(&mut s);
    s
}

fn text_v4(s: &mut String, routes: &[Route], names: &mut Names, layout: Layout) {
    s.push_str("Kernel IP routing table\n");
    s.push_str(match layout {
        Layout::Metric => {
            "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n"
        }
        Layout::Mss => {
            "Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface\n"
        }
        Layout::Both => {
            "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface    MSS   Window irtt\n"
        }
    });
    for r in routes.iter().filter(|r| r.dst.is_ipv4()) {
        if r.flags & RTF_UP == 0 {
            continue;
        }
        let dst = destination_v4(names, r);
        let gw = gateway_v4(names, r);
        let mask = r.netmask_v4().to_string();
        let flags = flags_v4(r.flags);
        let iface = r.iface.as_deref().unwrap_or("*");
        let metric = r.metric as i32;
        let mss = if r.advmss > 0 { r.advmss + 40 } else { 0 };
        let (window, irtt) = (r.window, r.irtt);
        let reject = r.flags & RTF_REJECT != 0;
        let _ = match (layout, reject) {
            (Layout::Metric, true) => writeln!(
                s,
                "{dst:<15} -               {mask:<15} {flags:<5} {metric:<6} -  {:>7} -",
                0
            ),
            (Layout::Metric, false) => writeln!(
                s,
                "{dst:<15} {gw:<15} {mask:<15} {flags:<5} {metric:<6} {:<2} {:>7} {iface}",
                0, 0
            ),
            (Layout::Mss, true) => writeln!(
                s,
                "{dst:<15} -               {mask:<15} {flags:<5}     - -          - -"
            ),
            (Layout::Mss, false) => writeln!(
                s,
                "{dst:<15} {gw:<15} {mask:<15} {flags:<5} {mss:>5} {window:<5} {irtt:>6} {iface}"
            ),
            (Layout::Both, true) => writeln!(
                s,
                "{dst:<15} -               {mask:<15} {flags:<5} {metric:<6} -  {:>7} -        -     -      -",
                0
            ),
            (Layout::Both, false) => {
                let iface6: String = iface.chars().take(6).collect();
                writeln!(
                    s,
                    "{dst:<15} {gw:<15} {mask:<15} {flags:<5} {metric:<6} {:<3} {:>6} {iface6:<6}   {mss:<5} {window:<6} {irtt}",
                    0, 0
                )
            }
        };
    }
}

fn text_v6(s: &mut String, routes: &[Route], names: &mut Names) {
    s.push_str("Kernel IPv6 routing table\n");
    s.push_str("Destination                    Next Hop                   Flag Met Ref  Use If\n");
    let mut dst = String::new();
    let mut gw = String::new();
    for r in routes.iter().filter(|r| r.dst.is_ipv6()) {
        dst.clear();
        names.push_host(&mut dst, r.dst);
        let _ = write!(dst, "/{}", r.prefix_len);
        gw.clear();
        let unspec = IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED);
        names.push_host(&mut gw, r.gateway.unwrap_or(unspec));
        let _ = writeln!(
            s,
            "{dst:<30} {gw:<26} {:<4} {:<3} {:<1} {:>6} {}",
            flags_v6(r.flags),
            r.metric as i32,
            r.refcnt.unwrap_or(0),
            0,
            r.iface.as_deref().unwrap_or("*"),
        );
    }
}

#[derive(Serialize)]
struct Record<'a> {
    family: &'static str,
    destination: IpAddr,
    prefix_len: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    netmask: Option<std::net::Ipv4Addr>,
    gateway: Option<IpAddr>,
    interface: Option<&'a str>,
    flags: Vec<&'static str>,
    netstat_flags: String,
    metric: u32,
    advmss: u32,
    window: u32,
    irtt: u32,
    refcnt: Option<u32>,
    table: Option<u32>,
    protocol: Option<u8>,
    #[serde(rename = "type")]
    kind: Option<&'static str>,
    source: RouteSource,
}

fn record(r: &Route) -> Record<'_> {
    let v4 = r.dst.is_ipv4();
    Record {
        family: if v4 { "inet" } else { "inet6" },
        destination: r.dst,
        prefix_len: r.prefix_len,
        netmask: v4.then(|| r.netmask_v4()),
        gateway: r.gateway,
        interface: r.iface.as_deref(),
        flags: r.flag_names(),
        netstat_flags: netstat_flags(r),
        metric: r.metric,
        advmss: r.advmss,
        window: r.window,
        irtt: r.irtt,
        refcnt: r.refcnt,
        table: r.table,
        protocol: r.protocol,
        kind: r.kind.and_then(type_name),
        source: r.source,
    }
}

fn table(routes: &[Route], names: &mut Names, color: bool) -> comfy_table::Table {
    let mut t = view::table(
        &["Destination", "Gateway", "Iface", "Flags", "Metric", "Type"],
        color,
    );
    for r in routes {
        let mut dst = String::new();
        names.push_host(&mut dst, r.dst);
        let _ = write!(dst, "/{}", r.prefix_len);
        let mut gw = String::new();
        if let Some(g) = r.gateway {
            names.push_host_lookup(&mut gw, g);
        }
        t.add_row([
            dst,
            gw,
            r.iface.clone().unwrap_or_default(),
            netstat_flags(r),
            (r.metric as i32).to_string(),
            r.kind.and_then(type_name).unwrap_or("").to_string(),
        ]);
    }
    view::keep_words_whole(&mut t, &[]);
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::Numeric;

    fn route(dst: &str, plen: u8, gw: Option<&str>, iface: Option<&str>, flags: u32) -> Route {
        Route {
            gateway: gw.map(|g| g.parse().unwrap()),
            iface: iface.map(str::to_string),
            flags,
            ..Route::new(dst.parse().unwrap(), plen, RouteSource::Proc)
        }
    }

    fn numeric() -> Names {
        Names::new(Numeric {
            hosts: true,
            ports: true,
            users: true,
        })
    }

    #[test]
    fn flag_letters() {
        assert_eq!(flags_v4(RTF_UP | RTF_GATEWAY), "UG");
        assert_eq!(flags_v4(RTF_UP | RTF_REJECT | RTF_HOST), "!H");
        assert_eq!(flags_v6(RTF_REJECT | RTF_NONEXTHOP), "!n");
        assert_eq!(flags_v6(RTF_UP | RTF_LOCAL | RTF_NONEXTHOP), "Un");
    }

    #[test]
    fn v4_layouts() {
        let mut gw = route("10.2.0.0", 16, Some("10.1.0.2"), Some("averylongname0"), 3);
        (gw.metric, gw.advmss, gw.window, gw.irtt) = (7, 1400, 4000, 96);
        let rej = route("10.4.0.0", 16, None, None, RTF_UP | RTF_REJECT);
        let routes = [gw, rej];
        let mut s = String::new();
        text_v4(&mut s, &routes, &mut numeric(), Layout::Mss);
        text_v4(&mut s, &routes, &mut numeric(), Layout::Metric);
        text_v4(&mut s, &routes, &mut numeric(), Layout::Both);
        let want = "\
Kernel IP routing table
Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface
10.2.0.0        10.1.0.2        255.255.0.0     UG     1440 4000      96 averylongname0
10.4.0.0        -               255.255.0.0     !         - -          - -
Kernel IP routing table
Destination     Gateway         Genmask         Flags Metric Ref    Use Iface
10.2.0.0        10.1.0.2        255.255.0.0     UG    7      0        0 averylongname0
10.4.0.0        -               255.255.0.0     !     0      -        0 -
Kernel IP routing table
Destination     Gateway         Genmask         Flags Metric Ref    Use Iface    MSS   Window irtt
10.2.0.0        10.1.0.2        255.255.0.0     UG    7      0        0 averyl   1440  4000   96
10.4.0.0        -               255.255.0.0     !     0      -        0 -        -     -      -
";
        assert_eq!(s, want);
    }

    #[test]
    fn v6_rows() {
        let mut null = route("::", 0, None, Some("lo"), RTF_REJECT | RTF_NONEXTHOP);
        (null.metric, null.refcnt) = (u32::MAX, Some(1));
        let routes = [null];
        let mut s = String::new();
        text_v6(&mut s, &routes, &mut numeric());
        assert!(
            s.ends_with(
                "\n::/0                           ::                         !n   -1  1      0 lo\n"
            ),
            "{s}"
        );
    }
}
