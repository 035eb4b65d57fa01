//! Address and number formatting into a reused buffer, without `format!`.
//!
//! The text output must match netstat, which prints IPv6 through glibc's `inet_ntop`
//! (compresses the first longest run of two or more zero words; writes `::a.b.c.d` and
//! `::ffff:a.b.c.d` for IPv4-compatible and -mapped addresses) and then shows a v4-mapped
//! address as plain dotted IPv4 (net-tools `fix_v4_address`). JSON uses RFC 5952 text,
//! which is Rust's `Display`.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Appends the decimal form of `n` (itoa: two digits a step, one copy).
pub(crate) fn push_u64(buf: &mut String, n: u64) {
    let mut b = itoa::Buffer::new();
    push_ascii(buf, b.format(n).as_bytes());
}

/// Dotted quad, made on the stack and appended at once.
pub(crate) fn push_ipv4(buf: &mut String, a: Ipv4Addr) {
    let mut text = [0u8; 15];
    let mut len = 0;
    for (i, o) in a.octets().into_iter().enumerate() {
        if i > 0 {
            text[len] = b'.';
            len += 1;
        }
        if o >= 100 {
            text[len] = b'0' + o / 100;
            len += 1;
        }
        if o >= 10 {
            text[len] = b'0' + o / 10 % 10;
            len += 1;
        }
        text[len] = b'0' + o % 10;
        len += 1;
    }
    push_ascii(buf, &text[..len]);
}

/// Appends bytes that are all ASCII (digits, dots), with no UTF-8 check to pass.
fn push_ascii(buf: &mut String, text: &[u8]) {
    buf.reserve(text.len());
    buf.extend(text.iter().map(|&b| char::from(b)));
}

/// glibc `inet_ntop(AF_INET6)`.
pub(crate) fn push_ipv6_ntop(buf: &mut String, a: Ipv6Addr) {
    let w = a.segments();
    // The first longest run of zero words, if at least two long.
    let (mut best, mut best_len) = (usize::MAX, 0usize);
    let mut i = 0;
    while i < 8 {
        if w[i] == 0 {
            let start = i;
            while i < 8 && w[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                (best, best_len) = (start, i - start);
            }
        } else {
            i += 1;
        }
    }
    if best_len < 2 {
        best = usize::MAX;
    }
    let in_run = |i: usize| best != usize::MAX && i >= best && i < best + best_len;
    for i in 0..8 {
        if in_run(i) {
            if i == best {
                buf.push(':');
            }
            continue;
        }
        if i != 0 {
            buf.push(':');
        }
        // Embedded IPv4: ::a.b.c.d (compatible) or ::ffff:a.b.c.d (mapped).
        if i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)) {
            let o = a.octets();
            push_ipv4(buf, Ipv4Addr::new(o[12], o[13], o[14], o[15]));
            return;
        }
        push_hex(buf, w[i]);
    }
    if best != usize::MAX && best + best_len == 8 {
        buf.push(':');
    }
}

/// A 16-bit word in lower-case hex without leading zeros (`%x`).
fn push_hex(buf: &mut String, w: u16) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut started = false;
    for shift in [12, 8, 4, 0] {
        let d = (w >> shift) & 0xf;
        if d != 0 || started || shift == 0 {
            started = true;
            buf.push(char::from(DIGITS[usize::from(d)]));
        }
    }
}

/// netstat's text for an IPv6 address: `inet_ntop`, v4-mapped shown as dotted IPv4.
pub(crate) fn push_ipv6_netstat(buf: &mut String, a: Ipv6Addr) {
    match a.to_ipv4_mapped() {
        Some(v4) => push_ipv4(buf, v4),
        None => push_ipv6_ntop(buf, a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ntop(s: &str) -> String {
        let mut b = String::new();
        push_ipv6_ntop(&mut b, s.parse().unwrap());
        b
    }

    #[test]
    fn ntop_matches_glibc() {
        for (input, want) in [
            ("::", "::"),
            ("::1", "::1"),
            ("::2:3", "::0.2.0.3"), // IPv4-compatible: glibc prints it dotted
            ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
            ("fe80::1", "fe80::1"),
            ("2001:db8::", "2001:db8::"),
            ("2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"),
            ("2001:0:0:1:0:0:1:1", "2001::1:0:0:1:1"), // first of two equal runs
            ("2001:db8:1:1:1:1:0:1", "2001:db8:1:1:1:1:0:1"), // a single zero is not compressed
            ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
            ("0:0:1::", "0:0:1::"),
        ] {
            assert_eq!(ntop(input), want, "{input}");
        }
    }

    #[test]
    fn netstat_unmaps_v4() {
        let mut b = String::new();
        push_ipv6_netstat(&mut b, "::ffff:127.0.0.1".parse().unwrap());
        assert_eq!(b, "127.0.0.1");
    }

    #[test]
    fn numbers() {
        let mut b = String::new();
        for n in [0u64, 7, 10, 4_294_967_295, u64::MAX] {
            b.clear();
            push_u64(&mut b, n);
            assert_eq!(b, n.to_string());
        }
        b.clear();
        push_ipv4(&mut b, Ipv4Addr::new(10, 0, 255, 1));
        assert_eq!(b, "10.0.255.1");
        // Every octet value in every position, against std's Display.
        for o in 0..=255u8 {
            let a = Ipv4Addr::new(o, o.wrapping_add(1), o / 3, 255 - o);
            b.clear();
            push_ipv4(&mut b, a);
            assert_eq!(b, a.to_string());
        }
    }
}
