//! What netstat's non-socket views (`-i`, `-g`, `-r`, `-s`) share when they are rendered:
//! the JSON envelope (`{"<key>": [...], "warnings": [...]}`, or one record per line for
//! jsonl), the comfy-table style, and where warnings go in each format.

use std::io::{self, Write};

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

use super::Format;

/// Writes `items` as one JSON document under `key`, or as JSON lines.
pub fn json<W: Write, T: Serialize>(
    out: &mut W,
    format: Format,
    key: &str,
    items: &[T],
    warnings: &[String],
) -> io::Result<()> {
    let err = io::Error::other;
    if format == Format::Jsonl {
        warn_stderr(warnings);
        for i in items {
            serde_json::to_writer(&mut *out, i).map_err(err)?;
            out.write_all(b"\n")?;
        }
        return out.flush();
    }
    out.write_all(b"{")?;
    serde_json::to_writer(&mut *out, key).map_err(err)?;
    out.write_all(b":")?;
    serde_json::to_writer(&mut *out, items).map_err(err)?;
    out.write_all(b",\"warnings\":")?;
    serde_json::to_writer(&mut *out, warnings).map_err(err)?;
    out.write_all(b"}\n")?;
    out.flush()
}

/// An empty table in rnetstat's style with `header`.
pub fn table(header: &[&str], color: bool) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().copied());
    if !color {
        t.force_no_tty();
    }
    t
}

/// Text and table formats print warnings on stderr, as netstat does.
pub(crate) fn warn_stderr(warnings: &[String]) {
    for w in warnings {
        eprintln!("rnetstat: warning: {w}");
    }
}
