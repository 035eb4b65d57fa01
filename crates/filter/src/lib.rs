//! rnetstat-filter: ss's filter language: a state filter (`state established`, `exclude listening`) followed
//! by an expression (`dport = :22 or src 10.0.0.0/8`), compiled once in `config`.
//!
//! The same [`Filter`] runs in two places with the same result: compiled to the kernel's
//! `INET_DIAG_REQ_BYTECODE` ([`bytecode`]) so a sock_diag dump of inet sockets skips the
//! sockets that do not match, and evaluated here ([`Filter::matches`]) for everything the
//! kernel cannot filter: unix sockets, `/proc` tables, the userspace stack's sockets.
//!
//! Public entry points: [`Filter::parse`], [`Filter::matches`], [`Filter::for_family`],
//! [`bytecode::compile`]; with the `fuzzing` feature (and in tests) `bytecode::vm`, a model
//! of the kernel's interpreter, and `fuzzing::differential`, the fuzz target that runs the
//! two against each other.

#![deny(unsafe_code)]

pub mod bytecode;
mod cond;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod lex;
mod parse;
mod states;

pub use cond::{HostCond, Prefix, Side};
pub use lex::FilterError;

use rnetstat_model::{Family, Proto, Socket, State, StateMask};

/// A boolean expression over sockets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Pred(Pred),
    /// What a predicate folds to when the table alone decides it.
    Const(bool),
}

/// One test on a socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pred {
    /// `dst`/`src HOST`, `dport`/`sport = PORT`.
    Host(Side, HostCond),
    /// Port `>=` (ss's `S_GE`/`D_GE`).
    PortGe(Side, u16),
    /// Port `<=`.
    PortLe(Side, u16),
    /// `src unix:GLOB`: a unix socket's path, matched with shell wildcards.
    UnixPath(String),
    /// `dev`: the socket is bound to this interface index (`SO_BINDTODEVICE`).
    Dev(u32),
    /// `fwmark MARK/MASK`: `(sk_mark & mask) == mark`.
    Mark { mark: u32, mask: u32 },
    /// `cgroup PATH`: the socket's cgroup v2 id.
    Cgroup(u64),
    /// `autobound`: the local port was chosen by the kernel.
    Autobound,
}

/// A parsed filter: a state set and an optional expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// `state …` / `exclude …`; `None` leaves the `-a`/`-l` selection in charge.
    pub states: Option<StateMask>,
    pub expr: Option<Expr>,
    /// `net.ipv4.ip_local_port_range`, for `autobound` outside the kernel.
    pub ephemeral: (u16, u16),
}

impl Filter {
    /// Parses the words after the options (or the lines of a `-F` file).
    pub fn parse<S: AsRef<str>>(words: &[S]) -> Result<Filter, FilterError> {
        let (src, toks) = lex::tokens(words);
        let (states, used) = states::leading(&src, &toks)?;
        let expr = if used < toks.len() {
            Some(parse::Parser::new(&src, &toks[used..]).parse()?)
        } else {
            None
        };
        Ok(Filter {
            states,
            expr,
            ephemeral: ephemeral_range(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.states.is_none() && self.expr.is_none()
    }

    /// What every socket the expression accepts has at its remote end, when a condition
    /// joined by `and` at the top says so: the addresses (full-length `dst` prefixes; empty:
    /// any) and the port (`dport = N`). A store can look these up by index; the filter
    /// itself still decides.
    pub fn remote_hint(&self) -> (Vec<std::net::IpAddr>, Option<u16>) {
        fn walk(e: &Expr, addrs: &mut Vec<std::net::IpAddr>, port: &mut Option<u16>) {
            match e {
                Expr::And(a, b) => {
                    walk(a, addrs, port);
                    walk(b, addrs, port);
                }
                Expr::Pred(Pred::Host(cond::Side::Remote, c)) => {
                    let full = |p: &cond::Prefix| p.len == if p.addr.is_ipv4() { 32 } else { 128 };
                    if addrs.is_empty() && !c.prefixes.is_empty() && c.prefixes.iter().all(full) {
                        addrs.extend(c.prefixes.iter().map(|p| p.addr));
                    }
                    if port.is_none() {
                        *port = c.port;
                    }
                }
                _ => {}
            }
        }
        let (mut addrs, mut port) = (Vec::new(), None);
        if let Some(e) = &self.expr {
            walk(e, &mut addrs, &mut port);
        }
        (addrs, port)
    }

    /// True when the expression (not the state set) accepts `s`.
    pub fn matches(&self, s: &Socket<'_>) -> bool {
        self.expr.as_ref().is_none_or(|e| self.eval(e, s))
    }

    fn eval(&self, e: &Expr, s: &Socket<'_>) -> bool {
        match e {
            Expr::And(a, b) => self.eval(a, s) && self.eval(b, s),
            Expr::Or(a, b) => self.eval(a, s) || self.eval(b, s),
            Expr::Not(a) => !self.eval(a, s),
            Expr::Const(c) => *c,
            Expr::Pred(p) => self.pred(p, s),
        }
    }

    fn pred(&self, p: &Pred, s: &Socket<'_>) -> bool {
        let unix = s.proto == Proto::Unix;
        // ss gives unix sockets their inode as local "port" and the peer's as remote.
        let port = |side: Side| -> u32 {
            match (unix, side) {
                (true, Side::Local) => s.inode,
                (true, Side::Remote) => s.peer_inode,
                (false, Side::Local) => u32::from(s.local.port),
                (false, Side::Remote) => u32::from(s.remote.port),
            }
        };
        match p {
            Pred::Host(side, c) => {
                if c.family.is_some_and(|f| f != s.family) {
                    return false;
                }
                if c.port.is_some_and(|want| u32::from(want) != port(*side)) {
                    return false;
                }
                if c.prefixes.is_empty() {
                    return true;
                }
                if unix {
                    return false;
                }
                let addr = match side {
                    Side::Local => s.local.addr,
                    Side::Remote => s.remote.addr,
                };
                c.prefixes.iter().any(|p| p.matches(addr))
            }
            Pred::PortGe(side, v) => port(*side) >= u32::from(*v),
            Pred::PortLe(side, v) => port(*side) <= u32::from(*v),
            Pred::UnixPath(glob) => unix && unix_path_matches(glob.as_bytes(), s.path),
            Pred::Dev(i) => s.bound_dev == *i,
            Pred::Mark { mark, mask } => s.mark.is_some_and(|m| m & mask == *mark),
            Pred::Cgroup(id) => s.cgroup_id == Some(*id),
            Pred::Autobound => {
                if unix {
                    // Unnamed, or an abstract name the kernel made up: NUL + 5 hex digits.
                    s.path.is_none_or(|p| {
                        p.len() == 6
                            && p[0] == 0
                            && p[1..]
                                .iter()
                                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                    })
                } else {
                    (self.ephemeral.0..=self.ephemeral.1).contains(&s.local.port)
                }
            }
        }
    }

    /// The expression as the kernel should run it on a dump of one inet family: parts that
    /// the family alone decides are folded away. `None` means "accept everything".
    pub fn for_family(&self, family: Family) -> Option<Expr> {
        self.expr.as_ref().map(|e| fold(e, family))
    }

    /// Whether a kernel-filtered dump must be checked here as well. Only `autobound`
    /// differs: the kernel tests the bind lock (`SOCK_BINDPORT_LOCK`), which accepted
    /// sockets do not inherit, while ss (and [`Filter::matches`]) test the ephemeral port
    /// range; ss keeps a socket only when both agree, and so do we.
    pub fn recheck(&self) -> bool {
        fn has_auto(e: &Expr) -> bool {
            match e {
                Expr::And(a, b) | Expr::Or(a, b) => has_auto(a) || has_auto(b),
                Expr::Not(a) => has_auto(a),
                Expr::Pred(Pred::Autobound) => true,
                _ => false,
            }
        }
        self.expr.as_ref().is_some_and(has_auto)
    }

    /// The kernel state mask to ask for, if the filter has one.
    pub fn state_mask(&self) -> Option<StateMask> {
        self.states
    }

    /// Whether a socket's state passes the state filter.
    pub fn state_ok(&self, st: State) -> bool {
        let st = if st == State::NewSynRecv {
            State::SynRecv
        } else {
            st
        };
        self.states.is_none_or(|m| m.contains(st))
    }
}

/// Matches a unix path as ss shows it (abstract names with a leading `@`), without
/// allocating per socket: a path is at most 108 bytes (`sun_path`).
fn unix_path_matches(glob: &[u8], path: Option<&[u8]>) -> bool {
    let mut buf = [0u8; 128];
    let p = path.unwrap_or(&[]);
    let n = p.len().min(buf.len());
    buf[..n].copy_from_slice(&p[..n]);
    if n > 0 && buf[0] == 0 {
        buf[0] = b'@';
    }
    glob_match(glob, &buf[..n])
}

/// Shell wildcard match (`*`, `?`, `[…]`), case-insensitive as ss's `FNM_CASEFOLD`.
pub(crate) fn glob_match(pat: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while i < s.len() {
        if p < pat.len() {
            match pat[p] {
                b'*' => {
                    star = Some(p);
                    mark = i;
                    p += 1;
                    continue;
                }
                b'?' => {
                    p += 1;
                    i += 1;
                    continue;
                }
                b'[' => {
                    if let Some((ok, next)) = class(&pat[p..], s[i]) {
                        if ok {
                            p += next;
                            i += 1;
                            continue;
                        }
                    } else if s[i] == b'[' {
                        p += 1;
                        i += 1;
                        continue;
                    }
                }
                c if c.eq_ignore_ascii_case(&s[i]) => {
                    p += 1;
                    i += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some(sp) => {
                p = sp + 1;
                mark += 1;
                i = mark;
            }
            None => return false,
        }
    }
    pat[p..].iter().all(|&c| c == b'*')
}

/// A `[…]` class at the start of `pat`: whether `c` is in it, and the class's length.
fn class(pat: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut j = 1;
    let negate = matches!(pat.get(1), Some(b'!' | b'^'));
    if negate {
        j += 1;
    }
    let start = j;
    let mut hit = false;
    while j < pat.len() && (pat[j] != b']' || j == start) {
        if j + 2 < pat.len() && pat[j + 1] == b'-' && pat[j + 2] != b']' {
            let (lo, hi) = (pat[j].to_ascii_lowercase(), pat[j + 2].to_ascii_lowercase());
            hit |= (lo..=hi).contains(&c.to_ascii_lowercase());
            j += 3;
        } else {
            hit |= pat[j].eq_ignore_ascii_case(&c);
            j += 1;
        }
    }
    (j < pat.len()).then_some((hit != negate, j + 1))
}

/// Folds what the table's family decides: family-qualified conditions, prefixes of the
/// other family, unix paths on inet tables.
fn fold(e: &Expr, family: Family) -> Expr {
    match e {
        Expr::And(a, b) => match (fold(a, family), fold(b, family)) {
            (Expr::Const(false), _) | (_, Expr::Const(false)) => Expr::Const(false),
            (Expr::Const(true), x) | (x, Expr::Const(true)) => x,
            (x, y) => Expr::And(Box::new(x), Box::new(y)),
        },
        Expr::Or(a, b) => match (fold(a, family), fold(b, family)) {
            (Expr::Const(true), _) | (_, Expr::Const(true)) => Expr::Const(true),
            (Expr::Const(false), x) | (x, Expr::Const(false)) => x,
            (x, y) => Expr::Or(Box::new(x), Box::new(y)),
        },
        Expr::Not(a) => match fold(a, family) {
            Expr::Const(c) => Expr::Const(!c),
            x => Expr::Not(Box::new(x)),
        },
        Expr::Const(c) => Expr::Const(*c),
        Expr::Pred(Pred::UnixPath(_)) => Expr::Const(family == Family::Unix),
        Expr::Pred(Pred::Host(side, c)) => {
            if c.family.is_some_and(|f| f != family) {
                return Expr::Const(false);
            }
            let mut c = c.clone();
            c.family = None;
            let any = c.prefixes.iter().any(|p| p.len == 0);
            if any {
                c.prefixes.clear();
            } else if family == Family::Inet && !c.prefixes.is_empty() {
                c.prefixes.retain(|p| p.addr.is_ipv4());
                if c.prefixes.is_empty() {
                    return Expr::Const(false);
                }
            }
            if c.prefixes.is_empty() && c.port.is_none() {
                return Expr::Const(true);
            }
            Expr::Pred(Pred::Host(*side, c))
        }
        Expr::Pred(p) => Expr::Pred(p.clone()),
    }
}

/// `net.ipv4.ip_local_port_range` (Linux's default when unreadable), read once per process
/// (`watch` and the fuzzer parse filters many times).
fn ephemeral_range() -> (u16, u16) {
    static RANGE: std::sync::OnceLock<(u16, u16)> = std::sync::OnceLock::new();
    *RANGE.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
            .ok()
            .and_then(|s| {
                let mut w = s.split_whitespace().map(|v| v.parse().ok());
                Some((w.next()??, w.next()??))
            })
            .unwrap_or((32768, 60999))
    })
}

#[cfg(test)]
mod tests;
