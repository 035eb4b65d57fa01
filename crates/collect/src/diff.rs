//! Two collections → what changed: sockets that appeared, changed state, or went away.
//! A pass over data (for `watch`), keyed by (namespace, cookie, inode): the kernel's cookie
//! names a socket for its whole life, and the inode tells apart the few records that have
//! none (read from `/proc`).

use rnetstat_model::State;
use rnetstat_sys::hash::Map;

/// What identifies a socket across collections.
pub type Key = (u64, u64, u32);

/// A socket's key in namespace `ns`: its cookie, or its inode when it has none (read from
/// `/proc`). A destroyed socket reports inode 0, so the inode is not part of a cookie's key.
pub fn key(ns: u64, s: &rnetstat_model::Socket<'_>) -> Key {
    (ns, s.cookie, if s.cookie == 0 { s.inode } else { 0 })
}

/// One change, by index into the collection it is seen in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// `after[i]` is new.
    Open(usize),
    /// `after[i]` was in state `before`.
    State { now: usize, before: State },
    /// `before[i]` is gone.
    Close(usize),
}

/// The changes from `before` to `after`, opens and state changes in `after`'s order, then
/// closes in `before`'s.
pub fn diff(before: &[(Key, State)], after: &[(Key, State)]) -> Vec<Change> {
    let was: Map<Key, (usize, State)> = before
        .iter()
        .enumerate()
        .map(|(i, &(k, st))| (k, (i, st)))
        .collect();
    let mut changes = Vec::new();
    let mut seen: rnetstat_sys::hash::Set<Key> = rnetstat_sys::hash::Set::default();
    for (i, &(k, st)) in after.iter().enumerate() {
        seen.insert(k);
        match was.get(&k) {
            None => changes.push(Change::Open(i)),
            Some(&(_, old)) if old != st => changes.push(Change::State {
                now: i,
                before: old,
            }),
            Some(_) => {}
        }
    }
    for (i, &(k, _)) in before.iter().enumerate() {
        if !seen.contains(&k) {
            changes.push(Change::Close(i));
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_state_changes_and_closes() {
        let before = [
            ((1, 10, 100), State::Established),
            ((1, 11, 101), State::Established),
            ((1, 12, 102), State::Listen),
        ];
        let after = [
            ((1, 10, 100), State::CloseWait),
            ((1, 12, 102), State::Listen),
            ((1, 13, 103), State::SynSent),
            // The same cookie in another namespace is another socket.
            ((2, 11, 101), State::Established),
        ];
        assert_eq!(
            diff(&before, &after),
            vec![
                Change::State {
                    now: 0,
                    before: State::Established
                },
                Change::Open(2),
                Change::Open(3),
                Change::Close(1),
            ]
        );
        assert!(diff(&after, &after).is_empty());
    }
}
