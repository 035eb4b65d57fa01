//! `-ie`: the interface table's long form, ifconfig's layout (net-tools 2.10
//! lib/interface.c `ife_print_long`): flags by name, addresses, hardware address and
//! type, queue length, counters with their byte totals in binary units, device resources.

use std::fmt::Write as _;

use crate::sanitize::sanitized;
use rnetstat_model::iface::{Details, IFF_NAMES, Interface};

/// The `IFF_*` bits ifconfig names, in its order: bit order, but SLAVE before MASTER,
/// and without PORTSEL and AUTOMEDIA.
const ORDER: [u16; 14] = [
    0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200, 0x800, 0x400, 0x1000, 0x8000,
];

const IFF_BROADCAST: u16 = 0x2;
const IFF_POINTOPOINT: u16 = 0x10;
const ARPHRD_ETHER: u16 = 1;
const ARPHRD_LOOPBACK: u16 = 772;

/// `flags=4163<UP,BROADCAST,RUNNING,MULTICAST>`; with no known bit, netstat's own oddities
/// (`flags=0<`, `flags=N`).
fn flags(f: u16) -> String {
    let names: Vec<&str> = ORDER
        .iter()
        .filter(|&&b| f & b != 0)
        .filter_map(|&b| IFF_NAMES.iter().find(|(bit, _)| *bit == b).map(|&(_, n)| n))
        .collect();
    match (f, names.is_empty()) {
        (0, _) => "flags=0<".into(),
        (_, true) => format!("flags={f}"),
        _ => format!("flags={f}<{}>", names.join(",")),
    }
}

/// A byte count as netstat shortens it: one decimal, binary units, `B` up to 1024.
fn short_bytes(n: u64) -> String {
    const UNITS: [(u64, &str); 5] = [
        (1 << 50, "PiB"),
        (1 << 40, "TiB"),
        (1 << 30, "GiB"),
        (1 << 20, "MiB"),
        (1 << 10, "KiB"),
    ];
    let (tenths, unit) = if n > 1 << 60 {
        // netstat divides by 2^60 / 10 here rather than multiplying first.
        (u128::from(n / 115_292_150_460_684_697), "EiB")
    } else {
        UNITS
            .iter()
            .find(|(limit, _)| n > *limit)
            .map_or((u128::from(n) * 10, "B"), |&(limit, unit)| {
                (u128::from(n) * 10 / u128::from(limit), unit)
            })
    };
    format!("{}.{} {unit}", tenths / 10, tenths % 10)
}

/// The hardware line's start: name, address (ether, or every byte for types netstat does
/// not know), and the type's title.
fn hardware(d: &Details) -> (String, &'static str) {
    match d.hw_type {
        Some(ARPHRD_ETHER) => {
            let a = &d.hw_addr;
            (
                format!(
                    "ether {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
                    a[0], a[1], a[2], a[3], a[4], a[5]
                ),
                "Ethernet",
            )
        }
        Some(ARPHRD_LOOPBACK) => ("loop".into(), "Local Loopback"),
        _ => {
            // netstat prints sizeof(struct sockaddr) bytes, of which it copied eight.
            let mut s = String::from("unspec ");
            for (i, b) in d.hw_addr.iter().chain(&[0u8; 8]).enumerate() {
                let _ = write!(s, "{}{b:02X}", if i > 0 { "-" } else { "" });
            }
            (s, "UNSPEC")
        }
    }
}

fn scope_names(scope: u32) -> String {
    let mut names = Vec::new();
    let mut s = scope;
    if s & 0x80 != 0 {
        names.push("compat");
        s -= 0x80;
    }
    if s == 0 {
        names.push("global");
    }
    for (bit, n) in [(0x20, "link"), (0x40, "site"), (0x10, "host")] {
        if s & bit != 0 {
            names.push(n);
        }
    }
    if names.is_empty() {
        String::new()
    } else {
        format!("<{}>", names.join(","))
    }
}

/// One interface in the long form, ending with its blank line.
pub fn push(s: &mut String, i: &Interface) {
    let f = i.flags.unwrap_or(0);
    let _ = writeln!(s, "{}: {}  mtu {}", sanitized(&i.name), flags(f), i.mtu);
    let none = Details::default();
    let d = i.details.as_ref().unwrap_or(&none);
    if let Some(v4) = d.inet {
        let _ = write!(s, "        inet {}  netmask {}", v4.address, v4.netmask);
        if f & IFF_BROADCAST != 0 {
            let _ = write!(s, "  broadcast {}", v4.broadcast);
        }
        if f & IFF_POINTOPOINT != 0 {
            let _ = write!(s, "  destination {}", v4.destination);
        }
        s.push('\n');
    }
    for a in &d.inet6 {
        let mut addr = String::new();
        super::addr::push_ipv6_netstat(&mut addr, a.address);
        let _ = writeln!(
            s,
            "        inet6 {addr}  prefixlen {}  scopeid 0x{:x}{}",
            a.prefix_len,
            a.scope,
            scope_names(a.scope)
        );
    }
    let (hw, title) = hardware(d);
    let _ = write!(s, "        {hw}");
    if let Some(q) = d.txqueuelen {
        let _ = write!(s, "  txqueuelen {q}");
    }
    let _ = writeln!(s, "  ({title})");
    let st = &i.stats;
    let _ = writeln!(
        s,
        "        RX packets {}  bytes {} ({})",
        st.rx_packets,
        st.rx_bytes,
        short_bytes(st.rx_bytes)
    );
    let _ = writeln!(
        s,
        "        RX errors {}  dropped {}  overruns {}  frame {}",
        st.rx_errs, st.rx_drop, st.rx_fifo, st.rx_frame
    );
    let _ = writeln!(
        s,
        "        TX packets {}  bytes {} ({})",
        st.tx_packets,
        st.tx_bytes,
        short_bytes(st.tx_bytes)
    );
    let _ = writeln!(
        s,
        "        TX errors {}  dropped {} overruns {}  carrier {}  collisions {}",
        st.tx_errs, st.tx_drop, st.tx_fifo, st.tx_carrier, st.tx_colls
    );
    let m = d.map;
    if m.irq != 0 || m.mem_start != 0 || m.dma != 0 || m.base_addr >= 0x100 {
        s.push_str("        device ");
        if m.irq != 0 {
            let _ = write!(s, "interrupt {}  ", m.irq);
        }
        if m.base_addr >= 0x100 {
            let _ = write!(s, "base 0x{:x}  ", m.base_addr);
        }
        if m.mem_start != 0 {
            let _ = write!(s, "memory 0x{:x}-{:x}  ", m.mem_start, m.mem_end);
        }
        if m.dma != 0 {
            let _ = write!(s, "  dma 0x{:x}", m.dma);
        }
        s.push('\n');
    }
    s.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_units() {
        assert_eq!(flags(4163), "flags=4163<UP,BROADCAST,RUNNING,MULTICAST>");
        assert_eq!(flags(0), "flags=0<");
        assert_eq!(flags(0x2000), "flags=8192");
        assert_eq!(flags(0xc00), "flags=3072<SLAVE,MASTER>");
        assert_eq!(short_bytes(0), "0.0 B");
        assert_eq!(short_bytes(1024), "1024.0 B");
        assert_eq!(short_bytes(239_157), "233.5 KiB");
        assert_eq!(short_bytes(71_345_161), "68.0 MiB");
        assert_eq!(short_bytes(u64::MAX), "16.0 EiB");
        assert_eq!(scope_names(0x20), "<link>");
        assert_eq!(scope_names(0), "<global>");
        assert_eq!(scope_names(0x90), "<compat,host>");
    }
}
