//! A whole dump kept in an unlinked temporary file instead of memory.
//!
//! When the IPv6 TCP table is dumped beside the IPv4 one (`Spaces::tcp_both`), its reply
//! must wait until the IPv4 rows are out. Held in memory that is about 110 bytes per
//! socket (2.7 MiB at 25k sockets, 27 MiB at 250k), the kind of growth rnetstat avoids,
//! so it goes to an `O_TMPFILE` in the temporary directory, the way sort(1) spills: the
//! kernel's page cache holds it (reclaimable, not the process's memory) and it vanishes
//! with the descriptor; `ns_workers::Replay` plays it back. Frames are `u32 length as recv returned it`, `u32 bytes kept`,
//! the bytes.

use std::fs::{File, OpenOptions};
use std::io::{self, IoSlice, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;

use super::{DiagSocket, Transport, ends_dump};

/// A spilled dump, read back frame by frame.
#[derive(Debug)]
pub struct Spill {
    file: File,
    /// The error that ended the receiving, handed on after the frames.
    error: Option<io::Error>,
}

/// An unlinked file in the temporary directory, or `None` where the filesystem cannot
/// make one (the caller then does not dump ahead).
pub(crate) fn tmpfile() -> Option<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_TMPFILE)
        .open(std::env::temp_dir())
        .ok()
}

/// Sends `req` on `sock` and writes every datagram of the reply to `file`.
pub fn fetch(sock: &DiagSocket, req: &[u8], buf: &mut [u8], file: File) -> io::Result<Spill> {
    let seq = super::request_seq(req);
    // Datagrams are up to 32 KiB: written and read whole, no buffering needed.
    let mut w = file;
    let mut t: &DiagSocket = sock;
    let mut error = t.send(req).err();
    while error.is_none() {
        let n = match t.recv(buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                error = Some(e);
                break;
            }
        };
        let kept = &buf[..n.min(buf.len())];
        let mut head = [0u8; 8];
        head[..4].copy_from_slice(&(n as u32).to_ne_bytes());
        head[4..].copy_from_slice(&(kept.len() as u32).to_ne_bytes());
        write_frame(&mut w, &head, kept)?;
        if n > buf.len() || n == 0 || ends_dump(kept, seq) {
            break;
        }
    }
    w.seek(SeekFrom::Start(0))?;
    Ok(Spill { file: w, error })
}

/// One frame in one `writev` (or more, if the kernel takes it in parts).
fn write_frame(w: &mut File, head: &[u8], body: &[u8]) -> io::Result<()> {
    let total = head.len() + body.len();
    let n = w.write_vectored(&[IoSlice::new(head), IoSlice::new(body)])?;
    if n < total {
        let rest: Vec<u8> = head.iter().chain(body).skip(n).copied().collect();
        w.write_all(&rest)?;
    }
    Ok(())
}

impl Spill {
    /// The next datagram into `buf` (its length as `recv` returned it), `Ok(None)` after
    /// the last, or the error that ended the receiving.
    pub fn next(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        let mut head = [0u8; 8];
        match self.file.read_exact(&mut head) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                return match self.error.take() {
                    Some(e) => Err(e),
                    None => Ok(None),
                };
            }
            Err(e) => return Err(e),
        }
        let n = u32::from_ne_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kept = u32::from_ne_bytes([head[4], head[5], head[6], head[7]]) as usize;
        if kept > buf.len() {
            return Err(io::Error::other(
                "a spilled datagram is larger than the buffer",
            ));
        }
        self.file.read_exact(&mut buf[..kept])?;
        Ok(Some(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::ns_workers::{Fetched, Replay};

    /// The real socket behind a replay: here, one more datagram.
    struct After(Vec<u8>);

    impl Transport for After {
        fn send(&mut self, _: &[u8]) -> io::Result<()> {
            Err(io::Error::other("the replayed request must not be sent"))
        }
        fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            buf[..self.0.len()].copy_from_slice(&self.0);
            Ok(self.0.len())
        }
    }

    fn spilled(frames: &[(usize, &[u8])], error: Option<io::Error>) -> Option<Spill> {
        let mut f = tmpfile()?;
        for (n, bytes) in frames {
            let mut head = [0u8; 8];
            head[..4].copy_from_slice(&(*n as u32).to_ne_bytes());
            head[4..].copy_from_slice(&(bytes.len() as u32).to_ne_bytes());
            write_frame(&mut f, &head, bytes).unwrap();
        }
        f.seek(SeekFrom::Start(0)).unwrap();
        Some(Spill { file: f, error })
    }

    #[test]
    fn frames_come_back_in_order_then_the_socket() {
        let Some(sp) = spilled(&[(3, b"abc"), (70_000, b"truncated")], None) else {
            eprintln!("skipping: no O_TMPFILE in the temporary directory");
            return;
        };
        let mut inner = After(b"live".to_vec());
        let mut t = Replay {
            inner: &mut inner,
            fetched: Some(Fetched::spilled(1, sp)),
        };
        t.send(b"request").unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(t.recv(&mut buf).unwrap(), 3);
        assert_eq!(&buf[..3], b"abc");
        // The length recv returned is kept, so truncation still shows to the dump loop.
        assert_eq!(t.recv(&mut buf).unwrap(), 70_000);
        assert_eq!(&buf[..9], b"truncated");
        assert_eq!(t.recv(&mut buf).unwrap(), 4);
        assert_eq!(&buf[..4], b"live");
    }

    #[test]
    fn the_receive_error_follows_the_frames() {
        let Some(sp) = spilled(&[(2, b"ok")], Some(io::Error::other("ENOBUFS"))) else {
            return;
        };
        let mut inner = After(Vec::new());
        let mut t = Replay {
            inner: &mut inner,
            fetched: Some(Fetched::spilled(1, sp)),
        };
        let mut buf = [0u8; 8];
        assert_eq!(t.recv(&mut buf).unwrap(), 2);
        assert_eq!(t.recv(&mut buf).unwrap_err().to_string(), "ENOBUFS");
        // A frame larger than the buffer is an error, not a panic.
        let mut sp = spilled(&[(9, b"too large")], None).unwrap();
        assert!(sp.next(&mut [0u8; 4]).is_err());
    }
}
