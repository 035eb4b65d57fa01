//! `unix_diag`: the request, and a zero-copy view of replies.
//!
//! Layout from `include/uapi/linux/unix_diag.h`:
//! ```text
//! struct unix_diag_msg {      offset
//!     __u8  udiag_family;     0
//!     __u8  udiag_type;       1  (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET)
//!     __u8  udiag_state;      2  (TCP_ESTABLISHED, TCP_LISTEN, TCP_CLOSE …)
//!     __u8  pad;              3
//!     __u32 udiag_ino;        4
//!     __u32 udiag_cookie[2];  8
//! };                          16, then rtattrs:
//! UNIX_DIAG_NAME 0 (sun_path bytes; abstract names start with NUL), UNIX_DIAG_VFS 1,
//! UNIX_DIAG_PEER 2 (u32 inode), UNIX_DIAG_ICONS 3, UNIX_DIAG_RQLEN 4 ({u32 rqueue, wqueue}),
//! UNIX_DIAG_MEMINFO 5, UNIX_DIAG_SHUTDOWN 6, UNIX_DIAG_UID 7 (u32, Linux 5.3+).
//! ```

use netlink_packet_core::NlasIterator;
use netlink_packet_sock_diag::{
    SockDiagMessage,
    unix::{ShowFlags, StateFlags, UnixRequest},
};

use rnetstat_model::error::NetlinkError;
use rnetstat_model::{Family, Proto, SockType, Socket, State, StateMask};

pub(crate) const UNIX_DIAG_MSG_LEN: usize = 16;

const UNIX_DIAG_NAME: u16 = 0;
const UNIX_DIAG_PEER: u16 = 2;
const UNIX_DIAG_RQLEN: u16 = 4;
const UNIX_DIAG_MEMINFO: u16 = 5;
const UNIX_DIAG_SHUTDOWN: u16 = 6;
const UNIX_DIAG_UID: u16 = 7;
/// `UDIAG_SHOW_UID`, which the crate's flags lack.
const UDIAG_SHOW_UID: u32 = 0x40;

/// Builds the unix dump request: name, peer, queue lengths and uid for the given states,
/// and with `memory` the socket's memory counters.
pub fn request(states: StateMask, memory: bool, seq: u32) -> Vec<u8> {
    let mut show = ShowFlags::NAME | ShowFlags::PEER | ShowFlags::RQLEN;
    if memory {
        show |= ShowFlags::MEMINFO;
    }
    let req = UnixRequest {
        state_flags: StateFlags::from_bits_retain(states.0),
        inode: 0,
        show_flags: ShowFlags::from_bits_retain(show.bits() | UDIAG_SHOW_UID),
        cookie: [0xff; 8],
    };
    super::dump_request(SockDiagMessage::UnixRequest(req), seq)
}

/// Decodes one `unix_diag_msg` and its attributes into a record borrowing the name.
pub fn decode(b: &[u8]) -> Result<Socket<'_>, NetlinkError> {
    if b.len() < UNIX_DIAG_MSG_LEN {
        return Err(NetlinkError::Malformed(format!(
            "unix_diag_msg is {} bytes, expected at least {UNIX_DIAG_MSG_LEN}",
            b.len()
        )));
    }
    let u32_at = |at: usize| u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    if i32::from(b[0]) != libc::AF_UNIX {
        return Err(NetlinkError::Malformed(format!(
            "unexpected family {}",
            b[0]
        )));
    }
    let state = State::from_kernel(b[2])
        .ok_or_else(|| NetlinkError::Malformed(format!("unknown unix state {}", b[2])))?;
    let mut s = Socket::blank(Proto::Unix, Family::Unix, SockType::from_kernel(b[1]));
    s.state = state;
    s.inode = u32_at(4);
    s.cookie = u64::from(u32_at(8)) | (u64::from(u32_at(12)) << 32);
    for nla in NlasIterator::new(&b[UNIX_DIAG_MSG_LEN..]) {
        let nla = nla.map_err(|e| NetlinkError::Malformed(format!("unix attribute: {e}")))?;
        // NlaBuffer::new_checked guarantees 4 <= rta_len <= the bytes left; slicing the
        // outer buffer (not `value()`) lets the record borrow the name past this loop.
        let (kind, len) = (nla.kind(), usize::from(nla.length()));
        let v: &[u8] = nla.into_inner().get(4..len).unwrap_or(&[]);
        let word = |i: usize| -> Result<u32, NetlinkError> {
            v.get(i * 4..i * 4 + 4)
                .map(|w| u32::from_ne_bytes([w[0], w[1], w[2], w[3]]))
                .ok_or_else(|| {
                    NetlinkError::Malformed(format!("unix attribute {} is {} bytes", kind, v.len()))
                })
        };
        match kind {
            // A path name carries its terminating NUL (the kernel's addr->len counts it);
            // an abstract name starts with NUL and is exactly as long as bound.
            UNIX_DIAG_NAME => {
                s.path = Some(match v.first() {
                    Some(0) | None => v,
                    Some(_) => v.split(|&c| c == 0).next().unwrap_or(v),
                })
            }
            UNIX_DIAG_PEER => s.peer_inode = word(0)?,
            UNIX_DIAG_RQLEN => {
                s.recv_q = word(0)?;
                s.send_q = word(1)?;
            }
            UNIX_DIAG_UID => s.uid = word(0)?,
            UNIX_DIAG_MEMINFO => s.mem = super::attrs::meminfo(v),
            UNIX_DIAG_SHUTDOWN => s.shutdown = v.first().copied(),
            _ => {}
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(kind: u16, value: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        super::super::push_attr(&mut v, kind, value);
        v
    }

    fn fixture() -> Vec<u8> {
        let mut b = vec![
            1, // udiag_family = AF_UNIX
            5, // udiag_type = SOCK_SEQPACKET
            1, // udiag_state = TCP_ESTABLISHED
            0, // pad
        ];
        b.extend_from_slice(&777u32.to_ne_bytes()); // udiag_ino
        b.extend_from_slice(&9u32.to_ne_bytes()); // udiag_cookie[0]
        b.extend_from_slice(&0u32.to_ne_bytes()); // udiag_cookie[1]
        b.extend(attr(UNIX_DIAG_NAME, b"\0abstract")); // abstract name
        b.extend(attr(UNIX_DIAG_PEER, &778u32.to_ne_bytes()));
        b.extend(attr(
            UNIX_DIAG_RQLEN,
            &[11u32.to_ne_bytes(), 12u32.to_ne_bytes()].concat(),
        ));
        b.extend(attr(UNIX_DIAG_UID, &1000u32.to_ne_bytes()));
        b.extend(attr(99, b"future")); // an attribute newer than us: ignored
        b
    }

    #[test]
    fn decodes_header_and_attributes() {
        let b = fixture();
        let s = decode(&b).unwrap();
        assert_eq!(s.sock_type, SockType::Seqpacket);
        assert_eq!(s.state, State::Established);
        assert_eq!((s.inode, s.peer_inode, s.cookie), (777, 778, 9));
        assert_eq!((s.recv_q, s.send_q, s.uid), (11, 12, 1000));
        assert_eq!(s.path, Some(&b"\0abstract"[..]));
    }

    #[test]
    fn path_names_lose_their_terminating_nul() {
        let mut b = fixture()[..UNIX_DIAG_MSG_LEN].to_vec();
        b.extend(attr(UNIX_DIAG_NAME, b"/run/x.sock\0"));
        assert_eq!(decode(&b).unwrap().path, Some(&b"/run/x.sock"[..]));
    }

    #[test]
    fn short_attribute_values_are_errors() {
        let mut b = fixture()[..UNIX_DIAG_MSG_LEN].to_vec();
        b.extend(attr(UNIX_DIAG_RQLEN, &[1, 0, 0, 0])); // needs 8 bytes
        assert!(decode(&b).is_err());
    }

    #[test]
    fn truncated_attribute_is_an_error() {
        let mut b = fixture();
        b.truncate(UNIX_DIAG_MSG_LEN + 6);
        assert!(decode(&b).is_err());
        assert!(decode(&b[..10]).is_err());
    }

    #[test]
    fn request_asks_for_uid() {
        let r = request(StateMask::ALL, false, 1);
        // nlmsghdr(16) + unix_diag_req(24): family, protocol, pad, states, ino, show, cookie
        assert_eq!(r.len(), 40);
        assert_eq!(r[16], 1); // AF_UNIX
        assert_eq!(u32::from_ne_bytes(r[20..24].try_into().unwrap()), 0xfff);
        assert_eq!(
            u32::from_ne_bytes(r[28..32].try_into().unwrap()),
            0x1 | 0x4 | 0x10 | 0x40
        );
    }
}
