//! Addresses of packet and netlink sockets, as ss writes them: a packet socket is
//! `PROTOCOL:INTERFACE` (`ARP:eth0`, `*:*`), a netlink socket `PROTOCOL:PORTID`
//! (`rtnl:1234`, `rtnl:kernel`).

use super::addr::push_u64;
use rnetstat_model::{LinkId, Socket};

/// Netlink protocol numbers (include/uapi/linux/netlink.h) by ss's short names.
fn netlink_proto(p: u8) -> Option<&'static str> {
    Some(match p {
        0 => "rtnl",
        1 => "unused",
        2 => "usersock",
        3 => "fw",
        4 => "tcpdiag",
        5 => "nflog",
        6 => "xfrm",
        7 => "selinux",
        8 => "iscsi",
        9 => "audit",
        10 => "fiblookup",
        11 => "connector",
        12 => "nft",
        13 => "ip6fw",
        14 => "dec-rt",
        15 => "uevent",
        16 => "genl",
        18 => "scsi-trans",
        19 => "ecryptfs",
        20 => "rdma",
        21 => "crypto",
        22 => "smc",
        _ => return None,
    })
}

/// Ethertypes (include/uapi/linux/if_ether.h) a packet socket commonly binds.
fn ethertype(p: u16) -> Option<&'static str> {
    Some(match p {
        0x0003 => "*",
        0x0800 => "ip",
        0x0806 => "arp",
        0x86dd => "ipv6",
        0x88cc => "lldp",
        0x888e => "eapol",
        0x8100 => "802.1q",
        _ => return None,
    })
}

/// Local address of a packet or netlink socket.
pub(crate) fn push_local(l: &mut String, s: &Socket<'_>, numeric: bool) {
    match s.link {
        Some(LinkId::Packet { protocol, ifindex }) => {
            match ethertype(protocol).filter(|_| !numeric) {
                Some(n) => l.push_str(n),
                None if protocol == 0 => l.push('*'),
                None => {
                    l.push_str("0x");
                    l.push_str(&format!("{protocol:04x}"));
                }
            }
            l.push(':');
            match (ifindex, rnetstat_sys::net::if_name(ifindex)) {
                (0, _) => l.push('*'),
                (_, Some(name)) if !numeric => super::sanitize::push_sanitized(l, name.as_bytes()),
                _ => push_u64(l, u64::from(ifindex)),
            }
        }
        Some(LinkId::Netlink {
            protocol, portid, ..
        }) => {
            match netlink_proto(protocol).filter(|_| !numeric) {
                Some(n) => l.push_str(n),
                None => push_u64(l, u64::from(protocol)),
            }
            l.push(':');
            if portid == 0 {
                l.push_str("kernel");
            } else {
                push_u64(l, u64::from(portid));
            }
        }
        None => l.push('*'),
    }
}

/// Peer of a netlink socket (`*` when unconnected), `*` for packet sockets.
pub(crate) fn push_peer(l: &mut String, s: &Socket<'_>) {
    match s.link {
        Some(LinkId::Netlink {
            dst_portid,
            dst_group,
            ..
        }) if dst_portid != 0 || dst_group != 0 => {
            push_u64(l, u64::from(dst_portid));
            if dst_group != 0 {
                l.push('/');
                push_u64(l, u64::from(dst_group));
            }
        }
        _ => l.push('*'),
    }
}
