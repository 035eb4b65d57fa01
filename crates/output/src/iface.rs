//! `-i`: the interface table, as netstat prints it (net-tools lib/interface.c
//! `ife_print_short`), as a table, and as JSON (documented in docs/json.md).

use std::io::{self, Write};

use serde::Serialize;

use super::Format;
use super::view;
use rnetstat_model::iface::{Details, DevStats, Interface};

/// netstat's flag letters in its order (`ife_print_short`), with their `IFF_*` bits.
const LETTERS: [(u16, char); 14] = [
    (0x200, 'A'),  // ALLMULTI
    (0x2, 'B'),    // BROADCAST
    (0x4, 'D'),    // DEBUG
    (0x8, 'L'),    // LOOPBACK
    (0x1000, 'M'), // MULTICAST
    (0x8000, 'd'), // DYNAMIC
    (0x100, 'P'),  // PROMISC
    (0x20, 'N'),   // NOTRAILERS
    (0x80, 'O'),   // NOARP
    (0x10, 'p'),   // POINTOPOINT
    (0x800, 's'),  // SLAVE
    (0x400, 'm'),  // MASTER
    (0x40, 'R'),   // RUNNING
    (0x1, 'U'),    // UP
];

/// netstat's `Flg` cell.
pub fn flag_letters(flags: u16) -> String {
    if flags == 0 {
        return "[NO FLAGS]".into();
    }
    LETTERS
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|&(_, c)| c)
        .collect()
}

/// netstat's RX-ERR: errors plus frame errors (`rx_errors + rx_crc_errors +
/// rx_frame_errors`, where net-tools reads the `frame` column into `rx_frame_errors`).
fn rx_err(s: &DevStats) -> u64 {
    s.rx_errs.wrapping_add(s.rx_frame)
}

#[derive(Serialize)]
struct JsonInterface<'a> {
    name: &'a str,
    mtu: u32,
    flags: Vec<&'static str>,
    counters: &'a DevStats,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a Details>,
}

#[derive(Debug, Clone, Copy)]
pub struct Opts {
    pub format: Format,
    /// `-a`: also interfaces that are down.
    pub all: bool,
    /// `-e`: the long form (ifconfig's layout; JSON adds `details`).
    pub long: bool,
    pub color: bool,
}

/// Renders the interfaces netstat would show: the ones that are up, or all with `-a`.
pub fn render<W: Write>(
    out: &mut W,
    list: &[Interface],
    warnings: &[String],
    o: Opts,
) -> io::Result<()> {
    let (format, all, color) = (o.format, o.all, o.color);
    // An interface whose flags could not be read has gone; netstat skips it too.
    let shown = list
        .iter()
        .filter(|i| i.flags.is_some() && (all || i.is_up()));
    match format {
        Format::Text if o.long => {
            view::warn_stderr(warnings);
            let mut s = String::from("Kernel Interface table\n");
            for i in shown {
                super::iface_long::push(&mut s, i);
            }
            out.write_all(s.as_bytes())?;
            out.flush()
        }
        Format::Text => {
            view::warn_stderr(warnings);
            out.write_all(b"Kernel Interface table\n")?;
            out.write_all(b"Iface             MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\n")?;
            for i in shown {
                let s = &i.stats;
                let name: String = super::sanitize::sanitized(&i.name)
                    .chars()
                    .take(15)
                    .collect();
                writeln!(
                    out,
                    "{name:<15} {:>5} {:>8} {:>6} {:>6} {:<6} {:>8} {:>6} {:>6} {:>6} {}",
                    i.mtu,
                    s.rx_packets,
                    rx_err(s),
                    s.rx_drop,
                    s.rx_fifo,
                    s.tx_packets,
                    s.tx_errs,
                    s.tx_drop,
                    s.tx_fifo,
                    flag_letters(i.flags.unwrap_or(0))
                )?;
            }
            out.flush()
        }
        Format::Table => {
            view::warn_stderr(warnings);
            let mut t = view::table(
                &[
                    "Iface", "MTU", "RX-OK", "RX-ERR", "RX-DRP", "RX-OVR", "TX-OK", "TX-ERR",
                    "TX-DRP", "TX-OVR", "Flags",
                ],
                color,
            );
            for i in shown {
                let s = &i.stats;
                t.add_row(vec![
                    super::sanitize::sanitized(&i.name),
                    i.mtu.to_string(),
                    s.rx_packets.to_string(),
                    rx_err(s).to_string(),
                    s.rx_drop.to_string(),
                    s.rx_fifo.to_string(),
                    s.tx_packets.to_string(),
                    s.tx_errs.to_string(),
                    s.tx_drop.to_string(),
                    s.tx_fifo.to_string(),
                    i.flag_names().join(","),
                ]);
            }
            view::keep_words_whole(&mut t, &[]);
            writeln!(out, "{t}")?;
            out.flush()
        }
        Format::Json | Format::Jsonl => {
            let items: Vec<JsonInterface<'_>> = shown
                .map(|i| JsonInterface {
                    name: &i.name,
                    mtu: i.mtu,
                    flags: i.flag_names(),
                    counters: &i.stats,
                    details: i.details.as_ref(),
                })
                .collect();
            view::json(out, format, "interfaces", &items, warnings)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_follow_netstat() {
        assert_eq!(flag_letters(0x1 | 0x8 | 0x40), "LRU"); // lo
        assert_eq!(flag_letters(0x1 | 0x2 | 0x1000), "BMU"); // veth, up, no carrier
        assert_eq!(
            flag_letters(0x1 | 0x2 | 0x40 | 0x100 | 0x200 | 0x1000),
            "ABMPRU"
        );
        assert_eq!(flag_letters(0x10 | 0x80), "Op");
        assert_eq!(flag_letters(0), "[NO FLAGS]");
    }

    #[test]
    fn text_rows() {
        let lo = Interface {
            name: "lo".into(),
            mtu: 65536,
            flags: Some(0x49),
            details: None,
            stats: DevStats {
                rx_packets: 12,
                rx_errs: 1,
                rx_frame: 2,
                tx_packets: 1234567890,
                ..Default::default()
            },
        };
        let down = Interface {
            name: "vb".into(),
            mtu: 1500,
            flags: Some(0x1002),
            stats: DevStats::default(),
            details: None,
        };
        let mut out = Vec::new();
        let o = Opts {
            format: Format::Text,
            all: false,
            long: false,
            color: false,
        };
        render(&mut out, &[lo.clone(), down.clone()], &[], o).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "the down interface is hidden without -a");
        assert_eq!(
            lines[2],
            "lo              65536       12      3      0 0      1234567890      0      0      0 LRU"
        );
        let mut out = Vec::new();
        let o = Opts {
            format: Format::Json,
            all: true,
            ..o
        };
        render(&mut out, &[lo, down], &[], o).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["interfaces"][1]["name"], "vb");
        assert_eq!(v["interfaces"][1]["flags"][0], "BROADCAST");
        assert_eq!(v["interfaces"][0]["counters"]["rx_frame"], 2);
    }
}
