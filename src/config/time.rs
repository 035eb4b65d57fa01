//! The times `--at` takes: RFC 3339 (`2026-12-04T03:00:00Z`, `…+01:00`), a local
//! `YYYY-MM-DD HH:MM[:SS]`, relative to now (`-10m`, `2h ago`, `90s ago`), or `now`.

use crate::error::Error;

/// `text` as Unix milliseconds, `now_ms` being now.
pub(crate) fn parse(flag: &str, text: &str, now_ms: i64) -> Result<i64, Error> {
    let t = text.trim();
    let bad = || {
        Error::Usage(format!(
            "{flag}: '{}' is not a time: give RFC 3339 (2026-12-04T03:00:00Z), \
             'YYYY-MM-DD HH:MM[:SS]' (local time), a time ago (-10m, 2h ago) or 'now'",
            crate::output::sanitize::quoted(text)
        ))
    };
    if t.eq_ignore_ascii_case("now") {
        return Ok(now_ms);
    }
    if let Some(ago) = relative(t) {
        return ago.map(|ms| now_ms - ms).ok_or_else(bad);
    }
    absolute(t).ok_or_else(bad)
}

/// `-10m`, `10m ago`, `2 h ago`: `Some(None)` when it looks relative but is not valid.
fn relative(t: &str) -> Option<Option<i64>> {
    let body = if let Some(b) = t.strip_prefix('-') {
        b.trim()
    } else if let Some(b) = t.strip_suffix("ago") {
        b.trim()
    } else {
        return None;
    };
    let unit_at = body
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(body.len());
    let (num, unit) = (body[..unit_at].trim(), body[unit_at..].trim());
    let mult = match unit {
        "s" | "sec" | "secs" | "second" | "seconds" => 1_000.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60_000.0,
        "h" | "hour" | "hours" => 3_600_000.0,
        "d" | "day" | "days" => 86_400_000.0,
        _ => return Some(None),
    };
    Some(
        num.parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0 && *n <= 3650.0 * 86_400.0)
            .map(|n| (n * mult) as i64),
    )
}

fn digits<T: std::str::FromStr>(s: &str, n: usize) -> Option<T> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// RFC 3339, or a local date and time.
fn absolute(t: &str) -> Option<i64> {
    let (date, rest) = t.split_at_checked(10)?;
    let mut d = date.split('-');
    let (y, mo, da): (i32, u32, u32) = (
        digits(d.next()?, 4)?,
        digits(d.next()?, 2)?,
        digits(d.next()?, 2)?,
    );
    let sep = rest.chars().next()?;
    if !matches!(sep, 'T' | 't' | ' ') {
        return None;
    }
    let rest = &rest[1..];
    // The clock part, then an optional zone.
    let zone_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(zone_at);
    let mut c = clock.split(':');
    let h: u32 = digits(c.next()?, 2)?;
    let mi: u32 = digits(c.next()?, 2)?;
    let (sec, frac_ms) = match c.next() {
        None => (0, 0),
        Some(s) => {
            let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
            let ms = if frac.is_empty() {
                0
            } else {
                let f: String = frac.chars().chain("000".chars()).take(3).collect();
                if !frac.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                f.parse::<i64>().ok()?
            };
            (digits::<u32>(whole, 2)?, ms)
        }
    };
    if c.next().is_some() {
        return None;
    }
    let secs = if zone.is_empty() {
        if sep != ' ' && sep != 'T' {
            return None;
        }
        rnetstat_sys_local(y, mo, da, h, mi, sec)?
    } else {
        let offset = match zone {
            "Z" | "z" => 0,
            z => {
                let sign = if z.starts_with('+') { 1 } else { -1 };
                let (oh, om) = z[1..].split_once(':')?;
                sign * (digits::<i64>(oh, 2)? * 3600 + digits::<i64>(om, 2)? * 60)
            }
        };
        civil_to_unix(y, mo, da, h, mi, sec)? - offset
    };
    Some(secs * 1000 + frac_ms)
}

fn rnetstat_sys_local(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<i64> {
    // Reject what mktime would normalise (Feb 30 → Mar 2).
    civil_to_unix(y, mo, d, h, mi, s)?;
    crate::sys::local_time_to_unix(y, mo, d, h, mi, s)
}

/// Days from civil (proleptic Gregorian), UTC: seconds since the epoch.
fn civil_to_unix(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<i64> {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&mo)
        || d == 0
        || d > days_in[mo as usize - 1]
        || h > 23
        || mi > 59
        || s > 60
    {
        return None;
    }
    let y = i64::from(y) - i64::from(mo <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(mo) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let now = 1_764_806_400_000; // 2025-12-04T00:00:00Z
        assert_eq!(parse("-", "2025-12-04T00:00:00Z", now).unwrap(), now);
        assert_eq!(parse("-", "2025-12-04T01:00:00+01:00", now).unwrap(), now);
        assert_eq!(
            parse("-", "2025-12-03T23:00:00.250-01:00", now).unwrap(),
            now + 250
        );
        assert_eq!(parse("-", "-10m", now).unwrap(), now - 600_000);
        assert_eq!(parse("-", "2h ago", now).unwrap(), now - 7_200_000);
        assert_eq!(parse("-", "now", now).unwrap(), now);
        assert_eq!(parse("-", "90 s ago", now).unwrap(), now - 90_000);
        assert_eq!(civil_to_unix(1970, 1, 1, 0, 0, 0), Some(0));
        assert_eq!(civil_to_unix(2000, 2, 29, 0, 0, 0), Some(951_782_400));
        // Local time: whatever the zone, it round-trips through mktime.
        assert!(parse("-", "2025-12-04 10:30", now).is_ok());
        for bad in [
            "",
            "yesterday",
            "2025-02-30 10:00",
            "2025-12-04T25:00:00Z",
            "-10w",
            "10 ago",
            "2025-12-04T10:00:00+1",
            "2025-1-4 10:00",
            "--1m",
            "1e400m ago",
        ] {
            assert!(parse("-", bad, now).is_err(), "{bad}");
        }
    }
}
