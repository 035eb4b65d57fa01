use super::*;

fn parse(text: &str) -> Result<WebConfig, String> {
    WebConfig::parse(text, Path::new("/nonexistent"))
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

#[test]
fn the_decoy_is_a_real_hash() {
    assert!(DECOY.parse::<bcrypt::HashParts>().is_ok());
    assert!(!bcrypt::verify("", DECOY).unwrap());
}

#[test]
fn an_empty_file_is_plain_http() {
    let c = parse("").unwrap();
    assert!(c.tls.is_none() && c.auth.is_none() && c.headers.is_empty());
    // exporter-toolkit: a tls_server_config without certificate and key is TLS off.
    assert!(parse("tls_server_config: {}\n").unwrap().tls.is_none());
}

#[test]
fn users_are_checked_against_their_bcrypt_hashes() {
    let hash = bcrypt::hash("s3cret", 4).unwrap();
    let c = parse(&format!("basic_auth_users:\n  alice: {hash}\n")).unwrap();
    let auth = c.auth.unwrap();
    assert!(auth.admits(Some(&basic("alice", "s3cret"))));
    // Remembered, and still right.
    assert!(auth.admits(Some(&basic("alice", "s3cret"))));
    assert!(!auth.admits(Some(&basic("alice", "wrong"))));
    assert!(!auth.admits(Some(&basic("bob", "s3cret"))));
    assert!(!auth.admits(None));
    for bad in ["Basic", "Basic !!!", "Bearer abc", "Basic YWxpY2U=", ""] {
        assert!(!auth.admits(Some(bad)), "{bad}");
    }
}

#[test]
fn mistakes_are_errors_that_say_where() {
    for (text, says) in [
        ("basic_auth_users:\n  alice: plain\n", "not a bcrypt hash"),
        ("tls_server_confg: {}\n", "unknown field `tls_server_confg`"),
        ("tls_server_config:\n  cert: x\n", "no key_file"),
        ("tls_server_config:\n  key: x\n", "no cert_file"),
        (
            "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n",
            "tls_server_config.cert_file: cannot read /nonexistent/a.crt",
        ),
        (
            "http_server_config:\n  headers:\n    Content-Type: x\n",
            "set by rnetstat itself",
        ),
        (
            "http_server_config:\n  headers:\n    \"Bad Name\": x\n",
            "a bad header",
        ),
        ("- a list\n", "invalid type"),
        (
            "basic_auth_users:\n  a: $2y$04$abcdefghijklmnopqrstuu5cVUiuHQmsw5Ul7Yt5cNRV2FAU5lq.u\n  a: x\n",
            "listed twice",
        ),
    ] {
        let e = parse(text)
            .err()
            .unwrap_or_else(|| panic!("{text} was accepted"));
        assert!(e.contains(says), "{text}: {e}");
    }
}

#[test]
fn headers_are_added_as_given() {
    let c = parse("http_server_config:\n  http2: true\n  headers:\n    X-Frame-Options: deny\n")
        .unwrap();
    assert_eq!(c.headers, "X-Frame-Options: deny\r\n");
    assert!(c.warnings[0].contains("http2"), "{:?}", c.warnings);
}
