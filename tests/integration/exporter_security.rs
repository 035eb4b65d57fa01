//! `rnetstat serve` fit to expose (findings 7–9 of the root-safety review): TLS and basic
//! auth from a Prometheus web configuration file, checked with curl and a real Prometheus;
//! a warning beyond loopback; unresolvable `-N` refused; error bodies that name nothing;
//! scrapes served while 300 slow clients hold connections. Certificates come from the
//! test's own CA (openssl), made in a temporary directory; every server listens on
//! loopback inside the test's own network namespace and is stopped by pid.

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::common::{BIN, eventually, in_netns, require};
use super::metrics::{Running, get, http, prometheus};

fn openssl(dir: &Path, args: &[&str]) {
    let o = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl");
    assert!(
        o.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by it.
fn certificates(dir: &Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend_from_slice(&ec);
    ca.extend_from_slice(&[
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=rnetstat test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(dir, &ca);
    for (name, ext) in [
        (
            "server",
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
        ),
        (
            "client",
            "subjectAltName=DNS:scraper\nextendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n",
        ),
    ] {
        std::fs::write(dir.join(format!("{name}.ext")), ext).unwrap();
        let (key, csr, crt, extf) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.crt"),
            format!("{name}.ext"),
        );
        let mut req = vec!["req"];
        req.extend_from_slice(&ec);
        req.extend_from_slice(&["-keyout", &key, "-out", &csr, "-subj", "/CN=rnetstat test"]);
        openssl(dir, &req);
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &crt,
                "-days",
                "2",
                "-extfile",
                &extf,
            ],
        );
    }
}

/// Starts `rnetstat serve` with `extra`; returns it, its address and its first stderr line.
fn serve(extra: &[&str]) -> (Running, SocketAddr, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stderr(Stdio::piped())
        .spawn()
        .expect("rnetstat serve");
    let mut line = String::new();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    err.read_line(&mut line).unwrap();
    // The rest of its log, read on so it never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = err.read_to_string(&mut rest);
    });
    let addr = line
        .trim()
        .split("://")
        .nth(1)
        .and_then(|r| r.strip_suffix("/metrics"))
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("serve said {line:?}"));
    (Running(child), addr, line)
}

/// curl's status code for `url` with `args` ("000" when the TLS handshake failed).
fn curl(args: &[&str], url: &str) -> String {
    let o = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "10",
        ])
        .args(args)
        .arg(url)
        .output()
        .expect("curl");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn tools(test: &str) -> bool {
    let runs = |tool: &str, arg: &str| {
        Command::new(tool)
            .arg(arg)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let ok = runs("openssl", "version") && runs("curl", "--version");
    if !ok {
        eprintln!("skipping {test}: openssl or curl is not installed (scripts/install-test-deps)");
    }
    ok
}

fn web_config(dir: &Path, extra_tls: &str) -> String {
    let hash = bcrypt::hash("scrape-secret", 4).unwrap();
    let p = dir.join("web.yml");
    std::fs::write(
        &p,
        format!(
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n{extra_tls}\
             basic_auth_users:\n  prometheus: {hash}\n"
        ),
    )
    .unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn tls_and_basic_auth_from_a_web_config_file() {
    if !tools("tls_and_basic_auth_from_a_web_config_file") {
        return;
    }
    in_netns("tls_and_basic_auth_from_a_web_config_file", || {
        let dir = tempfile::tempdir().unwrap();
        certificates(dir.path());
        let web = web_config(dir.path(), "");
        let (_serve, at, said) = serve(&["-t", "--web.config.file", &web]);
        assert!(said.contains("https://"), "{said}");
        let url = format!("https://{at}/metrics");
        let ca = dir.path().join("ca.crt");
        let ca = ca.to_str().unwrap();
        assert_eq!(
            curl(&["--cacert", ca, "-u", "prometheus:scrape-secret"], &url),
            "200"
        );
        assert_eq!(
            curl(&["--cacert", ca, "-u", "prometheus:wrong"], &url),
            "401"
        );
        assert_eq!(
            curl(&["--cacert", ca, "-u", "nobody:scrape-secret"], &url),
            "401"
        );
        assert_eq!(curl(&["--cacert", ca], &url), "401");
        // Not trusting the test's CA, the client refuses the server.
        assert_eq!(curl(&["-u", "prometheus:scrape-secret"], &url), "000");
        // Plain HTTP on the TLS port: refused, in words.
        let (status, body) = get(at, "/metrics", "*/*");
        assert_eq!(status, 400);
        assert!(body.contains("HTTPS"), "{body}");
        // The body, with the right password.
        let o = Command::new("curl")
            .args(["-s", "--cacert", ca, "-u", "prometheus:scrape-secret", &url])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("# TYPE rnetstat_"), "{text}");
    });
}

#[test]
fn client_certificates_when_the_config_requires_them() {
    if !tools("client_certificates_when_the_config_requires_them") {
        return;
    }
    in_netns("client_certificates_when_the_config_requires_them", || {
        let dir = tempfile::tempdir().unwrap();
        certificates(dir.path());
        let web = web_config(
            dir.path(),
            "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n",
        );
        let (_serve, at, _) = serve(&["-t", "--web.config.file", &web]);
        let url = format!("https://{at}/metrics");
        let d = dir.path();
        let (ca, crt, key) = (d.join("ca.crt"), d.join("client.crt"), d.join("client.key"));
        let auth = [
            "-u",
            "prometheus:scrape-secret",
            "--cacert",
            ca.to_str().unwrap(),
        ];
        let mut with = auth.to_vec();
        with.extend_from_slice(&[
            "--cert",
            crt.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ]);
        assert_eq!(curl(&with, &url), "200");
        assert_eq!(curl(&auth, &url), "000");
    });
}

#[test]
fn a_real_prometheus_scrapes_over_tls_with_basic_auth() {
    let have = Command::new("prometheus").arg("--version").output().is_ok();
    if !have || !tools("a_real_prometheus_scrapes_over_tls_with_basic_auth") {
        eprintln!(
            "skipping a_real_prometheus_scrapes_over_tls_with_basic_auth: prometheus is not installed (scripts/install-test-deps)"
        );
        return;
    }
    in_netns("a_real_prometheus_scrapes_over_tls_with_basic_auth", || {
        let dir = tempfile::tempdir().unwrap();
        certificates(dir.path());
        let web = web_config(dir.path(), "");
        let (_serve, at, _) = serve(&["-t", "--web.config.file", &web]);
        let (_prom, prom_at) = prometheus(
            dir.path(),
            &format!(
                "scrape_configs:\n  - job_name: rnetstat\n    \
                 scheme: https\n    tls_config:\n      ca_file: {}\n    basic_auth:\n      \
                 username: prometheus\n      password: scrape-secret\n    static_configs:\n      \
                 - targets: ['{at}']\n",
                dir.path().join("ca.crt").display()
            ),
        );
        let up = eventually("Prometheus to scrape serve over TLS", 60, || {
            // Prometheus may not be listening yet: a refused connection is asked again.
            TcpStream::connect(prom_at).ok()?;
            let (status, body) = http(
                prom_at,
                b"GET /api/v1/query?query=up%7Bjob%3D%22rnetstat%22%7D HTTP/1.0\r\n\r\n",
            );
            if status != 200 {
                return None;
            }
            let v: serde_json::Value = serde_json::from_str(&body).ok()?;
            v["data"]["result"][0]["value"][1]
                .as_str()
                .filter(|u| *u == "1")
                .map(str::to_string)
        });
        assert_eq!(up, "1");
    });
}

#[test]
fn scrapes_are_served_while_300_slow_clients_hold_connections() {
    // Finding 9: 300 slow loopback clients made real scrapes get 503 for about 8 s.
    in_netns(
        "scrapes_are_served_while_300_slow_clients_hold_connections",
        || {
            let (_serve, at, _) = serve(&["-t", "--timeout", "8"]);
            let slow: Vec<TcpStream> = (0..300)
                .map(|_| {
                    let s = TcpStream::connect(at).unwrap();
                    use std::io::Write;
                    let _ = (&s).write_all(b"GET /metr");
                    s
                })
                .collect();
            std::thread::sleep(Duration::from_millis(300));
            let start = Instant::now();
            let mut n = 0;
            while start.elapsed() < Duration::from_secs(4) {
                let (status, body) = get(at, "/metrics", "*/*");
                assert_eq!(
                    status,
                    200,
                    "scrape {n} after {:?}: {body}",
                    start.elapsed()
                );
                n += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            assert!(n >= 10, "{n} scrapes");
            drop(slow);
        },
    );
}

#[test]
fn beyond_loopback_without_tls_is_warned_and_bad_targets_refused() {
    in_netns(
        "beyond_loopback_without_tls_is_warned_and_bad_targets_refused",
        || {
            // Finding 8: --listen 0.0.0.0 exposed socket tables without a word.
            let mut child = Command::new(BIN)
                .args(["serve", "--listen", "0.0.0.0:0"])
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut err = BufReader::new(child.stderr.take().unwrap());
            let mut lines = String::new();
            for _ in 0..2 {
                err.read_line(&mut lines).unwrap();
            }
            let _running = Running(child);
            assert!(
                lines.contains("warning: listening on 0.0.0.0:")
                    && lines.contains("without TLS or authentication"),
                "{lines}"
            );
            // Finding 7: -N that does not resolve started, and every scrape failed.
            let t = Instant::now();
            let o = Command::new(BIN)
                .args([
                    "serve",
                    "--listen",
                    "127.0.0.1:0",
                    "-N",
                    "no-such-namespace",
                ])
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(2));
            assert!(t.elapsed() < Duration::from_secs(5));
            let o = Command::new(BIN)
                .args([
                    "serve",
                    "--listen",
                    "127.0.0.1:0",
                    "--container",
                    "no-such-container",
                ])
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(2));
            // A bad web configuration is refused before listening.
            let dir = tempfile::tempdir().unwrap();
            let bad = dir.path().join("web.yml");
            std::fs::write(&bad, "basic_auth_users:\n  a: not-a-hash\n").unwrap();
            let o = Command::new(BIN)
                .args(["serve", "--listen", "127.0.0.1:0", "--web.config.file"])
                .arg(&bad)
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(2));
            assert!(String::from_utf8_lossy(&o.stderr).contains("not a bcrypt hash"));
        },
    );
}

#[test]
fn a_failed_scrape_names_no_namespace() {
    // Finding 7: the 500 body listed the host's namespace names to any HTTP client.
    if !require("ip", "a_failed_scrape_names_no_namespace") {
        return;
    }
    in_netns("a_failed_scrape_names_no_namespace", || {
        let name = format!("rnt-gone-{}", std::process::id());
        struct Named(String);
        impl Drop for Named {
            fn drop(&mut self) {
                let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
            }
        }
        assert!(
            Command::new("ip")
                .args(["netns", "add", &name])
                .status()
                .unwrap()
                .success()
        );
        let named = Named(name.clone());
        let (serve, at, _) = serve(&["-t", "-N", &name]);
        assert_eq!(get(at, "/metrics", "*/*").0, 200);
        drop(named);
        let (status, body) = get(at, "/metrics", "*/*");
        assert_eq!(status, 500);
        assert!(!body.contains("rnt-") && !body.contains("netns"), "{body}");
        drop(serve);
    });
}
