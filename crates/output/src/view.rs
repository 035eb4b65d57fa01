//! What netstat's non-socket views (`-i`, `-g`, `-r`, `-s`) share when they are rendered:
//! the JSON envelope (`{"<key>": [...], "warnings": [...]}`, or one record per line for
//! jsonl), the comfy-table style, and where warnings go in each format.

use std::io::{self, Write};

use comfy_table::{
    Cell, ColumnConstraint, ContentArrangement, Table, Width, presets::UTF8_FULL_CONDENSED,
};
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

/// Sets every column's narrowest width to its longest word (the header's included), so
/// that a table squeezed into a narrow terminal wraps between words and never cuts a word,
/// a header or a process name to a letter per line; the columns named in `whole` keep
/// their full content on one line.
pub(crate) fn keep_words_whole(t: &mut Table, whole: &[&str]) {
    let headers: Vec<String> = t
        .header()
        .map(|h| h.cell_iter().map(Cell::content).collect())
        .unwrap_or_default();
    for (i, name) in headers.iter().enumerate() {
        let longest = t
            .column_cells_iter(i)
            .flatten()
            .flat_map(|c| {
                c.content()
                    .split_whitespace()
                    .map(|w| w.chars().count())
                    .max()
            })
            .chain(name.split_whitespace().map(|w| w.chars().count()))
            .max()
            .unwrap_or(1);
        let constraint = if whole.contains(&name.as_str()) {
            ColumnConstraint::ContentWidth
        } else {
            // The boundary counts the cell's padding, one space either side.
            ColumnConstraint::LowerBoundary(Width::Fixed(
                u16::try_from(longest + 2).unwrap_or(u16::MAX),
            ))
        };
        if let Some(c) = t.column_mut(i) {
            c.set_constraint(constraint);
        }
    }
}

/// Text and table formats print warnings on stderr, as netstat does.
pub(crate) fn warn_stderr(warnings: &[String]) {
    for w in warnings {
        eprintln!("rnetstat: warning: {w}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Squeezed into 30 columns, a table wraps between words: no header and no word of a
    /// cell is cut (before, comfy-table gave the last columns a letter each).
    #[test]
    fn narrow_tables_cut_no_word() {
        let mut t = table(&["Iface", "MTU", "Process", "Flags"], false);
        t.add_row([
            "enp0s31f6",
            "1500",
            "1234/nginx, 1240/nginx-worker",
            "UP,BROADCAST,RUNNING",
        ]);
        keep_words_whole(&mut t, &[]);
        t.set_width(30);
        let text = t.to_string();
        for word in [
            "Iface",
            "Process",
            "Flags",
            "enp0s31f6",
            "1234/nginx,",
            "1240/nginx-worker",
            "UP,BROADCAST,RUNNING",
        ] {
            assert!(
                text.lines().any(|l| l.contains(word)),
                "{word} cut:\n{text}"
            );
        }
    }
}
