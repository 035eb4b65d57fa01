//! Batches in the file: writing one, noting a remnant that went other than when its timer
//! said, and reading them back (their entries, each remnant's end as it was found:
//! `remnant_ends` overrides a timer's) for `--at`, `history`, `--age` and a recorder taking
//! up where another left off.

use rusqlite::{Connection, OptionalExtension, params};

use crate::batch::{Entry, decode, decode_ends, encode_ends};
use crate::seen::Key;

/// The batches some of whose connections (or remnants) were there after `after` and that
/// began by `until` (Unix ms): each's id, the sample that wrote it (whose dump listed its
/// remnants), and its entries; when `remotes` is given, only batches
/// that may hold one of those remote addresses (a batch's `remotes` lists them, or is NULL
/// for many).
pub(crate) fn load(
    db: &Connection,
    after: i64,
    until: i64,
    remotes: Option<&[String]>,
) -> rusqlite::Result<Vec<(i64, i64, Vec<Entry>)>> {
    let mut q = db.prepare_cached(
        "SELECT id, at, last_end, remotes FROM batches WHERE last_end > ?1 AND first_open <= ?2
         ORDER BY id",
    )?;
    let mut chosen: Vec<(i64, i64, i64)> = Vec::new();
    let mut rows = q.query(params![after, until])?;
    while let Some(r) = rows.next()? {
        let listed: Option<String> = r.get(3)?;
        let takes = match (remotes, &listed) {
            (Some(want), Some(l)) => l.split(' ').any(|a| want.iter().any(|w| w == a)),
            _ => true,
        };
        if takes {
            chosen.push((r.get(0)?, r.get(1)?, r.get(2)?));
        }
    }
    let Some(from) = chosen.iter().map(|c| c.1).min() else {
        return Ok(Vec::new());
    };
    let to = chosen.iter().map(|c| c.2).max().unwrap_or(from);
    // Each batch's remnants found gone: written by a later sample, by its last end.
    let wanted: rnetstat_sys::hash::Set<i64> = chosen.iter().map(|c| c.0).collect();
    let mut ends: rnetstat_sys::hash::Map<(i64, u32), i64> = Default::default();
    let mut e = db.prepare_cached(
        "SELECT at, data FROM remnant_ends WHERE at > ?1 AND at <= ?2 ORDER BY at",
    )?;
    let mut rows = e.query(params![from, to])?;
    while let Some(r) = rows.next()? {
        let at: i64 = r.get(0)?;
        let blob: Vec<u8> = r.get(1)?;
        for pair in decode_ends(&blob).map_err(|e| bad(format!("remnant ends at {at}: {e}")))? {
            if wanted.contains(&pair.0) {
                ends.insert(pair, at);
            }
        }
    }
    let mut data = db.prepare_cached("SELECT data FROM batches WHERE id = ?1")?;
    let mut out = Vec::with_capacity(chosen.len());
    for (id, written, _) in chosen {
        let blob: Vec<u8> = data.query_row([id], |r| r.get(0))?;
        let mut entries =
            decode(&blob, crate::read::known).map_err(|e| bad(format!("batch {id}: {e}")))?;
        for (i, e) in entries.iter_mut().enumerate() {
            if let Some(r) = e.remnant.as_mut()
                && let Some(&at) = ends.get(&(id, i as u32))
            {
                r.until = at;
            }
        }
        out.push((id, written, entries));
    }
    Ok(out)
}

/// The (batch, entry) pairs whose remnants a run with another scope ended after `last`
/// (`after` NULL): nobody looks at them any more.
pub(crate) fn unrecorded_after(
    db: &Connection,
    last: i64,
) -> rusqlite::Result<rnetstat_sys::hash::Set<(i64, u32)>> {
    let mut q =
        db.prepare_cached("SELECT at, data FROM remnant_ends WHERE at > ?1 AND after IS NULL")?;
    let mut rows = q.query([last])?;
    let mut out = rnetstat_sys::hash::Set::default();
    while let Some(r) = rows.next()? {
        let at: i64 = r.get(0)?;
        let blob: Vec<u8> = r.get(1)?;
        out.extend(decode_ends(&blob).map_err(|e| bad(format!("remnant ends at {at}: {e}")))?);
    }
    Ok(out)
}

/// A blob that is not what rnetstat writes, as a read error.
fn bad(why: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, why.into())
}

/// A batched connection's remnant that dumps still list: where its entry is, and when its
/// timer ends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tracked {
    pub batch: i64,
    pub entry: u32,
    pub until: i64,
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
    let list: Vec<Entry> = entries.iter().map(|(e, _)| e.clone()).collect();
    let data = crate::batch::encode(&list).map_err(bad)?;
    let first = list.iter().map(|e| e.opened).min().unwrap_or(at);
    let last = list.iter().map(Entry::end).max().unwrap_or(at);
    tx.execute(
        "INSERT INTO batches (at, first_open, last_end, count, remotes, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            at,
            first,
            last,
            list.len() as i64,
            crate::batch::remotes(&list),
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
