//! `--format table`: a comfy-table view for people. Colour only on a terminal and never
//! with `NO_COLOR`; the table fits the terminal width. Rows are gathered per group, since a
//! table needs every row to size its columns; this view is for reading, not for 100k rows.

use std::io::{self, Write};

use comfy_table::{Cell, Color, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use rnetstat_collect::owners::Owners;
use rnetstat_collect::{Group, Sink};
use rnetstat_model::{Family, Proto, Socket, State};

use super::names::Names;
use super::sanitize::push_sanitized;

pub struct TableOut<'a, W: Write> {
    out: W,
    names: &'a mut Names,
    owners: Option<&'a Owners>,
    color: bool,
    table: Option<(Group, Table)>,
    extend: bool,
    /// `--stack all`: a leading Stack column in the Internet table.
    stack_column: bool,
    /// `-N`, `--all-netns`, `--container`: a leading Namespace column in every table.
    netns_column: bool,
    /// `--peer`: a Peer column, its processes named from these owners.
    peers: Option<&'a Owners>,
    /// `-o`: netstat's Timer column.
    timers: bool,
    /// `--why`: a Why column in the Internet table.
    why: bool,
    /// `--age`: an Age column in every table.
    age: bool,
    /// `--reasons`: a Reasons column in the inet table.
    reasons: bool,
    /// The width to fit, instead of the terminal's (tests).
    width: Option<u16>,
}

/// Columns whose cells are never broken across lines: addresses, states, numbers and
/// names of kinds. When the table is too wide, the other columns (processes, peers,
/// namespaces) wrap between words, never inside one; if that is not enough, the row is
/// wider than the terminal rather than an address split in two.
const WHOLE: &[&str] = &[
    "Stack", "Proto", "Type", "Recv-Q", "Send-Q", "Local", "Remote", "State", "Inode", "User",
    "Path",
];

impl<'a, W: Write> TableOut<'a, W> {
    pub fn new(
        out: W,
        names: &'a mut Names,
        owners: Option<&'a Owners>,
        color: bool,
        extend: bool,
        stack_column: bool,
    ) -> Self {
        TableOut {
            out,
            names,
            owners,
            color,
            table: None,
            extend,
            stack_column,
            netns_column: false,
            peers: None,
            timers: false,
            why: false,
            age: false,
            reasons: false,
            width: None,
        }
    }

    /// Fits tables to `width` columns instead of the terminal's.
    pub fn with_width(mut self, width: Option<u16>) -> Self {
        self.width = width;
        self
    }

    /// A Peer column, naming processes from `owners`.
    pub fn with_peers(mut self, owners: Option<&'a Owners>) -> Self {
        self.peers = owners;
        self
    }

    /// `-o`: a Timer column, as netstat prints it, for TCP sockets.
    pub fn with_timers(mut self, on: bool) -> Self {
        self.timers = on;
        self
    }

    /// `--reasons`: a Reasons column (what the kernel's tracepoints counted).
    pub fn with_reasons(mut self, on: bool) -> Self {
        self.reasons = on;
        self
    }

    /// `--age`: an Age column (how long since the recorder first saw each socket).
    pub fn with_age(mut self, on: bool) -> Self {
        self.age = on;
        self
    }

    /// `--why`: a Why column, each socket's verdicts worst first.
    pub fn with_why(mut self, on: bool) -> Self {
        self.why = on;
        self
    }

    /// A leading Namespace column saying where each socket lives.
    pub fn with_netns(mut self, on: bool) -> Self {
        self.netns_column = on;
        self
    }

    fn flush_table(&mut self) -> io::Result<()> {
        if let Some((group, mut t)) = self.table.take() {
            super::view::keep_words_whole(&mut t, WHOLE);
            if let Some(w) = self.width {
                t.set_width(w);
            }
            let title = match group {
                Group::Inet => "Internet sockets",
                Group::Unix => "UNIX domain sockets",
                Group::Packet => "Packet sockets",
                Group::Netlink => "Netlink sockets",
            };
            writeln!(self.out, "{title}\n{t}")?;
        }
        Ok(())
    }

    fn header(&self, group: Group) -> Vec<&'static str> {
        let mut h = match group {
            Group::Inet if self.stack_column => vec![
                "Stack", "Proto", "Recv-Q", "Send-Q", "Local", "Remote", "State",
            ],
            Group::Inet => vec!["Proto", "Recv-Q", "Send-Q", "Local", "Remote", "State"],
            Group::Unix => vec!["Type", "Recv-Q", "Send-Q", "State", "Inode", "Peer", "Path"],
            Group::Packet | Group::Netlink => {
                vec!["Proto", "Recv-Q", "Send-Q", "Local", "Peer", "State"]
            }
        };
        if self.netns_column {
            h.insert(0, "Namespace");
        }
        if self.extend {
            h.push("User");
            if group != Group::Unix {
                h.push("Inode");
            }
        }
        if self.owners.is_some() {
            h.push("Process");
        }
        if self.peers.is_some() {
            h.push("Peer");
        }
        if self.timers && group == Group::Inet {
            h.push("Timer");
        }
        if self.why && group == Group::Inet {
            h.push("Why");
        }
        if self.age {
            h.push("Age");
        }
        if self.reasons && group == Group::Inet {
            h.push("Reasons");
        }
        h
    }
}

impl<W: Write> Sink for TableOut<'_, W> {
    fn group(&mut self, group: Group) -> io::Result<()> {
        self.flush_table()?;
        let mut t = Table::new();
        t.load_style(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header(self.header(group));
        if !self.color {
            t.force_no_tty();
        }
        self.table = Some((group, t));
        Ok(())
    }

    fn socket(&mut self, s: &Socket<'_>) -> io::Result<()> {
        let mut cells: Vec<Cell> = Vec::with_capacity(10);
        let state_color = match s.state {
            State::Listen => Color::Green,
            State::Established => Color::Cyan,
            State::TimeWait | State::CloseWait | State::FinWait1 | State::FinWait2 => Color::Yellow,
            State::SynSent | State::SynRecv => Color::Magenta,
            _ => Color::Reset,
        };
        let mut state = Cell::new(s.state.name());
        if self.color {
            state = state.fg(state_color);
        }
        let mut text = String::new();
        if self.netns_column {
            let label = s.netns.map(|n| n.label().to_string()).unwrap_or_default();
            push_sanitized(&mut text, label.as_bytes());
            cells.push(Cell::new(std::mem::take(&mut text)));
        }
        if s.proto == Proto::Unix {
            cells.push(Cell::new(s.sock_type.name()));
            cells.push(Cell::new(s.recv_q));
            cells.push(Cell::new(s.send_q));
            cells.push(state);
            cells.push(Cell::new(s.inode));
            cells.push(Cell::new(s.peer_inode));
            if let Some(p) = s.path {
                push_sanitized(&mut text, p);
            }
            cells.push(Cell::new(&text));
        } else if matches!(s.proto, Proto::Packet | Proto::Netlink) {
            cells.push(Cell::new(s.proto.name()));
            cells.push(Cell::new(s.recv_q));
            cells.push(Cell::new(s.send_q));
            super::link::push_local(&mut text, s, self.names.numeric.ports);
            cells.push(Cell::new(&text));
            text.clear();
            super::link::push_peer(&mut text, s);
            cells.push(Cell::new(&text));
            cells.push(state);
        } else {
            if self.stack_column {
                cells.push(Cell::new(match s.stack_pid {
                    Some(pid) => format!("user/{pid}"),
                    None => s.stack.name().to_string(),
                }));
            }
            let mut proto = s.proto.name().to_string();
            if s.family == Family::Inet6 {
                proto.push('6');
            }
            cells.push(Cell::new(proto));
            cells.push(Cell::new(s.recv_q));
            cells.push(Cell::new(s.send_q));
            for ep in [s.local, s.remote] {
                text.clear();
                self.names.push_host(&mut text, ep.addr);
                text.push(':');
                self.names.push_port(&mut text, s.proto, ep.port);
                cells.push(Cell::new(&text));
            }
            cells.push(state);
        }
        if self.extend {
            text.clear();
            self.names.push_user(&mut text, s.uid);
            cells.push(Cell::new(&text));
            if s.proto != Proto::Unix {
                cells.push(Cell::new(s.inode));
            }
        }
        if let Some(o) = self.owners {
            text.clear();
            for (i, (_, h)) in o.holders(s.inode).iter().enumerate() {
                if i > 0 {
                    text.push_str(", ");
                }
                text.push_str(&h.pid.to_string());
                text.push('/');
                if let Some(p) = o.process(h.pid) {
                    push_sanitized(&mut text, p.comm.as_bytes());
                }
            }
            cells.push(Cell::new(&text));
        }
        if let Some(o) = self.peers {
            text.clear();
            super::peer::push_cell(&mut text, s, Some(o));
            cells.push(Cell::new(&text));
        }
        if self.timers && !matches!(s.proto, Proto::Unix | Proto::Packet | Proto::Netlink) {
            text.clear();
            super::cells::push_timer(&mut text, s);
            cells.push(Cell::new(&text));
        }
        if self.why && !matches!(s.proto, Proto::Unix | Proto::Packet | Proto::Netlink) {
            text.clear();
            super::cells::push_why(&mut text, s);
            cells.push(Cell::new(&text));
        }
        if self.age {
            text.clear();
            super::cells::push_age(&mut text, s);
            cells.push(Cell::new(&text));
        }
        if self.reasons && !matches!(s.proto, Proto::Unix | Proto::Packet | Proto::Netlink) {
            text.clear();
            super::cells::push_reasons(&mut text, s);
            cells.push(Cell::new(&text));
        }
        if let Some((_, t)) = self.table.as_mut() {
            t.add_row(cells);
        }
        Ok(())
    }

    fn warning(&mut self, msg: &str) {
        eprintln!("rnetstat: warning: {msg}");
    }

    fn finish(&mut self) -> io::Result<()> {
        self.flush_table()?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::Numeric;
    use rnetstat_model::Endpoint;

    fn tcp6(local: &str, remote: &str, state: State) -> Socket<'static> {
        let ep = |s: &str| {
            let sa: std::net::SocketAddr = s.parse().unwrap();
            Endpoint {
                addr: sa.ip(),
                port: sa.port(),
            }
        };
        let mut s = Socket::inet(Proto::Tcp, Family::Inet6);
        s.local = ep(local);
        s.remote = ep(remote);
        s.state = state;
        s
    }

    /// At 80 columns (and at 40), no address, state or number is split across lines:
    /// each appears whole on one line.
    #[test]
    fn narrow_tables_never_break_an_address_or_a_state() {
        let local = "[fd00:1234:5678:9abc:def0:1234:5678:9abc]:8080";
        let remote = "[fd00:aaaa:bbbb:cccc:dddd:eeee:ffff:1111]:54321";
        for width in [80, 40] {
            let mut names = Names::new(Numeric {
                hosts: true,
                ports: true,
                users: true,
            });
            let mut out = Vec::new();
            let mut t = TableOut::new(&mut out, &mut names, None, false, true, false)
                .with_width(Some(width));
            t.group(Group::Inet).unwrap();
            let mut s = tcp6(local, remote, State::Established);
            s.recv_q = 123_456;
            t.socket(&s).unwrap();
            t.finish().unwrap();
            drop(t);
            let text = String::from_utf8(out).unwrap();
            for whole in [
                "fd00:1234:5678:9abc:def0:1234:5678:9abc:8080",
                "fd00:aaaa:bbbb:cccc:dddd:eeee:ffff:1111:54321",
                "ESTABLISHED",
                "123456",
            ] {
                assert!(
                    text.lines().any(|l| l.contains(whole)),
                    "{whole} split at width {width}:\n{text}"
                );
            }
        }
    }
}
