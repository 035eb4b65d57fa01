//! The format of `-s --delta`'s history file: text, one counter per line, so a person can
//! read it (where it is kept, and how it is written, is the binary's `history`).
//! ```text
//! rnetstat-stats-history 1
//! netns 4026531840
//! taken 1763712000.250
//! net/snmp Tcp ActiveOpens 560
//! ```

use std::fmt::Write as _;

use rnetstat_model::counters::{Counter, Section, StatsFile};

pub const MAGIC: &str = "rnetstat-stats-history 1";
pub const MAGIC_LINE: &str = "rnetstat-stats-history 1\n";

/// The counters saved by an earlier run.
#[derive(Debug, Clone, PartialEq)]
pub struct Saved {
    /// Seconds since the Unix epoch when they were read.
    pub taken: f64,
    pub sections: Vec<Section>,
}

impl Saved {
    /// Seconds between this and `now`; `None` when the clock went backwards.
    pub fn age(&self, now: f64) -> Option<f64> {
        Some(now - self.taken).filter(|s| *s >= 0.0)
    }
}

/// The file's text for `sections`, read at `taken` in namespace `netns`.
pub fn format(netns: u64, sections: &[Section], taken: f64) -> String {
    let mut s = format!("{MAGIC}\nnetns {netns}\ntaken {taken:.3}\n");
    for sec in sections {
        for c in &sec.counters {
            let _ = writeln!(s, "{} {} {} {}", sec.file.rel(), sec.name, c.name, c.value);
        }
    }
    s
}

/// The namespace a file was saved in, and its counters.
pub fn parse(text: &str) -> Result<(u64, Saved), String> {
    let mut lines = text.lines();
    if lines.next() != Some(MAGIC) {
        return Err("not an rnetstat history file".into());
    }
    let mut field = |key: &str| {
        lines
            .next()
            .and_then(|l| l.strip_prefix(key))
            .and_then(|v| v.strip_prefix(' '))
            .map(str::to_string)
            .ok_or_else(|| format!("no `{key}` line"))
    };
    let netns = field("netns")?
        .parse()
        .map_err(|_| "a bad `netns` line".to_string())?;
    let taken: f64 = field("taken")?
        .parse()
        .map_err(|_| "a bad `taken` line".to_string())?;
    let mut sections: Vec<Section> = Vec::new();
    for (n, line) in lines.enumerate() {
        let bad = || format!("line {} is not `file section counter value`", n + 4);
        let mut w = line.split(' ');
        let (Some(file), Some(sec), Some(name), Some(value), None) =
            (w.next(), w.next(), w.next(), w.next(), w.next())
        else {
            return Err(bad());
        };
        let file = [
            StatsFile::Snmp,
            StatsFile::Netstat,
            StatsFile::Snmp6,
            StatsFile::Sctp,
        ]
        .into_iter()
        .find(|f| f.rel() == file)
        .ok_or_else(bad)?;
        let value = value.parse().map_err(|_| bad())?;
        let counter = Counter {
            name: name.to_string(),
            value,
        };
        match sections.last_mut() {
            Some(s) if s.file == file && s.name == sec => s.counters.push(counter),
            _ => sections.push(Section {
                file,
                name: sec.to_string(),
                counters: vec![counter],
            }),
        }
    }
    Ok((netns, Saved { taken, sections }))
}
