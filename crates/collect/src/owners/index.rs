//! Where an inode's holders start in the sorted (inode, holder) table, without a binary
//! search over all of it. A listing asks once per row, in the kernel's hash order, so at
//! 100k sockets a search over the whole table missed the cache at most of its 17 steps,
//! twice per row with `--peer`. The inodes' span is cut into equal buckets (a power of
//! two wide, about four entries each); a bucket's start is kept, and the search runs
//! only within it. Socket inodes come from one counter (`get_next_ino`), so they spread
//! evenly; a skewed table only makes some buckets longer, never a lookup wrong.

use std::ops::Range;

/// Entries per bucket, on average, when the inodes spread evenly.
const PER_BUCKET: usize = 4;

#[derive(Debug, Default)]
pub(crate) struct Buckets {
    /// The smallest inode; buckets count from it.
    base: u32,
    /// A bucket is `1 << shift` inodes wide (up to 32: offsets are shifted as u64).
    shift: u32,
    /// `starts[b]`: the first entry in bucket `b` or later; one more than the buckets.
    starts: Vec<u32>,
}

impl Buckets {
    /// The buckets of `keys`, which must be sorted.
    pub fn new(keys: impl ExactSizeIterator<Item = u32> + Clone) -> Buckets {
        let n = keys.len();
        let (Some(base), Some(last)) = (keys.clone().next(), keys.clone().last()) else {
            return Buckets::default();
        };
        let span = u64::from(last - base) + 1;
        let want = (n / PER_BUCKET).max(1) as u64;
        let mut shift = 0;
        while (span >> shift) > want {
            shift += 1;
        }
        let buckets = ((span - 1) >> shift) as usize + 1;
        let mut starts = Vec::with_capacity(buckets + 1);
        for (i, k) in keys.enumerate() {
            let b = (u64::from(k - base) >> shift) as usize;
            while starts.len() <= b {
                starts.push(i as u32);
            }
        }
        while starts.len() <= buckets {
            starts.push(n as u32);
        }
        Buckets {
            base,
            shift,
            starts,
        }
    }

    /// The entries that may hold `key`: all of them when no buckets were made.
    pub fn range(&self, key: u32, len: usize) -> Range<usize> {
        if self.starts.is_empty() {
            return 0..len;
        }
        let Some(off) = key.checked_sub(self.base) else {
            return 0..0;
        };
        let b = (u64::from(off) >> self.shift) as usize;
        match (self.starts.get(b), self.starts.get(b + 1)) {
            (Some(&s), Some(&e)) => s as usize..e as usize,
            _ => 0..0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key's bucket holds all its entries, for even, skewed and tiny tables.
    #[test]
    fn a_bucket_holds_every_entry_of_its_keys() {
        let tables: [Vec<u32>; 5] = [
            (1000..1400).collect(),
            vec![7],
            vec![0, 0, 1, u32::MAX],
            (0..300).map(|i| i * i).chain([u32::MAX - 1; 3]).collect(),
            vec![5, 5, 5, 9, 9, 200_000],
        ];
        for keys in tables {
            let b = Buckets::new(keys.iter().copied());
            for probe in keys.iter().copied().chain([1, 6, 8, 3_000_000, u32::MAX]) {
                let r = b.range(probe, keys.len());
                let want = keys.iter().filter(|&&k| k == probe).count();
                let got = keys[r].iter().filter(|&&k| k == probe).count();
                assert_eq!(got, want, "key {probe} in {keys:?}");
            }
        }
        assert_eq!(Buckets::default().range(3, 10), 0..10, "no buckets: all");
    }
}
