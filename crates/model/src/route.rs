//! One route as `netstat -r` shows it. The flags are the kernel's `RTF_*` bits as
//! `/proc/net/route` and `/proc/net/ipv6_route` print them (include/uapi/linux/route.h,
//! include/uapi/linux/ipv6_route.h); routes read over rtnetlink get the same bits derived
//! from their type and attributes, so both sources print alike.

use std::net::IpAddr;

pub const RTF_UP: u32 = 0x0001;
pub const RTF_GATEWAY: u32 = 0x0002;
pub const RTF_HOST: u32 = 0x0004;
pub const RTF_REINSTATE: u32 = 0x0008;
pub const RTF_DYNAMIC: u32 = 0x0010;
pub const RTF_MODIFIED: u32 = 0x0020;
pub const RTF_MTU: u32 = 0x0040;
pub const RTF_WINDOW: u32 = 0x0080;
pub const RTF_IRTT: u32 = 0x0100;
pub const RTF_REJECT: u32 = 0x0200;
pub const RTF_DEFAULT: u32 = 0x0001_0000;
pub const RTF_ALLONLINK: u32 = 0x0002_0000;
pub const RTF_ADDRCONF: u32 = 0x0004_0000;
pub(crate) const RTF_PREFIX_RT: u32 = 0x0008_0000;
pub const RTF_ANYCAST: u32 = 0x0010_0000;
pub const RTF_NONEXTHOP: u32 = 0x0020_0000;
pub const RTF_EXPIRES: u32 = 0x0040_0000;
pub(crate) const RTF_ROUTEINFO: u32 = 0x0080_0000;
pub const RTF_CACHE: u32 = 0x0100_0000;
pub const RTF_FLOW: u32 = 0x0200_0000;
pub const RTF_POLICY: u32 = 0x0400_0000;
pub const RTF_LOCAL: u32 = 0x8000_0000;

/// The bits by name, for JSON.
pub(crate) const RTF_NAMES: &[(u32, &str)] = &[
    (RTF_UP, "UP"),
    (RTF_GATEWAY, "GATEWAY"),
    (RTF_HOST, "HOST"),
    (RTF_REINSTATE, "REINSTATE"),
    (RTF_DYNAMIC, "DYNAMIC"),
    (RTF_MODIFIED, "MODIFIED"),
    (RTF_MTU, "MTU"),
    (RTF_WINDOW, "WINDOW"),
    (RTF_IRTT, "IRTT"),
    (RTF_REJECT, "REJECT"),
    (RTF_DEFAULT, "DEFAULT"),
    (RTF_ALLONLINK, "ALLONLINK"),
    (RTF_ADDRCONF, "ADDRCONF"),
    (RTF_PREFIX_RT, "PREFIX_RT"),
    (RTF_ANYCAST, "ANYCAST"),
    (RTF_NONEXTHOP, "NONEXTHOP"),
    (RTF_EXPIRES, "EXPIRES"),
    (RTF_ROUTEINFO, "ROUTEINFO"),
    (RTF_CACHE, "CACHE"),
    (RTF_FLOW, "FLOW"),
    (RTF_POLICY, "POLICY"),
    (RTF_LOCAL, "LOCAL"),
];

/// Where a route was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteSource {
    Netlink,
    Proc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub dst: IpAddr,
    pub prefix_len: u8,
    /// `None`: no gateway (the unspecified address in `/proc`).
    pub gateway: Option<IpAddr>,
    /// Output device; `None` for routes without one (reject routes).
    pub iface: Option<String>,
    pub flags: u32,
    /// The route's priority (IPv6 prints it as signed: `-1` is 0xffffffff).
    pub metric: u32,
    /// `RTAX_ADVMSS` (netstat's MSS column is this plus 40, as `/proc/net/route` prints it).
    pub advmss: u32,
    /// `RTAX_WINDOW`.
    pub window: u32,
    /// Initial RTT in ms (`RTAX_RTT >> 3`).
    pub irtt: u32,
    /// The IPv6 route's reference count (`/proc/net/ipv6_route` only).
    pub refcnt: Option<u32>,
    /// Routing table, protocol and type (`RTN_*`) where rtnetlink said them.
    pub table: Option<u32>,
    pub protocol: Option<u8>,
    pub kind: Option<u8>,
    pub source: RouteSource,
}

impl Route {
    /// A route to `dst/prefix_len` read from `source`, with every other field empty
    /// (no gateway, device, flags, metrics or rtnetlink attributes).
    pub fn new(dst: IpAddr, prefix_len: u8, source: RouteSource) -> Route {
        Route {
            dst,
            prefix_len,
            gateway: None,
            iface: None,
            flags: 0,
            metric: 0,
            advmss: 0,
            window: 0,
            irtt: 0,
            refcnt: None,
            table: None,
            protocol: None,
            kind: None,
            source,
        }
    }

    /// The IPv4 netmask of `prefix_len`.
    pub fn netmask_v4(&self) -> std::net::Ipv4Addr {
        let bits = u32::from(self.prefix_len.min(32));
        let m = if bits == 0 {
            0
        } else {
            u32::MAX << (32 - bits)
        };
        std::net::Ipv4Addr::from(m)
    }

    /// `RTF_*` names of the set bits.
    pub fn flag_names(&self) -> Vec<&'static str> {
        RTF_NAMES
            .iter()
            .filter(|(b, _)| self.flags & b != 0)
            .map(|&(_, n)| n)
            .collect()
    }
}

/// `RTN_*` names (include/uapi/linux/rtnetlink.h).
pub fn type_name(t: u8) -> Option<&'static str> {
    const NAMES: [&str; 12] = [
        "unspec",
        "unicast",
        "local",
        "broadcast",
        "anycast",
        "multicast",
        "blackhole",
        "unreachable",
        "prohibit",
        "throw",
        "nat",
        "xresolve",
    ];
    NAMES.get(usize::from(t)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_and_names() {
        let mut r = Route {
            flags: RTF_UP | RTF_GATEWAY | RTF_LOCAL,
            ..Route::new("10.2.0.0".parse().unwrap(), 16, RouteSource::Proc)
        };
        assert_eq!(r.netmask_v4().to_string(), "255.255.0.0");
        assert_eq!(r.flag_names(), ["UP", "GATEWAY", "LOCAL"]);
        r.prefix_len = 0;
        assert_eq!(r.netmask_v4().to_string(), "0.0.0.0");
        r.prefix_len = 32;
        assert_eq!(r.netmask_v4().to_string(), "255.255.255.255");
        assert_eq!(type_name(7), Some("unreachable"));
        assert_eq!(type_name(200), None);
    }
}
