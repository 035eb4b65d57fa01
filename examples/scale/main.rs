//! `bench/scale`: rnetstat against ss and netstat on N established loopback TCP pairs.
//!
//! ```text
//! scale [--pairs 1000,10000,50000] [--runs 10] [--rnetstat PATH] [--write FILE]
//!       [--against OLD]   (first: each listing byte for byte against another build's)
//! scale worker v4|v6 COUNT INDEX   (internal: one load process, see pairs.rs)
//! scale floor [both|v4|v6|unspec|walk]   (the kernel's dumps alone, see floor.rs)
//! ```
//! It moves itself into a new network namespace for each load level (root only), so the
//! load and every listing see only that level's sockets, and nothing leaves that
//! namespace's loopback.
//! Per load level it runs five groups, the commands of a group alternating round by round:
//! `-tan` (rnetstat, ss, netstat), `-tanp` (the same three), `--json` (rnetstat's JSON
//! against `ss -tan`), `--peer` (`rnetstat -tanp --peer` against `rnetstat -tanp`) and `top`
//! (ten steady refreshes, from `--count 11` less `--count 1`, and `--once`, against
//! `rnetstat -tan --info`); the
//! empty namespace before any load measures start-up cost.

mod floor;
mod measure;
mod pairs;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use measure::Group;
use report::Level;

struct Opts {
    pairs: Vec<usize>,
    runs: usize,
    rnetstat: String,
    write: Option<PathBuf>,
    /// Another build of rnetstat whose output must be the same, byte for byte.
    against: Option<String>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("floor") {
        let Some(ask) = floor::Ask::parse(args.get(1).map(String::as_str)) else {
            return usage("floor takes both, v4, v6, unspec or walk");
        };
        return match floor::run(ask) {
            Ok(counts) => {
                println!("{counts:?}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("scale floor: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if args.first().map(String::as_str) == Some("worker") {
        let count = args.get(2).and_then(|c| c.parse().ok());
        let index = args.get(3).and_then(|c| c.parse().ok());
        return match (args.get(1), count, index) {
            (Some(f), Some(n), Some(k)) => match pairs::worker(f, n, k) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    // The harness reads this line as the failure.
                    println!("error {e}");
                    ExitCode::FAILURE
                }
            },
            _ => usage("worker needs FAMILY COUNT INDEX"),
        };
    }
    let opts = match parse(&args) {
        Ok(o) => o,
        Err(e) => return usage(&e),
    };
    match bench(&opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scale: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage(why: &str) -> ExitCode {
    eprintln!(
        "scale: {why}\nusage: scale [--pairs 1000,10000,50000] [--runs 10] [--rnetstat PATH] [--write FILE]"
    );
    ExitCode::from(2)
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    // target/release/examples/scale → target/release/rnetstat
    let default_bin = exe
        .parent()
        .and_then(|p| p.parent())
        .map(|p| p.join("rnetstat").display().to_string())
        .unwrap_or_else(|| "rnetstat".into());
    let mut o = Opts {
        pairs: vec![1_000, 10_000, 50_000],
        runs: 10,
        rnetstat: default_bin,
        write: None,
        against: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--pairs" => {
                o.pairs = val()?
                    .split(',')
                    .map(|n| n.trim().replace('_', "").parse::<usize>())
                    .collect::<Result<_, _>>()
                    .map_err(|e| format!("--pairs: {e}"))?;
                if o.pairs.contains(&0) {
                    return Err("--pairs: every N must be at least 1".into());
                }
            }
            "--runs" => {
                o.runs = val()?.parse().map_err(|e| format!("--runs: {e}"))?;
                if o.runs == 0 {
                    return Err("--runs must be at least 1".into());
                }
            }
            "--rnetstat" => o.rnetstat = val()?,
            "--write" => o.write = Some(val()?.into()),
            "--against" => o.against = Some(val()?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(o)
}

fn argv(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

/// At a million sockets: rnetstat's listings beside `ss -tan`, one group, fewer tools
/// (netstat and `ss -tanp` take minutes there; ss's inode table is superlinear).
fn groups_big(r: &str) -> Vec<Group> {
    vec![Group::new(
        "`-tan`, `-tanp`, `--json` and `--summary` beside `ss -tan` and the kernel's floor",
        vec![
            argv(&format!("{r} -tan")),
            argv(&format!("{r} -tanp")),
            argv(&format!("{r} -tan --json")),
            argv(&format!("{r} -tan --summary")),
            argv("ss -tan"),
            floor_argv(),
        ],
        4,
    )]
}

/// This binary's `floor`: the two TCP dumps alone, nothing decoded ([`floor`]).
fn floor_argv() -> Vec<String> {
    let me = std::env::current_exe().map_or_else(
        |_| "scale".to_string(),
        |p| p.to_string_lossy().into_owned(),
    );
    vec![me, "floor".into()]
}

/// Loads from this many pairs on get [`groups_big`].
const BIG: usize = 250_000;

/// The comparisons, with `r` as the rnetstat binary.
fn groups(r: &str) -> Vec<Group> {
    vec![
        Group::new(
            "`-tan`: every TCP socket, numeric",
            vec![
                argv(&format!("{r} -tan")),
                argv("ss -tan"),
                argv("netstat -tan"),
            ],
            1,
        ),
        Group::new(
            "`-tanp`: with the owning processes",
            vec![
                argv(&format!("{r} -tanp")),
                argv("ss -tanp"),
                argv("netstat -tanp"),
            ],
            1,
        ),
        Group::new(
            "`--json`: rnetstat's JSON against ss's text",
            vec![argv(&format!("{r} -tan --json")), argv("ss -tan")],
            1,
        ),
        Group::new(
            "`--peer`: the other end of every socket, against -tanp alone",
            vec![
                argv(&format!("{r} -tanp --peer")),
                argv(&format!("{r} -tanp")),
            ],
            1,
        ),
        Group::new(
            "`--summary`: every row decoded, none printed, against ss's text and the kernel's floor",
            vec![
                argv(&format!("{r} -tan --summary")),
                argv("ss -tan"),
                floor_argv(),
            ],
            1,
        ),
        Group::new(
            "`-tan` on one core (`taskset -c 0`)",
            vec![
                argv(&format!("taskset -c 0 {r} -tan")),
                argv("taskset -c 0 ss -tan"),
            ],
            1,
        ),
        // `explain` against the listing that reads the same tcp_info: one sample, and two
        // samples 50 ms apart (the work is the time less the 50 ms slept).
        Group::new(
            "`explain`: verdicts against -tan --info",
            vec![
                argv(&format!("{r} explain --interval 0")),
                argv(&format!("{r} -tan --info")),
                argv(&format!("{r} explain --interval 0.05")),
            ],
            1,
        ),
        // A steady refresh: `--count 11` less `--count 1` is ten refreshes, each after a
        // 50 ms sleep (the shortest interval), from the walk the first frame took. `--once` is the first frame
        // alone: two samples, the second naming processes with a walk beside its dump.
        Group::new(
            "`top`: refreshes (--count, --once) against -tan --info",
            vec![
                argv(&format!("{r} top --count 11 -c 0.05 --json")),
                argv(&format!("{r} -tan --info")),
                argv(&format!("{r} top --count 1 -c 0.05 --json")),
                argv(&format!("{r} top --once -c 0.05 --json")),
            ],
            1,
        ),
    ]
}

fn bench(o: &Opts) -> Result<(), String> {
    if rnetstat::sys::geteuid() != 0 {
        return Err("needs root: it runs in its own network namespace".into());
    }
    let machine = machine(&o.rnetstat);
    println!("{machine}");
    let mut levels = Vec::new();
    for &pairs in std::iter::once(&0).chain(&o.pairs) {
        // A new namespace per level: the last level's pairs linger in TIME_WAIT.
        rnetstat::sys::net::unshare_netns().map_err(|e| format!("unshare(CLONE_NEWNET): {e}"))?;
        rnetstat::sys::net::link_up("lo", None, None).map_err(|e| format!("lo up: {e}"))?;
        let t = Instant::now();
        let load = if pairs > 0 {
            Some(pairs::Load::start(pairs).map_err(|e| format!("building {pairs} pairs: {e}"))?)
        } else {
            None
        };
        let sockets = load.as_ref().map_or(0, |l| l.sockets);
        if pairs > 0 {
            eprintln!(
                "scale: {pairs} pairs ({sockets} sockets) built in {:.1} s",
                t.elapsed().as_secs_f64()
            );
        }
        if let (Some(old), true) = (&o.against, pairs > 0) {
            identical(&o.rnetstat, old)?;
        }
        let listed = listed(&o.rnetstat).map_err(|e| e.to_string())?;
        for (tool, n) in &listed {
            if *n != sockets {
                eprintln!("scale: warning: {tool} listed {n} sockets, the load holds {sockets}");
            }
        }
        // What `true` peaks at through the same spawn: the floor every RSS here includes.
        let floor_kib = measure::run(&argv("true"))
            .map_err(|e| e.to_string())?
            .max_rss_kib;
        let mut groups = if pairs >= BIG {
            groups_big(&o.rnetstat)
        } else {
            groups(&o.rnetstat)
        };
        for g in &mut groups {
            g.measure(o.runs).map_err(|e| e.to_string())?;
        }
        let level = Level {
            pairs,
            sockets,
            listed,
            floor_kib,
            groups,
        };
        println!("{}", report::level_section(&level));
        levels.push(level);
        drop(load);
    }
    let (empty, top) = (&levels[0], report::reference(&levels));
    let mut doc = format!(
        "{machine}\nEach command ran {} times after one warm-up round, the commands of a group alternating round by round (the order rotates); times are medians of wall time, stdout to /dev/null; RSS is the largest `ru_maxrss` over the runs.\n",
        o.runs
    );
    let summary =
        report::targets(empty, top) + &report::growth(&levels) + &report::linearity(&levels);
    println!("{summary}");
    doc.push_str(&summary);
    for l in &levels {
        doc.push_str(&report::level_section(l));
    }
    if let Some(path) = &o.write {
        report::write(path, &doc).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("scale: wrote {}", path.display());
    }
    Ok(())
}

/// The listings whose output must not change with a build (restructuring, say): each run
/// by `new` and by `old` on the same sockets, and compared byte for byte.
fn identical(new: &str, old: &str) -> Result<(), String> {
    const LISTINGS: [&str; 9] = [
        "-tan",
        "-tanp",
        "-tane",
        "-tano",
        "-tan --json",
        "-tan --summary",
        "-tanp --peer",
        "-tan state established ( sport > :1024 or dport = :7 )",
        "-tan --all-netns",
    ];
    let dir = std::env::temp_dir();
    for args in LISTINGS {
        // Each output to a file, compared in chunks: held in memory, a 70 MB JSON listing
        // would raise this process's RSS, which every child's ru_maxrss then includes.
        let out = |bin: &str, tag: &str| -> Result<std::path::PathBuf, String> {
            let path = dir.join(format!("scale-identical-{}-{tag}", std::process::id()));
            let file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
            std::process::Command::new(bin)
                .args(args.split_whitespace())
                .stdout(file)
                .status()
                .map_err(|e| format!("{bin}: {e}"))?;
            Ok(path)
        };
        let (a, b) = (out(new, "new")?, out(old, "old")?);
        let same = same_bytes(&a, &b).map_err(|e| e.to_string());
        let len = std::fs::metadata(&a).map_or(0, |m| m.len());
        let _ = (std::fs::remove_file(&a), std::fs::remove_file(&b));
        if !same? {
            return Err(format!(
                "`rnetstat {args}`: {new} and {old} print different bytes"
            ));
        }
        println!("identical: `rnetstat {args}` ({len} bytes)");
    }
    Ok(())
}

/// Whether two files hold the same bytes, read 64 KiB at a time.
fn same_bytes(a: &std::path::Path, b: &std::path::Path) -> std::io::Result<bool> {
    use std::io::Read;
    let (mut fa, mut fb) = (std::fs::File::open(a)?, std::fs::File::open(b)?);
    let (mut ba, mut bb) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    loop {
        let n = fa.read(&mut ba)?;
        let mut got = 0;
        while got < n {
            let k = fb.read(&mut bb[got..n])?;
            if k == 0 {
                return Ok(false);
            }
            got += k;
        }
        if ba[..n] != bb[..n] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(fb.read(&mut bb[..1])? == 0);
        }
    }
}

/// How many TCP sockets each tool lists (to check they all saw the whole load).
fn listed(r: &str) -> std::io::Result<Vec<(String, usize)>> {
    let rows = |cmd: &str, header: usize| -> std::io::Result<usize> {
        Ok(measure::count_lines(&argv(cmd))?.saturating_sub(header))
    };
    Ok(vec![
        ("rnetstat".into(), rows(&format!("{r} -tan"), 2)?),
        ("ss".into(), rows("ss -tan", 1)?),
        ("netstat".into(), rows("netstat -tan", 2)?),
    ])
}

/// The machine, kernel and tool versions, as one paragraph.
fn machine(r: &str) -> String {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_gib = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.trim().trim_end_matches(" kB").parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    let first = |cmd: &str| {
        measure::output(&argv(cmd))
            .ok()
            .and_then(|o| o.lines().next().map(|l| l.trim().to_string()))
            .unwrap_or_else(|| "?".into())
    };
    format!(
        "Measured {} by `bench/scale {}`.\n\nMachine: {cpu}, {cores} cores, {mem_gib:.0} GiB; kernel {}; {}; {}; {} (git {}).\n",
        first("date -u +%Y-%m-%d"),
        std::env::args().skip(1).collect::<Vec<_>>().join(" "),
        read("/proc/sys/kernel/osrelease").trim(),
        first("ss -V"),
        first("netstat -V"),
        first(&format!("{r} --version")),
        first("git rev-parse --short HEAD"),
    )
}
