//! rnetstat-diag: the decoders of everything rnetstat reads from outside itself. Each takes
//! bytes or text and returns a model record or an error value, never a panic, and does no
//! I/O beyond reading the file it is named for; the sockets, threads and namespaces that
//! fetch the bytes are `rnetstat-collect`'s. This is what the fuzz targets link (`fuzz/`),
//! without the userspace stack, the terminal or the command line.
//!
//! Entry points:
//! - [`netlink`]: request builders, the dump loop ([`netlink::dump`] over a
//!   [`netlink::Transport`]) and the decoders: [`netlink::inet::InetDiagMsg`] (checked view
//!   of `inet_diag_msg`), [`netlink::tcp_info::decode`], [`netlink::unix::decode`],
//!   [`netlink::link`], [`netlink::route::decode`], [`netlink::destroy_events::decode`].
//! - [`conntrack`]: ctnetlink's dump request and flows, and `/proc/net/nf_conntrack`.
//! - [`procfs`]: `/proc/net/*` tables under a [`procfs::ProcRoot`].
//! - [`containers`]: container runtimes' cgroup paths and files.
//! - [`stack_reply`]: the userspace stack's control reply ([`stack_reply::Snapshot`]).
//! - [`stats_history`]: `-s --delta`'s history file.
//! - `fuzzing` (feature `fuzzing`): the fuzz targets' entry points.
#![deny(unsafe_code)]

pub mod conntrack;
pub mod containers;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod netlink;
pub mod procfs;
pub mod stack_reply;
pub mod stats_history;

#[cfg(test)]
mod robustness;
