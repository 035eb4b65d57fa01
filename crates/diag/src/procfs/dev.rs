//! `/proc/net/dev`: one line of counters per interface, the source `netstat -i` reads
//! (net-tools lib/interface.c `if_readlist_proc`). The header names the columns; only the
//! current 16-column layout (Linux ≥ 2.2) is accepted, and a line that does not fit it is
//! reported, not guessed at.

use rnetstat_model::iface::DevStats;

/// Parses one data line: `  name: 16 numbers`. The name may contain ':' (an alias), so the
/// split is at the last ':' before the numbers.
pub fn parse_line(line: &str) -> Result<(&str, DevStats), &'static str> {
    let colon = line.rfind(':').ok_or("no ':' after the interface name")?;
    let name = line[..colon].trim();
    if name.is_empty() {
        return Err("empty interface name");
    }
    let mut v = [0u64; 16];
    let mut n = 0;
    for field in line[colon + 1..].split_ascii_whitespace() {
        if n == v.len() {
            return Err("more than 16 counters");
        }
        v[n] = field.parse().map_err(|_| "a counter is not a number")?;
        n += 1;
    }
    if n != v.len() {
        return Err("fewer than 16 counters");
    }
    let s = DevStats {
        rx_bytes: v[0],
        rx_packets: v[1],
        rx_errs: v[2],
        rx_drop: v[3],
        rx_fifo: v[4],
        rx_frame: v[5],
        rx_compressed: v[6],
        rx_multicast: v[7],
        tx_bytes: v[8],
        tx_packets: v[9],
        tx_errs: v[10],
        tx_drop: v[11],
        tx_fifo: v[12],
        tx_colls: v[13],
        tx_carrier: v[14],
        tx_compressed: v[15],
    };
    Ok((name, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        let (name, s) = parse_line("  eth0: 1000 10 1 2 3 4 5 6 2000 20 7 8 9 10 11 12").unwrap();
        assert_eq!(name, "eth0");
        assert_eq!(
            (s.rx_bytes, s.rx_packets, s.rx_errs, s.rx_frame),
            (1000, 10, 1, 4)
        );
        assert_eq!((s.tx_packets, s.tx_fifo, s.tx_compressed), (20, 9, 12));
        let (name, _) = parse_line("eth0:1: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0").unwrap();
        assert_eq!(name, "eth0:1");
        assert!(parse_line("eth0 1 2 3").is_err());
        assert!(parse_line("eth0: 1 2 3").is_err());
        assert!(parse_line("eth0: x 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0").is_err());
        assert!(parse_line(": 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0").is_err());
        assert!(parse_line("eth0: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0").is_err());
    }
}
