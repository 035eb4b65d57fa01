//! The netlink dump loop: send one request, read replies until `NLMSG_DONE`.
//!
//! Framing per `include/uapi/linux/netlink.h`: each message is a 16-byte `nlmsghdr`
//! (len, type, flags, seq, pid) followed by its payload, padded to 4 bytes (NLMSG_ALIGN).

use std::io;

use netlink_packet_core::{NLM_F_DUMP_INTR, NetlinkBuffer};

use rnetstat_model::error::NetlinkError;

const NLMSG_NOOP: u16 = 1;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;

/// Something that sends a netlink request and receives datagrams.
pub trait Transport {
    fn send(&mut self, msg: &[u8]) -> io::Result<()>;
    /// Receives one datagram into `buf`, returning its full length (which is larger than
    /// `buf` when the datagram was truncated).
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize>;
}

/// What a finished dump reports besides its messages.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DumpOutcome {
    /// The kernel flagged NLM_F_DUMP_INTR: the table changed during the dump, which may
    /// have skipped or repeated entries.
    pub interrupted: bool,
    pub messages: usize,
}

/// Sends `request` (a complete netlink message with sequence number `seq`) and calls
/// `on_msg` with the payload of every data message of the reply, until `NLMSG_DONE`. An
/// error `on_msg` returns ends the dump and is returned as it is (so a caller's own error,
/// a sink's write error say, needs no disguise as a netlink one).
pub fn dump<T, F, E>(
    t: &mut T,
    request: &[u8],
    seq: u32,
    buf: &mut [u8],
    mut on_msg: F,
) -> Result<DumpOutcome, E>
where
    T: Transport,
    F: FnMut(u16, &[u8]) -> Result<(), E>,
    E: From<NetlinkError>,
{
    t.send(request).map_err(NetlinkError::Send)?;
    let mut outcome = DumpOutcome::default();
    loop {
        let n = match t.recv(buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(NetlinkError::Recv(e).into()),
        };
        if n > buf.len() {
            return Err(NetlinkError::Truncated.into());
        }
        if n == 0 {
            return Err(NetlinkError::Malformed("empty datagram before NLMSG_DONE".into()).into());
        }
        let mut data = &buf[..n];
        while !data.is_empty() {
            let msg = NetlinkBuffer::new_checked(data)
                .map_err(|e| NetlinkError::Malformed(e.to_string()))?;
            let len = msg.length() as usize;
            let payload = &data[16..len];
            // NLMSG_ALIGN; the last message of a datagram may omit its padding.
            let next = (len + 3) & !3;
            data = data.get(next..).unwrap_or(&[]);
            if msg.sequence_number() != seq {
                // A stale reply to an earlier request on this socket; not ours.
                continue;
            }
            if msg.flags() & NLM_F_DUMP_INTR != 0 {
                outcome.interrupted = true;
            }
            match msg.message_type() {
                NLMSG_NOOP => {}
                NLMSG_DONE => {
                    // Since Linux 4.x a dump that failed part-way reports the error here.
                    return match read_errno(payload) {
                        Some(errno) if errno != 0 => Err(NetlinkError::Kernel { errno }.into()),
                        _ => Ok(outcome),
                    };
                }
                NLMSG_ERROR => {
                    let errno = read_errno(payload).ok_or_else(|| {
                        NetlinkError::Malformed("NLMSG_ERROR without an error code".into())
                    })?;
                    if errno == 0 {
                        // An ACK; a dump is not acknowledged, so this ends it.
                        return Ok(outcome);
                    }
                    return Err(NetlinkError::Kernel { errno }.into());
                }
                kind => {
                    outcome.messages += 1;
                    on_msg(kind, payload)?;
                }
            }
        }
    }
}

/// The positive errno of an `nlmsgerr` / DONE payload (the kernel stores `-errno`).
fn read_errno(payload: &[u8]) -> Option<i32> {
    let b: [u8; 4] = payload.get(..4)?.try_into().ok()?;
    Some(i32::from_ne_bytes(b).wrapping_neg())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A transport that replays canned datagrams.
    pub(crate) struct Replay {
        pub datagrams: Vec<Vec<u8>>,
        pub sent: Vec<Vec<u8>>,
    }

    impl Transport for Replay {
        fn send(&mut self, msg: &[u8]) -> io::Result<()> {
            self.sent.push(msg.to_vec());
            Ok(())
        }
        fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.datagrams.is_empty() {
                return Err(io::Error::from_raw_os_error(libc::EAGAIN));
            }
            let d = self.datagrams.remove(0);
            let n = d.len().min(buf.len());
            buf[..n].copy_from_slice(&d[..n]);
            Ok(d.len())
        }
    }

    /// One netlink message: nlmsghdr + payload, padded to 4 bytes.
    pub(crate) fn nlmsg(kind: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let len = 16 + payload.len();
        let mut v = Vec::new();
        v.extend_from_slice(&(len as u32).to_ne_bytes()); // nlmsg_len
        v.extend_from_slice(&kind.to_ne_bytes()); // nlmsg_type
        v.extend_from_slice(&flags.to_ne_bytes()); // nlmsg_flags
        v.extend_from_slice(&seq.to_ne_bytes()); // nlmsg_seq
        v.extend_from_slice(&0u32.to_ne_bytes()); // nlmsg_pid
        v.extend_from_slice(payload);
        while !v.len().is_multiple_of(4) {
            v.push(0);
        }
        v
    }

    fn run(datagrams: Vec<Vec<u8>>) -> (Result<DumpOutcome, NetlinkError>, Vec<Vec<u8>>) {
        let mut t = Replay {
            datagrams,
            sent: vec![],
        };
        let mut got = vec![];
        let mut buf = vec![0u8; 4096];
        let r = dump(&mut t, b"req", 7, &mut buf, |_, p| {
            got.push(p.to_vec());
            Ok(())
        });
        (r, got)
    }

    #[test]
    fn reads_across_datagrams_until_done() {
        let mut d1 = nlmsg(20, 2, 7, b"one!");
        d1.extend(nlmsg(20, 2, 7, b"two")); // padded to 4
        let d2 = [
            nlmsg(20, 2, 7, b"three"),
            nlmsg(NLMSG_DONE, 2, 7, &0i32.to_ne_bytes()),
        ]
        .concat();
        let (r, got) = run(vec![d1, d2]);
        let out = r.expect("dump ok");
        assert_eq!(out.messages, 3);
        assert!(!out.interrupted);
        assert_eq!(
            got,
            vec![b"one!".to_vec(), b"two".to_vec(), b"three".to_vec()]
        );
    }

    #[test]
    fn error_carried_in_done_is_reported() {
        let d = nlmsg(NLMSG_DONE, 2, 7, &(-libc::ENOENT).to_ne_bytes());
        let (r, _) = run(vec![d]);
        assert_eq!(r.unwrap_err().errno(), Some(libc::ENOENT));
    }

    #[test]
    fn nlmsg_error_becomes_errno() {
        // struct nlmsgerr: int error; struct nlmsghdr msg;
        let mut p = (-libc::EPERM).to_ne_bytes().to_vec();
        p.extend_from_slice(&[0u8; 16]);
        let (r, _) = run(vec![nlmsg(NLMSG_ERROR, 0, 7, &p)]);
        assert_eq!(r.unwrap_err().errno(), Some(libc::EPERM));
    }

    #[test]
    fn dump_intr_is_flagged() {
        let d = [
            nlmsg(20, 2 | NLM_F_DUMP_INTR, 7, b"x"),
            nlmsg(NLMSG_DONE, 2, 7, &[0; 4]),
        ]
        .concat();
        assert!(run(vec![d]).0.unwrap().interrupted);
    }

    #[test]
    fn foreign_sequence_numbers_are_skipped() {
        let d = [
            nlmsg(20, 2, 6, b"old"),
            nlmsg(20, 2, 7, b"new"),
            nlmsg(NLMSG_DONE, 2, 7, &[0; 4]),
        ]
        .concat();
        let (r, got) = run(vec![d]);
        assert_eq!(r.unwrap().messages, 1);
        assert_eq!(got, vec![b"new".to_vec()]);
    }

    #[test]
    fn truncated_datagram_is_an_error() {
        let mut t = Replay {
            datagrams: vec![vec![0u8; 100]],
            sent: vec![],
        };
        let mut buf = vec![0u8; 64];
        let r = dump(&mut t, b"req", 7, &mut buf, |_, _| Ok(()));
        assert!(matches!(r, Err(NetlinkError::Truncated)));
    }

    #[test]
    fn length_field_past_the_datagram_is_malformed() {
        let mut d = nlmsg(20, 2, 7, b"abcd");
        d[0..4].copy_from_slice(&400u32.to_ne_bytes());
        assert!(matches!(run(vec![d]).0, Err(NetlinkError::Malformed(_))));
    }

    #[test]
    fn length_below_header_is_malformed_not_a_loop() {
        let mut d = nlmsg(20, 2, 7, b"");
        d[0..4].copy_from_slice(&3u32.to_ne_bytes());
        assert!(matches!(run(vec![d]).0, Err(NetlinkError::Malformed(_))));
    }

    #[test]
    fn garbage_tail_is_malformed() {
        let mut d = nlmsg(20, 2, 7, b"ok");
        d.extend_from_slice(&[1, 2, 3]); // 3 stray bytes: shorter than a header
        assert!(matches!(run(vec![d]).0, Err(NetlinkError::Malformed(_))));
    }

    #[test]
    fn missing_done_surfaces_the_recv_error() {
        let (r, _) = run(vec![nlmsg(20, 2, 7, b"x")]);
        assert!(matches!(r, Err(NetlinkError::Recv(_))));
    }
}
