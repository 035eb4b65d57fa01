//! Which address each side of the stack's link takes: the kernel's side gets the subnet's
//! first host address, or its second when the stack has taken the first.

use std::net::{Ipv4Addr, Ipv6Addr};

/// The kernel's side of the link: the subnet's first host address, or its second when
/// the stack has taken the first.
pub fn peer_v4(a: Ipv4Addr, prefix: u8) -> Ipv4Addr {
    let mask = u32::MAX << (32 - u32::from(prefix));
    let first = (u32::from(a) & mask) + 1;
    Ipv4Addr::from(if first == u32::from(a) {
        first + 1
    } else {
        first
    })
}

pub fn peer_v6(a: Ipv6Addr, prefix: u8) -> Ipv6Addr {
    let mask = u128::MAX << (128 - u32::from(prefix));
    let first = (u128::from(a) & mask) + 1;
    Ipv6Addr::from(if first == u128::from(a) {
        first + 1
    } else {
        first
    })
}
