//! The results as Markdown: per-load tables, the targets, growth with N, and the
//! machine they were measured on. `docs/PERFORMANCE.md` keeps its hand-written text; only
//! the part between the two markers is replaced.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

use crate::measure::Group;

pub const BEGIN: &str = "<!-- bench/scale: generated from here -->";
pub const END: &str = "<!-- bench/scale: generated up to here -->";

/// One load level and what was measured on it.
pub struct Level {
    /// Established pairs (0 = the empty namespace).
    pub pairs: usize,
    /// Sockets the workers hold, and the rows each tool listed.
    pub sockets: usize,
    pub listed: Vec<(String, usize)>,
    /// Peak RSS of `true` spawned the same way, KiB.
    pub floor_kib: u64,
    pub groups: Vec<Group>,
}

pub fn ms(g: &Group, i: usize) -> f64 {
    g.median(i).as_secs_f64() * 1e3
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// One group as a Markdown table.
pub fn group_table(g: &Group) -> String {
    let mut s = format!(
        "\n{}\n\n| command | median ms | × `{}` | peak RSS MiB |\n|---|---:|---:|---:|\n",
        g.title,
        g.label(g.reference)
    );
    for i in 0..g.commands.len() {
        let _ = writeln!(
            s,
            "| `{}` | {:.2} | {:.2} | {:.1} |",
            g.label(i),
            ms(g, i),
            g.ratio(i),
            mib(g.peak_rss_kib(i))
        );
    }
    s
}

pub fn level_section(l: &Level) -> String {
    let mut s = if l.pairs == 0 {
        "\n### Empty namespace (start-up cost)\n".to_string()
    } else {
        format!(
            "\n### N = {} pairs ({} sockets)\n\nRows listed: {}.\n",
            thousands(l.pairs),
            thousands(l.sockets),
            l.listed
                .iter()
                .map(|(t, n)| format!("{t} {}", thousands(*n)))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let _ = writeln!(
        s,
        "\nRSS floor (`true` spawned the same way): {:.1} MiB.",
        mib(l.floor_kib)
    );
    for g in &l.groups {
        s.push_str(&group_table(g));
    }
    s
}

/// The level the targets are checked at: the largest below a million-socket load (those
/// run fewer groups), or the largest there is.
pub fn reference(levels: &[Level]) -> &Level {
    levels
        .iter()
        .rev()
        .find(|l| l.groups.len() > 1)
        .unwrap_or(&levels[levels.len() - 1])
}

/// The first group of a level that ran `label`, and its index there.
fn find_any<'a>(l: &'a Level, label: &str) -> Option<(&'a Group, usize)> {
    l.groups.iter().find_map(|g| {
        (0..g.commands.len())
            .find(|&i| g.label(i) == label)
            .map(|i| (g, i))
    })
}

/// µs per socket of each listing at the reference level and at the largest, and whether
/// the largest stays within 10% (linear time) and its RSS within 10% (flat memory).
pub fn linearity(levels: &[Level]) -> String {
    let (base, big) = (reference(levels), &levels[levels.len() - 1]);
    if std::ptr::eq(base, big) {
        return String::new();
    }
    let mut s = format!(
        "\n### Linear at {} sockets?\n\nµs per socket and peak RSS at {} and at {} sockets.\n\n| command | µs / socket at {} | µs / socket at {} | ratio | RSS MiB at {} | RSS MiB at {} |\n|---|---:|---:|---:|---:|---:|\n",
        thousands(big.sockets),
        thousands(base.sockets),
        thousands(big.sockets),
        thousands(base.sockets),
        thousands(big.sockets),
        thousands(base.sockets),
        thousands(big.sockets),
    );
    for label in [
        "rnetstat -tan",
        "rnetstat -tanp",
        "rnetstat -tan --json",
        "rnetstat -tan --summary",
        "ss -tan",
        "scale floor",
    ] {
        if let (Some((g, i)), Some((h, j))) = (find_any(base, label), find_any(big, label)) {
            let a = ms(g, i) * 1e3 / base.sockets as f64;
            let b = ms(h, j) * 1e3 / big.sockets as f64;
            let _ = writeln!(
                s,
                "| `{label}` | {a:.2} | {b:.2} | {:.2}× | {:.1} | {:.1} |",
                b / a,
                mib(g.peak_rss_kib(i)),
                mib(h.peak_rss_kib(j))
            );
        }
    }
    s
}

/// Finds the group whose title starts with `title` and the index of the command `label`.
fn find<'a>(l: &'a Level, title: &str, label: &str) -> Option<(&'a Group, usize)> {
    let g = l.groups.iter().find(|g| g.title.starts_with(title))?;
    let i = (0..g.commands.len()).find(|&i| g.label(i) == label)?;
    Some((g, i))
}

/// The targets, checked on the empty namespace and the largest load.
pub fn targets(empty: &Level, top: &Level) -> String {
    let mut s = format!(
        "\n### Targets (N = {} pairs, and the empty namespace)\n\n| target | measured | met |\n|---|---:|:-:|\n",
        thousands(top.pairs)
    );
    let mut row = |what: &str, v: Option<f64>, limit: f64| {
        let (m, ok) = match v {
            Some(v) => (
                format!("{v:.2}×"),
                if v <= limit { "yes" } else { "**no**" },
            ),
            None => ("—".into(), "—"),
        };
        let _ = writeln!(s, "| {what} | {m} | {ok} |");
    };
    let ratio = |l: &Level, t: &str, label: &str| find(l, t, label).map(|(g, i)| g.ratio(i));
    let rss = find(top, "`-tan`", "rnetstat -tan")
        .zip(find(top, "`-tan`", "ss -tan"))
        .map(|((g, i), (h, j))| g.peak_rss_kib(i) as f64 / h.peak_rss_kib(j) as f64);
    // (target, measured, limit): the speed-at-scale issue's, then «Past the single-thread
    // floor» (both cores).
    let rows = [
        (
            "`rnetstat -tan` ≤ 0.7 × `ss -tan`",
            ratio(top, "`-tan`", "rnetstat -tan"),
            0.7,
        ),
        (
            "`rnetstat -tanp` ≤ 0.2 × `ss -tanp`",
            ratio(top, "`-tanp`", "rnetstat -tanp"),
            0.2,
        ),
        (
            "`rnetstat -tan --json` ≤ 1.0 × `ss -tan`",
            ratio(top, "`--json`", "rnetstat -tan --json"),
            1.0,
        ),
        (
            "`rnetstat -tanp --peer` ≤ 1.3 × `rnetstat -tanp`",
            ratio(top, "`--peer`", "rnetstat -tanp --peer"),
            1.3,
        ),
        (
            "`rnetstat top` one refresh ≤ 1.3 × `rnetstat -tan --info` (steady: a tenth of `--count 11` less `--count 1`, less the 10 ms interval)",
            refresh(top),
            1.3,
        ),
        (
            "`rnetstat explain --interval 0` ≤ 1.5 × `rnetstat -tan --info`",
            ratio(top, "`explain`", "rnetstat explain --interval 0"),
            1.5,
        ),
        (
            "two-sample `explain`'s work (`--interval 0.05` less the 50 ms slept) ≤ 2.5 × `rnetstat -tan --info`",
            two_samples(top),
            2.5,
        ),
        ("peak RSS `rnetstat -tan` ≤ `ss -tan`", rss, 1.0),
        (
            "start-up `rnetstat -tan` ≤ `ss -tan` (empty namespace)",
            ratio(empty, "`-tan`", "rnetstat -tan"),
            1.0,
        ),
        (
            "`rnetstat -tan` ≤ 0.35 × `ss -tan` (both cores)",
            ratio(top, "`-tan`", "rnetstat -tan"),
            0.35,
        ),
        (
            "`rnetstat -tan --json` ≤ 0.45 × `ss -tan`",
            ratio(top, "`--json`", "rnetstat -tan --json"),
            0.45,
        ),
        (
            "`rnetstat -tan --summary` ≤ 0.3 × `ss -tan`",
            ratio(top, "`--summary`", "rnetstat -tan --summary"),
            0.3,
        ),
        ("peak RSS `rnetstat -tan` ≤ 0.5 × `ss -tan`", rss, 0.5),
        (
            "one core: `rnetstat -tan` ≤ 0.59 × `ss -tan`, both pinned (the ratio before two cores)",
            ratio(top, "`-tan` on one core", "taskset -c 0 rnetstat -tan"),
            0.59,
        ),
    ];
    for (what, v, limit) in rows {
        row(what, v, limit);
    }
    if let Some(once) = ratio(top, "`top`", "rnetstat top --once -c 0.05 --json") {
        let _ = writeln!(
            s,
            "\n`top --once` (two samples, the second named by a /proc walk beside its dump) \
             took {once:.2}× `rnetstat -tan --info`; half of it, the yardstick before steady \
             refreshes were measured, {:.2}×.",
            once / 2.0
        );
    }
    if let Some(f) = ratio(top, "`--summary`", "scale floor") {
        let _ = writeln!(
            s,
            "\nThe kernel's floor (`scale floor`: the IPv4 and IPv6 TCP dumps at once, every \
             datagram read, nothing decoded) measured {f:.2}× `ss -tan` in the same group: no \
             listing that asks the kernel the same way can be faster."
        );
    }
    s
}

/// One steady `top` refresh against `-tan --info`: ten refreshes (`--count 11` less
/// `--count 1`), less the 50 ms each slept before it, divided by ten.
fn refresh(l: &Level) -> Option<f64> {
    let (g, eleven) = find(l, "`top`", "rnetstat top --count 11 -c 0.05 --json")?;
    let (_, one) = find(l, "`top`", "rnetstat top --count 1 -c 0.05 --json")?;
    let ten = g.median(eleven).as_secs_f64() - g.median(one).as_secs_f64();
    Some((ten / 10.0 - 0.05) / g.median(g.reference).as_secs_f64())
}

/// A two-sample `explain`'s work against `-tan --info`: its time less the interval slept.
fn two_samples(l: &Level) -> Option<f64> {
    let (g, i) = find(l, "`explain`", "rnetstat explain --interval 0.05")?;
    Some((g.median(i).as_secs_f64() - 0.05) / g.median(g.reference).as_secs_f64())
}

/// How time and memory grow with N, per tool, from the `-tan` groups.
pub fn growth(levels: &[Level]) -> String {
    let mut s = String::from(
        "\n### Growth with N (`-tan`)\n\nTime per socket is the median wall time divided by the sockets listed; flat means linear.\n\n| N pairs | sockets | tool | median ms | µs / socket | peak RSS MiB |\n|---:|---:|---|---:|---:|---:|\n",
    );
    for l in levels.iter().filter(|l| l.pairs > 0) {
        for label in ["rnetstat -tan", "ss -tan", "netstat -tan"] {
            if let Some((g, i)) = find(l, "`-tan`", label) {
                let _ = writeln!(
                    s,
                    "| {} | {} | `{label}` | {:.2} | {:.2} | {:.1} |",
                    thousands(l.pairs),
                    thousands(l.sockets),
                    ms(g, i),
                    ms(g, i) * 1e3 / l.sockets as f64,
                    mib(g.peak_rss_kib(i))
                );
            }
        }
    }
    s
}

/// Writes `generated` into `path` between the markers, keeping what is around them.
pub fn write(path: &Path, generated: &str) -> io::Result<()> {
    let old = fs::read_to_string(path).unwrap_or_default();
    let block = format!("{BEGIN}\n{generated}\n{END}\n");
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if b < e => {
            let after = &old[e + END.len()..];
            format!(
                "{}{block}{}",
                &old[..b],
                after.strip_prefix('\n').unwrap_or(after)
            )
        }
        _ => format!("{old}{block}"),
    };
    fs::write(path, new)
}

pub fn thousands(n: usize) -> String {
    let d = n.to_string();
    let mut s = String::new();
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            s.push(',');
        }
        s.push(c);
    }
    s
}
