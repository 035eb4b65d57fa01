//! One network interface as `netstat -i` shows it: name, MTU, flags and the kernel's
//! per-device counters.

use serde::Serialize;

/// The counters of one line of `/proc/net/dev`, named after that file's header
/// (net/core/net-procfs.c `dev_seq_printf_stats`), with `rx_`/`tx_` prefixes. Several
/// are sums the kernel makes: `rx_drop` is dropped + missed, `rx_frame` is length + over +
/// crc + frame errors, `tx_carrier` is carrier + aborted + window + heartbeat errors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DevStats {
    pub rx_bytes: u64,
    pub rx_packets: u64,
    pub rx_errs: u64,
    pub rx_drop: u64,
    pub rx_fifo: u64,
    pub rx_frame: u64,
    pub rx_compressed: u64,
    pub rx_multicast: u64,
    pub tx_bytes: u64,
    pub tx_packets: u64,
    pub tx_errs: u64,
    pub tx_drop: u64,
    pub tx_fifo: u64,
    pub tx_colls: u64,
    pub tx_carrier: u64,
    pub tx_compressed: u64,
}

/// An interface: its counters, and what `SIOCGIFFLAGS`/`SIOCGIFMTU` say of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    /// 0 when the MTU could not be read (as netstat prints it).
    pub mtu: u32,
    /// The 16 bits of `ifr_flags` (include/uapi/linux/if.h `IFF_*`); `None` when the
    /// interface vanished before its flags were read.
    pub flags: Option<u16>,
    pub stats: DevStats,
    /// What `-ie` adds (read only when asked).
    pub details: Option<Details>,
}

/// The long form's extras, as ifconfig shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Details {
    /// `ARPHRD_*` (include/uapi/linux/if_arp.h) and the first 8 bytes of the address.
    pub hw_type: Option<u16>,
    #[serde(skip)]
    pub hw_addr: [u8; 8],
    pub txqueuelen: Option<u32>,
    /// The primary IPv4 address (`SIOCGIFADDR`) and its netmask, broadcast and
    /// point-to-point destination.
    pub inet: Option<Inet>,
    pub inet6: Vec<Inet6>,
    #[serde(skip)]
    pub map: rnetstat_sys::net::IfMap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Inet {
    pub address: std::net::Ipv4Addr,
    pub netmask: std::net::Ipv4Addr,
    pub broadcast: std::net::Ipv4Addr,
    pub destination: std::net::Ipv4Addr,
}

/// One line of `/proc/net/if_inet6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Inet6 {
    pub address: std::net::Ipv6Addr,
    pub prefix_len: u8,
    /// The kernel's `IPV6_ADDR_*` scope bits (0x10 host, 0x20 link, 0x40 site, 0 global).
    pub scope: u32,
}

/// `IFF_*` bits and their names (include/uapi/linux/if.h), in the kernel's bit order.
pub const IFF_NAMES: [(u16, &str); 16] = [
    (0x1, "UP"),
    (0x2, "BROADCAST"),
    (0x4, "DEBUG"),
    (0x8, "LOOPBACK"),
    (0x10, "POINTOPOINT"),
    (0x20, "NOTRAILERS"),
    (0x40, "RUNNING"),
    (0x80, "NOARP"),
    (0x100, "PROMISC"),
    (0x200, "ALLMULTI"),
    (0x400, "MASTER"),
    (0x800, "SLAVE"),
    (0x1000, "MULTICAST"),
    (0x2000, "PORTSEL"),
    (0x4000, "AUTOMEDIA"),
    (0x8000, "DYNAMIC"),
];

pub const IFF_UP: u16 = 0x1;

impl Interface {
    pub fn is_up(&self) -> bool {
        self.flags.is_some_and(|f| f & IFF_UP != 0)
    }

    /// The names of the set flags, in bit order.
    pub fn flag_names(&self) -> Vec<&'static str> {
        let f = self.flags.unwrap_or(0);
        IFF_NAMES
            .iter()
            .filter(|(bit, _)| f & bit != 0)
            .map(|&(_, n)| n)
            .collect()
    }
}

/// One multicast group an interface has joined (`netstat -g`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    pub interface: String,
    /// How many sockets (or kernel users) hold the membership: the `Users` column of
    /// `/proc/net/igmp`, the fourth column of `/proc/net/igmp6`.
    pub refcnt: u32,
    pub group: std::net::IpAddr,
}
