//! Batches in the file: writing one, noting a remnant that went other than when its timer
//! said, and reading them back (their entries, each remnant's end as it was found:
//! `remnant_ends` overrides a timer's) for `--at`, `history`, `--age` and a recorder taking
//! up where another left off.

use rusqlite::{Connection, OptionalExtension, params};

use crate::batch::{Entry, decode, decode_ends, encode_ends};
use crate::seen::Key;

/// Each batch some of whose connections (or remnants) were there after `after` and that
/// began by `until` (Unix ms), in order, given to `each` with its id, the sample that wrote
/// it, and its entries (each remnant's end as found); when `remotes` is given, only batches
/// that may hold one of those remote addresses (a batch's `remotes` lists them, or is NULL
/// for many). One batch is in memory at a time, with the remnant ends still to apply.
pub(crate) fn each(
    db: &Connection,
    after: i64,
    until: i64,
    remotes: Option<&[String]>,
    mut each: impl FnMut(i64, i64, Vec<Entry>) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let mut q = db.prepare_cached(
        "SELECT id, at, last_end, remotes, count FROM batches
         WHERE last_end > ?1 AND first_open <= ?2 ORDER BY id",
    )?;
    let mut chosen: Vec<(i64, i64, i64, i64)> = Vec::new();
    let mut rows = q.query(params![after, until])?;
    while let Some(r) = rows.next()? {
        let listed: Option<String> = r.get(3)?;
        let takes = match (remotes, &listed) {
            (Some(want), Some(l)) => l.split(' ').any(|a| want.iter().any(|w| w == a)),
            _ => true,
        };
        if takes {
            chosen.push((r.get(0)?, r.get(1)?, r.get(2)?, r.get(4)?));
        }
    }
    let Some(from) = chosen.iter().map(|c| c.1).min() else {
        return Ok(());
    };
    let to = chosen.iter().map(|c| c.2).max().unwrap_or(from);
    let wanted: rnetstat_sys::hash::Set<i64> = chosen.iter().map(|c| c.0).collect();
    // The remnants found gone, read as far as the batch at hand can need (a later sample
    // than its own, by its last end): (batch, entry) → (when, whether nobody looked).
    let mut ends: rnetstat_sys::hash::Map<(i64, u32), (i64, bool)> = Default::default();
    let mut e = db.prepare_cached(
        "SELECT at, after IS NULL, data FROM remnant_ends WHERE at > ?1 AND at <= ?2
         ORDER BY at",
    )?;
    let mut found = e.query(params![from, to])?;
    let mut next: Option<(i64, bool, Vec<u8>)> = None;
    let mut data = db.prepare_cached("SELECT data FROM batches WHERE id = ?1")?;
    for (id, written, last_end, count) in chosen.iter().copied() {
        loop {
            if next.is_none() {
                next = match found.next()? {
                    Some(r) => Some((r.get(0)?, r.get(1)?, r.get(2)?)),
                    None => break,
                };
            }
            match next.take() {
                Some((at, unrecorded, blob)) if at <= last_end => {
                    let pairs = decode_ends(&blob)
                        .map_err(|e| bad(format!("remnant ends at {at}: {e}")))?;
                    for pair in pairs {
                        if pair.0 >= id && wanted.contains(&pair.0) {
                            ends.insert(pair, (at, unrecorded));
                        }
                    }
                }
                later => {
                    next = later;
                    break;
                }
            }
        }
        let blob: Vec<u8> = data.query_row([id], |r| r.get(0))?;
        let mut entries = decode(&blob).map_err(|e| bad(format!("batch {id}: {e}")))?;
        if entries.len() as i64 != count {
            return Err(bad(format!(
                "batch {id}: {} connections, its row says {count}",
                entries.len()
            )));
        }
        for (i, e) in entries.iter_mut().enumerate() {
            if let Some(r) = e.remnant.as_mut()
                && let Some((at, unrecorded)) = ends.remove(&(id, i as u32))
            {
                r.until = at;
                r.unrecorded = unrecorded;
            }
        }
        each(id, written, entries)?;
    }
    Ok(())
}

/// A blob that is not what rnetstat writes, as a read error (its text alone).
fn bad(why: String) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(why.into())
}

/// A batched connection's remnant that dumps still list: where its entry is, and when its
/// timer ends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tracked {
    pub batch: i64,
    pub entry: u32,
    pub until: i64,
    /// Listed past its timer: `until` is just after the last sample that listed it, and
    /// when it goes, the sample that finds it gone is written.
    pub provisional: bool,
}

/// How long a time-wait remnant lives when a dump did not read its timer (Linux's
/// TCP_TIMEWAIT_LEN).
pub(crate) const TIME_WAIT_MS: i64 = 60_000;

/// Writes one batch of connections (sorted, each with its remnant's key); its row id.
pub(crate) fn insert_batch(
    tx: &rusqlite::Transaction<'_>,
    at: i64,
    entries: &[(Entry, Option<Key>)],
) -> rusqlite::Result<i64> {
    let list = || entries.iter().map(|(e, _)| e);
    let data = crate::batch::encode(list()).map_err(bad)?;
    let first = list().map(|e| e.opened).min().unwrap_or(at);
    let last = list().map(Entry::end).max().unwrap_or(at);
    tx.execute(
        "INSERT INTO batches (at, first_open, last_end, count, remotes, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            at,
            first,
            last,
            entries.len() as i64,
            crate::batch::remotes(list()),
            data
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Notes the batched connections' remnants found gone at `at` (after `after`), not when
/// their timers said; a batch lasts at least as long as its remnants.
pub(crate) fn remnants_ended(
    tx: &rusqlite::Transaction<'_>,
    gone: &[Tracked],
    at: i64,
    after: Option<i64>,
) -> rusqlite::Result<()> {
    if gone.is_empty() {
        return Ok(());
    }
    let mut pairs: Vec<(i64, u32)> = gone.iter().map(|t| (t.batch, t.entry)).collect();
    // A sample written twice at one moment: both lists kept.
    let had: Option<Vec<u8>> = tx
        .query_row("SELECT data FROM remnant_ends WHERE at = ?1", [at], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(blob) = had {
        pairs.extend(decode_ends(&blob).map_err(|e| bad(format!("remnant ends at {at}: {e}")))?);
    }
    let data = encode_ends(&pairs).map_err(bad)?;
    tx.execute(
        "INSERT OR REPLACE INTO remnant_ends (at, after, data) VALUES (?1, ?2, ?3)",
        params![at, after, data],
    )?;
    let mut longer =
        tx.prepare_cached("UPDATE batches SET last_end = ?2 WHERE id = ?1 AND last_end < ?2")?;
    for t in gone.iter().filter(|t| t.until < at) {
        longer.execute(params![t.batch, at])?;
    }
    Ok(())
}
