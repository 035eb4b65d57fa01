//! Makes text that comes from outside (process names, unix socket paths, host names) safe to
//! print on a terminal: control characters and the invisible format characters that reorder
//! text become `?`, so a crafted name cannot move the cursor, rewrite the screen (net-tools
//! had a CVE for exactly this) or make the rest of a line read backwards.

/// Appends `raw` with control and non-UTF-8 bytes replaced by `?`. A leading NUL (the
/// kernel's mark of an abstract unix name) and any later NUL become `@`, as
/// `/proc/net/unix` shows them.
pub fn push_sanitized(buf: &mut String, raw: &[u8]) {
    // Printable ASCII, as most names are, goes in as it is.
    if raw.iter().all(|b| (0x20..0x7f).contains(b))
        && let Ok(text) = std::str::from_utf8(raw)
    {
        buf.push_str(text);
        return;
    }
    for chunk in raw.utf8_chunks() {
        for c in chunk.valid().chars() {
            buf.push(match c {
                '\0' => '@',
                c if c.is_control() || is_invisible_format(c) => '?',
                c => c,
            });
        }
        if !chunk.invalid().is_empty() {
            buf.push('?');
        }
    }
}

/// Unicode format characters that reorder or hide text (bidirectional overrides and
/// isolates, zero-width marks): a name holding them could make the rest of a printed line
/// read reversed or hide part of it (CVE-2021-42574, "Trojan Source").
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// `raw` sanitized as by [`push_sanitized`], as a new string (interface names: the kernel
/// allows control characters in them).
pub fn sanitized(raw: &str) -> String {
    let mut s = String::with_capacity(raw.len());
    push_sanitized(&mut s, raw.as_bytes());
    s
}

/// At most 200 characters of `raw`, sanitized as by [`push_sanitized`], with `…` when
/// there was more: how an error quotes what it was given.
pub fn quoted(raw: &str) -> String {
    const MAX: usize = 200;
    let cut = raw.char_indices().nth(MAX).map_or(raw.len(), |(i, _)| i);
    let mut s = String::with_capacity(cut + 3);
    push_sanitized(&mut s, &raw.as_bytes()[..cut]);
    if cut < raw.len() {
        s.push('…');
    }
    s
}

/// A unix name as text: `@` for the abstract namespace's leading NUL, the rest verbatim
/// (invalid UTF-8 replaced). For JSON, where the encoder escapes control characters.
pub fn unix_name(raw: &[u8]) -> String {
    let mut s = String::from_utf8_lossy(raw).into_owned();
    if s.contains('\0') {
        s = s.replace('\0', "@");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_bounded_and_sanitized() {
        assert_eq!(quoted("1e-300"), "1e-300");
        assert_eq!(quoted("\x1b[2J"), "?[2J");
        let long = quoted(&"x".repeat(10_000));
        assert_eq!(long.chars().count(), 201);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn bidirectional_overrides_are_replaced() {
        assert_eq!(sanitized("py\u{202E}txt.exe"), "py?txt.exe");
        assert_eq!(sanitized("a\u{2066}b\u{200B}c\u{FEFF}"), "a?b?c?");
        assert_eq!(sanitized("café → ok"), "café → ok");
    }

    #[test]
    fn control_characters_are_replaced() {
        let mut b = String::new();
        push_sanitized(&mut b, b"evil\x1b[2Jname\n\x07");
        assert_eq!(b, "evil?[2Jname??");
        b.clear();
        push_sanitized(&mut b, b"\0abstract\xff");
        assert_eq!(b, "@abstract?");
        b.clear();
        push_sanitized(&mut b, "caf\u{e9} \u{9b}".as_bytes()); // U+009B is C1 CSI
        assert_eq!(b, "caf\u{e9} ?");
    }

    #[test]
    fn unix_names() {
        assert_eq!(unix_name(b"\0abs"), "@abs");
        assert_eq!(unix_name(b"/run/x.sock"), "/run/x.sock");
    }
}
