//! netstat-compatible text, column for column as net-tools 2.10 prints it.
//!
//! Formats per `netstat.c`: TCP rows `%-4s  %6ld %6ld %-23s %-23s %-11s`, UDP rows
//! `%-5s %6ld %6ld …` with `ESTABLISHED` or an empty state, RAW rows with the state number;
//! addresses cut to 22 characters unless `-W` (`addr_do_one`). `-e` adds User and Inode, `-p`
//! a 20-wide PID/Program name, `-o` the Timer. Each row is built in one reused `String`.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::ops::{Deref, DerefMut};

use rnetstat_collect::owners::Owners;
use rnetstat_collect::{FastSink, ForkSink, ForkedRows, Group, Listening, Reads, Sink};
use rnetstat_model::{Family, Proto, SockType, Socket, State};

use super::addr::push_u64;
use super::cells::{push_timer, push_why};
use super::detail::{self, Detail};
use super::link;
use super::names::Names;
use super::sanitize::push_sanitized;
use rnetstat_model::CgroupPaths;

/// Text options that change the columns.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOpts {
    pub extend: bool,
    /// `-ee`: cookie, cgroup, fwmark, v6only, shutdown on a detail line.
    pub extend_more: bool,
    /// `--info`: tcp_info on a detail line, like ss -i.
    pub info: bool,
    /// `-m`: skmeminfo on a detail line.
    pub memory: bool,
    pub programs: bool,
    pub timers: bool,
    pub wide: bool,
    /// `--stack all`: a leading Stack column tells kernel and userspace rows apart.
    pub stack_column: bool,
    /// `-N`, `--all-netns`, `--container`: a leading Namespace column says where each
    /// socket lives.
    pub netns_column: bool,
    /// `--peer`: a Peer column after PID/Program name.
    pub peer: bool,
    /// `--why`: a Why column: the socket's verdicts, worst first (docs/why.md).
    pub why: bool,
    /// `--age`: an Age column last (docs/history.md).
    pub age: bool,
    /// `--reasons`: a Reasons column after it (docs/trace.md).
    pub reasons: bool,
}

/// Width of the Stack column: "user/4194304" fits.
const STACK_WIDTH: usize = 12;
/// Width of the Namespace column: "net:[4026532305]" fits; longer names push the row on.
const NETNS_WIDTH: usize = 16;

/// The name lookups a sink uses: its caller's, or (a fork's) its own.
enum NamesRef<'a> {
    Caller(&'a mut Names),
    Own(Box<Names>),
}

impl Deref for NamesRef<'_> {
    type Target = Names;
    fn deref(&self) -> &Names {
        match self {
            NamesRef::Caller(n) => n,
            NamesRef::Own(n) => n,
        }
    }
}

impl DerefMut for NamesRef<'_> {
    fn deref_mut(&mut self) -> &mut Names {
        match self {
            NamesRef::Caller(n) => n,
            NamesRef::Own(n) => n,
        }
    }
}

pub struct NetstatText<'a, W: Write> {
    out: W,
    line: String,
    cell: String,
    names: NamesRef<'a>,
    owners: Option<&'a Owners>,
    opts: TextOpts,
    listening: Listening,
    cgroups: Option<&'a CgroupPaths>,
    /// The Namespace cell, padded, for the namespace (by inode) of the rows being printed:
    /// rows come namespace by namespace, so it is built once per namespace.
    where_cell: (Option<u64>, String),
}

impl<'a, W: Write> NetstatText<'a, W> {
    pub fn new(
        out: W,
        names: &'a mut Names,
        owners: Option<&'a Owners>,
        opts: TextOpts,
        listening: Listening,
    ) -> Self {
        NetstatText {
            out,
            line: String::with_capacity(256),
            cell: String::with_capacity(64),
            names: NamesRef::Caller(names),
            owners,
            opts,
            listening,
            cgroups: None,
            where_cell: (None, String::new()),
        }
    }

    /// cgroup paths for `-ee`.
    pub fn with_cgroups(mut self, c: Option<&'a CgroupPaths>) -> Self {
        self.cgroups = c;
        self
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    fn which(&self) -> &'static str {
        match self.listening {
            Listening::All => "(servers and established)",
            Listening::Only => "(only servers)",
            Listening::Connected => "(w/o servers)",
        }
    }

    /// `addr:port`, cut as netstat's `addr_do_one` does when it exceeds 22 characters.
    fn push_endpoint(&mut self, s: &Socket<'_>, local: bool) {
        let ep = if local { s.local } else { s.remote };
        self.cell.clear();
        self.names.push_host(&mut self.cell, ep.addr);
        let host_len = self.cell.len();
        self.names.push_port(&mut self.cell, s.proto, ep.port);
        let port_len = self.cell.len() - host_len;
        const SHORT: usize = 22;
        let start = self.line.len();
        if !self.opts.wide && host_len + port_len > SHORT {
            let keep_port = port_len.min(SHORT - 4);
            let keep_host = SHORT - keep_port;
            // Sanitised text is ASCII or whole chars; cut on a char boundary at or below.
            self.line.push_str(floor(&self.cell[..host_len], keep_host));
            self.line.push(':');
            self.line.push_str(floor(&self.cell[host_len..], keep_port));
        } else {
            self.line.push_str(&self.cell[..host_len]);
            self.line.push(':');
            self.line.push_str(&self.cell[host_len..]);
        }
        pad_to(&mut self.line, start + 23);
    }

    fn push_owner(&mut self, inode: u32) {
        self.line.push(' ');
        let start = self.line.len();
        let owners = self.owners;
        match owners.and_then(|o| o.holders(inode).first().and_then(|h| o.process(h.1.pid))) {
            Some(p) => push_sanitized(&mut self.line, p.netstat_name.as_bytes()),
            None => self.line.push('-'),
        }
        pad_to(&mut self.line, start + 20);
    }

    /// The Peer cell (`--peer`), 20 wide like PID/Program name.
    fn push_peer(&mut self, s: &Socket<'_>) {
        self.line.push(' ');
        let start = self.line.len();
        super::peer::push_cell(&mut self.line, s, self.owners);
        pad_to(&mut self.line, start + 20);
    }

    fn inet_row(&mut self, s: &Socket<'_>) {
        let l = &mut self.line;
        l.clear();
        if self.opts.stack_column {
            match s.stack_pid {
                Some(pid) => {
                    l.push_str("user/");
                    push_u64(l, u64::from(pid));
                }
                None => l.push_str(s.stack.name()),
            }
            pad_to(l, STACK_WIDTH);
            l.push(' ');
        }
        let base = l.len();
        l.push_str(s.proto.name());
        if s.family == Family::Inet6 {
            l.push('6');
        }
        // tcp/raw: "%-4s  %6ld", udp: "%-5s %6ld"
        let w = if s.proto == Proto::Udp { 5 } else { 4 };
        pad_to(l, base + w);
        if s.proto != Proto::Udp {
            l.push(' ');
        }
        l.push(' ');
        right(l, u64::from(s.recv_q), 6);
        l.push(' ');
        right(l, u64::from(s.send_q), 6);
        l.push(' ');
        self.push_endpoint(s, true);
        self.line.push(' ');
        self.push_endpoint(s, false);
        self.line.push(' ');
        let start = self.line.len();
        match s.proto {
            Proto::Tcp => self.line.push_str(match s.state {
                State::NewSynRecv => "SYN_RECV",
                st => st.name(),
            }),
            Proto::Udp => self.line.push_str(match s.state {
                State::Established => "ESTABLISHED",
                State::Close => "",
                _ => "UNKNOWN",
            }),
            _ => push_u64(&mut self.line, s.state as u64),
        }
        pad_to(&mut self.line, start + 11);
        if self.opts.extend {
            self.line.push(' ');
            let start = self.line.len();
            self.names.push_user(&mut self.line, s.uid);
            pad_to(&mut self.line, start + 10);
            self.line.push(' ');
            let start = self.line.len();
            push_u64(&mut self.line, u64::from(s.inode));
            pad_to(&mut self.line, start + 10);
        }
        if self.opts.programs {
            self.push_owner(s.inode);
        }
        if self.opts.peer {
            self.push_peer(s);
        }
        if self.opts.timers {
            self.line.push(' ');
            let start = self.line.len();
            push_timer(&mut self.line, s);
            if self.opts.why {
                pad_to(&mut self.line, start + 24);
            }
        }
        if self.opts.why {
            self.line.push(' ');
            push_why(&mut self.line, s);
        }
        if self.opts.age {
            self.line.push(' ');
            super::cells::push_age(&mut self.line, s);
        }
        if self.opts.reasons {
            self.line.push(' ');
            super::cells::push_reasons(&mut self.line, s);
        }
    }

    /// A packet or netlink socket: `%-7s %6d %6d %-23s %-23s %-11s`.
    fn link_row(&mut self, s: &Socket<'_>) {
        let numeric = self.names.numeric.ports;
        let l = &mut self.line;
        l.clear();
        l.push_str(s.proto.name());
        pad_to(l, 7);
        l.push(' ');
        right(l, u64::from(s.recv_q), 6);
        l.push(' ');
        right(l, u64::from(s.send_q), 6);
        l.push(' ');
        let start = l.len();
        link::push_local(l, s, numeric);
        pad_to(l, start + 23);
        l.push(' ');
        let start = l.len();
        link::push_peer(l, s);
        pad_to(l, start + 23);
        l.push(' ');
        l.push_str(if s.state == State::Established {
            "ESTAB"
        } else {
            "UNCONN"
        });
        if self.opts.extend {
            pad_to(&mut self.line, start + 23 + 1 + 11);
            self.line.push(' ');
            let start = self.line.len();
            self.names.push_user(&mut self.line, s.uid);
            pad_to(&mut self.line, start + 10);
            self.line.push(' ');
            push_u64(&mut self.line, u64::from(s.inode));
        }
    }

    fn unix_row(&mut self, s: &Socket<'_>) {
        let l = &mut self.line;
        l.clear();
        // "%-5s %-6ld %-11s %-10s %-13s "
        l.push_str("unix  ");
        let start = l.len();
        match s.refcnt {
            Some(r) => push_u64(l, u64::from(r)),
            None => l.push('-'),
        }
        pad_to(l, start + 6);
        l.push(' ');
        let start = l.len();
        l.push_str(if s.state == State::Listen {
            "[ ACC ]"
        } else {
            "[ ]"
        });
        pad_to(l, start + 11);
        l.push(' ');
        let start = l.len();
        l.push_str(match s.sock_type {
            SockType::Stream => "STREAM",
            SockType::Dgram => "DGRAM",
            SockType::Raw => "RAW",
            SockType::Rdm => "RDM",
            SockType::Seqpacket => "SEQPACKET",
            SockType::Other(_) => "UNKNOWN",
        });
        pad_to(l, start + 10);
        l.push(' ');
        let start = l.len();
        l.push_str(match s.state {
            State::Listen => "LISTENING",
            State::Established => "CONNECTED",
            State::SynSent => "CONNECTING",
            State::Close => "",
            State::Closing => "DISCONNECTING",
            _ => "UNKNOWN",
        });
        pad_to(l, start + 13);
        l.push(' ');
        let start = l.len();
        push_u64(l, u64::from(s.inode));
        pad_to(l, start + 8);
        if self.opts.programs {
            self.push_owner(s.inode);
        }
        if self.opts.peer {
            self.push_peer(s);
        }
        self.line.push(' ');
        if let Some(p) = s.path {
            push_sanitized(&mut self.line, p);
        }
    }
}

impl<W: Write> NetstatText<'_, W> {
    /// The Namespace column's heading, before a group's column headings.
    fn push_where_header(&mut self) {
        if self.opts.netns_column {
            self.line.push_str("Namespace");
            let end = self.line.len() + NETNS_WIDTH - 9 + 1;
            pad_to(&mut self.line, end);
        }
    }

    /// Puts the Namespace cell in front of the row just built.
    fn push_where(&mut self, s: &Socket<'_>) {
        let inode = s.netns.map(|n| n.inode);
        if self.where_cell.0 != inode || self.where_cell.1.is_empty() {
            let label = s.netns.map(|n| n.label().to_string()).unwrap_or_default();
            let cell = &mut self.where_cell.1;
            cell.clear();
            push_sanitized(cell, label.as_bytes());
            pad_to(cell, NETNS_WIDTH);
            cell.push(' ');
            self.where_cell.0 = inode;
        }
        self.line.insert_str(0, &self.where_cell.1);
    }
}

impl<W: Write> Sink for NetstatText<'_, W> {
    fn group(&mut self, group: Group) -> io::Result<()> {
        let which = self.which();
        self.line.clear();
        match group {
            Group::Inet => {
                self.line.push_str("Active Internet connections ");
                self.line.push_str(which);
                self.line.push('\n');
                self.push_where_header();
                if self.opts.stack_column {
                    self.line.push_str("Stack");
                    let end = self.line.len() + STACK_WIDTH - 5 + 1;
                    pad_to(&mut self.line, end);
                }
                self.line.push_str(
                    "Proto Recv-Q Send-Q Local Address           Foreign Address         State      ",
                );
                if self.opts.extend {
                    self.line.push_str(" User       Inode     ");
                }
                if self.opts.programs {
                    self.line.push_str(" PID/Program name    ");
                }
                if self.opts.peer {
                    self.line.push_str(" Peer                ");
                }
                if self.opts.timers {
                    self.line.push_str(" Timer");
                    if self.opts.why {
                        self.line.push_str("                   ");
                    }
                }
                if self.opts.why {
                    self.line.push_str(" Why");
                }
                if self.opts.age {
                    self.line.push_str(" Age");
                }
                if self.opts.reasons {
                    self.line.push_str(" Reasons");
                }
            }
            Group::Packet | Group::Netlink => {
                self.line.push_str(if group == Group::Packet {
                    "Active packet sockets\n"
                } else {
                    "Active netlink sockets\n"
                });
                self.push_where_header();
                self.line.push_str(
                    "Proto   Recv-Q Send-Q Local Address           Peer Address            State      ",
                );
                if self.opts.extend {
                    self.line.push_str(" User       Inode     ");
                }
            }
            Group::Unix => {
                self.line.push_str("Active UNIX domain sockets ");
                self.line.push_str(which);
                self.line.push('\n');
                self.push_where_header();
                self.line
                    .push_str("Proto RefCnt Flags       Type       State         I-Node  ");
                if self.opts.programs {
                    self.line.push_str(" PID/Program name    ");
                }
                if self.opts.peer {
                    self.line.push_str(" Peer                ");
                }
                self.line.push_str(" Path");
            }
        }
        self.line.push('\n');
        self.out.write_all(self.line.as_bytes())
    }

    fn socket(&mut self, s: &Socket<'_>) -> io::Result<()> {
        match s.proto {
            Proto::Unix => self.unix_row(s),
            Proto::Packet | Proto::Netlink => self.link_row(s),
            _ => self.inet_row(s),
        }
        if self.opts.netns_column {
            self.push_where(s);
        }
        let d = Detail {
            extended: self.opts.extend_more,
            memory: self.opts.memory,
            info: self.opts.info,
        };
        if d.any() {
            self.line.push('\n');
            let at = self.line.len();
            detail::push(&mut self.line, s, d, self.cgroups);
            if self.line.len() == at {
                self.line.pop();
            }
        }
        self.line.push('\n');
        self.out.write_all(self.line.as_bytes())
    }

    fn warning(&mut self, msg: &str) {
        eprintln!("rnetstat: warning: {msg}");
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> FastSink for NetstatText<'_, W> {
    /// Numeric listings without processes or cgroup paths only: names and process tables
    /// are this sink's to look up, once.
    fn fork<'f>(&self, out: File) -> Result<Box<dyn ForkSink + 'f>, File>
    where
        Self: 'f,
    {
        let numeric = self.names.numeric;
        if !(numeric.hosts && numeric.ports) || self.cgroups.is_some() {
            return Err(out);
        }
        Ok(Box::new(TextFork {
            text: NetstatText {
                out: BufWriter::with_capacity(64 * 1024, out),
                line: String::with_capacity(256),
                cell: String::with_capacity(64),
                names: NamesRef::Own(Box::new(Names::new(numeric))),
                owners: self.owners,
                opts: self.opts,
                listening: self.listening,
                cgroups: None,
                where_cell: self.where_cell.clone(),
            },
            rows: 0,
        }))
    }

    /// The row's columns all come from the fixed header unless a timer, a detail line or
    /// a peer is asked for.
    fn reads(&self) -> Reads {
        let o = &self.opts;
        if o.timers || o.extend_more || o.memory || o.info || o.peer {
            Reads::Whole
        } else {
            Reads::Header
        }
    }

    fn append(&mut self, made: ForkedRows) -> io::Result<()> {
        match made {
            ForkedRows::Text { mut file, .. } => io::copy(&mut file, &mut self.out).map(drop),
            ForkedRows::Counts { .. } => Err(io::Error::other("a text listing's fork made counts")),
        }
    }
}

/// A fork of [`NetstatText`]: the same columns, rows written to a temporary file.
struct TextFork<'a> {
    text: NetstatText<'a, BufWriter<File>>,
    rows: usize,
}

impl Sink for TextFork<'_> {
    fn group(&mut self, _: Group) -> io::Result<()> {
        Ok(())
    }

    fn socket(&mut self, s: &Socket<'_>) -> io::Result<()> {
        self.rows += 1;
        self.text.socket(s)
    }

    fn warning(&mut self, msg: &str) {
        self.text.warning(msg);
    }

    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl ForkSink for TextFork<'_> {
    fn reads(&self) -> Reads {
        self.text.reads()
    }

    fn done(self: Box<Self>) -> io::Result<ForkedRows> {
        let mut text = self.text.out.into_inner().map_err(|e| e.into_error())?;
        text.seek(SeekFrom::Start(0))?;
        Ok(ForkedRows::Text {
            file: text,
            rows: self.rows,
        })
    }
}

/// Spaces to pad with, in one copy rather than one push each.
const SPACES: &str = "                                                                ";

/// Pads `s` with spaces to `len` bytes (printf's `%-Ns`; longer text is left as is).
fn pad_to(s: &mut String, len: usize) {
    while s.len() < len {
        let n = (len - s.len()).min(SPACES.len());
        s.push_str(&SPACES[..n]);
    }
}

/// Right-aligns a number in `width` (printf's `%Nld`).
fn right(s: &mut String, n: u64, width: usize) {
    let mut b = itoa::Buffer::new();
    let digits = b.format(n);
    pad_to(s, s.len() + width.saturating_sub(digits.len()));
    s.push_str(digits);
}

fn floor(s: &str, mut n: usize) -> &str {
    n = n.min(s.len());
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    &s[..n]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::Numeric;
    use rnetstat_model::{Endpoint, Timer, TimerKind};

    fn render(sockets: &[Socket<'_>], opts: TextOpts) -> String {
        let mut names = Names::new(Numeric {
            hosts: true,
            ports: true,
            users: true,
        });
        let mut t = NetstatText::new(Vec::new(), &mut names, None, opts, Listening::All);
        for s in sockets {
            t.socket(s).unwrap();
        }
        String::from_utf8(t.into_inner()).unwrap()
    }

    fn tcp(local: &str, remote: &str, state: State) -> Socket<'static> {
        let ep = |s: &str| {
            let sa: std::net::SocketAddr = s.parse().unwrap();
            Endpoint {
                addr: sa.ip(),
                port: sa.port(),
            }
        };
        let mut s = Socket::inet(Proto::Tcp, Family::Inet);
        s.local = ep(local);
        s.remote = ep(remote);
        s.state = state;
        s
    }

    #[test]
    fn tcp_rows_match_net_tools() {
        let mut s = tcp("127.0.0.1:22", "0.0.0.0:0", State::Listen);
        s.recv_q = 3;
        assert_eq!(
            render(&[s], TextOpts::default()),
            "tcp        3      0 127.0.0.1:22            0.0.0.0:*               LISTEN     \n"
        );
    }

    #[test]
    fn long_ipv6_is_cut_unless_wide() {
        let mut s = tcp(
            "[2001:db8:1234:5678:9abc:def0:1234:5678]:443",
            "[::1]:40000",
            State::Established,
        );
        s.family = Family::Inet6;
        let narrow = render(std::slice::from_ref(&s), TextOpts::default());
        // 38 + 3 characters exceed 22: the host keeps 22 - 3 = 19 (netstat.c addr_do_one).
        assert!(
            narrow.starts_with("tcp6       0      0 2001:db8:1234:5678::443 ::1:40000 "),
            "{narrow}"
        );
        let wide = render(
            &[s],
            TextOpts {
                wide: true,
                ..Default::default()
            },
        );
        assert!(
            wide.contains(" 2001:db8:1234:5678:9abc:def0:1234:5678:443 ::1:40000"),
            "{wide}"
        );
    }

    #[test]
    fn udp_and_raw_state_columns() {
        let mut u = tcp("0.0.0.0:53", "0.0.0.0:0", State::Close);
        u.proto = Proto::Udp;
        let mut r = u.clone();
        r.proto = Proto::Raw;
        r.local.port = 1;
        let out = render(&[u, r], TextOpts::default());
        assert_eq!(
            out,
            "udp        0      0 0.0.0.0:53              0.0.0.0:*                          \n\
             raw        0      0 0.0.0.0:1               0.0.0.0:*               7          \n"
        );
    }

    #[test]
    fn timers_and_extend() {
        let mut s = tcp("127.0.0.1:22", "127.0.0.1:5000", State::TimeWait);
        s.timer = Some(Timer {
            kind: TimerKind::TimeWait,
            expires_ms: 34_510,
            retrans: 0,
        });
        s.inode = 0;
        let out = render(
            &[s],
            TextOpts {
                extend: true,
                timers: true,
                ..Default::default()
            },
        );
        assert!(
            out.ends_with("TIME_WAIT   0          0          timewait (34.51/0/0)\n"),
            "{out:?}"
        );
    }

    #[test]
    fn namespace_column_names_each_row_and_is_sanitised() {
        use rnetstat_model::{Container, Netns, Runtime};
        let host = Netns {
            inode: 4026531833,
            name: None,
            host: true,
            container: None,
        };
        let evil = Netns {
            inode: 4026532305,
            name: None,
            host: false,
            container: Some(Container {
                runtime: Runtime::Docker,
                id: "a".repeat(64),
                name: Some("web\x1b[2J".into()),
                pod: None,
            }),
        };
        let mut names = Names::new(Numeric {
            hosts: true,
            ports: true,
            users: true,
        });
        let opts = TextOpts {
            netns_column: true,
            ..Default::default()
        };
        let mut t = NetstatText::new(Vec::new(), &mut names, None, opts, Listening::All);
        t.group(Group::Inet).unwrap();
        let mut a = tcp("127.0.0.1:22", "0.0.0.0:0", State::Listen);
        a.netns = Some(&host);
        let mut b = a.clone();
        b.netns = Some(&evil);
        for s in [&a, &b, &a] {
            t.socket(s).unwrap();
        }
        let out = String::from_utf8(t.into_inner()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[1].starts_with("Namespace        Proto Recv-Q"),
            "{out}"
        );
        assert!(lines[2].starts_with("host             tcp        0      0 127.0.0.1:22"));
        assert!(lines[3].starts_with("web?[2J          tcp "), "{out}");
        assert!(lines[4].starts_with("host             tcp "));
    }

    #[test]
    fn unix_rows() {
        let mut s = tcp("0.0.0.0:0", "0.0.0.0:0", State::Listen);
        s.proto = Proto::Unix;
        s.family = Family::Unix;
        s.refcnt = Some(2);
        s.inode = 12345;
        s.path = Some(b"\0abs\x1b");
        assert_eq!(
            render(&[s], TextOpts::default()),
            "unix  2      [ ACC ]     STREAM     LISTENING     12345    @abs?\n"
        );
    }
}
