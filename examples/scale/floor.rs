//! The kernel's floor: what `-tan` would cost if rnetstat did nothing but ask. `scale
//! floor` sends the same two `SOCK_DIAG_BY_FAMILY` TCP dump requests rnetstat sends (IPv4
//! and IPv6, every state, no extension; `inet_diag_req_v2` in
//! include/uapi/linux/inet_diag.h), one per thread, both at once as rnetstat does, and
//! reads every datagram into a 32 KiB buffer without decoding it. It prints how many
//! messages each dump returned. No listing can be faster than this on the same kernel, so
//! its ratio to `ss -tan` bounds what the `-tan` and `--summary` targets can reach.

use std::io;
use std::mem::size_of;

const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// `NLMSG_DONE`, `NLMSG_ERROR` (include/uapi/linux/netlink.h).
const DONE: u16 = 3;
const ERROR: u16 = 2;

/// What to ask for: how the floor splits into the kernel's walk and its fill.
#[derive(Clone, Copy)]
pub enum Ask {
    /// Both families at once, on two threads (what `-tan` does).
    Both,
    /// One family.
    V4,
    V6,
    /// Both families in one dump (the legacy `TCPDIAG_GETSOCK` request, which the kernel
    /// runs with `AF_UNSPEC`): one walk, on one thread.
    Unspec,
    /// The IPv4 dump with a bytecode no socket passes: the walk alone, nothing filled.
    Walk,
}

impl Ask {
    pub fn parse(s: Option<&str>) -> Option<Ask> {
        Some(match s {
            None | Some("both") => Ask::Both,
            Some("v4") => Ask::V4,
            Some("v6") => Ask::V6,
            Some("unspec") => Ask::Unspec,
            Some("walk") => Ask::Walk,
            Some(_) => return None,
        })
    }
}

/// Runs one ask; the socket messages of each dump it made.
pub fn run(ask: Ask) -> io::Result<Vec<u64>> {
    let (v4, v6) = (libc::AF_INET as u8, libc::AF_INET6 as u8);
    match ask {
        Ask::Both => std::thread::scope(|sc| {
            let six = sc.spawn(|| dump(&request(v6, false)));
            let four = dump(&request(v4, false))?;
            let six = six
                .join()
                .map_err(|_| io::Error::other("the IPv6 thread panicked"))??;
            Ok(vec![four, six])
        }),
        Ask::V4 => Ok(vec![dump(&request(v4, false))?]),
        Ask::V6 => Ok(vec![dump(&request(v6, false))?]),
        Ask::Unspec => Ok(vec![dump(&legacy_request())?]),
        Ask::Walk => Ok(vec![dump(&request(v4, true))?]),
    }
}

/// One dump, read to its end; the number of socket messages.
fn dump(req: &[u8]) -> io::Result<u64> {
    // SAFETY: plain socket(2); the descriptor is owned below.
    let fd = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            libc::NETLINK_SOCK_DIAG,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd was just opened and is ours alone.
    let fd = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    let raw = std::os::fd::AsRawFd::as_raw_fd(&fd);
    // SAFETY: req is a valid buffer of its length.
    if unsafe { libc::send(raw, req.as_ptr().cast(), req.len(), 0) } < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut buf = vec![0u8; 32 * 1024];
    let mut sockets = 0u64;
    loop {
        // SAFETY: buf is valid for its length.
        let n = unsafe { libc::recv(raw, buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut at = 0usize;
        while at + 16 <= n as usize {
            let len = u32::from_ne_bytes(buf[at..at + 4].try_into().expect("4 bytes")) as usize;
            let kind = u16::from_ne_bytes(buf[at + 4..at + 6].try_into().expect("2 bytes"));
            match kind {
                DONE => return Ok(sockets),
                ERROR => return Err(io::Error::other("the dump ended in an error message")),
                _ => sockets += 1,
            }
            if len < 16 {
                return Err(io::Error::other("a message shorter than its header"));
            }
            at += (len + 3) & !3;
        }
    }
}

/// Every state but `TCP_BOUND_INACTIVE` (bit 13), which would add a walk of the bind hash:
/// the mask rnetstat and ss send.
const STATES: u32 = 0xfff;
/// `TCPDIAG_GETSOCK`, the request type before `SOCK_DIAG_BY_FAMILY`.
const TCPDIAG_GETSOCK: u16 = 18;
/// `INET_DIAG_REQ_BYTECODE`, and the bytecode op `INET_DIAG_BC_JMP`.
const REQ_BYTECODE: u16 = 1;
const BC_JMP: u8 = 1;

/// nlmsghdr + inet_diag_req_v2 for every TCP socket of `family`; with `reject`, a bytecode
/// that jumps past its end with "no" (a JMP whose `no` offset is 8 from a 4-byte program:
/// the audit accepts `no` = len + 4, and the run ends rejecting).
fn request(family: u8, reject: bool) -> Vec<u8> {
    // inet_diag_req_v2: family, protocol, ext, pad, states, then the 48-byte sockid.
    let mut body = vec![family, libc::IPPROTO_TCP as u8, 0, 0];
    body.extend_from_slice(&STATES.to_ne_bytes());
    body.extend_from_slice(&[0u8; 48]);
    if reject {
        // nlattr (len 8, type), then inet_diag_bc_op { code, yes = 4, no = 8 }.
        body.extend_from_slice(&8u16.to_ne_bytes());
        body.extend_from_slice(&REQ_BYTECODE.to_ne_bytes());
        body.extend_from_slice(&[BC_JMP, 4]);
        body.extend_from_slice(&8u16.to_ne_bytes());
    }
    message(SOCK_DIAG_BY_FAMILY, &body)
}

/// nlmsghdr + the legacy inet_diag_req: family (unused for a dump), src_len, dst_len,
/// ext, the 48-byte sockid, states, dbs.
fn legacy_request() -> Vec<u8> {
    let mut body = vec![0u8; 4 + 48];
    body.extend_from_slice(&STATES.to_ne_bytes());
    body.extend_from_slice(&0u32.to_ne_bytes());
    message(TCPDIAG_GETSOCK, &body)
}

fn message(kind: u16, body: &[u8]) -> Vec<u8> {
    let len = 16 + body.len();
    let mut m = Vec::with_capacity(len);
    m.extend_from_slice(&(len as u32).to_ne_bytes());
    m.extend_from_slice(&kind.to_ne_bytes());
    let flags = (libc::NLM_F_REQUEST | libc::NLM_F_DUMP) as u16;
    m.extend_from_slice(&flags.to_ne_bytes());
    m.extend_from_slice(&1u32.to_ne_bytes());
    m.extend_from_slice(&0u32.to_ne_bytes());
    m.extend_from_slice(body);
    debug_assert_eq!(size_of::<libc::nlmsghdr>(), 16);
    m
}
