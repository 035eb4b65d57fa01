//! Reads every counter file `-s` draws on, whichever part is shown, so `--delta`'s history
//! is always whole. `/proc/net/snmp` must be there; the others may be missing (no IPv6, no
//! SCTP module), which only leaves their sections out.

use crate::procfs::{ProcRoot, snmp};
use rnetstat_model::counters::{Section, StatsFile};
use rnetstat_model::error::Error;

/// All sections, file by file, and warnings for lines that could not be read.
pub fn read(root: &ProcRoot) -> Result<(Vec<Section>, Vec<String>), Error> {
    let mut sections = Vec::new();
    let mut warnings = Vec::new();
    let path = root.path(StatsFile::Snmp.rel());
    let mut text = std::fs::read_to_string(&path).map_err(|source| Error::Proc { path, source })?;
    snmp::parse_pairs(&text, StatsFile::Snmp, &mut sections, &mut warnings);
    root.read_table(StatsFile::Netstat.rel(), &mut text)?;
    snmp::parse_pairs(&text, StatsFile::Netstat, &mut sections, &mut warnings);
    root.read_table(StatsFile::Snmp6.rel(), &mut text)?;
    snmp::parse_named(&text, StatsFile::Snmp6, None, &mut sections, &mut warnings);
    root.read_table(StatsFile::Sctp.rel(), &mut text)?;
    snmp::parse_named(
        &text,
        StatsFile::Sctp,
        Some("Sctp"),
        &mut sections,
        &mut warnings,
    );
    Ok((sections, warnings))
}

/// Whether `/proc/net/snmp6` exists (the kernel has IPv6).
pub fn has_ipv6(root: &ProcRoot) -> bool {
    root.path(StatsFile::Snmp6.rel()).exists()
}
