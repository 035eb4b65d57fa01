//! The keys `top` understands, decoded from the bytes its terminal sends in raw mode.
//!
//! `top` reads its terminal itself rather than through crossterm's event reader, which
//! loops for ever on a terminal that went away (a read of 0 bytes, or EIO, is retried):
//! reading ourselves, end of file and errors end `top` (see `cmd::top_screen`).
//!
//! What is decoded (ECMA-48 and xterm's conventions): printable UTF-8, Tab, Enter (CR or
//! LF), Backspace (DEL or BS), Ctrl-C and Ctrl-D, a lone Esc, and the cursor keys Up and
//! Down (`ESC [ A`, `ESC O A`, with or without parameters). Any other control sequence is
//! skipped whole.

use super::top_app::Key;

/// Appends the keys in `bytes` (one read's worth) to `out`. An escape sequence cut at the
/// end of the read is taken as a lone Esc, as terminals send a whole sequence in one write.
pub fn decode(bytes: &[u8], out: &mut Vec<Key>) {
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        i += 1;
        match b {
            0x1b => i += escape(&bytes[i..], out),
            b'\t' => out.push(Key::Tab),
            b'\r' | b'\n' => out.push(Key::Enter),
            0x7f | 0x08 => out.push(Key::Backspace),
            0x03 | 0x04 => out.push(Key::Interrupt),
            0x00..=0x1f => {}
            _ => {
                // A UTF-8 character: its length from the first byte.
                let len = match b {
                    0xc0..=0xdf => 2,
                    0xe0..=0xef => 3,
                    0xf0..=0xf7 => 4,
                    0x80..=0xbf | 0xf8..=0xff => 0,
                    _ => 1,
                };
                if len == 0 {
                    continue;
                }
                let end = (i - 1 + len).min(bytes.len());
                if let Ok(s) = std::str::from_utf8(&bytes[i - 1..end])
                    && let Some(c) = s.chars().next()
                    && !c.is_control()
                {
                    out.push(Key::Char(c));
                }
                i = end;
            }
        }
    }
}

/// Decodes what follows an ESC; returns how many bytes it used.
fn escape(rest: &[u8], out: &mut Vec<Key>) -> usize {
    match rest.first() {
        // CSI: parameters and intermediates, then a final byte in 0x40..=0x7e.
        Some(b'[') => {
            let Some(end) = rest[1..].iter().position(|b| (0x40..=0x7e).contains(b)) else {
                return rest.len();
            };
            match rest[1 + end] {
                b'A' => out.push(Key::Up),
                b'B' => out.push(Key::Down),
                _ => {}
            }
            end + 2
        }
        // SS3: one byte (the cursor keys in application mode).
        Some(b'O') if rest.len() >= 2 => {
            match rest[1] {
                b'A' => out.push(Key::Up),
                b'B' => out.push(Key::Down),
                _ => {}
            }
            2
        }
        // Alt+key arrives as ESC then the key: taken as the key alone.
        _ => {
            out.push(Key::Esc);
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(bytes: &[u8]) -> Vec<Key> {
        let mut v = Vec::new();
        decode(bytes, &mut v);
        v
    }

    #[test]
    fn plain_keys() {
        assert_eq!(
            keys(b"q\t\r/a\x7f"),
            [
                Key::Char('q'),
                Key::Tab,
                Key::Enter,
                Key::Char('/'),
                Key::Char('a'),
                Key::Backspace
            ]
        );
        assert_eq!(keys(b"\x03"), [Key::Interrupt]);
        assert_eq!(keys("é→".as_bytes()), [Key::Char('é'), Key::Char('→')]);
    }

    #[test]
    fn escape_sequences() {
        assert_eq!(keys(b"\x1b"), [Key::Esc]);
        assert_eq!(keys(b"\x1b[A\x1b[B\x1bOA"), [Key::Up, Key::Down, Key::Up]);
        assert_eq!(keys(b"\x1b[1;5A"), [Key::Up]);
        // Other sequences (F5, Page Down, a mouse report) are skipped whole.
        assert_eq!(keys(b"\x1b[15~\x1b[6~x"), [Key::Char('x')]);
        // Cut short: nothing invented.
        assert_eq!(keys(b"\x1b[1;"), []);
    }

    #[test]
    fn garbage_is_skipped_not_a_panic() {
        assert_eq!(keys(b"\xff\xfe\x80a\xe2\x82"), [Key::Char('a')]);
        assert_eq!(keys(b"\x01\x02\x1f"), []);
    }
}
