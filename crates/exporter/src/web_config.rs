//! `serve --web.config.file FILE`: TLS and basic authentication, configured as every
//! Prometheus exporter configures them (prometheus/exporter-toolkit's `web-configuration.md`),
//! so one file serves node_exporter and rnetstat alike:
//!
//! ```yaml
//! tls_server_config:
//!   cert_file: server.crt        # relative paths are from the file's own directory
//!   key_file: server.key
//!   client_auth_type: RequireAndVerifyClientCert   # or VerifyClientCertIfGiven
//!   client_ca_file: ca.crt
//!   min_version: TLS12           # TLS12 or TLS13
//! basic_auth_users:
//!   prometheus: $2y$10$…         # bcrypt hashes (htpasswd -nBC 10 …)
//! http_server_config:
//!   headers: { Strict-Transport-Security: max-age=31536000 }
//! ```
//!
//! An unknown key is an error, as in exporter-toolkit (strict YAML). What the toolkit
//! offers and rustls cannot honour is refused when it would widen access
//! (`RequireAnyClientCert`, `client_allowed_sans`) and warned about when it only names a
//! preference (`cipher_suites`, `curve_preferences`, `http2`).

use std::collections::{BTreeMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;

use rnetstat_sys::safe_file::{MAX_INPUT, read_input};

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct WebFile {
    tls_server_config: Option<TlsFile>,
    http_server_config: Option<HttpFile>,
    #[serde(default, deserialize_with = "unique_users")]
    basic_auth_users: Option<BTreeMap<String, String>>,
}

/// `basic_auth_users`, refusing a user listed twice (which hash would count is a guess; the
/// toolkit refuses it too).
fn unique_users<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<BTreeMap<String, String>>, D::Error> {
    struct Users;
    impl<'de> serde::de::Visitor<'de> for Users {
        type Value = BTreeMap<String, String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a map of user names to bcrypt hashes")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut m: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((user, hash)) = m.next_entry::<String, String>()? {
                if out.contains_key(&user) {
                    return Err(serde::de::Error::custom(format!(
                        "basic_auth_users: {user} is listed twice"
                    )));
                }
                out.insert(user, hash);
            }
            Ok(out)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
    }
    d.deserialize_any(Users).map(Some)
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TlsFile {
    cert_file: Option<String>,
    key_file: Option<String>,
    cert: Option<String>,
    key: Option<String>,
    client_auth_type: Option<String>,
    client_ca_file: Option<String>,
    client_allowed_sans: Option<Vec<String>>,
    min_version: Option<String>,
    max_version: Option<String>,
    cipher_suites: Option<Vec<String>>,
    curve_preferences: Option<Vec<String>>,
    prefer_server_cipher_suites: Option<bool>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct HttpFile {
    http2: Option<bool>,
    headers: Option<BTreeMap<String, String>>,
}

/// The web configuration in force: TLS, users, and headers added to every reply.
pub struct WebConfig {
    pub tls: Option<Arc<rustls::ServerConfig>>,
    pub auth: Option<BasicAuth>,
    /// `Name: value\r\n` lines.
    pub headers: String,
    /// What the file asked for that rnetstat does not do (printed at start).
    pub warnings: Vec<String>,
}

impl WebConfig {
    /// No TLS, no users: plain HTTP, as without `--web.config.file`.
    pub fn none() -> WebConfig {
        WebConfig {
            tls: None,
            auth: None,
            headers: String::new(),
            warnings: Vec::new(),
        }
    }

    /// Reads and checks `path`: certificates and keys loaded, hashes well formed.
    pub fn load(path: &Path) -> Result<WebConfig, String> {
        let bytes = read_input(path, MAX_INPUT).map_err(|e| e.to_string())?;
        let text = String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())?;
        let base = path.parent().unwrap_or(Path::new("."));
        WebConfig::parse(&text, base)
    }

    /// The configuration in `text`, with relative paths taken from `base`.
    pub fn parse(text: &str, base: &Path) -> Result<WebConfig, String> {
        let file: WebFile = if text.trim().is_empty() {
            WebFile::default()
        } else {
            serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?
        };
        let mut warnings = Vec::new();
        let tls = match file.tls_server_config {
            Some(t) => tls_config(t, base, &mut warnings)?,
            None => None,
        };
        let auth = match file.basic_auth_users {
            Some(users) if !users.is_empty() => Some(BasicAuth::new(users)?),
            _ => None,
        };
        let mut headers = String::new();
        if let Some(h) = file.http_server_config {
            if h.http2.is_some() {
                warnings
                    .push("http_server_config.http2: ignored (rnetstat speaks HTTP/1.1)".into());
            }
            for (name, value) in h.headers.unwrap_or_default() {
                let token = !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
                if !token || value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
                    return Err(format!("http_server_config.headers: a bad header {name:?}"));
                }
                let reserved = [
                    "content-type",
                    "content-length",
                    "connection",
                    "www-authenticate",
                ];
                if reserved.iter().any(|r| name.eq_ignore_ascii_case(r)) {
                    return Err(format!(
                        "http_server_config.headers: {name} is set by rnetstat itself"
                    ));
                }
                headers.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        Ok(WebConfig {
            tls,
            auth,
            headers,
            warnings,
        })
    }
}

fn resolve(base: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// PEM text given inline (`cert`, `key`) or by a file (`cert_file`, `key_file`).
fn pem(
    inline: Option<String>,
    file: Option<String>,
    base: &Path,
    what: &str,
) -> Result<Option<Vec<u8>>, String> {
    match (inline, file) {
        (Some(_), Some(_)) => Err(format!(
            "tls_server_config: both {what} and {what}_file are set"
        )),
        (Some(text), None) => Ok(Some(text.into_bytes())),
        (None, Some(f)) => read_input(&resolve(base, &f), MAX_INPUT)
            .map(Some)
            .map_err(|e| format!("tls_server_config.{what}_file: {e}")),
        (None, None) => Ok(None),
    }
}

fn tls_config(
    t: TlsFile,
    base: &Path,
    warnings: &mut Vec<String>,
) -> Result<Option<Arc<rustls::ServerConfig>>, String> {
    let cert = pem(t.cert, t.cert_file, base, "cert")?;
    let key = pem(t.key, t.key_file, base, "key")?;
    let (cert, key) = match (cert, key) {
        // exporter-toolkit: no certificate and no key is TLS off.
        (None, None) if t.client_ca_file.is_none() => return Ok(None),
        (Some(c), Some(k)) => (c, k),
        (None, _) => return Err("tls_server_config: no cert_file (or cert)".into()),
        (_, None) => return Err("tls_server_config: no key_file (or key)".into()),
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("tls_server_config: the certificate: {e}"))?;
    if chain.is_empty() {
        return Err("tls_server_config: the certificate file holds no certificate".into());
    }
    let key = PrivateKeyDer::from_pem_slice(&key)
        .map_err(|e| format!("tls_server_config: the key: {e}"))?;
    if t.client_allowed_sans.is_some() {
        return Err(
            "tls_server_config.client_allowed_sans: not supported by rnetstat; \
                    refusing to start rather than admit more clients than the file allows"
                .into(),
        );
    }
    for (set, what) in [
        (t.cipher_suites.is_some(), "cipher_suites"),
        (t.curve_preferences.is_some(), "curve_preferences"),
        (
            t.prefer_server_cipher_suites.is_some(),
            "prefer_server_cipher_suites",
        ),
    ] {
        if set {
            warnings.push(format!(
                "tls_server_config.{what}: ignored (rustls offers only its own modern suites and groups)"
            ));
        }
    }
    let version = |v: &Option<String>, field: &str| -> Result<Option<u8>, String> {
        match v.as_deref() {
            None | Some("") => Ok(None),
            Some("TLS12") => Ok(Some(12)),
            Some("TLS13") => Ok(Some(13)),
            Some("TLS10" | "TLS11") => Err(format!(
                "tls_server_config.{field}: TLS 1.0 and 1.1 are not offered (rustls has TLS12 and TLS13)"
            )),
            Some(other) => Err(format!(
                "tls_server_config.{field}: '{other}' is not TLS12 or TLS13"
            )),
        }
    };
    let min = version(&t.min_version, "min_version")?.unwrap_or(12);
    let max = version(&t.max_version, "max_version")?.unwrap_or(13);
    let mut versions: Vec<&'static rustls::SupportedProtocolVersion> = Vec::new();
    if min <= 12 && max >= 12 {
        versions.push(&rustls::version::TLS12);
    }
    if max >= 13 {
        versions.push(&rustls::version::TLS13);
    }
    if versions.is_empty() {
        return Err("tls_server_config: min_version is above max_version".into());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&versions)
        .map_err(|e| format!("tls_server_config: {e}"))?;
    let auth_type = t.client_auth_type.as_deref().unwrap_or("NoClientCert");
    let builder = match (auth_type, t.client_ca_file) {
        ("NoClientCert" | "", None) => builder.with_no_client_auth(),
        ("NoClientCert" | "", Some(_)) => {
            return Err("tls_server_config: client_ca_file is set without a \
                        client_auth_type that uses it"
                .into());
        }
        ("RequireAndVerifyClientCert" | "VerifyClientCertIfGiven", Some(ca)) => {
            let pem = read_input(&resolve(base, &ca), MAX_INPUT)
                .map_err(|e| format!("tls_server_config.client_ca_file: {e}"))?;
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(&pem) {
                let c = c.map_err(|e| format!("tls_server_config.client_ca_file: {e}"))?;
                roots
                    .add(c)
                    .map_err(|e| format!("tls_server_config.client_ca_file: {e}"))?;
            }
            let mut v = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            if auth_type == "VerifyClientCertIfGiven" {
                v = v.allow_unauthenticated();
            }
            let verifier = v
                .build()
                .map_err(|e| format!("tls_server_config.client_ca_file: {e}"))?;
            builder.with_client_cert_verifier(verifier)
        }
        ("RequireAndVerifyClientCert" | "VerifyClientCertIfGiven", None) => {
            return Err(format!(
                "tls_server_config: client_auth_type {auth_type} needs client_ca_file"
            ));
        }
        ("RequestClientCert" | "RequireAnyClientCert", _) => {
            return Err(format!(
                "tls_server_config.client_auth_type: {auth_type} (a certificate taken \
                 unverified) is not supported; use VerifyClientCertIfGiven or \
                 RequireAndVerifyClientCert with client_ca_file"
            ));
        }
        (other, _) => {
            return Err(format!(
                "tls_server_config.client_auth_type: '{other}' is not one of NoClientCert, \
                 VerifyClientCertIfGiven, RequireAndVerifyClientCert"
            ));
        }
    };
    let config = builder.with_single_cert(chain, key).map_err(|e| match e {
        rustls::Error::InconsistentKeys(_) => {
            "tls_server_config: key_file is not the key of cert_file".to_string()
        }
        e => format!("tls_server_config: the certificate and key: {e}"),
    })?;
    Ok(Some(Arc::new(config)))
}

/// `basic_auth_users`: user names and their bcrypt hashes. A password once verified is
/// remembered (as a keyed hash, never as text) so a scrape every few seconds does not
/// pay bcrypt's cost each time; an unknown user costs a bcrypt check too, so timing does
/// not tell which users exist.
pub struct BasicAuth {
    users: BTreeMap<String, String>,
    verified: Mutex<HashSet<(String, u64)>>,
    keyed: RandomState,
}

/// The most remembered verifications (cleared when full).
const REMEMBERED: usize = 64;
/// A valid hash of no password anyone has, checked against for unknown users.
const DECOY: &str = "$2b$10$4Ehz9mzR5sBgplcjZ3hHXeAp1B3bLFp8MXSKl/0BM7Idp3eJ3eTNi";

impl BasicAuth {
    fn new(users: BTreeMap<String, String>) -> Result<BasicAuth, String> {
        for (user, hash) in &users {
            if user.contains(':') || user.is_empty() {
                return Err(format!("basic_auth_users: a bad user name {user:?}"));
            }
            if hash.parse::<bcrypt::HashParts>().is_err() {
                return Err(format!(
                    "basic_auth_users.{user}: not a bcrypt hash (make one with htpasswd -nBC 10 {user})"
                ));
            }
        }
        Ok(BasicAuth {
            users,
            verified: Mutex::new(HashSet::new()),
            keyed: RandomState::new(),
        })
    }

    /// Whether an `Authorization` header's value names a user and their password.
    pub fn admits(&self, authorization: Option<&str>) -> bool {
        use base64::Engine;
        let Some(value) = authorization else {
            return false;
        };
        let Some(b64) = value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
            .map(|(_, rest)| rest.trim())
        else {
            return false;
        };
        let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64) else {
            return false;
        };
        let Ok(text) = String::from_utf8(raw) else {
            return false;
        };
        let Some((user, password)) = text.split_once(':') else {
            return false;
        };
        let key = (user.to_string(), self.keyed.hash_one(password));
        if self.verified.lock().is_ok_and(|v| v.contains(&key)) {
            return true;
        }
        let (hash, known) = match self.users.get(user) {
            Some(h) => (h.as_str(), true),
            None => (DECOY, false),
        };
        let ok = bcrypt::verify(password, hash).unwrap_or(false) && known;
        if ok && let Ok(mut v) = self.verified.lock() {
            if v.len() >= REMEMBERED {
                v.clear();
            }
            v.insert(key);
        }
        ok
    }
}

#[cfg(test)]
mod tests;
