//! A collection held whole, for passes that need every record before any is printed
//! (`--peer`'s join). Records are kept owned: what they borrowed from a netlink buffer
//! (a unix path, a service name, a congestion algorithm's name) is copied into one arena,
//! and their namespace is kept as an index into the collection's spaces. [`Buffered::get`]
//! rebuilds a record as the sink first saw it; [`Buffered::replay`] sends them all on,
//! group headers included. [`Collect`] is the simple kind, for small collections (the
//! lab, `compare`, `-K`): each record detached into its own owned copy.

use std::io;
use std::iter::Peekable;
use std::ops::Range;

use crate::netns::Space;
use crate::{Group, Pipeline, Sink};
use rnetstat_model::{CongInfo, Congestion, Forwarded, Peer, Socket};

/// What a stored record borrowed, as arena ranges.
#[derive(Debug, Clone, Default)]
struct Borrowed {
    /// Index into the spaces, `u32::MAX` for none.
    ns: u32,
    path: Option<Range<u32>>,
    service: Option<Range<u32>>,
    cong: Option<(Range<u32>, Option<CongInfo>)>,
}

/// Gathers records into owned values (inet records borrow nothing).
#[derive(Default)]
pub struct Collect {
    pub sockets: Vec<Socket<'static>>,
    pub warnings: Vec<String>,
}

impl Sink for Collect {
    fn group(&mut self, _: Group) -> io::Result<()> {
        Ok(())
    }
    fn socket(&mut self, s: &Socket<'_>) -> io::Result<()> {
        self.sockets.push(s.detached());
        Ok(())
    }
    fn warning(&mut self, msg: &str) {
        self.warnings.push(msg.to_string());
    }
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Records per chunk: storage grows by chunks, so it is never copied as it grows.
const CHUNK: usize = 4096;

/// Records from which a replay is worth a second thread and a temporary file.
const SPLIT_FROM: usize = 8192;

pub struct Buffered<'n> {
    spaces: &'n [Space],
    recs: Vec<Vec<Socket<'static>>>,
    len: usize,
    borrowed: Vec<Borrowed>,
    arena: Vec<u8>,
    /// Each group and the index of its first record.
    groups: Vec<(usize, Group)>,
    pub warnings: Vec<String>,
    last: Option<(u64, u32)>,
}

impl<'n> Buffered<'n> {
    pub fn new(spaces: &'n [Space]) -> Self {
        Buffered {
            spaces,
            recs: Vec::new(),
            len: 0,
            borrowed: Vec::new(),
            arena: Vec::new(),
            groups: Vec::new(),
            warnings: Vec::new(),
            last: None,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The stored record `i` without what it borrowed (for passes over keys).
    pub fn bare(&self, i: usize) -> &Socket<'static> {
        &self.recs[i / CHUNK][i % CHUNK]
    }

    /// Record `i`'s namespace.
    pub fn netns(&self, i: usize) -> Option<&'n rnetstat_model::Netns> {
        self.spaces
            .get(self.borrowed[i].ns as usize)
            .map(|sp| &sp.ns)
    }

    /// Record `i`'s unix path.
    pub fn path(&self, i: usize) -> Option<&[u8]> {
        self.borrowed[i].path.as_ref().map(|r| self.bytes(r))
    }

    /// The index of record `i`'s namespace in the spaces (`u32::MAX`: none).
    pub fn ns_index(&self, i: usize) -> u32 {
        self.borrowed[i].ns
    }

    fn keep(&mut self, b: &[u8]) -> Range<u32> {
        let start = self.arena.len() as u32;
        self.arena.extend_from_slice(b);
        start..self.arena.len() as u32
    }

    fn bytes(&self, r: &Range<u32>) -> &[u8] {
        &self.arena[r.start as usize..r.end as usize]
    }

    fn text(&self, r: &Range<u32>) -> &str {
        std::str::from_utf8(self.bytes(r)).unwrap_or("")
    }

    /// Record `i` as it was collected.
    pub fn get(&self, i: usize) -> Socket<'_> {
        let b = &self.borrowed[i];
        let mut s: Socket<'_> = self.bare(i).clone();
        s.netns = self.spaces.get(b.ns as usize).map(|sp| &sp.ns);
        s.path = b.path.as_ref().map(|r| self.bytes(r));
        s.service = b.service.as_ref().map(|r| self.text(r));
        s.cong = b.cong.as_ref().map(|(r, info)| Congestion {
            name: self.text(r),
            info: *info,
        });
        s
    }

    /// Sends every record `keep` accepts on to `sink`, each with the peer and forwards
    /// `decorate` gives it, and the group headers where they fell. A big collection is
    /// made into rows on two cores: when the sink can fork ([`crate::FastSink::fork`]), the second
    /// half of the last group goes to the fork on a thread of its own (its rows need no
    /// header), and its text is appended after the first half's.
    pub fn replay<'s, K, D>(
        &'s self,
        sink: &mut Pipeline<'_>,
        keep: K,
        decorate: D,
    ) -> io::Result<()>
    where
        K: Fn(usize, &Socket<'s>) -> bool + Sync,
        D: Fn(usize) -> (Option<Peer<'s>>, Vec<Forwarded<'s>>) + Sync,
    {
        let mut groups = self.groups.iter().peekable();
        let split = (self.len / 2).max(self.groups.last().map_or(0, |g| g.0));
        let fork = (self.len >= SPLIT_FROM
            && self.len - split >= SPLIT_FROM / 4
            && rnetstat_sys::cores() > 1)
            .then(super::netlink::ipv6_spill::tmpfile)
            .flatten()
            .and_then(|f| sink.fork(f).ok());
        let Some(mut fork) = fork else {
            self.rows(sink, &mut groups, 0..self.len, &keep, &decorate)?;
            return self.tail(sink, groups);
        };
        let (first, second) = std::thread::scope(|sc| {
            let second = sc.spawn(|| {
                for i in split..self.len {
                    self.row(fork.as_mut(), i, &keep, &decorate)?;
                }
                fork.done()
            });
            let first = self.rows(sink, &mut groups, 0..split, &keep, &decorate);
            (first, second.join())
        });
        first?;
        let made = second.unwrap_or_else(|p| std::panic::resume_unwind(p))?;
        // The last group's header, when the second half is all of it.
        while let Some((_, g)) = groups.next_if(|(at, _)| *at <= split) {
            sink.group(*g)?;
        }
        sink.append(made)?;
        self.tail(sink, groups)
    }

    /// Records `range`, each after the headers of the groups that start at or before it.
    fn rows<'s>(
        &'s self,
        sink: &mut dyn Sink,
        groups: &mut Peekable<std::slice::Iter<'_, (usize, Group)>>,
        range: Range<usize>,
        keep: &impl Fn(usize, &Socket<'s>) -> bool,
        decorate: &impl Fn(usize) -> (Option<Peer<'s>>, Vec<Forwarded<'s>>),
    ) -> io::Result<()> {
        for i in range {
            while let Some((_, g)) = groups.next_if(|(at, _)| *at <= i) {
                sink.group(*g)?;
            }
            self.row(sink, i, keep, decorate)?;
        }
        Ok(())
    }

    /// Record `i`, decorated, when `keep` takes it.
    fn row<'s, S: Sink + ?Sized>(
        &'s self,
        sink: &mut S,
        i: usize,
        keep: &impl Fn(usize, &Socket<'s>) -> bool,
        decorate: &impl Fn(usize) -> (Option<Peer<'s>>, Vec<Forwarded<'s>>),
    ) -> io::Result<()> {
        let s = self.get(i);
        if keep(i, &s) {
            let (p, fw) = decorate(i);
            // A binding of its own, whose lifetime can shrink to the peer's.
            let mut shown: Socket<'_> = s;
            shown.peer = p.as_ref();
            shown.forwards = &fw;
            sink.socket(&shown)?;
        }
        Ok(())
    }

    /// The groups after the last record (empty ones), then the warnings.
    fn tail(
        &self,
        sink: &mut dyn Sink,
        groups: Peekable<std::slice::Iter<'_, (usize, Group)>>,
    ) -> io::Result<()> {
        for (_, g) in groups {
            sink.group(*g)?;
        }
        for w in &self.warnings {
            sink.warning(w);
        }
        Ok(())
    }
}

impl Sink for Buffered<'_> {
    fn group(&mut self, group: Group) -> io::Result<()> {
        self.groups.push((self.len, group));
        Ok(())
    }

    fn socket(&mut self, s: &Socket<'_>) -> io::Result<()> {
        let ns = match s.netns {
            None => u32::MAX,
            Some(n) => match self.last {
                Some((inode, k)) if inode == n.inode => k,
                _ => {
                    let k = self
                        .spaces
                        .iter()
                        .position(|sp| sp.ns.inode == n.inode)
                        .map_or(u32::MAX, |k| k as u32);
                    self.last = Some((n.inode, k));
                    k
                }
            },
        };
        let b = Borrowed {
            ns,
            path: s.path.map(|p| self.keep(p)),
            service: s.service.map(|v| self.keep(v.as_bytes())),
            cong: s.cong.map(|c| (self.keep(c.name.as_bytes()), c.info)),
        };
        self.borrowed.push(b);
        if self.len.is_multiple_of(CHUNK) {
            self.recs.push(Vec::with_capacity(CHUNK));
        }
        self.len += 1;
        let chunk = self.recs.last_mut().expect("a chunk was just made");
        chunk.push(s.detached());
        Ok(())
    }

    fn warning(&mut self, msg: &str) {
        self.warnings.push(msg.to_string());
    }

    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}
