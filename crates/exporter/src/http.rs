//! The little of HTTP/1.x a metrics endpoint needs (RFC 9112): one request head per
//! connection, read within a deadline and a size limit, then one reply and close.
//!
//! Parsing is strict and never panics: a head that is not `METHOD SP /TARGET SP HTTP/1.x`
//! with `Name: value` header lines is a 400; a head longer than `MAX_HEAD` is a 431
//! (RFC 6585 §5).

/// The largest request head accepted, in bytes.
pub(crate) const MAX_HEAD: usize = 8 * 1024;

/// A request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The path, without its query.
    pub path: String,
    pub accept: Option<String>,
    /// The `Authorization` header's value.
    pub authorization: Option<String>,
}

/// Why a request head was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 400 Bad Request.
    Malformed,
    /// 431 Request Header Fields Too Large.
    TooLarge,
}

/// Parses what has arrived so far: `Ok(None)` until the head is complete.
pub fn parse(buf: &[u8]) -> Result<Option<Request>, Refusal> {
    let end = find(buf, b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| find(buf, b"\n\n").map(|i| (i, 2)));
    let Some((end, _)) = end else {
        return if buf.len() >= MAX_HEAD {
            Err(Refusal::TooLarge)
        } else {
            Ok(None)
        };
    };
    if end > MAX_HEAD {
        return Err(Refusal::TooLarge);
    }
    let head = std::str::from_utf8(&buf[..end]).map_err(|_| Refusal::Malformed)?;
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let first = lines.next().ok_or(Refusal::Malformed)?;
    let mut parts = first.split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) => (m, t, v),
        _ => return Err(Refusal::Malformed),
    };
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    if !token(method)
        || !target.starts_with('/')
        || !target.bytes().all(|b| b.is_ascii_graphic())
        || !matches!(version, "HTTP/1.0" | "HTTP/1.1")
    {
        return Err(Refusal::Malformed);
    }
    let mut accept = None;
    let mut authorization = None;
    for line in lines {
        let (name, value) = line.split_once(':').ok_or(Refusal::Malformed)?;
        if !token(name) {
            return Err(Refusal::Malformed);
        }
        if name.eq_ignore_ascii_case("accept") {
            accept = Some(value.trim().to_string());
        } else if name.eq_ignore_ascii_case("authorization") {
            // Two credentials: which one counts would be a guess (RFC 9110 §5.3).
            if authorization.is_some() {
                return Err(Refusal::Malformed);
            }
            authorization = Some(value.trim().to_string());
        }
    }
    Ok(Some(Request {
        method: method.to_string(),
        path: target.split('?').next().unwrap_or(target).to_string(),
        accept,
        authorization,
    }))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A reply head and body, with `Connection: close`.
pub(crate) fn response(
    status: u16,
    content_type: &str,
    extra: &str,
    body: &[u8],
    head_only: bool,
) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    };
    let mut r = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if !head_only {
        r.extend_from_slice(body);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests() {
        let r = parse(
            b"GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nAccept: application/openmetrics-text\r\n\r\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/metrics");
        assert_eq!(r.accept.as_deref(), Some("application/openmetrics-text"));
        assert_eq!(r.authorization, None);
        let r = parse(b"GET / HTTP/1.1\r\nauthorization:  Basic YTpi \r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(r.authorization.as_deref(), Some("Basic YTpi"));
        assert_eq!(
            parse(
                b"GET / HTTP/1.1\r\nAuthorization: Basic YTpi\r\nAuthorization: Basic Yjpj\r\n\r\n"
            ),
            Err(Refusal::Malformed)
        );
        assert_eq!(parse(b"GET /metrics HTTP/1.1\r\nHost: a\r\n"), Ok(None));
        assert!(parse(b"GET / HTTP/1.0\n\n").unwrap().is_some());
    }

    #[test]
    fn refusals() {
        for bad in [
            &b"GARBAGE\r\n\r\n"[..],
            b"GET /metrics HTTP/2.0\r\n\r\n",
            b"GET metrics HTTP/1.1\r\n\r\n",
            b"GET /a b HTTP/1.1\r\n\r\n",
            b"G\xffT / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon here\r\n\r\n",
            b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
            b"\r\n\r\n",
        ] {
            assert_eq!(
                parse(bad),
                Err(Refusal::Malformed),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
        big.resize(MAX_HEAD + 10, b'a');
        assert_eq!(parse(&big), Err(Refusal::TooLarge));
        big.extend_from_slice(b"\r\n\r\n");
        assert_eq!(parse(&big), Err(Refusal::TooLarge));
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = rnetstat_sys::rng::Rng::new(0x2545_f491_4f6c_dd1d);
        for _ in 0..20_000 {
            let x = rng.next_u64();
            let len = (x % 200) as usize;
            let mut b: Vec<u8> = (0..len)
                .map(|i| b"GET /metrics HTTP/1.1\r\n:A\n \xff"[((x >> (i % 50)) % 26) as usize])
                .collect();
            if x.is_multiple_of(3) {
                b.extend_from_slice(b"\r\n\r\n");
            }
            let _ = parse(&b);
        }
    }
}
