//! The comparison as text (one row per connection, kernel columns beside stack columns,
//! notes underneath) and as one JSON document.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;

use rnetstat_model::{Endpoint, Proto, Socket, State};
use rnetstat_output::json::JsonSocket;

use super::View;
use super::pair::Pair;

const HEADER: &str = "Proto Kernel end                    Stack end                     | Kernel: State  Recv-Q Send-Q Snd-Wnd Rcv-Wnd      RTT | Stack: State   Recv-Q Send-Q Snd-Wnd Rcv-Wnd      RTT";

fn endpoint(e: Endpoint) -> String {
    std::net::SocketAddr::new(e.addr, e.port).to_string()
}

/// State, queues, windows and RTT of one side, fixed width.
fn side(s: Option<&Socket<'_>>) -> String {
    let Some(s) = s else {
        return format!(
            "{:<14}{:>7}{:>7}{:>8}{:>8}{:>9}",
            "-", "-", "-", "-", "-", "-"
        );
    };
    let state = match (s.proto, s.state) {
        (Proto::Udp, State::Established) => "ESTABLISHED",
        (Proto::Udp, _) => "",
        (_, st) => st.name(),
    };
    let i = s.tcp_info.as_deref().copied().unwrap_or_default();
    let opt = |v: Option<u32>| v.map_or("-".to_string(), |v| v.to_string());
    let rtt = i.rtt.map_or("-".to_string(), |us| {
        format!("{:.3}ms", f64::from(us) / 1000.0)
    });
    format!(
        "{:<14}{:>7}{:>7}{:>8}{:>8}{:>9}",
        state,
        s.recv_q,
        s.send_q,
        opt(i.snd_wnd),
        opt(i.rcv_wnd),
        rtt
    )
}

pub fn text<W: Write>(
    out: &mut W,
    view: &View,
    users: &[Vec<Socket<'_>>],
    pairs: &[Vec<Pair<'_, '_>>],
) -> io::Result<()> {
    if view.groups.is_empty() {
        writeln!(out, "{}", view.nowhere)?;
        writeln!(out, "{HEADER}")?;
    }
    for (i, g) in view.groups.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let place = g.label.as_ref().map_or(String::new(), |l| {
            format!(" in {}", rnetstat_sys::sanitize::quoted(l))
        });
        for s in &g.stacks {
            writeln!(
                out,
                "Userspace stack pid {} on {} ({}){place}, {} sockets",
                s.pid,
                rnetstat_sys::sanitize::quoted(&s.device),
                rnetstat_sys::sanitize::quoted(&s.addresses.join(" ")),
                s.sockets.len()
            )?;
        }
        writeln!(out, "{HEADER}")?;
        rows(out, &pairs[i])?;
        listeners(out, &users[i])?;
    }
    Ok(())
}

/// The header line of the connection rows.
pub fn header() -> &'static str {
    HEADER
}

/// One row per connection, notes underneath.
pub fn rows<W: Write>(out: &mut W, pairs: &[Pair<'_, '_>]) -> io::Result<()> {
    let mut line = String::new();
    for p in pairs {
        line.clear();
        let (kend, send) = match (p.kernel, p.user) {
            (Some(k), _) => (k.local, k.remote),
            (None, Some(u)) => (u.remote, u.local),
            (None, None) => continue,
        };
        let family6 = kend.addr.is_ipv6();
        let proto = format!("{}{}", p.proto.name(), if family6 { "6" } else { "" });
        let _ = write!(
            line,
            "{:<5} {:<29} {:<29} | {} | {}",
            proto,
            endpoint(kend),
            endpoint(send),
            side(p.kernel),
            side(p.user)
        );
        writeln!(out, "{}", line.trim_end())?;
        for n in &p.notes {
            writeln!(out, "      -> {n}")?;
        }
    }
    Ok(())
}

fn listeners<W: Write>(out: &mut W, user: &[Socket<'_>]) -> io::Result<()> {
    // Listeners have no other end; one summary line says what the stack offers.
    let mut ports: Vec<String> = Vec::new();
    for u in user
        .iter()
        .filter(|u| u.state == State::Listen || (u.proto == Proto::Udp && u.remote.port == 0))
    {
        let p = format!(
            "{} {} ({})",
            u.proto.name(),
            u.local.port,
            u.service.unwrap_or("")
        );
        if !ports.contains(&p) {
            ports.push(p);
        }
    }
    if !ports.is_empty() {
        writeln!(out, "Stack listening: {}", ports.join(", "))?;
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonStack<'a> {
    pid: u32,
    device: &'a str,
    addresses: &'a [String],
    sockets: usize,
    /// The namespace the stack serves, named as the listing's `netns`.
    netns: Option<&'a str>,
}

/// A connection with the namespace of its stack.
#[derive(Serialize)]
struct JsonConnection<'a> {
    #[serde(flatten)]
    pair: JsonPair<'a>,
    netns: Option<&'a str>,
}

/// One connection (or lone socket) as JSON.
#[derive(Serialize)]
pub(crate) struct JsonPair<'a> {
    proto: &'static str,
    kernel: Option<JsonSocket<'a>>,
    userspace: Option<JsonSocket<'a>>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    stacks: Vec<JsonStack<'a>>,
    connections: Vec<JsonConnection<'a>>,
    warnings: &'a [String],
}

pub(crate) fn json_pair<'a>(p: &'a Pair<'_, '_>) -> JsonPair<'a> {
    JsonPair {
        proto: p.proto.name(),
        kernel: p.kernel.map(|k| JsonSocket::new(k, None)),
        userspace: p.user.map(|u| JsonSocket::new(u, None)),
        notes: &p.notes,
    }
}

pub fn json<W: Write>(out: &mut W, view: &View, pairs: &[Vec<Pair<'_, '_>>]) -> io::Result<()> {
    let doc = JsonDoc {
        stacks: view
            .groups
            .iter()
            .flat_map(|g| {
                g.stacks.iter().map(|s| JsonStack {
                    pid: s.pid,
                    device: &s.device,
                    addresses: &s.addresses,
                    sockets: s.sockets.len(),
                    netns: g.label.as_deref(),
                })
            })
            .collect(),
        connections: view
            .groups
            .iter()
            .zip(pairs)
            .flat_map(|(g, ps)| {
                ps.iter().map(|p| JsonConnection {
                    pair: json_pair(p),
                    netns: g.label.as_deref(),
                })
            })
            .collect(),
        warnings: &view.warnings,
    };
    serde_json::to_writer(&mut *out, &doc).map_err(io::Error::other)?;
    out.write_all(b"\n")
}
