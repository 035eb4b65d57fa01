//! `top`'s frames: connections with their rates, or those summed per process, container or
//! local port, busiest first, as plain text or one JSON document per frame. (The
//! full-screen view draws the same rows.)

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::net::SocketAddr;

use serde::Serialize;

use rnetstat_collect::rates::Rate;
use rnetstat_model::why::Severity;

use super::sanitize::sanitized;

/// What a frame groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Connections,
    Processes,
    Containers,
    Ports,
}

impl View {
    pub fn name(self) -> &'static str {
        match self {
            View::Connections => "connections",
            View::Processes => "processes",
            View::Containers => "containers",
            View::Ports => "ports",
        }
    }
}

/// One connection as `top` sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Conn {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub state: &'static str,
    /// The lowest pid holding it, and that process's name.
    pub process: Option<(u32, String)>,
    /// Its container's name, else its namespace's label.
    pub place: String,
    pub rate: Option<Rate>,
    pub acked: u64,
    pub received: u64,
    pub rtt_us: Option<u32>,
    pub recv_q: u64,
    pub send_q: u64,
    /// Its main verdict (docs/why.md) and that verdict's severity, from two refreshes.
    pub why: Option<(Severity, &'static str)>,
}

/// One row of a frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub label: String,
    pub connections: usize,
    pub in_bps: f64,
    pub out_bps: f64,
    pub in_bytes: u64,
    pub out_bytes: u64,
    pub retrans_per_s: f64,
    /// The mean smoothed RTT of its connections, in milliseconds.
    pub rtt_ms: Option<f64>,
    pub recv_q: u64,
    pub send_q: u64,
    /// The connection's main verdict; for a group, the worst among its connections.
    pub why: Option<&'static str>,
}

fn rate_of(c: &Conn) -> f64 {
    c.rate.map_or(0.0, |r| r.in_bps + r.out_bps)
}

fn connection_label(c: &Conn) -> String {
    format!(
        "{} → {} {} {}",
        c.local,
        c.remote,
        c.state,
        c.process
            .as_ref()
            .map_or("-".to_string(), |(p, n)| format!("{p}/{n}"))
    )
}

/// The sums of every connection's rates: (in, out). (`+ 0.0`: an empty sum is -0.0.)
pub fn totals(conns: &[Conn]) -> (f64, f64) {
    let (i, o) = conns
        .iter()
        .filter_map(|c| c.rate)
        .fold((0.0, 0.0), |(i, o), r| (i + r.in_bps, o + r.out_bps));
    (i + 0.0, o + 0.0)
}

/// The first `limit` rows of `view`, busiest first (ties by label). Connections are rows
/// one for one, so only the busiest `limit` are labelled: a frame of 100k connections
/// formats 20.
pub fn rows(view: View, conns: &[Conn], limit: usize) -> Vec<Row> {
    let row = |label: String, cs: &[&Conn]| {
        let rtts: Vec<f64> = cs
            .iter()
            .filter_map(|c| c.rtt_us)
            .map(|r| f64::from(r) / 1000.0)
            .collect();
        Row {
            label: sanitized(&label),
            connections: cs.len(),
            in_bps: cs
                .iter()
                .filter_map(|c| c.rate)
                .map(|r| r.in_bps)
                .sum::<f64>()
                + 0.0,
            out_bps: cs
                .iter()
                .filter_map(|c| c.rate)
                .map(|r| r.out_bps)
                .sum::<f64>()
                + 0.0,
            in_bytes: cs.iter().map(|c| c.received).sum(),
            out_bytes: cs.iter().map(|c| c.acked).sum(),
            retrans_per_s: cs
                .iter()
                .filter_map(|c| c.rate)
                .map(|r| r.retrans_ps)
                .sum::<f64>()
                + 0.0,
            rtt_ms: (!rtts.is_empty()).then(|| rtts.iter().sum::<f64>() / rtts.len() as f64),
            recv_q: cs.iter().map(|c| c.recv_q).sum(),
            send_q: cs.iter().map(|c| c.send_q).sum(),
            why: cs
                .iter()
                .filter_map(|c| c.why)
                .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(a.1)))
                .map(|(_, v)| v),
        }
    };
    let mut v: Vec<Row> = if view == View::Connections {
        let mut refs: Vec<&Conn> = conns.iter().collect();
        if refs.len() > limit {
            refs.select_nth_unstable_by(limit, |a, b| rate_of(b).total_cmp(&rate_of(a)));
            refs.truncate(limit);
        }
        refs.into_iter()
            .map(|c| row(connection_label(c), &[c]))
            .collect()
    } else {
        let mut groups: BTreeMap<String, Vec<&Conn>> = BTreeMap::new();
        for c in conns {
            let label = match view {
                View::Processes => c
                    .process
                    .as_ref()
                    .map_or("(no process)".to_string(), |(p, n)| format!("{p}/{n}")),
                View::Containers => c.place.clone(),
                _ => format!("local port {}", c.local.port()),
            };
            groups.entry(label).or_default().push(c);
        }
        groups.into_iter().map(|(l, cs)| row(l, &cs)).collect()
    };
    v.sort_by(|a, b| {
        (b.in_bps + b.out_bps)
            .total_cmp(&(a.in_bps + a.out_bps))
            .then_with(|| a.label.cmp(&b.label))
    });
    v.truncate(limit);
    v
}

/// What the counters are, said with every frame.
pub(crate) const NOTE: &str = "rates are TCP payload acknowledged (out) and received (in), from tcp_info; UDP and other traffic have no byte counters";

#[derive(Serialize)]
struct Frame<'a> {
    time: &'a str,
    interval_s: f64,
    view: &'static str,
    total: Total,
    rows: &'a [Row],
    note: &'static str,
}

#[derive(Serialize)]
struct Total {
    in_bps: f64,
    out_bps: f64,
}

/// One frame: `time` (RFC 3339), the interval the rates cover, the first `limit` rows.
pub fn frame(
    out: &mut dyn Write,
    json: bool,
    time: &str,
    seconds: f64,
    view: View,
    rows: &[Row],
    totals: (f64, f64),
) -> io::Result<()> {
    let total = Total {
        in_bps: totals.0,
        out_bps: totals.1,
    };
    let shown = rows;
    if json {
        let f = Frame {
            time,
            interval_s: seconds,
            view: view.name(),
            total,
            rows: shown,
            note: NOTE,
        };
        let mut line = serde_json::to_vec(&f).map_err(io::Error::other)?;
        line.push(b'\n');
        out.write_all(&line)?;
        return out.flush();
    }
    writeln!(
        out,
        "rnetstat top: {} at {time}, over {seconds:.1} s: in {} out {}",
        view.name(),
        human(total.in_bps),
        human(total.out_bps)
    )?;
    writeln!(out, "({NOTE})")?;
    writeln!(
        out,
        "{:>11} {:>11} {:>10} {:>10} {:>7} {:>6} {:>7} {:>7} {:<21} {}",
        "IN/s",
        "OUT/s",
        "IN",
        "OUT",
        "RTT ms",
        "RETR/s",
        "RECV-Q",
        "SEND-Q",
        "WHY",
        view.name().to_uppercase()
    )?;
    for r in shown {
        writeln!(
            out,
            "{:>11} {:>11} {:>10} {:>10} {:>7} {:>6.1} {:>7} {:>7} {:<21} {}{}",
            human(r.in_bps),
            human(r.out_bps),
            bytes(r.in_bytes),
            bytes(r.out_bytes),
            r.rtt_ms.map_or("-".to_string(), |v| format!("{v:.2}")),
            r.retrans_per_s,
            r.recv_q,
            r.send_q,
            r.why.unwrap_or("-"),
            r.label,
            if r.connections > 1 && matches!(view, View::Processes | View::Containers | View::Ports)
            {
                format!(" ({} connections)", r.connections)
            } else {
                String::new()
            }
        )?;
    }
    writeln!(out)?;
    out.flush()
}

/// A rate in binary units: `4.0 MiB/s`.
pub(crate) fn human_rate(bps: f64) -> String {
    format!("{}/s", bytes(bps.round() as u64))
}

fn human(bps: f64) -> String {
    human_rate(bps)
}

fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(local: &str, pid: u32, out_bps: f64, place: &str) -> Conn {
        Conn {
            local: local.parse().unwrap(),
            remote: "127.0.0.1:80".parse().unwrap(),
            state: "ESTABLISHED",
            process: Some((pid, "app".into())),
            place: place.into(),
            rate: Some(Rate {
                out_bps,
                in_bps: 0.0,
                retrans_ps: 0.0,
            }),
            acked: 10,
            received: 5,
            rtt_us: Some(2000),
            recv_q: 0,
            send_q: 1,
            why: None,
        }
    }

    #[test]
    fn views_sum_their_connections_busiest_first() {
        let cs = [
            conn("127.0.0.1:5000", 7, 100.0, "host"),
            conn("127.0.0.1:5001", 7, 300.0, "host"),
            conn("127.0.0.1:5002", 9, 1000.0, "web1"),
        ];
        let p = rows(View::Processes, &cs, 10);
        assert_eq!(p[0].label, "9/app");
        assert_eq!(
            (p[1].label.as_str(), p[1].out_bps, p[1].connections),
            ("7/app", 400.0, 2)
        );
        assert_eq!(p[1].out_bytes, 20);
        let c = rows(View::Containers, &cs, 10);
        assert_eq!((c[0].label.as_str(), c[1].label.as_str()), ("web1", "host"));
        assert_eq!(rows(View::Connections, &cs, 10).len(), 3);
        // Only the busiest are kept (and labelled).
        let two = rows(View::Connections, &cs, 2);
        assert_eq!(two.len(), 2);
        assert!(two[0].label.starts_with("127.0.0.1:5002"));
        assert!(two[1].label.starts_with("127.0.0.1:5001"));
        assert_eq!(rows(View::Ports, &cs, 10)[0].label, "local port 5002");
        assert_eq!(totals(&cs), (0.0, 1400.0));
        assert_eq!(bytes(5 * 1024 * 1024), "5.0 MiB");
        let mut out = Vec::new();
        frame(&mut out, true, "t", 1.0, View::Processes, &p, totals(&cs)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["total"]["out_bps"], 1400.0);
        assert_eq!(v["rows"][1]["connections"], 2);
    }
}
