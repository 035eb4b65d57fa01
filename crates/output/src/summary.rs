//! `--summary`: how many sockets of each protocol and family, and in which states, like
//! `ss -s` but counted from the same records the listing would print (so a filter applies),
//! in text and JSON.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Write};

use serde::Serialize;

use rnetstat_model::{Netns, Socket};

use super::netns::{JsonContainer, JsonNetns};
use super::sanitize::sanitized;
use rnetstat_collect::{FastSink, ForkSink, ForkedRows, Group, Reads, Sink};
use rnetstat_model::socket_counts::{ProtoCounts, SocketCounts};

pub struct Summary<W: Write> {
    out: W,
    json: bool,
    /// `--format table`: the counts as tables for people.
    table: bool,
    counts: SocketCounts,
    warnings: Vec<String>,
}

impl<W: Write> Summary<W> {
    pub fn new(out: W, json: bool) -> Self {
        Summary {
            out,
            json,
            table: false,
            counts: SocketCounts::default(),
            warnings: Vec::new(),
        }
    }

    /// Prints tables (`--format table`) instead of ss's text.
    pub fn as_table(mut self, on: bool) -> Self {
        self.table = on;
        self
    }

    /// Also counts per namespace.
    pub fn per_netns(mut self, on: bool) -> Self {
        self.counts.per_netns = on.then(Vec::new);
        self
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> Sink for Summary<W> {
    fn group(&mut self, _: Group) -> io::Result<()> {
        Ok(())
    }

    fn socket(&mut self, s: &Socket<'_>) -> io::Result<()> {
        self.counts.add(s);
        Ok(())
    }

    fn warning(&mut self, msg: &str) {
        if self.json {
            self.warnings.push(msg.to_string());
        } else {
            eprintln!("rnetstat: warning: {msg}");
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        let total = self.counts.total();
        if self.json {
            #[derive(Serialize)]
            struct Doc<'a> {
                total: u64,
                protocols: BTreeMap<&'static str, &'a ProtoCounts>,
                #[serde(skip_serializing_if = "Option::is_none")]
                namespaces: Option<Vec<PerNetns<'a>>>,
                warnings: &'a [String],
            }
            #[derive(Serialize)]
            struct PerNetns<'a> {
                netns: JsonNetns<'a>,
                container: Option<JsonContainer<'a>>,
                total: u64,
                protocols: &'a BTreeMap<&'static str, u64>,
            }
            let doc = Doc {
                total,
                protocols: self.counts.protos.iter().map(|(n, c)| (*n, c)).collect(),
                namespaces: self.counts.per_netns.as_ref().map(|per| {
                    per.iter()
                        .map(|(ns, p)| PerNetns {
                            netns: JsonNetns::new(ns),
                            container: ns.container.as_ref().map(JsonContainer::new),
                            total: p.values().sum(),
                            protocols: p,
                        })
                        .collect()
                }),
                warnings: &self.warnings,
            };
            serde_json::to_writer(&mut self.out, &doc).map_err(io::Error::other)?;
            self.out.write_all(b"\n")?;
            return self.out.flush();
        }
        if self.table {
            return self.tables(total);
        }
        writeln!(self.out, "Total: {total}")?;
        writeln!(self.out)?;
        writeln!(self.out, "Transport Total     IPv4      IPv6")?;
        for (name, c) in &self.counts.protos {
            let upper = name.to_ascii_uppercase();
            writeln!(
                self.out,
                "{upper:<9} {:<9} {:<9} {}",
                c.total, c.ipv4, c.ipv6
            )?;
        }
        writeln!(self.out)?;
        for (name, c) in &self.counts.protos {
            let states: Vec<String> = c.states().iter().map(|(s, n)| format!("{s} {n}")).collect();
            writeln!(
                self.out,
                "{:<9} {}",
                format!("{}:", name.to_ascii_uppercase()),
                states.join(", ")
            )?;
        }
        if let Some(per) = self.counts.per_netns.take() {
            self.per_netns_text(&per)?;
        }
        self.out.flush()
    }
}

impl<W: Write> Summary<W> {
    /// `--format table`: one row per protocol with its states, then one per namespace.
    fn tables(&mut self, total: u64) -> io::Result<()> {
        use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
        let table = |header: Vec<String>| {
            let mut t = Table::new();
            t.load_style(UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_header(header);
            t
        };
        let mut t = table(
            ["Transport", "Total", "IPv4", "IPv6", "States"]
                .map(String::from)
                .to_vec(),
        );
        for (name, c) in &self.counts.protos {
            let states: Vec<String> = c.states().iter().map(|(s, n)| format!("{s} {n}")).collect();
            t.add_row(vec![
                name.to_ascii_uppercase(),
                c.total.to_string(),
                c.ipv4.to_string(),
                c.ipv6.to_string(),
                states.join(", "),
            ]);
        }
        super::view::keep_words_whole(&mut t, &[]);
        writeln!(self.out, "Total: {total}\n{t}")?;
        if let Some(per) = self.counts.per_netns.take() {
            let protos: Vec<&'static str> = self.counts.protos.iter().map(|(n, _)| *n).collect();
            let mut header = vec!["Namespace".to_string(), "Total".to_string()];
            header.extend(protos.iter().map(|p| p.to_ascii_uppercase()));
            let mut t = table(header);
            for (ns, counts) in &per {
                let mut row = vec![
                    sanitized(&ns.label().to_string()),
                    counts.values().sum::<u64>().to_string(),
                ];
                row.extend(
                    protos
                        .iter()
                        .map(|p| counts.get(p).copied().unwrap_or(0).to_string()),
                );
                t.add_row(row);
            }
            super::view::keep_words_whole(&mut t, &[]);
            writeln!(self.out, "Per namespace\n{t}")?;
        }
        self.out.flush()
    }

    /// `Namespace  Total  TCP  UDP …`: one row per namespace, then the total.
    fn per_netns_text(&mut self, per: &[(Netns, BTreeMap<&'static str, u64>)]) -> io::Result<()> {
        let protos: Vec<&'static str> = self.counts.protos.iter().map(|(n, _)| *n).collect();
        let labels: Vec<String> = per
            .iter()
            .map(|(ns, _)| sanitized(&ns.label().to_string()))
            .collect();
        let w = labels.iter().map(String::len).chain([9]).max().unwrap_or(9);
        writeln!(self.out)?;
        write!(self.out, "{:<w$} {:<9}", "Namespace", "Total")?;
        for p in &protos {
            write!(self.out, " {:<9}", p.to_ascii_uppercase())?;
        }
        writeln!(self.out)?;
        let rows = per.iter().map(|(_, p)| p).zip(&labels);
        for (counts, label) in rows {
            write!(self.out, "{label:<w$} {:<9}", counts.values().sum::<u64>())?;
            for p in &protos {
                write!(self.out, " {:<9}", counts.get(p).copied().unwrap_or(0))?;
            }
            writeln!(self.out)?;
        }
        Ok(())
    }
}

/// Counting needs nothing of the summary's: a fork counts on its own, and its counts are
/// added in [`FastSink::append`].
impl<W: Write> FastSink for Summary<W> {
    fn reads(&self) -> Reads {
        Reads::Counts
    }

    fn fork<'f>(&self, _out: File) -> Result<Box<dyn ForkSink + 'f>, File>
    where
        Self: 'f,
    {
        Ok(Box::new(CountingFork {
            counts: SocketCounts {
                protos: Vec::new(),
                per_netns: self.counts.per_netns.as_ref().map(|_| Vec::new()),
            },
            warnings: Vec::new(),
        }))
    }

    fn append(&mut self, made: ForkedRows) -> io::Result<()> {
        let ForkedRows::Counts { counts, warnings } = made else {
            return Err(io::Error::other("a summary's fork made rows, not counts"));
        };
        self.counts.merge(counts);
        for w in &warnings {
            self.warning(w);
        }
        Ok(())
    }
}

/// A summary's fork: counts, and the warnings it was given, handed back as
/// [`ForkedRows::Counts`].
struct CountingFork {
    counts: SocketCounts,
    warnings: Vec<String>,
}

impl Sink for CountingFork {
    fn group(&mut self, _: Group) -> io::Result<()> {
        Ok(())
    }

    fn socket(&mut self, s: &Socket<'_>) -> io::Result<()> {
        self.counts.add(s);
        Ok(())
    }

    fn warning(&mut self, msg: &str) {
        self.warnings.push(msg.to_string());
    }

    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl ForkSink for CountingFork {
    fn reads(&self) -> Reads {
        Reads::Counts
    }

    fn done(self: Box<Self>) -> io::Result<ForkedRows> {
        let CountingFork { counts, warnings } = *self;
        Ok(ForkedRows::Counts { counts, warnings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnetstat_model::{Family, Proto, State};

    #[test]
    fn counts_by_protocol_family_and_state() {
        let mut s = Summary::new(Vec::new(), true);
        let mut t = Socket::inet(Proto::Tcp, Family::Inet);
        t.state = State::Established;
        s.socket(&t).unwrap();
        t.family = Family::Inet6;
        s.socket(&t).unwrap();
        t.state = State::Listen;
        s.socket(&t).unwrap();
        s.socket(&Socket::inet(Proto::Udp, Family::Inet)).unwrap();
        s.finish().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&s.into_inner()).unwrap();
        assert_eq!(v["total"], 4);
        assert_eq!(v["protocols"]["tcp"]["total"], 3);
        assert_eq!(v["protocols"]["tcp"]["ipv6"], 2);
        assert_eq!(v["protocols"]["tcp"]["states"]["ESTABLISHED"], 2);
        assert_eq!(v["protocols"]["udp"]["states"]["UNCONN"], 1);
    }
}
