//! `rnetstat metrics` and `rnetstat serve`, checked by real clients: the strict exposition
//! parsers of Python's prometheus_client, promtool, and a running Prometheus that scrapes
//! `serve` and answers queries over its HTTP API. Every test runs in a private network
//! namespace of its own, where every server listens on loopback; each server it starts is
//! stopped by pid on drop.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use socket2::{Domain, Socket, Type};

use super::common::{BIN, eventually, in_netns, run_ok, ss};

const PYTHON: &str = "/usr/bin/python3";

/// Parses an exposition with prometheus_client's parser (`openmetrics`: the strict
/// OpenMetrics one) and returns every sample as (name, labels, value).
fn parse(text: &str, openmetrics: bool) -> Vec<(String, BTreeMap<String, String>, f64)> {
    let module = if openmetrics {
        "prometheus_client.openmetrics.parser"
    } else {
        "prometheus_client.parser"
    };
    let script = format!(
        "import sys, json\nfrom {module} import text_string_to_metric_families as p\n\
         out = [[s.name, s.labels, s.value] for f in p(sys.stdin.read()) for s in f.samples]\n\
         print(json.dumps(out))"
    );
    let mut child = Command::new(PYTHON)
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "prometheus_client rejected the exposition: {}\n{text}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Vec<(String, BTreeMap<String, String>, f64)> =
        serde_json::from_slice(&o.stdout).unwrap();
    v
}

/// The value of the one sample of `name` whose labels include `want`.
fn value(
    samples: &[(String, BTreeMap<String, String>, f64)],
    name: &str,
    want: &[(&str, &str)],
) -> f64 {
    let found: Vec<f64> = samples
        .iter()
        .filter(|(n, l, _)| {
            n == name
                && want
                    .iter()
                    .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.2)
        .collect();
    assert_eq!(found.len(), 1, "{name} {want:?}: {found:?}");
    found[0]
}

pub(super) fn deps(test: &str) -> bool {
    let ok = Path::new(PYTHON).exists()
        && Command::new(PYTHON)
            .args(["-c", "import prometheus_client"])
            .status()
            .is_ok_and(|s| s.success());
    if !ok {
        eprintln!(
            "skipping {test}: python3-prometheus-client is not installed (scripts/install-test-deps)"
        );
    }
    ok
}

/// A listener on loopback with `backlog`, and `waiting` connections it has not accepted.
fn backlog(port: u16, backlog: i32, waiting: usize) -> (Socket, Vec<TcpStream>) {
    let l = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    l.set_reuse_address(true).unwrap();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    l.bind(&addr.into()).unwrap();
    l.listen(backlog).unwrap();
    let clients = (0..waiting)
        .map(|_| TcpStream::connect(addr).unwrap())
        .collect();
    (l, clients)
}

#[test]
fn exposition_is_exact_and_parses_strictly() {
    if !deps("exposition_is_exact_and_parses_strictly") {
        return;
    }
    in_netns("exposition_is_exact_and_parses_strictly", || {
        let (_l, _clients) = backlog(7200, 5, 3);
        let port = "7200";
        super::common::eventually("3 in the accept queue", 5, || {
            let t = run_ok(&["metrics", "-t"]);
            t.contains("rnetstat_listen_queue_length{netns=\"")
                .then_some(())
        });
        for openmetrics in [false, true] {
            let mut args = vec!["metrics", "-t"];
            if openmetrics {
                args.push("--openmetrics");
            }
            let s = parse(&run_ok(&args), openmetrics);
            let at = [("port", port), ("proto", "tcp"), ("address", "127.0.0.1")];
            assert_eq!(value(&s, "rnetstat_listen_queue_length", &at), 3.0);
            assert_eq!(value(&s, "rnetstat_listen_queue_max", &at), 5.0);
            // The three connections, from both ends: in on the listening port, out to it.
            let est = [("port", port), ("state", "ESTABLISHED")];
            let dir = |d| {
                let mut v = est.to_vec();
                v.push(("direction", d));
                value(&s, "rnetstat_connections", &v)
            };
            assert_eq!(dir("in"), 3.0);
            assert_eq!(dir("out"), 3.0);
            // State counts equal ss's.
            let mut by_state: BTreeMap<String, f64> = BTreeMap::new();
            for r in ss("-tanH") {
                *by_state
                    .entry(super::common::ss_state(&r.state).to_string())
                    .or_default() += 1.0;
            }
            let mut ours: BTreeMap<String, f64> = BTreeMap::new();
            for (n, l, v) in &s {
                if n == "rnetstat_sockets" && l["proto"] == "tcp" {
                    *ours.entry(l["state"].clone()).or_default() += v;
                }
            }
            assert_eq!(ours, by_state, "openmetrics={openmetrics}");
            let version = [("version", env!("CARGO_PKG_VERSION"))];
            assert_eq!(value(&s, "rnetstat_build_info", &version), 1.0);
        }
        // Every namespace on the host, both formats.
        for openmetrics in [false, true] {
            let mut args = vec!["metrics", "--all-netns"];
            if openmetrics {
                args.push("--openmetrics");
            }
            let s = parse(&run_ok(&args), openmetrics);
            assert!(
                s.iter()
                    .any(|(n, l, _)| n == "rnetstat_sockets" && l["netns"] == "host")
            );
        }
        // promtool lints the Prometheus text; --output writes the same, atomically.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rnetstat.prom");
        run_ok(&["metrics", "-t", "--output", file.to_str().unwrap()]);
        let o = Command::new("promtool")
            .args(["check", "metrics"])
            .stdin(std::fs::File::open(&file).unwrap())
            .output();
        if let Ok(o) = o {
            assert!(
                o.status.success(),
                "promtool: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    });
}

#[test]
fn listen_overflows_count_exactly_the_dropped_syns() {
    if !deps("listen_overflows_count_exactly_the_dropped_syns") {
        return;
    }
    in_netns("listen_overflows_count_exactly_the_dropped_syns", || {
        // Backlog 1: the queue is full once it holds 2 (the kernel's test is `> backlog`).
        let (_l, _full) = backlog(7201, 1, 2);
        eventually("a full accept queue", 5, || {
            let s = parse(&run_ok(&["metrics", "-t"]), false);
            let at = [("port", "7201"), ("proto", "tcp")];
            (value(&s, "rnetstat_listen_queue_length", &at) == 2.0).then_some(())
        });
        // The namespace is the test's own: its `netns` label is read from the exposition.
        let s0 = parse(&run_ok(&["metrics", "-t"]), false);
        let ns = s0
            .iter()
            .find(|(n, _, _)| n == "rnetstat_tcp_listen_overflows_total")
            .map(|(_, l, _)| l["netns"].clone())
            .unwrap();
        let read = || {
            let s = parse(&run_ok(&["metrics", "-t"]), false);
            (
                value(&s, "rnetstat_tcp_listen_overflows_total", &[("netns", &ns)]),
                value(&s, "rnetstat_tcp_listen_drops_total", &[("netns", &ns)]),
            )
        };
        let (o0, d0) = read();
        // Three more SYNs meet the full queue and are dropped; their first retransmission
        // is a second away, so the counters are read well before it.
        let addr: SocketAddr = ([127, 0, 0, 1], 7201).into();
        let started = Instant::now();
        let syns = connecting(addr, 3);
        std::thread::sleep(Duration::from_millis(200));
        let (o1, d1) = read();
        assert!(
            started.elapsed() < Duration::from_millis(900),
            "too slow to be exact"
        );
        assert_eq!(o1 - o0, 3.0, "ListenOverflows");
        assert_eq!(d1 - d0, 3.0, "ListenDrops");
        drop(syns);
    });
}

/// `n` clients whose connects to `addr` were started, not awaited.
fn connecting(addr: SocketAddr, n: usize) -> Vec<Socket> {
    (0..n)
        .map(|_| {
            let c = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
            c.set_nonblocking(true).unwrap();
            let _ = c.connect(&addr.into());
            c
        })
        .collect()
}

/// A child process stopped (by pid) on drop.
pub(super) struct Running(pub(super) Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `rnetstat serve` on a free loopback port; returns it and its address.
fn serve(extra: &[&str]) -> (Running, SocketAddr) {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stderr(Stdio::piped())
        .spawn()
        .expect("rnetstat serve");
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("rnetstat serve: metrics at http://")
        .and_then(|r| r.strip_suffix("/metrics"))
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("serve said {line:?}"));
    (Running(child), addr)
}

/// Starts a real Prometheus on a free loopback port, its data in `dir`, scraping every
/// second as `config` (the rest of its YAML after `global:`'s interval) says.
pub(super) fn prometheus(dir: &Path, config: &str) -> (Running, SocketAddr) {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let at = free.local_addr().unwrap();
    drop(free);
    let file = dir.join("prometheus.yml");
    std::fs::write(&file, format!("global:\n  scrape_interval: 1s\n{config}")).unwrap();
    let prom = Command::new("prometheus")
        .arg(format!("--config.file={}", file.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address={at}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus");
    (Running(prom), at)
}

/// Sends raw bytes, returns (status, body).
pub(super) fn http(addr: SocketAddr, raw: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(raw).unwrap();
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    let text = String::from_utf8_lossy(&got).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    let body = text.split_once("\r\n\r\n").map_or("", |b| b.1).to_string();
    (status, body)
}

pub(super) fn get(addr: SocketAddr, path: &str, accept: &str) -> (u16, String) {
    http(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: x\r\nAccept: {accept}\r\n\r\n").as_bytes(),
    )
}

#[test]
fn a_real_prometheus_scrapes_serve() {
    let have = Command::new("prometheus").arg("--version").output().is_ok();
    if !have || !deps("a_real_prometheus_scrapes_serve") {
        eprintln!(
            "skipping a_real_prometheus_scrapes_serve: prometheus is not installed (scripts/install-test-deps)"
        );
        return;
    }
    in_netns("a_real_prometheus_scrapes_serve", || {
        let (_l, _clients) = backlog(7202, 5, 3);
        let (_serve, at) = serve(&["-t"]);
        // Content negotiation, both ways.
        let (st, om) = get(
            at,
            "/metrics",
            "application/openmetrics-text; version=1.0.0",
        );
        assert_eq!(st, 200);
        assert!(om.ends_with("# EOF\n"));
        parse(&om, true);
        let (st, text) = get(at, "/metrics", "text/plain");
        assert_eq!(st, 200);
        parse(&text, false);
        // The example rules.
        let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/alerts.yml");
        let o = Command::new("promtool")
            .arg("check")
            .arg("rules")
            .arg(&rules)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));

        let dir = tempfile::tempdir().unwrap();
        let (_prom, prom_at) = prometheus(
            dir.path(),
            &format!(
                "  evaluation_interval: 1s\nscrape_configs:\n  - job_name: rnetstat\n    static_configs:\n      - targets: ['{at}']\n"
            ),
        );
        let query = |q: &str| -> Option<Value> {
            let mut s = TcpStream::connect(prom_at).ok()?;
            s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
            let path = format!(
                "/api/v1/query?query={}",
                q.replace('{', "%7B")
                    .replace('}', "%7D")
                    .replace('"', "%22")
                    .replace('=', "%3D")
                    .replace(',', "%2C")
            );
            s.write_all(format!("GET {path} HTTP/1.0\r\n\r\n").as_bytes())
                .ok()?;
            let mut got = String::new();
            s.read_to_string(&mut got).ok()?;
            serde_json::from_str(got.split_once("\r\n\r\n")?.1).ok()
        };
        let result = |q: &str| -> Option<String> {
            let v = query(q)?;
            v["data"]["result"][0]["value"][1]
                .as_str()
                .map(str::to_string)
        };
        let max = eventually("Prometheus to scrape rnetstat serve", 60, || {
            result("rnetstat_listen_queue_max{port=\"7202\"}")
        });
        assert_eq!(max, "5");
        assert_eq!(
            result("rnetstat_listen_queue_length{port=\"7202\"}").as_deref(),
            Some("3")
        );
        assert_eq!(result("up{job=\"rnetstat\"}").as_deref(), Some("1"));
    });
}

#[test]
fn serve_holds_up_under_stress_and_garbage() {
    if !deps("serve_holds_up_under_stress_and_garbage") {
        return;
    }
    in_netns("serve_holds_up_under_stress_and_garbage", || {
        let (_l, _clients) = backlog(7203, 5, 2);
        let (server, at) = serve(&["-t", "--timeout", "2"]);
        // A client that sends one byte a second.
        let slow = std::thread::spawn(move || {
            let mut s = TcpStream::connect(at).unwrap();
            // Waiting a second for a reply is this client's pause between bytes.
            s.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
            let start = Instant::now();
            let mut got = Vec::new();
            let mut chunk = [0u8; 512];
            for b in b"GET /metrics HTTP/1.1\r\n" {
                if s.write_all(&[*b]).is_err() {
                    break;
                }
                match s.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => {
                        got.extend_from_slice(&chunk[..n]);
                        break;
                    }
                    Err(_) => {}
                }
            }
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let _ = s.read_to_end(&mut got);
            (start.elapsed(), String::from_utf8_lossy(&got).into_owned())
        });
        std::thread::sleep(Duration::from_millis(200));
        // 200 scrapes at once, while the slow client holds its connection.
        let start = Instant::now();
        let scrapes: Vec<_> = (0..200)
            .map(|i| {
                std::thread::spawn(move || {
                    let accept = if i % 2 == 0 {
                        "application/openmetrics-text"
                    } else {
                        "*/*"
                    };
                    get(at, "/metrics", accept)
                })
            })
            .collect();
        for (i, t) in scrapes.into_iter().enumerate() {
            let (st, body) = t.join().unwrap();
            assert_eq!(st, 200, "scrape {i}");
            assert!(body.contains("rnetstat_listen_queue_length{"), "scrape {i}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            start.elapsed()
        );
        let (took, said) = slow.join().unwrap();
        assert!(said.starts_with("HTTP/1.1 408"), "{said:?}");
        assert!(took < Duration::from_secs(5), "{took:?}");
        // Garbage and oversized requests, other paths and methods.
        assert_eq!(http(at, b"\x00\x01garbage\r\n\r\n").0, 400);
        assert_eq!(http(at, b"GET /metrics HTTP/9.9\r\n\r\n").0, 400);
        let mut big = b"GET /metrics HTTP/1.1\r\nX-Big: ".to_vec();
        big.resize(64 * 1024, b'a');
        assert_eq!(http(at, &big).0, 431);
        assert_eq!(http(at, b"POST /metrics HTTP/1.1\r\n\r\n").0, 405);
        assert_eq!(get(at, "/other", "*/*").0, 404);
        let mut seeded = rnetstat::rng::Rng::new(0x9e37_79b9_7f4a_7c15);
        for _ in 0..200 {
            let rng = seeded.next_u64();
            let junk: Vec<u8> = (0..(rng % 300)).map(|i| (rng >> (i % 56)) as u8).collect();
            let mut s = TcpStream::connect(at).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let _ = s.write_all(&junk);
            let _ = s.shutdown(std::net::Shutdown::Write);
            let mut got = Vec::new();
            let _ = s.read_to_end(&mut got);
        }
        // Still serving, and its memory stayed bounded.
        assert_eq!(get(at, "/metrics", "*/*").0, 200);
        let status = std::fs::read_to_string(format!("/proc/{}/status", server.0.id())).unwrap();
        let hwm_kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap();
        assert!(hwm_kib < 64 * 1024, "peak RSS {hwm_kib} KiB");
    });
}

#[test]
fn findings_are_counted_for_prometheus() {
    if !deps("findings_are_counted_for_prometheus") {
        return;
    }
    in_netns("findings_are_counted_for_prometheus", || {
        // A listener that never accepts, with more clients than its backlog: one
        // listen-overflow (critical) and connects retrying.
        let (_l, _full) = backlog(7202, 1, 2);
        let addr: SocketAddr = ([127, 0, 0, 1], 7202).into();
        let syns = connecting(addr, 2);
        let at = |v: &'static str, sev: &'static str| [("verdict", v), ("severity", sev)];
        let s = parse(&run_ok(&["metrics", "-t"]), false);
        assert_eq!(
            value(&s, "rnetstat_findings", &at("listen-overflow", "critical")),
            1.0
        );
        // serve judges over the time between scrapes: the dropped SYNs are syn-drops in
        // the second scrape.
        let (_serve, srv) = serve(&["-t"]);
        let (code, _) = get(srv, "/metrics", "text/plain");
        assert_eq!(code, 200);
        let more = connecting(addr, 2);
        // A scrape judges against a baseline at least a second old.
        std::thread::sleep(Duration::from_millis(1200));
        let (_, body) = get(srv, "/metrics", "text/plain");
        let s = parse(&body, false);
        assert_eq!(
            value(&s, "rnetstat_findings", &at("syn-drops", "warning")),
            1.0,
            "{body}"
        );
        assert_eq!(
            value(&s, "rnetstat_findings", &at("listen-overflow", "critical")),
            1.0
        );
        drop((syns, more));
    });
}

#[test]
fn the_kernels_drops_resets_and_retransmits_are_counted() {
    if !deps("the_kernels_drops_resets_and_retransmits_are_counted") {
        return;
    }
    in_netns(
        "the_kernels_drops_resets_and_retransmits_are_counted",
        || {
            let (_serve, addr) = serve(&[]);
            // The families are there (empty) once the tracer is attached.
            eventually("the tracer attached", 10, || {
                let (_, body) = get(addr, "/metrics", "text/plain");
                body.contains("# TYPE rnetstat_drops_total counter")
                    .then_some(())
            });
            for _ in 0..3 {
                crate::trace::syn_to_closed_port();
            }
            let samples = eventually("the events counted", 10, || {
                let (_, body) = get(addr, "/metrics", "text/plain");
                let s = parse(&body, false);
                let n = s
                    .iter()
                    .filter(|(n, l, _)| {
                        n == "rnetstat_drops_total"
                            && l.get("reason").map(String::as_str) == Some("no_socket")
                    })
                    .map(|x| x.2)
                    .sum::<f64>();
                (n >= 3.0).then_some(s)
            });
            assert_eq!(
                value(&samples, "rnetstat_drops_total", &[("reason", "no_socket")]),
                3.0
            );
            assert_eq!(
                value(
                    &samples,
                    "rnetstat_resets_total",
                    &[("direction", "sent"), ("reason", "no_socket")]
                ),
                3.0
            );
            assert_eq!(
                value(
                    &samples,
                    "rnetstat_resets_total",
                    &[("direction", "received")]
                ),
                3.0
            );
            // OpenMetrics, strictly parsed, says the same.
            let (_, om) = get(
                addr,
                "/metrics",
                "application/openmetrics-text; version=1.0.0",
            );
            let s = parse(&om, true);
            assert_eq!(
                value(&s, "rnetstat_drops_total", &[("reason", "no_socket")]),
                3.0
            );
        },
    );
}
