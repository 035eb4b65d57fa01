//! The ladder diagram as SVG: one panel per run, side by side, the kernel's time line on the
//! left of each and the stack's on the right. Every packet is one `<line class="packet">`
//! slanting down from sender to receiver (a dropped one stops halfway at a red cross), with
//! its label; state changes are written beside their side's line. Rows are in order of
//! events, not to scale: one RTO can be a million times one RTT on this link, so times are
//! printed instead.

use std::fmt::Write;

use super::ladder::{Item, items};
use super::record::Run;

const PANEL_W: f64 = 620.0;
const LEFT: f64 = 130.0;
const RIGHT: f64 = 490.0;
const ROW: f64 = 22.0;
const TOP: f64 = 70.0;
const SLANT: f64 = 16.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn render(runs: &[Run]) -> String {
    let panels: Vec<(String, f64)> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| panel(r, i as f64 * PANEL_W))
        .collect();
    let height = panels.iter().map(|(_, h)| *h).fold(200.0, f64::max);
    let width = PANEL_W * runs.len().max(1) as f64;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="monospace" font-size="11">"#
    );
    s.push_str(
        r##"<defs><marker id="head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#222"/></marker></defs>
"##,
    );
    for (p, _) in panels {
        s.push_str(&p);
    }
    s.push_str("</svg>\n");
    s
}

fn panel(r: &Run, x0: f64) -> (String, f64) {
    let (kx, sx) = (x0 + LEFT, x0 + RIGHT);
    let mut body = String::new();
    let mut y = TOP;
    for it in items(r) {
        match it {
            Item::Step(t) => {
                let _ = writeln!(
                    body,
                    r##"<text class="step" x="{}" y="{}" text-anchor="middle" fill="#555">— {} —</text>"##,
                    (kx + sx) / 2.0,
                    y + 4.0,
                    esc(&t)
                );
                y += ROW;
            }
            Item::State { kernel, state } => {
                let name = super::ladder::state_name(state);
                let (x, anchor) = if kernel {
                    (kx - 6.0, "end")
                } else {
                    (sx + 6.0, "start")
                };
                let _ = writeln!(
                    body,
                    r##"<text class="state" x="{x}" y="{}" text-anchor="{anchor}" fill="#06c">{name}</text>"##,
                    y + 4.0
                );
                y += ROW * 0.8;
            }
            Item::Arrow {
                at,
                rightward,
                label,
                dropped,
                note,
                ..
            } => {
                let (x1, x2) = if rightward { (kx, sx) } else { (sx, kx) };
                let y2 = y + SLANT;
                let (ex, ey) = if dropped.is_some() {
                    ((x1 + x2) / 2.0, y + SLANT / 2.0)
                } else {
                    (x2, y2)
                };
                let (colour, marker) = if dropped.is_some() {
                    ("#c00", "")
                } else {
                    ("#222", r#" marker-end="url(#head)""#)
                };
                let _ = writeln!(
                    body,
                    r#"<line class="packet" x1="{x1}" y1="{y}" x2="{ex}" y2="{ey}" stroke="{colour}"{marker}/>"#
                );
                if dropped.is_some() {
                    let _ = writeln!(
                        body,
                        r##"<text x="{ex}" y="{}" text-anchor="middle" fill="#c00" font-size="14">✕</text>"##,
                        ey + 5.0
                    );
                }
                let mut text = label;
                if let Some(d) = dropped.or(note) {
                    text += &format!(" [{d}]");
                }
                let _ = writeln!(
                    body,
                    r#"<text class="label" x="{}" y="{}" text-anchor="middle">{}</text>"#,
                    (kx + sx) / 2.0,
                    y - 3.0,
                    esc(&text)
                );
                let _ = writeln!(
                    body,
                    r##"<text class="time" x="{}" y="{}" fill="#777">{:.3}s</text>"##,
                    x0 + 8.0,
                    y + 4.0,
                    at.as_secs_f64()
                );
                y += ROW + SLANT;
            }
        }
    }
    let h = y + ROW;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<g class="run"><text x="{}" y="20" text-anchor="middle" font-weight="bold">{} ({})</text>"#,
        (kx + sx) / 2.0,
        esc(&r.scenario),
        r.label()
    );
    for (x, name) in [(kx, "kernel"), (sx, "stack")] {
        let _ = writeln!(
            s,
            r#"<text x="{x}" y="45" text-anchor="middle" font-weight="bold">{name}</text><line class="timeline" x1="{x}" y1="52" x2="{x}" y2="{h}" stroke="black" stroke-width="2"/>"#
        );
    }
    s.push_str(&body);
    s.push_str("</g>\n");
    (s, h + 10.0)
}
