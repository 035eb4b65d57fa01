//! The two text expositions Prometheus reads:
//!
//! - Prometheus text format 0.0.4 (`text/plain; version=0.0.4`): `# HELP`, `# TYPE`, then
//!   samples; a counter's TYPE names the sample (`x_total`).
//! - OpenMetrics 1.0 (`application/openmetrics-text; version=1.0.0`): `# TYPE`, `# UNIT`,
//!   `# HELP` per family named without its suffix (`x` for samples `x_total`, `x_info`),
//!   and `# EOF` last.
//!
//! In both, label values escape `\`, `"` and newline, and HELP escapes `\` and newline.
//! Label values often come from outside (container names), so this matters.

use std::io::{self, Write};

use super::{Exposition, Family, Kind, Value};

/// Which exposition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Prometheus,
    OpenMetrics,
}

impl Format {
    /// The HTTP `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    /// From an HTTP `Accept` header: OpenMetrics when it is asked for, else Prometheus text.
    pub fn negotiate(accept: Option<&str>) -> Format {
        match accept {
            Some(a) if a.contains("application/openmetrics-text") => Format::OpenMetrics,
            _ => Format::Prometheus,
        }
    }
}

pub fn write(out: &mut dyn Write, e: &Exposition, f: Format) -> io::Result<()> {
    let mut buf = String::with_capacity(4096);
    for fam in &e.families {
        family(&mut buf, fam, f);
        if buf.len() > 32 * 1024 {
            out.write_all(buf.as_bytes())?;
            buf.clear();
        }
    }
    if f == Format::OpenMetrics {
        buf.push_str("# EOF\n");
    }
    out.write_all(buf.as_bytes())
}

fn family(b: &mut String, fam: &Family, f: Format) {
    let suffix = match fam.kind {
        Kind::Counter => "_total",
        Kind::Info => "_info",
        Kind::Gauge => "",
    };
    let sample_name = |b: &mut String| {
        b.push_str(fam.name);
        b.push_str(suffix);
    };
    match f {
        Format::OpenMetrics => {
            b.push_str("# TYPE ");
            b.push_str(fam.name);
            b.push_str(match fam.kind {
                Kind::Gauge => " gauge\n",
                Kind::Counter => " counter\n",
                Kind::Info => " info\n",
            });
            if let Some(u) = fam.unit {
                b.push_str("# UNIT ");
                b.push_str(fam.name);
                b.push(' ');
                b.push_str(u);
                b.push('\n');
            }
            b.push_str("# HELP ");
            b.push_str(fam.name);
        }
        Format::Prometheus => {
            b.push_str("# HELP ");
            sample_name(b);
        }
    }
    b.push(' ');
    escape(b, fam.help, false);
    b.push('\n');
    if f == Format::Prometheus {
        b.push_str("# TYPE ");
        sample_name(b);
        b.push_str(match fam.kind {
            Kind::Counter => " counter\n",
            Kind::Gauge | Kind::Info => " gauge\n",
        });
    }
    for s in &fam.samples {
        sample_name(b);
        if !s.labels.is_empty() {
            b.push('{');
            for (i, (k, v)) in s.labels.iter().enumerate() {
                if i > 0 {
                    b.push(',');
                }
                b.push_str(k);
                b.push_str("=\"");
                escape(b, v, true);
                b.push('"');
            }
            b.push('}');
        }
        b.push(' ');
        match s.value {
            Value::Int(n) => {
                use std::fmt::Write as _;
                let _ = write!(b, "{n}");
            }
            Value::Float(x) => {
                use std::fmt::Write as _;
                let _ = write!(b, "{x:?}");
            }
        }
        b.push('\n');
    }
}

/// Escapes `\` and newline, and `"` in label values. Other control characters (a
/// namespace or container named with an escape sequence) become `?`, as everything
/// rnetstat prints does: `metrics` writes to a terminal too.
fn escape(b: &mut String, s: &str, quote: bool) {
    for c in s.chars() {
        match c {
            '\\' => b.push_str("\\\\"),
            '\n' => b.push_str("\\n"),
            '"' if quote => b.push_str("\\\""),
            c if c.is_control() => b.push('?'),
            c => b.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Family, Sample};
    use super::*;

    fn exposition() -> Exposition {
        Exposition {
            families: vec![
                Family {
                    name: "x_sockets",
                    kind: Kind::Gauge,
                    unit: None,
                    help: "Help with \\ and\nnewline.",
                    samples: vec![Sample {
                        labels: vec![
                            ("container", "we\"b\\1\n\u{1b}[2J".into()),
                            ("port", "80".into()),
                        ],
                        value: Value::Int(3),
                    }],
                },
                Family {
                    name: "x_drops",
                    kind: Kind::Counter,
                    unit: None,
                    help: "Drops.",
                    samples: vec![Sample {
                        labels: vec![],
                        value: Value::Int(7),
                    }],
                },
                Family {
                    name: "x_duration_seconds",
                    kind: Kind::Gauge,
                    unit: Some("seconds"),
                    help: "Time.",
                    samples: vec![Sample {
                        labels: vec![],
                        value: Value::Float(0.25),
                    }],
                },
                Family {
                    name: "x_build",
                    kind: Kind::Info,
                    unit: None,
                    help: "Build.",
                    samples: vec![Sample {
                        labels: vec![("version", "1.0".into())],
                        value: Value::Int(1),
                    }],
                },
            ],
        }
    }

    fn text(f: Format) -> String {
        let mut out = Vec::new();
        write(&mut out, &exposition(), f).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn prometheus_text() {
        assert_eq!(
            text(Format::Prometheus),
            "# HELP x_sockets Help with \\\\ and\\nnewline.\n\
             # TYPE x_sockets gauge\n\
             x_sockets{container=\"we\\\"b\\\\1\\n?[2J\",port=\"80\"} 3\n\
             # HELP x_drops_total Drops.\n\
             # TYPE x_drops_total counter\n\
             x_drops_total 7\n\
             # HELP x_duration_seconds Time.\n\
             # TYPE x_duration_seconds gauge\n\
             x_duration_seconds 0.25\n\
             # HELP x_build_info Build.\n\
             # TYPE x_build_info gauge\n\
             x_build_info{version=\"1.0\"} 1\n"
        );
    }

    #[test]
    fn openmetrics_text() {
        let t = text(Format::OpenMetrics);
        assert!(
            t.starts_with("# TYPE x_sockets gauge\n# HELP x_sockets Help"),
            "{t}"
        );
        assert!(t.contains("# TYPE x_drops counter\n# HELP x_drops Drops.\nx_drops_total 7\n"));
        assert!(t.contains("# TYPE x_duration_seconds gauge\n# UNIT x_duration_seconds seconds\n"));
        assert!(t.contains(
            "# TYPE x_build info\n# HELP x_build Build.\nx_build_info{version=\"1.0\"} 1\n"
        ));
        assert!(t.ends_with("# EOF\n"));
    }

    #[test]
    fn accept_header_picks_the_format() {
        assert_eq!(Format::negotiate(None), Format::Prometheus);
        assert_eq!(Format::negotiate(Some("text/plain")), Format::Prometheus);
        assert_eq!(
            Format::negotiate(Some(
                "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
            )),
            Format::OpenMetrics
        );
    }
}
