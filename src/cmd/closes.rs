//! The kernel's TCP close announcements ([`Destroyed`]), heard on a thread of their own: one
//! subscription per namespace, each close sent on with its namespace's inode and the time it
//! was heard, so a connection that lives less than an interval is seen with its final
//! `tcp_info`. `watch` and `record` use it.
//!
//! When the namespaces change (`--all-netns` looks again every interval), [`Closes::follow`]
//! joins the new ones' groups and lets the others go (an open subscription would keep a
//! namespace alive).

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::time::SystemTime;

use crate::error::Error;
use crate::hash::Set;
use crate::model::Socket;
use crate::source::netlink::destroy_events::Destroyed;
use crate::source::netns::{self, Space};
use crate::source::procfs::ProcRoot;

/// A TCP socket the kernel destroyed: its namespace's inode, when, and its last record.
pub type Closed = (u64, SystemTime, Socket<'static>);

/// What the listening thread is told when the namespaces change: subscriptions to add, and
/// the namespaces to keep (the others' subscriptions are closed).
struct Update {
    add: Vec<(u64, Destroyed)>,
    keep: Set<u64>,
}

/// The listening thread's handle: the closes it heard, and how to tell it of namespaces.
pub struct Closes {
    pub heard: mpsc::Receiver<Closed>,
    updates: mpsc::Sender<Update>,
    wake: UnixStream,
    /// The namespaces subscribed to (by inode).
    known: Set<u64>,
    warned: bool,
}

impl Closes {
    /// Joins the destroy groups of `spaces` and starts listening. A namespace whose group
    /// cannot be joined (no root) is warned about once, on standard error.
    pub fn start(spaces: &[Space], proc_root: &ProcRoot) -> Result<Closes, Error> {
        let mut warned = false;
        let subs = subscribe(spaces, proc_root, &mut warned);
        let (tx, heard) = mpsc::channel();
        let (up_tx, up_rx) = mpsc::channel();
        let (wake_rx, wake) = UnixStream::pair().map_err(Error::Output)?;
        std::thread::spawn(move || listen(subs, tx, up_rx, wake_rx));
        Ok(Closes {
            heard,
            updates: up_tx,
            wake,
            known: spaces.iter().map(|s| s.ns.inode).collect(),
            warned,
        })
    }

    /// Follows the namespaces now in `spaces`: joins the groups of those not seen before and
    /// lets go of those gone.
    pub fn follow(&mut self, spaces: &[Space], proc_root: &ProcRoot) {
        let new: Vec<usize> = (0..spaces.len())
            .filter(|&i| !self.known.contains(&spaces[i].ns.inode))
            .collect();
        let keep: Set<u64> = spaces.iter().map(|s| s.ns.inode).collect();
        if new.is_empty() && keep == self.known {
            return;
        }
        let add = subscribe_new(spaces, &new, proc_root, &mut self.warned);
        self.known = keep.clone();
        if self.updates.send(Update { add, keep }).is_ok() {
            let _ = (&self.wake).write_all(&[1]);
        }
    }
}

/// Reads every subscription, forever, and sends what it hears; `wake` is readable when an
/// update waits on `updates`.
fn listen(
    mut subs: Vec<(u64, Destroyed)>,
    tx: mpsc::Sender<Closed>,
    updates: mpsc::Receiver<Update>,
    wake: UnixStream,
) {
    use rustix::event::{PollFd, PollFlags, poll};
    loop {
        let (ready, woken): (Vec<usize>, bool) = {
            let mut fds: Vec<PollFd<'_>> = subs
                .iter()
                .map(|(_, s)| PollFd::from_borrowed_fd(s.fd(), PollFlags::IN))
                .collect();
            fds.push(PollFd::new(&wake, PollFlags::IN));
            if poll(&mut fds, None).is_err() {
                continue;
            }
            let woken = fds.pop().is_some_and(|f| !f.revents().is_empty());
            let ready = fds
                .iter()
                .enumerate()
                .filter(|(_, f)| !f.revents().is_empty())
                .map(|(k, _)| k)
                .collect();
            (ready, woken)
        };
        for k in ready {
            let (ns, sub) = &mut subs[k];
            let now = SystemTime::now();
            let mut gone = Vec::new();
            if let Err(e) = sub.recv(|s| gone.push(s.detached()))
                && e.raw_os_error() == Some(libc::ENOBUFS)
            {
                eprintln!(
                    "rnetstat: warning: closes came faster than they were read; some were lost"
                );
            }
            for s in gone {
                if tx.send((*ns, now, s)).is_err() {
                    return;
                }
            }
        }
        if woken {
            let mut drain = [0u8; 64];
            let _ = (&wake).read(&mut drain);
            while let Ok(u) = updates.try_recv() {
                subs.retain(|(ns, _)| u.keep.contains(ns));
                subs.extend(u.add);
            }
        }
    }
}

/// Joins the destroy group in each of `spaces`; warns once if some cannot be joined.
fn subscribe(spaces: &[Space], proc_root: &ProcRoot, warned: &mut bool) -> Vec<(u64, Destroyed)> {
    let mut subs = Vec::new();
    let mut why = None;
    for (space, r) in spaces
        .iter()
        .zip(netns::each(spaces, proc_root, |_| Destroyed::subscribe()))
    {
        match r {
            Ok(Ok(s)) => subs.push((space.ns.inode, s)),
            Ok(Err(e)) => why = Some(e.to_string()),
            Err(e) => why = Some(e.to_string()),
        }
    }
    if let Some(why) = why
        && !*warned
    {
        *warned = true;
        eprintln!(
            "rnetstat: warning: TCP sockets that open and close between two dumps are not \
             seen in every namespace: joining sock_diag's destroy groups needs root \
             (CAP_NET_ADMIN) ({why})"
        );
    }
    subs
}

/// [`subscribe`] for the namespaces at `which` in `spaces` (one made since the last look),
/// entered one after the other.
fn subscribe_new(
    spaces: &[Space],
    which: &[usize],
    proc_root: &ProcRoot,
    warned: &mut bool,
) -> Vec<(u64, Destroyed)> {
    let mut subs = Vec::new();
    for &i in which {
        match spaces[i].run(proc_root, |_| Destroyed::subscribe()) {
            Ok(Ok(s)) => subs.push((spaces[i].ns.inode, s)),
            Ok(Err(e)) if !*warned => {
                *warned = true;
                eprintln!("rnetstat: warning: a new namespace's closes are not seen: {e}");
            }
            _ => {}
        }
    }
    subs
}
