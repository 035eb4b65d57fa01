//! `-s --delta`'s memory: the counters of the previous run, kept per user and per network
//! namespace, as nstat keeps its history file (iproute2 misc/nstat.c). Counters are per
//! namespace, so each namespace has its own file and a file from another one is never
//! subtracted.
//!
//! Where: `$RNETSTAT_HISTORY` if set (one file, whatever the namespace; a file recorded in
//! another namespace is ignored), else `rnetstat/stats-net<inode>` under `$XDG_RUNTIME_DIR`,
//! `$XDG_STATE_HOME` or `~/.local/state`. The directory is made 0700 and the file 0600, and
//! it is replaced whole (written aside, then renamed), so a reader never sees half of it.
//!
//! The format is text, one counter per line, so a person can read it:
//! ```text
//! rnetstat-stats-history 1
//! netns 4026531840
//! taken 1763712000.250
//! net/snmp Tcp ActiveOpens 560
//! ```

use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::diag::stats_history::{MAGIC_LINE, Saved, format, parse};
use crate::error::Error;
use crate::model::counters::Section;
use crate::safe_file::OutFile;

/// A history holds a few hundred counters; a file much larger than that is not one.
const MAX_BYTES: u64 = 4 << 20;

pub(crate) struct History {
    path: PathBuf,
    netns: u64,
    /// The default place, whose `rnetstat/` directory is made when missing; a path the
    /// user named (`$RNETSTAT_HISTORY`) must be in a directory that exists.
    make_dir: bool,
}

/// Seconds since the Unix epoch.
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The inode of this process's network namespace (0 if it cannot be read).
pub(crate) fn netns_inode() -> u64 {
    fs::metadata("/proc/thread-self/ns/net").map_or(0, |m| m.ino())
}

impl History {
    /// The history of this user in namespace `netns`.
    pub fn locate(netns: u64) -> Result<History, Error> {
        let var = |k: &str| {
            std::env::var_os(k)
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
        };
        if let Some(p) = std::env::var_os("RNETSTAT_HISTORY").filter(|p| !p.is_empty()) {
            let path = PathBuf::from(p);
            if !path.is_absolute() {
                return Err(Error::Usage(format!(
                    "RNETSTAT_HISTORY={}: not an absolute path",
                    crate::output::sanitize::quoted(&path.to_string_lossy())
                )));
            }
            return Ok(History {
                path,
                netns,
                make_dir: false,
            });
        }
        let dir = var("XDG_RUNTIME_DIR")
            .or_else(|| var("XDG_STATE_HOME"))
            .or_else(|| var("HOME").map(|h| h.join(".local/state")))
            .ok_or_else(|| {
                Error::Usage(
                    "--delta keeps its history under $XDG_RUNTIME_DIR, $XDG_STATE_HOME or \
                     $HOME, and none is set; set RNETSTAT_HISTORY to a file path"
                        .into(),
                )
            })?;
        Ok(History {
            path: dir.join("rnetstat").join(format!("stats-net{netns}")),
            netns,
            make_dir: true,
        })
    }

    /// The path as it may be printed (control characters replaced).
    pub fn shown(&self) -> String {
        crate::output::sanitize::sanitized(&self.path.to_string_lossy())
    }

    /// The file as [`OutFile`] sees it: 0600, and ours only if it starts with our header.
    fn file(&self) -> OutFile<'_> {
        OutFile::new(&self.path)
            .mode(0o600)
            .magic(MAGIC_LINE.as_bytes())
    }

    /// The previous run's counters, or `None` when there are none for this namespace. A
    /// damaged history of ours is a warning, not an error; something at the path that is
    /// not ours (no header, not a regular file, another user's) is an error, and is neither
    /// used nor replaced.
    pub fn load(&self, warnings: &mut Vec<String>) -> Result<Option<Saved>, Error> {
        let Some(bytes) = self.file().read(MAX_BYTES)? else {
            return Ok(None);
        };
        let text = String::from_utf8_lossy(&bytes);
        Ok(match parse(&text) {
            Ok((netns, _)) if netns != self.netns => {
                warnings.push(format!(
                    "{} was saved in another network namespace; not used",
                    self.shown()
                ));
                None
            }
            Ok((_, saved)) => Some(saved),
            Err(why) => {
                warnings.push(format!("{}: {why}; not used", self.shown()));
                None
            }
        })
    }

    /// Saves `sections`, read at `taken`, for the next run (the directory made 0700 if it
    /// is missing).
    pub fn save(&self, sections: &[Section], taken: f64) -> Result<(), Error> {
        if self.make_dir
            && let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty())
            && let Err(e) = fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
        {
            return Err(Error::File(crate::safe_file::FileError {
                path: self.path.clone(),
                writing: true,
                why: crate::safe_file::Why::Directory(dir.to_path_buf(), e),
            }));
        }
        let text = format(self.netns, sections, taken);
        self.file().write(|w| w.write_all(text.as_bytes()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::counters::{Counter, StatsFile};

    fn sample() -> Vec<Section> {
        let c = |n: &str, v| Counter {
            name: n.into(),
            value: v,
        };
        vec![
            Section {
                file: StatsFile::Snmp,
                name: "Tcp".into(),
                counters: vec![c("MaxConn", -1), c("ActiveOpens", 560)],
            },
            Section {
                file: StatsFile::Snmp6,
                name: "Ip6".into(),
                counters: vec![c("Ip6InReceives", u64::MAX as i128)],
            },
        ]
    }

    #[test]
    fn saves_and_loads_in_its_namespace_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/hist");
        let h = History {
            path: path.clone(),
            netns: 7,
            make_dir: true,
        };
        let mut warnings = Vec::new();
        assert_eq!(h.load(&mut warnings).unwrap(), None);
        h.save(&sample(), 1000.5).unwrap();
        h.save(&sample(), 1001.25).unwrap();
        let saved = h.load(&mut warnings).unwrap().unwrap();
        assert_eq!(saved.sections, sample());
        assert_eq!(saved.taken, 1001.25);
        assert_eq!(saved.age(1003.0), Some(1.75));
        assert!(warnings.is_empty(), "{warnings:?}");
        let mode = fs::metadata(&path).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dmode = fs::metadata(path.parent().unwrap()).unwrap().mode() & 0o777;
        assert_eq!(dmode, 0o700);
        // Nothing left aside.
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);

        let other = History {
            path,
            netns: 8,
            make_dir: true,
        };
        assert_eq!(other.load(&mut warnings).unwrap(), None);
        assert!(
            warnings[0].contains("another network namespace"),
            "{warnings:?}"
        );
    }

    #[test]
    fn damaged_files_are_warned_about() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hist");
        let h = History {
            path: path.clone(),
            netns: 1,
            make_dir: true,
        };
        for (text, why) in [
            ("rnetstat-stats-history 1\nnetns x\n", "a bad `netns` line"),
            ("rnetstat-stats-history 1\nnetns 1\n", "no `taken` line"),
            (
                "rnetstat-stats-history 1\nnetns 1\ntaken 5\nnet/snmp Tcp A\n",
                "line 4 is not",
            ),
            (
                "rnetstat-stats-history 1\nnetns 1\ntaken 5\nnet/bogus Tcp A 1\n",
                "line 4 is not",
            ),
        ] {
            fs::write(&path, text).unwrap();
            let mut warnings = Vec::new();
            assert_eq!(h.load(&mut warnings).unwrap(), None, "{text}");
            assert!(warnings[0].contains(why), "{text}: {warnings:?}");
        }
    }

    #[test]
    fn what_is_not_a_history_is_neither_used_nor_replaced() {
        // Guards against RNETSTAT_HISTORY=/etc/passwd replacing /etc/passwd.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("passwd");
        fs::write(&path, "root:x:0:0::/root:/bin/sh\n").unwrap();
        let h = History {
            path: path.clone(),
            netns: 1,
            make_dir: true,
        };
        let e = h.load(&mut Vec::new()).unwrap_err().to_string();
        assert!(e.contains("not written by rnetstat; not replaced"), "{e}");
        assert!(h.save(&sample(), 1.0).is_err());
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "root:x:0:0::/root:/bin/sh\n"
        );
    }
}
