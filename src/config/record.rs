//! `rnetstat record`'s options, resolved: what to dump (the exporter's selection: every
//! state), where the database is, how often, and how long closed sockets are kept.

use std::path::PathBuf;
use std::time::Duration;

use super::{exporter_config, seconds};
use crate::cli::{ExporterArgs, RecordArgs};
use crate::error::Error;
use crate::source::Selection;
use crate::source::netns::Target;

#[derive(Debug, Clone)]
pub struct RecordConfig {
    pub selection: Selection,
    pub netns: Target,
    pub db: PathBuf,
    /// Whether `db` is the default place, whose directory is made when missing.
    pub default_db: bool,
    pub interval: Duration,
    pub retention: Duration,
    /// `--max-size`, in bytes.
    pub max_size: u64,
}

impl RecordConfig {
    pub fn from_args(a: &RecordArgs) -> Result<RecordConfig, Error> {
        let interval = seconds("--interval", &a.interval)?;
        let retention = duration("--retention", &a.retention)?;
        let max_size = size("--max-size", &a.max_size)?;
        let exporter = exporter_config(&ExporterArgs {
            protocols: a.protocols.clone(),
            netns: a.netns.clone(),
            ports: Vec::new(),
            max_series: 1,
            filter: a.filter.clone(),
        })?;
        let (db, default_db) = match &a.db {
            Some(p) => (p.clone(), false),
            None => (default_db()?, true),
        };
        Ok(RecordConfig {
            selection: exporter.selection,
            netns: exporter.netns,
            db,
            default_db,
            interval,
            retention,
            max_size,
        })
    }
}

/// `/var/lib/rnetstat/history.db` as root, else under `$XDG_STATE_HOME` (or
/// `~/.local/state`).
pub(crate) fn default_db() -> Result<PathBuf, Error> {
    if crate::sys::geteuid() == 0 {
        return Ok(PathBuf::from("/var/lib/rnetstat/history.db"));
    }
    let var = |k: &str| {
        std::env::var_os(k)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    var("XDG_STATE_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".local/state")))
        .map(|d| d.join("rnetstat/history.db"))
        .ok_or_else(|| {
            Error::Usage(
                "the recorder's database: neither $XDG_STATE_HOME nor $HOME is set; give --db PATH"
                    .into(),
            )
        })
}

/// `90s`, `10m`, `2h`, `7d` (a bare number is seconds); at least a minute, at most ten
/// years.
pub(crate) fn duration(flag: &str, s: &str) -> Result<Duration, Error> {
    let t = s.trim();
    let (num, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c),
        _ => (t, 's'),
    };
    let mult = match unit {
        's' => 1.0,
        'm' => 60.0,
        'h' => 3600.0,
        'd' => 86_400.0,
        _ => f64::NAN,
    };
    num.parse::<f64>()
        .ok()
        .map(|n| n * mult)
        .filter(|v| (60.0..=3.2e8).contains(v))
        .map(Duration::from_secs_f64)
        .ok_or_else(|| {
            Error::Usage(format!(
                "{flag}: '{}' is not a duration from a minute to ten years (e.g. 90m, 7d)",
                crate::output::sanitize::quoted(s)
            ))
        })
}

/// `512K`, `100M`, `1G` (a bare number is bytes); at least 64 KiB.
pub(crate) fn size(flag: &str, s: &str) -> Result<u64, Error> {
    let t = s.trim();
    let (num, mult) = match t.chars().last() {
        Some('K' | 'k') => (&t[..t.len() - 1], 1u64 << 10),
        Some('M' | 'm') => (&t[..t.len() - 1], 1 << 20),
        Some('G' | 'g') => (&t[..t.len() - 1], 1 << 30),
        Some('T' | 't') => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|n| *n >= 64 << 10)
        .ok_or_else(|| {
            Error::Usage(format!(
                "{flag}: '{}' is not a size of at least 64K (e.g. 500M, 1G)",
                crate::output::sanitize::quoted(s)
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(
            duration("-", "7d").unwrap(),
            Duration::from_secs(7 * 86_400)
        );
        assert_eq!(duration("-", "90m").unwrap(), Duration::from_secs(5400));
        assert_eq!(duration("-", "120").unwrap(), Duration::from_secs(120));
        for bad in ["", "d", "5s", "-1d", "1w", "NaNd", "1e99d"] {
            assert!(duration("-", bad).is_err(), "{bad}");
        }
        assert_eq!(size("-", "1G").unwrap(), 1 << 30);
        assert_eq!(size("-", "500M").unwrap(), 500 << 20);
        for bad in ["", "1", "63K", "-1G", "1.5G", "99999999999T"] {
            assert!(size("-", bad).is_err(), "{bad}");
        }
    }
}
