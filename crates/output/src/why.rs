//! `explain`'s output: the findings grouped by severity, worst first, one line each naming
//! the socket, listener, process, namespace or host, its process and container, the
//! evidence and the usual fix; or one JSON document (docs/why.md, docs/json.md).

use std::io::{self, Write};
use std::net::SocketAddr;

use serde::Serialize;

use rnetstat_collect::explain::{Explained, Judged};
use rnetstat_collect::netns::Space;
use rnetstat_collect::owners::Owners;
use rnetstat_model::why::{Evidence, Finding, Scope, Severity};
use rnetstat_model::{Family, Netns, Proto, State};

use super::json_record::JsonSocket;
use super::netns::{JsonContainer, JsonNetns};
use super::sanitize::push_sanitized;

/// Text lines of one verdict at one severity, before the rest are only counted.
const PER_VERDICT: usize = 20;

/// Writes `e` as text.
pub fn text<W: Write>(out: &mut W, e: &Explained, spaces: &[Space]) -> io::Result<()> {
    let several = spaces.len() > 1 || spaces.first().is_some_and(|s| !s.ns.host);
    let mut counts = [0usize; 3];
    let mut line = String::new();
    for sev in Severity::ALL.iter().rev() {
        let mut lines = Vec::new();
        // At most PER_VERDICT lines of one verdict; the rest counted (JSON has them all).
        let mut shown: Vec<(&'static str, usize)> = Vec::new();
        for j in &e.sockets {
            for f in j.why.iter().filter(|f| f.severity == *sev) {
                let name = f.verdict.name();
                let n = match shown.iter_mut().find(|(v, _)| *v == name) {
                    Some((_, n)) => {
                        *n += 1;
                        *n
                    }
                    None => {
                        shown.push((name, 1));
                        1
                    }
                };
                if n > PER_VERDICT {
                    continue;
                }
                line.clear();
                push_socket(&mut line, j, f, e.owners.as_ref(), spaces, several);
                lines.push(line.clone());
            }
        }
        for (name, n) in shown.iter().filter(|(_, n)| *n > PER_VERDICT) {
            lines.push(format!(
                "{name}: {} more sockets (--json lists them all)",
                n - PER_VERDICT
            ));
        }
        for s in e.scoped.iter().filter(|s| s.finding.severity == *sev) {
            line.clear();
            line.push_str(s.finding.verdict.name());
            pad(&mut line, 22);
            match s.scope {
                Scope::Process => {
                    line.push_str("process ");
                    push_process(&mut line, s.pid, e.owners.as_ref());
                }
                Scope::Netns => line.push_str("netns"),
                _ => line.push_str("host"),
            }
            if let Some(ns) = s.space.and_then(|i| spaces.get(i)) {
                push_where(&mut line, &ns.ns);
            }
            push_tail(&mut line, &s.finding);
            lines.push(line.clone());
        }
        counts[*sev as usize] = lines.len();
        if !lines.is_empty() {
            writeln!(out, "{}:", sev.name())?;
            for l in lines {
                writeln!(out, "  {l}")?;
            }
        }
    }
    let over = match e.interval {
        Some(d) => format!("two samples {:.2} s apart", d.as_secs_f64()),
        None => "one sample".to_string(),
    };
    let sockets = if e.looked_at == 1 {
        "socket"
    } else {
        "sockets"
    };
    writeln!(
        out,
        "{} TCP {sockets} looked at, {over}: {} critical, {} warning, {} info",
        e.looked_at, counts[2], counts[1], counts[0]
    )?;
    for w in &e.warnings {
        eprintln!("rnetstat: warning: {w}");
    }
    out.flush()
}

fn pad(l: &mut String, to: usize) {
    while l.len() < to {
        l.push(' ');
    }
    l.push(' ');
}

fn push_socket(
    l: &mut String,
    j: &Judged,
    f: &Finding,
    owners: Option<&Owners>,
    spaces: &[Space],
    several: bool,
) {
    let s = &j.socket;
    l.push_str(f.verdict.name());
    pad(l, 22);
    l.push_str(s.proto.name());
    if s.family == Family::Inet6 {
        l.push('6');
    }
    l.push(' ');
    l.push_str(&SocketAddr::new(s.local.addr, s.local.port).to_string());
    if s.state != State::Listen {
        l.push_str(" -> ");
        l.push_str(&SocketAddr::new(s.remote.addr, s.remote.port).to_string());
    }
    l.push(' ');
    l.push_str(s.state.name());
    if let Some(pid) = s.stack_pid {
        l.push_str(&format!(" (userspace stack pid {pid})"));
    } else if let Some(o) = owners {
        l.push(' ');
        let pid = o.holders(s.inode).first().map(|(_, h)| h.pid);
        push_process(l, pid, Some(o));
        let more = o.holders(s.inode).len().saturating_sub(1);
        if more > 0 {
            l.push_str(&format!(" +{more}"));
        }
    }
    if several && let Some(sp) = spaces.get(j.space) {
        push_where(l, &sp.ns);
    }
    push_tail(l, f);
}

/// `pid 1234 (name)`, or `pid ?` when no holder could be seen.
fn push_process(l: &mut String, pid: Option<u32>, owners: Option<&Owners>) {
    match pid {
        Some(pid) => {
            l.push_str(&format!("pid {pid}"));
            if let Some(p) = owners.and_then(|o| o.process(pid)) {
                l.push_str(" (");
                push_sanitized(l, p.comm.as_bytes());
                l.push(')');
            }
        }
        None => l.push_str("pid ?"),
    }
}

fn push_where(l: &mut String, ns: &Netns) {
    l.push_str(" in ");
    let label = ns.label().to_string();
    push_sanitized(l, label.as_bytes());
}

/// `: evidence — hint`.
fn push_tail(l: &mut String, f: &Finding) {
    l.push_str(": ");
    for (i, (k, v)) in f.evidence.0.iter().enumerate() {
        if i > 0 {
            l.push(' ');
        }
        l.push_str(k);
        l.push('=');
        push_sanitized(l, v.to_string().as_bytes());
    }
    l.push_str(" — ");
    l.push_str(f.verdict.hint());
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    verdict: &'static str,
    severity: &'static str,
    scope: &'static str,
    netns: Option<JsonNetns<'a>>,
    container: Option<JsonContainer<'a>>,
    process: Option<JsonProcess<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    listener: Option<JsonListener>,
    evidence: &'a Evidence,
    hint: &'static str,
}

#[derive(Serialize)]
struct JsonProcess<'a> {
    pid: u32,
    name: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonListener {
    proto: &'static str,
    address: std::net::IpAddr,
    port: u16,
    inode: u32,
}

#[derive(Serialize)]
struct Document<'a> {
    sockets: Vec<JsonSocket<'a>>,
    findings: Vec<JsonFinding<'a>>,
    looked_at: u64,
    interval_ms: Option<u64>,
    warnings: &'a [String],
}

fn process<'a>(pid: Option<u32>, owners: Option<&'a Owners>) -> Option<JsonProcess<'a>> {
    pid.map(|pid| JsonProcess {
        pid,
        name: owners.and_then(|o| o.process(pid)).map(|p| p.comm.as_str()),
    })
}

fn finding<'a>(
    f: &'a Finding,
    ns: Option<&'a Netns>,
    pid: Option<u32>,
    owners: Option<&'a Owners>,
) -> JsonFinding<'a> {
    JsonFinding {
        verdict: f.verdict.name(),
        severity: f.severity.name(),
        scope: f.verdict.scope().name(),
        netns: ns.map(JsonNetns::new),
        container: ns
            .and_then(|n| n.container.as_ref())
            .map(JsonContainer::new),
        process: process(pid, owners),
        listener: None,
        evidence: &f.evidence,
        hint: f.verdict.hint(),
    }
}

/// Writes `e` as one JSON document.
pub fn json<W: Write>(out: &mut W, e: &Explained, spaces: &[Space]) -> io::Result<()> {
    let owners = e.owners.as_ref();
    // The records borrow their namespace and findings from here.
    let records: Vec<_> = e
        .sockets
        .iter()
        .map(|j| {
            let mut s = j.socket.clone();
            s.netns = spaces.get(j.space).map(|sp| &sp.ns);
            s.why = &j.why;
            s
        })
        .collect();
    let mut findings = Vec::new();
    for j in &e.sockets {
        let ns = spaces.get(j.space).map(|sp| &sp.ns);
        for f in j
            .why
            .iter()
            .filter(|f| f.verdict.scope() == Scope::Listener)
        {
            let pid = owners.and_then(|o| o.holders(j.socket.inode).first().map(|(_, h)| h.pid));
            let mut jf = finding(f, ns, pid, owners);
            jf.listener = (j.socket.proto == Proto::Tcp).then_some(JsonListener {
                proto: "tcp",
                address: j.socket.local.addr,
                port: j.socket.local.port,
                inode: j.socket.inode,
            });
            findings.push(jf);
        }
    }
    for s in &e.scoped {
        let ns = s.space.and_then(|i| spaces.get(i)).map(|sp| &sp.ns);
        findings.push(finding(&s.finding, ns, s.pid, owners));
    }
    findings.sort_by_key(|f| std::cmp::Reverse(severity_rank(f.severity)));
    let doc = Document {
        sockets: records.iter().map(|s| JsonSocket::new(s, owners)).collect(),
        findings,
        looked_at: e.looked_at,
        interval_ms: e.interval.map(|d| d.as_millis() as u64),
        warnings: &e.warnings,
    };
    serde_json::to_writer(&mut *out, &doc).map_err(io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}

fn severity_rank(name: &str) -> usize {
    Severity::ALL
        .iter()
        .position(|s| s.name() == name)
        .unwrap_or(0)
}
