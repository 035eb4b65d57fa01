//! rnetstat-lab: `rnetstat lab`: TCP from both ends in a private network namespace.
//!
//! Without a scenario it walks the stack's built-in services through the life cycle
//! (`tour`, the original eight steps). With `--scenario NAME` or `--script FILE` it runs a
//! scenario (`script`) twice, once with the kernel as side a and once with the stack, on an
//! impaired link (`stack::impair`), and prints both runs' outcomes side by side; it exits 1
//! when an expected behaviour was not observed. `--pcap`, `--ladder` and `--ladder-svg`
//! write what crossed the link.
//!
//! Layout: `script` (the format), `builtin` (the scenarios), `run` (one run),
//! `kernel_side` (the kernel's socket), `look` (both sockets at one moment), `record` (what a
//! run leaves), `report` (side by side), `pcapng`, `ladder` and `svg` (outputs), `tour`.
//!
//! Public entry points: [`run()`] (`rnetstat lab`), [`compare::run`] (`rnetstat compare`),
//! [`config::LabConfig`] and [`config::CompareConfig`], [`script::parse`].
#![deny(unsafe_code)]

pub mod compare;
pub mod config;

pub(crate) mod builtin;
pub(crate) mod kernel_side;
pub mod ladder;
pub mod look;
pub mod pcapng;
pub mod record;
pub mod report;
pub mod run;
pub mod script;
pub mod svg;
pub mod tour;

use std::io;

use crate::config::{LabConfig, ScenarioSource};
use rnetstat_model::error::Error;
use rnetstat_sys::net as netdev;
use rnetstat_sys::safe_file::{MAX_INPUT, OutFile, read_input};

/// Which way a packet crossed the lab's link, in words.
pub fn arrow(dir: rnetstat_stack::tap::Dir) -> &'static str {
    match dir {
        rnetstat_stack::tap::Dir::In => "kernel → stack",
        rnetstat_stack::tap::Dir::Out => "stack → kernel",
    }
}

/// Step mode's pause between packets: `auto`'s delay (zero: none), or Enter. A closed
/// stdin carries on without waiting.
pub fn pause(auto: Option<std::time::Duration>, indent: &str) -> io::Result<()> {
    use std::io::{BufRead, Write};
    match auto {
        Some(d) => std::thread::sleep(d),
        None => {
            print!("{indent}[Enter for the next packet] ");
            io::stdout().flush()?;
            let mut line = String::new();
            io::stdin().lock().read_line(&mut line)?;
        }
    }
    Ok(())
}

pub fn run(cfg: &LabConfig) -> Result<(), Error> {
    // Interrupted mid-scenario (Ctrl-C at a `--step` pause), the lab still removes its
    // stack's control socket; its namespace and TUN device go with the process.
    rnetstat_sys::cleanup::exit_on_signals().map_err(Error::Stack)?;
    if cfg.list {
        for (name, text) in builtin::SCENARIOS {
            let title = script::parse(text).map(|s| s.title).unwrap_or_default();
            println!("{name:<20} {title}");
        }
        return Ok(());
    }
    let Some(source) = &cfg.scenario else {
        return tour::run(cfg);
    };
    let (text, origin) = match source {
        ScenarioSource::Builtin(n) => (
            builtin::find(n)
                .ok_or_else(|| {
                    let names: Vec<&str> = builtin::SCENARIOS.iter().map(|(n, _)| *n).collect();
                    Error::Usage(format!(
                        "--scenario: no scenario '{n}' (built in: {})",
                        names.join(", ")
                    ))
                })?
                .to_string(),
            format!("scenario {n}"),
        ),
        ScenarioSource::File(p) => (
            String::from_utf8_lossy(&read_input(p, MAX_INPUT)?).into_owned(),
            p.display().to_string(),
        ),
    };
    let script = script::parse(&text).map_err(|e| Error::Usage(format!("{origin}: {e}")))?;
    if rnetstat_sys::geteuid() != 0 {
        return Err(Error::Permission(
            "rnetstat lab needs root (CAP_SYS_ADMIN for a network namespace, CAP_NET_ADMIN for the TUN device)".into(),
        ));
    }
    // Outputs that cannot be written are refused before the scenario runs, not after.
    for p in [&cfg.pcap, &cfg.ladder_svg].into_iter().flatten() {
        OutFile::new(p).check()?;
    }
    netdev::unshare_netns().map_err(Error::Stack)?;
    netdev::link_up("lo", None, None).map_err(Error::Stack)?;
    println!("rnetstat lab: {} — {}", script.name, script.title);
    println!("{}", report::wrap(&script.about, "  "));
    let ways: Vec<bool> = match cfg.kernel_first {
        Some(k) => vec![k],
        None => vec![true, false],
    };
    let mut runs = Vec::new();
    for (i, kernel_is_a) in ways.into_iter().enumerate() {
        let r = run::run(&script, cfg, kernel_is_a, i as u16 + 1).map_err(Error::Stack)?;
        if cfg.ladder {
            println!();
            ladder::draw(&mut io::stdout().lock(), &r).map_err(Error::Stack)?;
        }
        runs.push(r);
    }
    report::side_by_side(&mut io::stdout().lock(), &runs).map_err(Error::Stack)?;
    if let Some(p) = &cfg.pcap {
        OutFile::new(p).write(|w| w.write_all(&pcapng::encode(&runs)))?;
        println!(
            "pcapng: {} ({} packets)",
            p.display(),
            runs.iter().map(|r| r.packets.len()).sum::<usize>()
        );
    }
    if let Some(p) = &cfg.ladder_svg {
        OutFile::new(p).write(|w| w.write_all(svg::render(&runs).as_bytes()))?;
        println!("ladder: {}", p.display());
    }
    let failed: Vec<String> = runs
        .iter()
        .filter(|r| !r.passed())
        .map(|r| r.label().to_string())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Error::Stack(io::Error::other(format!(
            "{}: the expected behaviour was not observed ({})",
            script.name,
            failed.join("; ")
        ))))
    }
}
