//! The routing tables behind `-r`. IPv4 comes over rtnetlink (the main table, as netstat
//! shows it), with `/proc/net/route` as the fallback. IPv6 comes from
//! `/proc/net/ipv6_route` unless `--source netlink` is given: that file has what netstat
//! prints and rtnetlink does not carry (each route's reference count, and the kernel's
//! null entry `::/0 !n -1 lo`), so only it can give netstat's text exactly.

use std::collections::HashMap;

use crate::SourcePref;
use crate::netlink::{self, DiagSocket, NETLINK_ROUTE};
use crate::procfs::{ProcRoot, route};
use rnetstat_model::error::{Error, NetlinkError};
use rnetstat_model::route::Route;

/// The routes of the selected families, IPv4 first, each in the kernel's order.
pub fn routes(
    root: &ProcRoot,
    v4: bool,
    v6: bool,
    pref: SourcePref,
) -> Result<(Vec<Route>, Vec<String>), Error> {
    let mut list = Vec::new();
    let mut warnings = Vec::new();
    if v4 {
        let dumped = (pref != SourcePref::Proc).then(|| dump(libc::AF_INET as u8));
        match dumped {
            Some(Ok(r)) => list.extend(r),
            Some(Err(e)) if pref == SourcePref::Netlink => return Err(e.into()),
            Some(Err(e)) => {
                warnings.push(format!("rtnetlink: {e}; read /proc/net/route instead"));
                from_proc(root, "net/route", route::parse_v4, &mut list, &mut warnings)?;
            }
            None => from_proc(root, "net/route", route::parse_v4, &mut list, &mut warnings)?,
        }
    }
    if v6 {
        if pref == SourcePref::Netlink {
            list.extend(dump(libc::AF_INET6 as u8)?);
        } else {
            from_proc(
                root,
                "net/ipv6_route",
                route::parse_v6,
                &mut list,
                &mut warnings,
            )?;
        }
    }
    Ok((list, warnings))
}

type Parse = fn(&str, &mut Vec<Route>, &mut Vec<(usize, &'static str)>);

fn from_proc(
    root: &ProcRoot,
    rel: &str,
    parse: Parse,
    list: &mut Vec<Route>,
    warnings: &mut Vec<String>,
) -> Result<(), Error> {
    let mut text = String::new();
    root.read_table(rel, &mut text)?;
    let mut bad = Vec::new();
    parse(&text, list, &mut bad);
    warnings.extend(
        bad.into_iter()
            .map(|(n, why)| format!("/proc/{rel}:{n}: {why}, skipped")),
    );
    Ok(())
}

fn dump(family: u8) -> Result<Vec<Route>, NetlinkError> {
    let mut sock = DiagSocket::open_protocol(NETLINK_ROUTE)?;
    let mut buf = vec![0u8; netlink::RECV_BUF];
    let mut names: HashMap<u32, Option<String>> = HashMap::new();
    let mut if_name = |i: u32| -> Option<String> {
        names
            .entry(i)
            .or_insert_with(|| rnetstat_sys::net::if_name(i))
            .clone()
    };
    let mut list = Vec::new();
    let seq = 1;
    netlink::dump(
        &mut sock,
        &netlink::route::request(family, seq),
        seq,
        &mut buf,
        |kind, payload| {
            if let Some(r) = netlink::route::decode(kind, payload, &mut if_name)? {
                list.push(r);
            }
            Ok(())
        },
    )?;
    Ok(list)
}
