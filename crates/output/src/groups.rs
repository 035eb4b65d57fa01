//! `-g`: multicast group memberships, as netstat prints them (net-tools netstat.c, the
//! `flag_igmp` header and `igmp_do_one`), as a table, and as JSON (docs/json.md).

use std::io::{self, Write};
use std::net::IpAddr;

use serde::Serialize;

use super::Format;
use super::names::Names;
use super::view;
use rnetstat_model::iface::Membership;

#[derive(Serialize)]
struct JsonGroup<'a> {
    interface: &'a str,
    family: &'static str,
    group: IpAddr,
    refcnt: u32,
}

pub fn render<W: Write>(
    out: &mut W,
    format: Format,
    list: &[Membership],
    names: &mut Names,
    warnings: &[String],
    color: bool,
) -> io::Result<()> {
    let mut host = String::new();
    match format {
        Format::Text => {
            view::warn_stderr(warnings);
            out.write_all(
                b"IPv6/IPv4 Group Memberships\nInterface       RefCnt Group\n--------------- ------ ---------------------\n",
            )?;
            for m in list {
                host.clear();
                names.push_host(&mut host, m.group);
                let iface = super::sanitize::sanitized(&m.interface);
                writeln!(out, "{iface:<15} {:<6} {host}", m.refcnt)?;
            }
            out.flush()
        }
        Format::Table => {
            view::warn_stderr(warnings);
            let mut t = view::table(&["Interface", "RefCnt", "Group"], color);
            for m in list {
                host.clear();
                names.push_host(&mut host, m.group);
                t.add_row(vec![
                    super::sanitize::sanitized(&m.interface),
                    m.refcnt.to_string(),
                    host.clone(),
                ]);
            }
            view::keep_words_whole(&mut t, &[]);
            writeln!(out, "{t}")?;
            out.flush()
        }
        Format::Json | Format::Jsonl => {
            let items: Vec<JsonGroup<'_>> = list
                .iter()
                .map(|m| JsonGroup {
                    interface: &m.interface,
                    family: if m.group.is_ipv4() { "inet" } else { "inet6" },
                    group: m.group,
                    refcnt: m.refcnt,
                })
                .collect();
            view::json(out, format, "groups", &items, warnings)
        }
    }
}
