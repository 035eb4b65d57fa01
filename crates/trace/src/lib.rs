//! rnetstat-trace: what happens to TCP sockets, as the kernel's tracepoints tell it.
//!
//! A BPF object (`bpf/events.bpf.c`, built by `scripts/build-bpf` and committed) attaches to
//! five raw tracepoints (`tcp_retransmit_skb`, `tcp_send_reset`, `tcp_receive_reset`,
//! `kfree_skb`, `inet_sock_set_state`) and writes one fixed-size record per event into a ring
//! buffer, with what attributes it exactly: the network namespace's inode and the socket's
//! cookie and inode, or, for a packet with no socket, the packet's addresses and ports.
//!
//! Public entry points: [`Tracer`] (load, attach, read; released when dropped), [`Event`]
//! (one record, decoded from a checked view), [`Reasons`] (the kernel's names for drop and
//! reset reasons, read from its BTF), [`counts::read_all`] (what a running tracer counted per
//! socket).
#![deny(unsafe_code)]

mod btf;
pub mod counts;
mod event;
mod tracer;

pub use btf::Reasons;
pub use event::{Event, Kind, RECORD_LEN, RetransmitKind};
pub use tracer::{TRACEPOINTS, Tracer, Unavailable};
