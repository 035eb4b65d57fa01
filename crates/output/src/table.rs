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
}

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
        }
    }

    /// A Peer column, naming processes from `owners`.
    pub fn with_peers(mut self, owners: Option<&'a Owners>) -> Self {
        self.peers = owners;
        self
    }

    /// A leading Namespace column saying where each socket lives.
    pub fn with_netns(mut self, on: bool) -> Self {
        self.netns_column = on;
        self
    }

    fn flush_table(&mut self) -> io::Result<()> {
        if let Some((group, t)) = self.table.take() {
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
