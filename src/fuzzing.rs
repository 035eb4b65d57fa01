//! Every decoder and parser that reads outside input, behind one signature, for the fuzz
//! targets in `fuzz/` (one per entry, `scripts/fuzz NAME SECONDS`) and for the test that
//! replays their committed corpora (`fuzz/corpus/NAME/*`) on every CI run. An entry must
//! return (with an error value or nothing) on any bytes; a panic is the bug.

use std::io;

use crate::model::Proto;
use crate::model::counters::StatsFile;
use crate::source::netlink::{self, Transport};
use crate::source::{conntrack, containers, ifaces, procfs};

/// Text parsers see the bytes as UTF-8, replaced where invalid (as a read of /proc would
/// fail on them before the parser saw them).
fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// A transport that answers any request with `data` as one datagram, then ends.
struct Once<'a>(Option<&'a [u8]>);

impl Transport for Once<'_> {
    fn send(&mut self, _: &[u8]) -> io::Result<()> {
        Ok(())
    }
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(d) => {
                let n = d.len().min(buf.len());
                buf[..n].copy_from_slice(&d[..n]);
                Ok(d.len())
            }
            None => Err(io::Error::other("no more datagrams")),
        }
    }
}

fn dump_loop(data: &[u8]) {
    let mut buf = vec![0u8; netlink::RECV_BUF];
    // Sequence number 1; the first four bytes of a real request do not matter here.
    let _ = netlink::dump(&mut Once(Some(data)), b"", 1, &mut buf, |kind, p| {
        // Each message as every decoder would see it.
        let _ = netlink::inet::InetDiagMsg::new_checked(p).and_then(|m| m.to_socket(Proto::Tcp));
        let _ = netlink::unix::decode(p);
        let _ = netlink::link::decode_packet(p);
        let _ = netlink::link::decode_netlink(p);
        let _ = netlink::route::decode(kind, p, &mut |_| None);
        let _ = netlink::destroy_events::decode(p);
        let _ = conntrack::decode(p);
        Ok(())
    });
}

fn inet_diag(data: &[u8]) {
    for proto in [Proto::Tcp, Proto::Udp, Proto::Raw, Proto::Mptcp] {
        let _ = netlink::inet::InetDiagMsg::new_checked(data).and_then(|m| m.to_socket(proto));
    }
}

fn proc_tables(data: &[u8]) {
    let t = text(data);
    for line in t.lines() {
        for proto in [Proto::Tcp, Proto::Udp, Proto::Raw] {
            let _ = procfs::inet::parse_line(line, proto);
        }
        let _ = procfs::unix::parse_line(line);
        let _ = procfs::dev::parse_line(line);
    }
    let (mut r, mut m, mut bad) = (Vec::new(), Vec::new(), Vec::new());
    procfs::route::parse_v4(&t, &mut r, &mut bad);
    procfs::route::parse_v6(&t, &mut r, &mut bad);
    procfs::igmp::parse_v4(&t, &mut m, &mut bad);
    procfs::igmp::parse_v6(&t, &mut m, &mut bad);
    let _ = procfs::sockstat::TcpCounts::parse(&t, &t);
    let _ = ifaces::parse_if_inet6(&t, &mut Vec::new());
}

fn proc_stats(data: &[u8]) {
    let t = text(data);
    let (mut out, mut bad) = (Vec::new(), Vec::new());
    procfs::snmp::parse_pairs(&t, StatsFile::Snmp, &mut out, &mut bad);
    procfs::snmp::parse_pairs(&t, StatsFile::Netstat, &mut out, &mut bad);
    procfs::snmp::parse_named(&t, StatsFile::Snmp6, None, &mut out, &mut bad);
    procfs::snmp::parse_named(&t, StatsFile::Sctp, Some("Sctp"), &mut out, &mut bad);
}

/// Differential: a filter that parses is compiled for each family, and the program, run by
/// the model of the kernel's interpreter, must select what the evaluator selects.
fn filter(data: &[u8]) {
    use crate::filter::bytecode::vm;
    const GRID: vm::Grid = vm::Grid {
        v4: &["127.0.0.1", "10.1.2.3"],
        v6: &["::1", "fd00::5", "::ffff:10.1.2.3"],
        ports: &[0, 22, 80, 40000, 65535],
    };
    let t = text(data);
    let words: Vec<&str> = t.split_whitespace().collect();
    if let Ok(f) = crate::filter::Filter::parse(&words)
        && let Err(e) = vm::agrees(&f, &GRID)
    {
        panic!("the kernel program and the evaluator disagree on {t:?}: {e}");
    }
}

fn control_request(data: &[u8]) {
    let _ = crate::stack::control::parse_request(&text(data));
}

/// A CNI result file's name: network, container id, interface.
const CNI_FILE: &str = "net-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-eth0";

fn runtime_files(data: &[u8]) {
    let t = text(data);
    for line in t.lines() {
        let _ = containers::cgroup::parse(line);
    }
    let _ = containers::cgroup::parse(&t);
    let _ = conntrack::parse_proc(&t);
    let _ = crate::source::stack::parse_reply(&t);
    // Container runtimes' files: podman's containers.json, storage.conf, kubelet log
    // links, CNI results, docker's hostconfig.json and config.v2.json.
    containers::names::podman_names(&t, &mut std::collections::HashMap::new());
    let _ = containers::names::toml_string(&t, "graphroot");
    let _ = containers::names::kube_log_link(&t);
    let _ = containers::ports::cni(CNI_FILE, &t);
    if let Some((a, b)) = t.split_at_checked(t.len() / 2) {
        let _ = containers::ports::docker("id", a, b);
    }
    // `-s --delta`'s saved counters.
    let _ = crate::history::parse(&t);
}

fn lab_script(data: &[u8]) {
    let _ = crate::lab::script::parse(&text(data));
}

fn http_request(data: &[u8]) {
    let _ = crate::exporter::http::parse(data);
}

fn tcp_info(data: &[u8]) {
    let _ = netlink::tcp_info::decode(data);
}

fn stack_packet(data: &[u8]) {
    let _ = crate::stack::packet::parse(data);
}

fn stack_input(data: &[u8]) {
    crate::stack::fuzz::fuzz_one(data);
}

/// A fuzz target's entry point.
pub type Entry = fn(&[u8]);

/// (name, entry): the fuzz targets.
pub const TARGETS: &[(&str, Entry)] = &[
    ("dump_loop", dump_loop),
    ("inet_diag", inet_diag),
    ("tcp_info", tcp_info),
    ("proc_tables", proc_tables),
    ("proc_stats", proc_stats),
    ("filter", filter),
    ("runtime_files", runtime_files),
    ("lab_script", lab_script),
    ("http_request", http_request),
    ("stack_packet", stack_packet),
    ("stack_input", stack_input),
    ("control_request", control_request),
];

/// Runs the entry called `name` on `data`.
pub fn run(name: &str, data: &[u8]) {
    if let Some((_, f)) = TARGETS.iter().find(|(n, _)| *n == name) {
        f(data);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every committed corpus input (and every crash found, kept as a regression) through
    /// its target.
    #[test]
    fn corpora_replay_without_panic() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        let mut n = 0;
        for (name, f) in TARGETS {
            for dir in ["corpus", "regressions"] {
                let Ok(rd) = std::fs::read_dir(root.join(dir).join(name)) else {
                    continue;
                };
                for e in rd.flatten() {
                    if let Ok(data) = std::fs::read(e.path()) {
                        f(&data);
                        n += 1;
                    }
                }
            }
        }
        assert!(n > 0, "no corpus under fuzz/corpus");
    }
}
