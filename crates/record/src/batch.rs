//! Batches: the TCP connections born and gone between two dumps (the kernel announced their
//! close, no dump listed them alive), kept one batch per interval as columns of varints,
//! compressed. At a thousand short connections a second a row each would cost hundreds of
//! bytes per socket; a batch costs a few (docs/PERFORMANCE.md, bench/record).
//!
//! The layout (docs/history.md): the zstd frame of `FORMAT`, the entry count, a string
//! table (every address, name and word the entries use, each once), then twelve
//! columns (`Columns`), each a length and its varints. Numbers that grow along the entries (cookies,
//! inodes, ports, opening times) are stored as signed differences from the entry before;
//! strings as an index into the table plus one (0: none). Entries are sorted by local port
//! and opening, so a server's connections sit together with their client ports rising.
//!
//! Reading a batch back is checked: a blob that is not one (truncated, a bad index, a
//! column too short, more than `MAX_BYTES` when inflated, counts its columns cannot hold,
//! more copied text than `MAX_STRING_BYTES`) is an error, never a panic, and allocates
//! only what its data backs.

use rnetstat_sys::hash::Map;

use crate::store::{Counters, Seen, SeenContainer};

/// The first byte of an inflated batch: this layout.
const FORMAT: u8 = 1;
/// A batch's columns, in stored order: bytes when written, readers when read.
#[derive(Default)]
struct Columns<T> {
    ns: T,
    names: T,
    cookie: T,
    inode: T,
    words: T,
    local: T,
    remote: T,
    owner: T,
    queues: T,
    counters: T,
    times: T,
    remnant: T,
}

impl<T> Columns<T> {
    /// Each column, in stored order.
    fn in_order(&self) -> [&T; 12] {
        let c = self;
        [
            &c.ns,
            &c.names,
            &c.cookie,
            &c.inode,
            &c.words,
            &c.local,
            &c.remote,
            &c.owner,
            &c.queues,
            &c.counters,
            &c.times,
            &c.remnant,
        ]
    }

    /// The columns from `next`, called once each in stored order.
    fn read(mut next: impl FnMut() -> Result<T, String>) -> Result<Columns<T>, String> {
        Ok(Columns {
            ns: next()?,
            names: next()?,
            cookie: next()?,
            inode: next()?,
            words: next()?,
            local: next()?,
            remote: next()?,
            owner: next()?,
            queues: next()?,
            counters: next()?,
            times: next()?,
            remnant: next()?,
        })
    }
}
/// The most an inflated batch may take; a larger one is refused as not ours.
const MAX_BYTES: usize = 64 << 20;
/// The most string bytes one batch's entries may copy out of its table (a short string
/// named by every entry is normal; a long one named by every entry is an attack).
const MAX_STRING_BYTES: usize = 256 << 20;
/// The most entries a batch holds; a larger interval is written as several.
pub(crate) const MAX_ENTRIES: usize = 50_000;

/// A blob inflated, refused past `MAX_BYTES` (read as a stream: nothing is reserved up
/// front on a frame's word).
fn inflate(blob: &[u8], what: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut raw = Vec::new();
    zstd::stream::read::Decoder::new(blob)
        .and_then(|d| d.take(MAX_BYTES as u64 + 1).read_to_end(&mut raw))
        .map_err(|e| format!("{what}: {e}"))?;
    if raw.len() > MAX_BYTES {
        return Err(format!("{what}: larger than {MAX_BYTES} bytes inflated"));
    }
    Ok(raw)
}
/// How hard zstd works: a batch is written once per interval and read rarely.
const LEVEL: i32 = 9;

/// A time-wait remnant a connection left: its own record, and when its timer ends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Remnant {
    pub state: &'static str,
    pub cookie: u64,
    pub inode: u32,
    pub recv_q: u32,
    pub send_q: u32,
    /// When it ends (Unix ms): its timer's expiry as the dump read it, or when a dump
    /// found it gone (read back from `remnant_ends`).
    pub until: i64,
    /// Read back: it "ended" when a recorder with another scope stopped looking at it.
    pub unrecorded: bool,
}

/// One connection born and gone between two dumps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Its last record, as the kernel announced it destroyed (final counters).
    pub seen: Seen,
    /// When it opened (Unix ms): exact when a tracer saw it, else the close.
    pub opened: i64,
    pub exact: bool,
    /// Not exact: it opened after this sample.
    pub after: Option<i64>,
    /// When the kernel announced it destroyed.
    pub closed: i64,
    pub remnant: Option<Remnant>,
}

impl Entry {
    /// When nothing of it is left (its remnant's end, or its close).
    pub fn end(&self) -> i64 {
        self.remnant.as_ref().map_or(self.closed, |r| r.until)
    }

    /// Its remnant's key, as a dump keys it.
    pub fn remnant_key(&self) -> Option<crate::Key> {
        let r = self.remnant.as_ref()?;
        let ns = self.seen.key.0;
        Some((ns, r.cookie, if r.cookie == 0 { r.inode } else { 0 }))
    }

    /// Its remnant's record: the connection's attribution with the remnant's own values.
    pub fn remnant_seen(&self) -> Option<Seen> {
        let r = self.remnant.as_ref()?;
        let mut s = self.seen.clone();
        s.key = self.remnant_key()?;
        s.cookie = r.cookie;
        s.inode = r.inode;
        s.state = r.state;
        s.recv_q = r.recv_q;
        s.send_q = r.send_q;
        s.counters = None;
        Some(s)
    }
}

/// The strings of one batch, each once.
#[derive(Default)]
struct Strings<'a> {
    index: Map<&'a str, u64>,
    list: Vec<&'a str>,
}

impl<'a> Strings<'a> {
    fn id(&mut self, s: Option<&'a str>) -> u64 {
        let Some(s) = s else { return 0 };
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        self.list.push(s);
        let i = self.list.len() as u64;
        self.index.insert(s, i);
        i
    }
}

fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_signed(out: &mut Vec<u8>, v: i64) {
    put(out, ((v << 1) ^ (v >> 63)) as u64);
}

/// The differences a column stores, from the entry before.
#[derive(Default)]
struct Previous {
    ns: i64,
    cookie: i64,
    inode: i64,
    local_port: i64,
    remote_port: i64,
    opened: i64,
    after: i64,
}

/// The entries (in stored order: by local port, then opening) as one compressed blob.
pub(crate) fn encode<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Result<Vec<u8>, String> {
    let mut strings = Strings::default();
    let mut cols: Columns<Vec<u8>> = Columns::default();
    let mut p = Previous::default();
    let mut count = 0u64;
    for e in entries {
        count += 1;
        let s = &e.seen;
        let Columns {
            ns,
            names,
            cookie,
            inode,
            words,
            local,
            remote,
            owner,
            queues,
            counters,
            times,
            remnant,
        } = &mut cols;
        put_signed(ns, s.key.0 as i64 - p.ns);
        p.ns = s.key.0 as i64;
        let c = s.container.as_ref();
        put(names, strings.id(s.netns_name.as_deref()));
        put(names, strings.id(c.map(|c| c.id.as_str())));
        put(names, strings.id(c.and_then(|c| c.name.as_deref())));
        put(names, strings.id(c.map(|c| c.runtime)));
        put(names, strings.id(s.path.as_deref()));
        put_signed(cookie, s.cookie as i64 - p.cookie);
        p.cookie = s.cookie as i64;
        put_signed(inode, i64::from(s.inode) - p.inode);
        p.inode = i64::from(s.inode);
        put(inode, u64::from(s.first_inode ^ s.inode));
        for w in [s.proto, s.family, s.sock_type, s.state] {
            put(words, strings.id(Some(w)));
        }
        for (col, end, prev) in [
            (local, &s.local, &mut p.local_port),
            (remote, &s.remote, &mut p.remote_port),
        ] {
            put(col, strings.id(end.as_ref().map(|a| a.0.as_str())));
            let port = end.as_ref().map_or(0, |a| i64::from(a.1));
            put_signed(col, port - *prev);
            *prev = port;
        }
        put(owner, u64::from(s.uid));
        put(owner, s.pid.map_or(0, |p| u64::from(p) + 1));
        put(owner, strings.id(s.process.as_deref()));
        put(owner, strings.id(s.program.as_deref()));
        put(queues, u64::from(s.recv_q));
        put(queues, u64::from(s.send_q));
        match &s.counters {
            None => put(counters, 0),
            Some(k) => {
                put(counters, 1);
                put(counters, k.bytes_acked);
                put(counters, k.bytes_received);
                put(counters, u64::from(k.total_retrans));
                put(counters, k.rtt_us.map_or(0, |r| u64::from(r) + 1));
            }
        }
        put_signed(times, e.opened - p.opened);
        p.opened = e.opened;
        put_signed(times, e.closed - e.opened);
        put(times, u64::from(e.exact));
        match e.after {
            None => put(times, 0),
            Some(a) => {
                put(times, 1);
                put_signed(times, a - p.after);
                p.after = a;
            }
        }
        match &e.remnant {
            None => put(remnant, 0),
            Some(r) => {
                put(remnant, strings.id(Some(r.state)));
                put_signed(remnant, r.cookie as i64 - s.cookie as i64);
                put(remnant, u64::from(r.inode));
                put(remnant, u64::from(r.recv_q));
                put(remnant, u64::from(r.send_q));
                put_signed(remnant, r.until - e.closed);
            }
        }
    }
    let mut raw = vec![FORMAT];
    put(&mut raw, count);
    put(&mut raw, strings.list.len() as u64);
    for s in &strings.list {
        put(&mut raw, s.len() as u64);
        raw.extend_from_slice(s.as_bytes());
    }
    for c in cols.in_order() {
        put(&mut raw, c.len() as u64);
        raw.extend_from_slice(c);
    }
    zstd::bulk::compress(&raw, LEVEL).map_err(|e| format!("compressing a batch: {e}"))
}

/// A checked reader over an inflated batch.
struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, at: 0 }
    }

    fn u(&mut self) -> Result<u64, String> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = *self.data.get(self.at).ok_or("a batch column ends early")?;
            self.at += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("a number in a batch is too long".into())
    }

    fn i(&mut self) -> Result<i64, String> {
        let v = self.u()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    fn u32(&mut self) -> Result<u32, String> {
        u32::try_from(self.u()?).map_err(|_| "a batch number is out of range".into())
    }

    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = usize::try_from(self.u()?).map_err(|_| "a batch length is out of range")?;
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.data.len())
            .ok_or("a batch length runs past its end")?;
        let b = &self.data[self.at..end];
        self.at = end;
        Ok(b)
    }
}

/// The entries of one blob, in stored order; `known` names a word read back.
pub(crate) fn decode(blob: &[u8]) -> Result<Vec<Entry>, String> {
    use crate::read::known;
    let raw = inflate(blob, "a batch")?;
    let mut r = Reader::new(&raw);
    if r.data.first() != Some(&FORMAT) {
        return Err("a batch of a layout this rnetstat does not read".into());
    }
    r.at = 1;
    let count = r.u()?;
    if count > MAX_ENTRIES as u64 {
        return Err(format!(
            "a batch of {count} connections (at most {MAX_ENTRIES} are written)"
        ));
    }
    let nstrings = r.u()?;
    // Each string takes at least a byte: a count beyond the data is a lie.
    if nstrings > (raw.len() - r.at) as u64 {
        return Err("a batch's string count exceeds its size".into());
    }
    let mut strings = Vec::with_capacity(nstrings as usize);
    for _ in 0..nstrings {
        let b = r.bytes()?;
        strings.push(std::str::from_utf8(b).map_err(|_| "a batch string is not UTF-8")?);
    }
    let mut cols = Columns::read(|| Ok(Reader::new(r.bytes()?)))?;
    if r.at != raw.len() {
        return Err("a batch has bytes after its columns".into());
    }
    if cols
        .in_order()
        .iter()
        .any(|c| (c.data.len() as u64) < count)
    {
        return Err("a batch's entry count exceeds its columns".into());
    }
    let copied = std::cell::Cell::new(0usize);
    let text = |i: u64| -> Result<Option<String>, String> {
        match i {
            0 => Ok(None),
            i => {
                let s = strings
                    .get(i as usize - 1)
                    .ok_or("a batch string index is out of range")?;
                copied.set(copied.get() + s.len());
                if copied.get() > MAX_STRING_BYTES {
                    return Err("a batch names more text than any interval could".into());
                }
                Ok(Some(s.to_string()))
            }
        }
    };
    let word = |i: u64| -> Result<&'static str, String> {
        Ok(known(&text(i)?.ok_or("a batch word is missing")?))
    };
    let mut out = Vec::with_capacity((count as usize).min(4096));
    let mut p = Previous::default();
    let Columns {
        ns,
        names,
        cookie,
        inode,
        words,
        local,
        remote,
        owner,
        queues,
        counters,
        times,
        remnant,
    } = &mut cols;
    for _ in 0..count {
        p.ns = p.ns.wrapping_add(ns.i()?);
        let netns_name = text(names.u()?)?;
        let container_id = text(names.u()?)?;
        let container_name = text(names.u()?)?;
        let runtime = text(names.u()?)?;
        let path = text(names.u()?)?;
        p.cookie = p.cookie.wrapping_add(cookie.i()?);
        p.inode = p.inode.wrapping_add(inode.i()?);
        let ino = u32::try_from(p.inode).map_err(|_| "a batch inode is out of range")?;
        let first_inode = ino ^ inode.u32()?;
        let (proto, family, sock_type, state) = (
            word(words.u()?)?,
            word(words.u()?)?,
            word(words.u()?)?,
            word(words.u()?)?,
        );
        let mut ends = [None, None];
        for (end, (col, prev)) in ends.iter_mut().zip([
            (&mut *local, &mut p.local_port),
            (&mut *remote, &mut p.remote_port),
        ]) {
            let addr = text(col.u()?)?;
            *prev = prev.wrapping_add(col.i()?);
            let port = u16::try_from(*prev).map_err(|_| "a batch port is out of range")?;
            *end = addr.map(|a| (a, port));
        }
        let [local_end, remote_end] = ends;
        let uid = owner.u32()?;
        let pid = match owner.u32()? {
            0 => None,
            p => Some(p - 1),
        };
        let process = text(owner.u()?)?;
        let program = text(owner.u()?)?;
        let (recv_q, send_q) = (queues.u32()?, queues.u32()?);
        let counters = match counters.u()? {
            0 => None,
            _ => Some(Counters {
                bytes_acked: counters.u()?,
                bytes_received: counters.u()?,
                total_retrans: counters.u32()?,
                rtt_us: match counters.u32()? {
                    0 => None,
                    r => Some(r - 1),
                },
            }),
        };
        p.opened = p.opened.wrapping_add(times.i()?);
        let closed = p.opened.wrapping_add(times.i()?);
        let exact = times.u()? != 0;
        let after = match times.u()? {
            0 => None,
            _ => {
                p.after = p.after.wrapping_add(times.i()?);
                Some(p.after)
            }
        };
        let cookie_v = p.cookie as u64;
        let remnant_v = match remnant.u()? {
            0 => None,
            st => Some(Remnant {
                state: word(st)?,
                cookie: (p.cookie.wrapping_add(remnant.i()?)) as u64,
                inode: remnant.u32()?,
                recv_q: remnant.u32()?,
                send_q: remnant.u32()?,
                until: closed.wrapping_add(remnant.i()?),
                unrecorded: false,
            }),
        };
        let key_ns = p.ns as u64;
        out.push(Entry {
            seen: Seen {
                key: (
                    key_ns,
                    cookie_v,
                    if cookie_v == 0 { first_inode } else { 0 },
                ),
                netns_name,
                container: container_id.map(|id| SeenContainer {
                    runtime: known(runtime.as_deref().unwrap_or_default()),
                    id,
                    name: container_name,
                }),
                cookie: cookie_v,
                inode: ino,
                first_inode,
                proto,
                family,
                sock_type,
                state,
                local: local_end,
                remote: remote_end,
                path,
                uid,
                pid,
                process,
                program,
                recv_q,
                send_q,
                counters,
                timer_ms: None,
            },
            opened: p.opened,
            exact,
            after,
            closed,
            remnant: remnant_v,
        });
    }
    Ok(out)
}

/// Remnants found gone, as (batch, entry) pairs sorted, as one compressed blob: a count,
/// then for each the zigzag difference of its batch from the one before, and of its entry
/// from the one before in the same batch (from 0 in a new one).
pub(crate) fn encode_ends(ends: &[(i64, u32)]) -> Result<Vec<u8>, String> {
    let mut sorted = ends.to_vec();
    sorted.sort_unstable();
    let mut raw = vec![FORMAT];
    put(&mut raw, sorted.len() as u64);
    let (mut batch, mut entry) = (0i64, 0i64);
    for (b, e) in sorted {
        if b != batch {
            entry = 0;
        }
        put_signed(&mut raw, b.wrapping_sub(batch));
        put_signed(&mut raw, i64::from(e) - entry);
        (batch, entry) = (b, i64::from(e));
    }
    zstd::bulk::compress(&raw, LEVEL).map_err(|e| format!("compressing remnant ends: {e}"))
}

/// The (batch, entry) pairs of an [`encode_ends`] blob; checked as [`decode`] is.
pub(crate) fn decode_ends(blob: &[u8]) -> Result<Vec<(i64, u32)>, String> {
    let raw = inflate(blob, "remnant ends")?;
    if raw.first() != Some(&FORMAT) {
        return Err("remnant ends of a layout this rnetstat does not read".into());
    }
    let mut r = Reader::new(&raw);
    r.at = 1;
    let count = r.u()?;
    // Each pair takes at least two bytes.
    if count > (raw.len() - r.at) as u64 / 2 {
        return Err("remnant ends' count exceeds their size".into());
    }
    let (mut batch, mut entry) = (0i64, 0i64);
    let mut out = Vec::with_capacity((count as usize).min(4096));
    for _ in 0..count {
        let b = batch.wrapping_add(r.i()?);
        if b != batch {
            entry = 0;
        }
        batch = b;
        entry = entry.wrapping_add(r.i()?);
        let e = u32::try_from(entry).map_err(|_| "a remnant's entry is out of range")?;
        out.push((batch, e));
    }
    Ok(out)
}

/// The distinct remote addresses of a batch's entries, space-separated, when there are at
/// most `MAX_REMOTES` (else `None`: a reader looks inside); how `history` skips a batch
/// without inflating it.
pub(crate) fn remotes<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Option<String> {
    const MAX_REMOTES: usize = 32;
    let mut seen: Vec<&str> = Vec::new();
    for e in entries {
        let a = e.seen.remote.as_ref().map_or("", |r| r.0.as_str());
        if !seen.contains(&a) {
            if seen.len() == MAX_REMOTES {
                return None;
            }
            seen.push(a);
        }
    }
    Some(seen.join(" "))
}

#[cfg(test)]
#[path = "batch_tests.rs"]
mod tests;
