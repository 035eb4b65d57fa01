//! The exchange as a ladder diagram: the kernel's time line on the left, the stack's on
//! the right, one slanted arrow per packet (a staircase in the terminal) labelled with its
//! flags, sequence and acknowledgment numbers relative to each side's initial sequence
//! number (as Wireshark shows them), payload length and window as it counts: the raw field
//! and, once both SYNs carried the window-scale option, its scale and the bytes it means
//! (`win=63 (×1024 = 64,512)`, RFC 7323 §2.2). Only the connection's packets are drawn: the
//! kernel's IPv6 neighbour, router and multicast discovery on the device is left out, so the
//! first arrow is the SYN. Dropped packets end in ✕ halfway; each side's state changes are
//! written beside its own line. `svg` draws the same items.

use std::io::{self, Write};
use std::time::Duration;

use rnetstat_model::State;
use rnetstat_stack::impair::Fate;
use rnetstat_stack::packet::{self, Packet, flags};
use rnetstat_stack::tap::Dir;

use super::record::Run;

/// One thing on the ladder.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Arrow {
        at: Duration,
        /// Kernel → stack.
        rightward: bool,
        label: String,
        dropped: Option<String>,
        note: Option<String>,
        transit_us: u64,
    },
    /// A state change on one side (`None`: the socket is gone).
    State {
        kernel: bool,
        state: Option<State>,
    },
    Step(String),
}

fn flag_names(f: u8) -> String {
    let mut v = Vec::new();
    for (bit, n) in [
        (flags::SYN, "SYN"),
        (flags::FIN, "FIN"),
        (flags::RST, "RST"),
        (flags::PSH, "PSH"),
        (flags::ACK, "ACK"),
    ] {
        if f & bit != 0 {
            v.push(n);
        }
    }
    if v.is_empty() {
        "none".into()
    } else {
        v.join(",")
    }
}

/// The run as ladder items, in order.
pub fn items(r: &Run) -> Vec<Item> {
    let mut out = Vec::new();
    let (mut k, mut s) = (r.first.kernel.state, r.first.stack.state);
    // A side with no socket yet starts blank, not "(gone)": nothing was there to go.
    for (kernel, state) in [(true, k), (false, s)] {
        if state.is_some() {
            out.push(Item::State { kernel, state });
        }
    }
    // Initial sequence numbers: [kernel, stack].
    let mut isn: [Option<u32>; 2] = [None, None];
    let mut windows = Windows::default();
    let mut step = String::new();
    for p in &r.packets {
        let rightward = p.dir == Dir::In;
        let label = match packet::parse(&p.bytes) {
            Ok(Packet::Tcp(t)) => {
                let (me, them) = if rightward { (0, 1) } else { (1, 0) };
                if t.has(flags::SYN) {
                    isn[me] = Some(t.seq);
                }
                let rel = |v: u32, i: usize| isn[i].map_or(v, |b| v.wrapping_sub(b));
                let mut l = format!("{} seq={}", flag_names(t.flags), rel(t.seq, me));
                if t.has(flags::ACK) {
                    l += &format!(" ack={}", rel(t.ack, them));
                }
                if t.len > 0 {
                    l += &format!(" len={}", t.len);
                }
                l + " " + &windows.label(&t, rightward)
            }
            // The kernel's own IPv6 discovery (router solicitations, MLD, neighbour
            // solicitations) crosses the device too; it is not the connection.
            Ok(_) => continue,
            Err(e) => format!("undecodable: {e}"),
        };
        if p.step != step {
            step = p.step.clone();
            out.push(Item::Step(step.clone()));
        }
        let (dropped, note) = match &p.fate {
            Fate::Delivered => (None, None),
            Fate::Dropped(w) => (Some(w.clone()), None),
            Fate::Impaired(w) => (None, Some(w.clone())),
        };
        {
            out.push(Item::Arrow {
                at: p.at,
                rightward,
                label,
                dropped,
                note,
                transit_us: p.transit_us,
            });
        }
        if p.after.kernel.state != k {
            k = p.after.kernel.state;
            out.push(Item::State {
                kernel: true,
                state: k,
            });
        }
        if p.after.stack.state != s {
            s = p.after.stack.state;
            out.push(Item::State {
                kernel: false,
                state: s,
            });
        }
    }
    out
}

/// The window-scale shifts each side announced in its SYN: [kernel, stack].
#[derive(Debug, Default)]
pub(crate) struct Windows {
    shift: [Option<u8>; 2],
    seen_syn: [bool; 2],
}

impl Windows {
    /// `win=RAW`, or `win=RAW (×SCALE = BYTES)` where scaling applies: both SYNs carried
    /// the option, and never to a SYN's own window (RFC 7323 §2.2–2.3). Call it for every
    /// TCP segment in order.
    pub(crate) fn label(&mut self, t: &packet::TcpSeg, kernel_sent: bool) -> String {
        let me = usize::from(!kernel_sent);
        if t.has(flags::SYN) {
            self.shift[me] = t.wscale.map(|s| s.min(14));
            self.seen_syn[me] = true;
            return format!("win={}", t.window);
        }
        match (self.shift, self.seen_syn) {
            ([Some(a), Some(b)], [true, true]) => {
                let shift = if me == 0 { a } else { b };
                if shift == 0 {
                    return format!("win={}", t.window);
                }
                format!(
                    "win={} (×{} = {})",
                    t.window,
                    group(1u64 << shift),
                    group(u64::from(t.window) << shift)
                )
            }
            _ => format!("win={}", t.window),
        }
    }
}

/// `64512` → `64,512`.
pub(crate) fn group(v: u64) -> String {
    let digits = v.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const LANE: usize = 60;
const TIME_W: usize = 10;
const STATE_W: usize = 12;

pub(super) fn state_name(s: Option<State>) -> &'static str {
    s.map_or("(gone)", |s| s.name())
}

/// Draws one run.
pub fn draw(out: &mut impl Write, r: &Run) -> io::Result<()> {
    let (left, right) = if r.kernel_is_a {
        ("kernel (a)", "stack (b)")
    } else {
        ("kernel (b)", "stack (a)")
    };
    writeln!(out, "Ladder: {} ({})", r.scenario, r.label())?;
    let pad = " ".repeat(TIME_W + STATE_W + 1);
    writeln!(
        out,
        "{:>TIME_W$}{:>STATE_W$} {left:<w$}{right}",
        "time (s)",
        "",
        w = LANE + 2
    )?;
    let bar = |inner: &str| format!("│{inner}│");
    for it in items(r) {
        match it {
            Item::Step(t) => writeln!(out, "{pad}{}  ── {t}", bar(&" ".repeat(LANE)))?,
            Item::State {
                kernel: true,
                state,
            } => writeln!(
                out,
                "{:TIME_W$}{:>STATE_W$} {}",
                "",
                state_name(state),
                bar(&" ".repeat(LANE))
            )?,
            Item::State {
                kernel: false,
                state,
            } => writeln!(out, "{pad}{} {}", bar(&" ".repeat(LANE)), state_name(state))?,
            Item::Arrow {
                at,
                rightward,
                label,
                dropped,
                note,
                transit_us,
            } => {
                let half = LANE / 2;
                let label: String = label.chars().take(LANE - 4).collect();
                writeln!(out, "{pad}{}", bar(&format!("  {label:<w$}", w = LANE - 2)))?;
                let time = format!("{:>TIME_W$.3}{:STATE_W$} ", at.as_secs_f64(), "");
                let mut extra = String::new();
                if let Some(d) = &dropped {
                    extra = format!("  ✕ dropped: {d}");
                } else if let Some(n) = &note {
                    extra = format!("  {n}");
                }
                if transit_us > 0 {
                    extra += &format!(" (+{:.1} ms on the link)", transit_us as f64 / 1000.0);
                }
                let dash = |n: usize| "─".repeat(n);
                if rightward {
                    writeln!(
                        out,
                        "{time}├{}╮{}│",
                        dash(half - 1),
                        " ".repeat(LANE - half)
                    )?;
                    let tail = if dropped.is_some() {
                        format!(
                            "╰{}✕{}",
                            dash(LANE / 4 - 1),
                            " ".repeat(LANE - half - LANE / 4)
                        )
                    } else {
                        format!("╰{}▶", dash(LANE - half - 1))
                    };
                    writeln!(out, "{pad}│{}{tail}│{extra}", " ".repeat(half - 1))?;
                } else {
                    writeln!(
                        out,
                        "{time}│{}╭{}┤",
                        " ".repeat(half),
                        dash(LANE - half - 1)
                    )?;
                    let head = if dropped.is_some() {
                        format!("{}✕{}╯", " ".repeat(half - LANE / 4), dash(LANE / 4 - 1))
                    } else {
                        format!("◀{}╯", dash(half - 1))
                    };
                    writeln!(out, "{pad}│{head}{}│{extra}", " ".repeat(LANE - half - 1))?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(flags: u8, window: u16, wscale: Option<u8>) -> packet::TcpSeg {
        packet::TcpSeg {
            src: "10.77.0.1:40000".parse().unwrap(),
            dst: "10.77.0.2:7".parse().unwrap(),
            seq: 0,
            ack: 0,
            flags,
            window,
            len: 0,
            mss: None,
            wscale,
        }
    }

    #[test]
    fn windows_count_with_the_scale_both_syns_agreed() {
        let mut w = Windows::default();
        assert_eq!(w.label(&seg(flags::SYN, 64240, Some(7)), true), "win=64240");
        assert_eq!(
            w.label(&seg(flags::SYN | flags::ACK, 65535, Some(10)), false),
            "win=65535"
        );
        assert_eq!(
            w.label(&seg(flags::ACK, 502, None), true),
            "win=502 (×128 = 64,256)"
        );
        assert_eq!(
            w.label(&seg(flags::ACK, 63, None), false),
            "win=63 (×1,024 = 64,512)"
        );
        // One SYN without the option: no scaling either way.
        let mut w = Windows::default();
        w.label(&seg(flags::SYN, 64240, Some(7)), true);
        w.label(&seg(flags::SYN | flags::ACK, 65535, None), false);
        assert_eq!(w.label(&seg(flags::ACK, 502, None), true), "win=502");
    }

    #[test]
    fn groups_of_three() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(64512), "64,512");
        assert_eq!(group(1_073_725_440), "1,073,725,440");
    }
}
