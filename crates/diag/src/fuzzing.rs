//! Every decoder that reads outside input, behind one signature, for the fuzz targets in
//! `fuzz/` (one per entry, `scripts/fuzz NAME SECONDS`) and for the test that replays their
//! committed corpora (`fuzz/corpus/NAME/*`) on every CI run. An entry must return (with an
//! error value or nothing) on any bytes; a panic is the bug.

use std::io;

use rnetstat_model::Proto;
use rnetstat_model::counters::StatsFile;
use rnetstat_model::error::NetlinkError;

use crate::netlink::{self, Transport};
use crate::{conntrack, containers, procfs, stack_reply, stats_history};

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
    let _: Result<_, NetlinkError> =
        netlink::dump(&mut Once(Some(data)), b"", 1, &mut buf, |kind, p| {
            // Each message as every decoder would see it.
            let _ =
                netlink::inet::InetDiagMsg::new_checked(p).and_then(|m| m.to_socket(Proto::Tcp));
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
    let _ = procfs::if_inet6::parse_if_inet6(&t, &mut Vec::new());
}

fn proc_stats(data: &[u8]) {
    let t = text(data);
    let (mut out, mut bad) = (Vec::new(), Vec::new());
    procfs::snmp::parse_pairs(&t, StatsFile::Snmp, &mut out, &mut bad);
    procfs::snmp::parse_pairs(&t, StatsFile::Netstat, &mut out, &mut bad);
    procfs::snmp::parse_named(&t, StatsFile::Snmp6, None, &mut out, &mut bad);
    procfs::snmp::parse_named(&t, StatsFile::Sctp, Some("Sctp"), &mut out, &mut bad);
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
    let _ = stack_reply::parse_reply(&t);
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
    let _ = stats_history::parse(&t);
}

fn tcp_info(data: &[u8]) {
    let _ = netlink::tcp_info::decode(data);
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
    ("runtime_files", runtime_files),
];

/// Runs the entry called `name` on `data`.
pub fn run(name: &str, data: &[u8]) {
    if let Some((_, f)) = TARGETS.iter().find(|(n, _)| *n == name) {
        f(data);
    }
}
