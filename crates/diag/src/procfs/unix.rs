//! Parser for `/proc/net/unix` lines.
//!
//! Format from `net/unix/af_unix.c` (`unix_seq_show`):
//! ```text
//! Num       RefCount Protocol Flags    Type St Inode Path
//! 0000000000000000: 00000002 00000000 00010000 0001 01 12345 /run/x.sock
//! ```
//! `Flags` is `__SO_ACCEPTCON` (0x10000) for listeners; `St` is the *socket* state
//! (`SS_UNCONNECTED` 1, `SS_CONNECTING` 2, `SS_CONNECTED` 3, `SS_DISCONNECTING` 4), not
//! `sk_state`; abstract names are printed with `@` for each NUL. The path runs to the end of
//! the line and may contain spaces.

use rnetstat_model::{Family, Proto, SockType, Socket, State};

use super::inet::BadLine;

/// `__SO_ACCEPTCON` in `include/linux/net.h`.
pub(crate) const SO_ACCEPTCON: u32 = 1 << 16;

/// Parses one data line of `/proc/net/unix`; the record borrows the path from `line`.
pub fn parse_line(line: &str) -> Result<Socket<'_>, BadLine> {
    let mut rest = line.trim_end_matches(['\n', '\r']).trim_start();
    let mut field = |what: &'static str| -> Result<&str, BadLine> {
        let end = rest.find(' ').unwrap_or(rest.len());
        let (f, r) = rest.split_at(end);
        rest = r.trim_start_matches(' ');
        if f.is_empty() {
            Err(BadLine(what))
        } else {
            Ok(f)
        }
    };
    let num = field("num")?;
    if !num.ends_with(':') {
        return Err(BadLine("num"));
    }
    let hex = |s: &str, what| u32::from_str_radix(s, 16).map_err(|_| BadLine(what));
    let refcnt = hex(field("refcount")?, "refcount")?;
    let _protocol = field("protocol")?;
    let flags = hex(field("flags")?, "flags")?;
    let ty = hex(field("type")?, "type")?;
    let st = hex(field("state")?, "state")?;
    let inode = field("inode")?
        .parse::<u32>()
        .map_err(|_| BadLine("inode"))?;
    let path = rest.trim_end_matches(['\n', '\r']);

    let state = if flags & SO_ACCEPTCON != 0 {
        State::Listen
    } else {
        match st {
            1 => State::Close,
            2 => State::SynSent,
            3 => State::Established,
            4 => State::Closing,
            _ => return Err(BadLine("state")),
        }
    };
    let ty = u8::try_from(ty).map_err(|_| BadLine("type"))?;
    let mut s = Socket::blank(Proto::Unix, Family::Unix, SockType::from_kernel(ty));
    s.state = state;
    s.inode = inode;
    s.path = (!path.is_empty()).then_some(path.as_bytes());
    s.refcnt = Some(refcnt);
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listener_with_path() {
        let s =
            parse_line("0000000000000000: 00000002 00000000 00010000 0001 01 12345 /run/x.sock")
                .unwrap();
        assert_eq!(s.state, State::Listen);
        assert_eq!(s.sock_type, SockType::Stream);
        assert_eq!((s.inode, s.refcnt), (12345, Some(2)));
        assert_eq!(s.path, Some(&b"/run/x.sock"[..]));
    }

    #[test]
    fn connected_abstract_and_unnamed() {
        let s =
            parse_line("0000000000000000: 00000003 00000000 00000000 0005 03 7 @my name").unwrap();
        assert_eq!(
            (s.state, s.sock_type),
            (State::Established, SockType::Seqpacket)
        );
        assert_eq!(s.path, Some(&b"@my name"[..]));
        let u = parse_line("0000000000000000: 00000002 00000000 00000000 0002 01 8\n").unwrap();
        assert_eq!((u.state, u.path), (State::Close, None));
    }

    #[test]
    fn bogus_lines() {
        for l in [
            "",
            "Num       RefCount Protocol Flags    Type St Inode Path",
            "0000000000000000: 00000002 00000000",
            "0000000000000000: 0000000Z 00000000 00010000 0001 01 1",
            "0000000000000000: 00000002 00000000 00000000 0001 09 1",
            "0000000000000000: 00000002 00000000 00000000 1FFF 01 1",
            "0000000000000000 00000002 00000000 00000000 0001 01 1",
        ] {
            assert!(parse_line(l).is_err(), "{l:?}");
        }
    }
}
