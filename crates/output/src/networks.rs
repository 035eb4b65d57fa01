//! `/etc/networks` (networks(5)): `name number [aliases...]`, `#` comments. The number is
//! read as `inet_network(3)` reads it: one to four dot-separated parts, each decimal,
//! `0x` hex or leading-zero octal, shifted together (`10.1` is 0x0A01, `127` is 0x7F), so
//! it matches an address only when written in full, as glibc's `getnetbyaddr` does.

/// `(number, name)` pairs in file order.
pub fn parse(text: &str) -> Vec<(u32, String)> {
    text.lines()
        .filter_map(|l| {
            let l = l.split('#').next().unwrap_or("");
            let mut w = l.split_whitespace();
            let (name, number) = (w.next()?, w.next()?);
            Some((inet_network(number)?, name.to_string()))
        })
        .collect()
}

fn inet_network(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    parts.iter().try_fold(0u32, |acc, p| {
        let v = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
            u32::from_str_radix(h, 16).ok()?
        } else if p.len() > 1 && p.starts_with('0') {
            u32::from_str_radix(&p[1..], 8).ok()?
        } else {
            p.parse().ok()?
        };
        (v <= 255).then_some((acc << 8) | v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_file() {
        let t = "# comment\ndefault\t\t0.0.0.0\nloopback\t127.0.0.0\nlink-local\t169.254.0.0 ll\n\
                 short 10.1\nbad 300.1\nlonely\n";
        let n = parse(t);
        assert_eq!(
            n,
            [
                (0, "default".to_string()),
                (0x7f00_0000, "loopback".to_string()),
                (0xa9fe_0000, "link-local".to_string()),
                (0x0a01, "short".to_string()),
            ]
        );
        assert_eq!(inet_network("0x0a.010"), Some(0x0a08));
    }
}
