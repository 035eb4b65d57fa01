//! Routes over rtnetlink: an `RTM_GETROUTE` dump (include/uapi/linux/rtnetlink.h,
//! `struct rtmsg`), decoded with netlink-packet-route. The `RTF_*` flags netstat prints
//! are not in the message; they are derived as the kernel derives them for `/proc`:
//! IPv4 as net/ipv4/fib_trie.c `fib_flag_trans` (UP; REJECT for unreachable and prohibit;
//! GATEWAY with a gateway; HOST for /32), IPv6 as net/ipv6/route.c sets `fib6_flags`
//! (only REJECT|NONEXTHOP for blackhole, unreachable, prohibit and throw; LOCAL or ANYCAST with
//! NONEXTHOP for local addresses; GATEWAY with a gateway; ADDRCONF|DEFAULT for a default
//! route learnt from router advertisements; EXPIRES when it expires).

use std::net::IpAddr;

use netlink_packet_core::Parseable;
use netlink_packet_route::route::{RouteAddress, RouteAttribute, RouteMessage, RouteMetric};

use rnetstat_model::error::NetlinkError;
use rnetstat_model::route::*;

const RTM_NEWROUTE: u16 = 24;
const RTM_GETROUTE: u16 = 26;
/// `RT_TABLE_MAIN`: the only table `/proc/net/route` shows.
pub(crate) const RT_TABLE_MAIN: u32 = 254;
const RTN_LOCAL: u8 = 2;
const RTN_BROADCAST: u8 = 3;
const RTN_ANYCAST: u8 = 4;
const RTN_MULTICAST: u8 = 5;
const RTN_BLACKHOLE: u8 = 6;
const RTN_UNREACHABLE: u8 = 7;
const RTN_PROHIBIT: u8 = 8;
const RTN_THROW: u8 = 9;
const RTPROT_RA: u8 = 9;

/// A dump request for every route of `family` (`AF_INET` or `AF_INET6`).
pub fn request(family: u8, seq: u32) -> Vec<u8> {
    let mut b = super::message(RTM_GETROUTE, super::DUMP_FLAGS, seq);
    // struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags.
    b.extend_from_slice(&[family, 0, 0, 0, 0, 0, 0, 0]);
    b.extend_from_slice(&0u32.to_ne_bytes());
    super::finish(b)
}

/// Decodes one reply message into a route; `Ok(None)` for messages `netstat -r` does not
/// list (other message types; IPv4 routes outside the main table, broadcast, multicast).
pub fn decode(
    kind: u16,
    payload: &[u8],
    if_name: &mut dyn FnMut(u32) -> Option<String>,
) -> Result<Option<Route>, NetlinkError> {
    if kind != RTM_NEWROUTE {
        return Ok(None);
    }
    let msg = RouteMessage::parse(payload)
        .map_err(|e| NetlinkError::Malformed(format!("route message: {e}")))?;
    let h = &msg.header;
    let v6 = u8::from(h.address_family) == libc::AF_INET6 as u8;
    let rtype = u8::from(h.kind);
    let mut table = u32::from(h.table);
    let (mut dst, mut gateway, mut oif, mut metric) = (None, None, None, 0);
    let (mut advmss, mut window, mut rtt, mut expires) = (0, 0, 0, false);
    for a in &msg.attributes {
        match a {
            RouteAttribute::Destination(d) => dst = addr(d),
            RouteAttribute::Gateway(g) => gateway = addr(g),
            RouteAttribute::Oif(i) => oif = Some(*i),
            RouteAttribute::Priority(p) => metric = *p,
            RouteAttribute::Table(t) => table = *t,
            RouteAttribute::CacheInfo(c) => expires = c.expires != 0,
            RouteAttribute::MultiPath(hops) => {
                // netstat shows one line per route: the first hop's device and gateway.
                if let Some(hop) = hops.first() {
                    oif = oif.or(Some(hop.interface_index));
                    for a in &hop.attributes {
                        if let RouteAttribute::Gateway(g) = a {
                            gateway = gateway.or(addr(g));
                        }
                    }
                }
            }
            RouteAttribute::Metrics(ms) => {
                for m in ms {
                    match m {
                        RouteMetric::Advmss(v) => advmss = *v,
                        RouteMetric::Window(v) => window = *v,
                        RouteMetric::Rtt(v) => rtt = *v >> 3,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    if !v6 && (table != RT_TABLE_MAIN || rtype == RTN_BROADCAST || rtype == RTN_MULTICAST) {
        return Ok(None);
    }
    let unspecified: IpAddr = if v6 {
        std::net::Ipv6Addr::UNSPECIFIED.into()
    } else {
        std::net::Ipv4Addr::UNSPECIFIED.into()
    };
    let plen = h.destination_prefix_length;
    let mut flags = RTF_UP;
    if gateway.is_some() {
        flags |= RTF_GATEWAY;
    }
    if v6 {
        match rtype {
            // ip6_route_info_create replaces the flags of a reject route: no RTF_UP.
            RTN_BLACKHOLE | RTN_UNREACHABLE | RTN_PROHIBIT | RTN_THROW => {
                flags = RTF_REJECT | RTF_NONEXTHOP
            }
            RTN_LOCAL => flags |= RTF_LOCAL | RTF_NONEXTHOP,
            RTN_ANYCAST => flags |= RTF_ANYCAST | RTF_NONEXTHOP,
            _ => {}
        }
        if u8::from(h.protocol) == RTPROT_RA && plen == 0 {
            flags |= RTF_ADDRCONF | RTF_DEFAULT;
        }
        if expires {
            flags |= RTF_EXPIRES;
        }
    } else {
        if matches!(rtype, RTN_UNREACHABLE | RTN_PROHIBIT) {
            flags |= RTF_REJECT;
        }
        if plen == 32 {
            flags |= RTF_HOST;
        }
    }
    Ok(Some(Route {
        gateway,
        iface: oif.and_then(if_name),
        flags,
        metric,
        advmss,
        window,
        irtt: rtt,
        table: Some(table),
        protocol: Some(u8::from(h.protocol)),
        kind: Some(rtype),
        ..Route::new(dst.unwrap_or(unspecified), plen, RouteSource::Netlink)
    }))
}

fn addr(a: &RouteAddress) -> Option<IpAddr> {
    match a {
        RouteAddress::Inet(v4) => Some((*v4).into()),
        RouteAddress::Inet6(v6) => Some((*v6).into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An `rtmsg` with attributes, as the kernel would send it.
    fn msg(family: u8, plen: u8, table: u8, rtype: u8, attrs: &[(u16, &[u8])]) -> Vec<u8> {
        let mut b = vec![family, plen, 0, 0, table, 3, 0, rtype, 0, 0, 0, 0];
        for (k, v) in attrs {
            crate::netlink::push_attr(&mut b, *k, v);
        }
        b
    }

    fn names(i: u32) -> Option<String> {
        (i == 3).then(|| "va".to_string())
    }

    #[test]
    fn ipv4_routes_get_procs_flags() {
        const RTA_DST: u16 = 1;
        const RTA_OIF: u16 = 4;
        const RTA_GATEWAY: u16 = 5;
        const RTA_PRIORITY: u16 = 6;
        let m = msg(
            2,
            16,
            254,
            1,
            &[
                (RTA_DST, &[10, 2, 0, 0]),
                (RTA_GATEWAY, &[10, 1, 0, 2]),
                (RTA_OIF, &3u32.to_ne_bytes()),
                (RTA_PRIORITY, &7u32.to_ne_bytes()),
            ],
        );
        let r = decode(RTM_NEWROUTE, &m, &mut names).unwrap().unwrap();
        assert_eq!(r.dst.to_string(), "10.2.0.0");
        assert_eq!(r.gateway.unwrap().to_string(), "10.1.0.2");
        assert_eq!(r.iface.as_deref(), Some("va"));
        assert_eq!(r.flags, RTF_UP | RTF_GATEWAY);
        assert_eq!(r.metric, 7);

        let host = msg(2, 32, 254, 7, &[(RTA_DST, &[10, 4, 0, 1])]);
        let r = decode(RTM_NEWROUTE, &host, &mut names).unwrap().unwrap();
        assert_eq!(r.flags, RTF_UP | RTF_REJECT | RTF_HOST);
        assert_eq!(r.iface, None);

        // The local table and broadcast routes are not netstat's.
        let local = msg(2, 32, 255, 2, &[(RTA_DST, &[10, 1, 0, 1])]);
        assert_eq!(decode(RTM_NEWROUTE, &local, &mut names).unwrap(), None);
        assert_eq!(decode(3, &m, &mut names).unwrap(), None);
    }

    #[test]
    fn ipv6_reject_and_local() {
        let un = msg(
            10,
            64,
            254,
            7,
            &[(1, &[0xfd, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
        );
        let r = decode(RTM_NEWROUTE, &un, &mut names).unwrap().unwrap();
        assert_eq!(r.flags, RTF_REJECT | RTF_NONEXTHOP);
        assert_eq!(r.dst.to_string(), "fd03::");
        let local = msg(10, 128, 255, 2, &[]);
        let r = decode(RTM_NEWROUTE, &local, &mut names).unwrap().unwrap();
        assert_eq!(r.flags, RTF_UP | RTF_LOCAL | RTF_NONEXTHOP);
        assert_eq!(r.dst.to_string(), "::");
    }

    #[test]
    fn garbage_is_an_error() {
        for bad in [
            &[][..],
            &[2, 0, 0],
            &[2, 24, 0, 0, 254, 0, 0, 1, 0, 0, 0, 0, 9, 0, 1, 0],
        ] {
            assert!(decode(RTM_NEWROUTE, bad, &mut names).is_err(), "{bad:?}");
        }
    }
}
