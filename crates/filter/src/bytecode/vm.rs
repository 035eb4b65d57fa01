//! A model of the kernel's bytecode audit and interpreter (`inet_diag_bc_audit`,
//! `inet_diag_bc_run` in net/ipv4/inet_diag.c), so compiled programs can be checked
//! against `Filter::matches` without a kernel: by the filter tests on a fixed grid, and by
//! the `filter` fuzz target on every filter it makes ([`agrees`]).

use std::net::IpAddr;

use super::*;
use crate::{Expr, Filter};
use rnetstat_model::{Endpoint, Family, Proto, Socket};

/// What the interpreter sees of a socket (`struct inet_diag_entry`).
pub struct Entry {
    pub saddr: IpAddr,
    pub daddr: IpAddr,
    pub sport: u16,
    pub dport: u16,
    pub ifindex: u32,
    pub mark: u32,
    pub cgroup: u64,
    pub autobound: bool,
}

fn op(b: &[u8], at: usize) -> (u8, usize, usize) {
    (
        b[at],
        usize::from(b[at + 1]),
        usize::from(u16::from_ne_bytes([b[at + 2], b[at + 3]])),
    )
}

/// The kernel's audit: every `yes` and `no` lands on an op boundary or just past the end.
pub fn audit(b: &[u8]) -> bool {
    let boundary = |to: usize| {
        let mut at = 0;
        while at < to {
            at += op(b, at).1.max(4);
        }
        at == to
    };
    let mut at = 0;
    while at < b.len() {
        if at + 4 > b.len() {
            return false;
        }
        let (code, yes, no) = op(b, at);
        let min = match code {
            INET_DIAG_BC_S_COND | INET_DIAG_BC_D_COND => {
                let alen = match b.get(at + 4).map(|f| i32::from(*f)) {
                    Some(libc::AF_INET) => 4,
                    Some(libc::AF_INET6) => 16,
                    Some(0) => 0,
                    _ => return false,
                };
                if usize::from(b[at + 5]) > alen * 8 {
                    return false;
                }
                12 + alen
            }
            INET_DIAG_BC_S_GE | INET_DIAG_BC_S_LE | INET_DIAG_BC_D_GE | INET_DIAG_BC_D_LE => 8,
            INET_DIAG_BC_DEV_COND => 8,
            INET_DIAG_BC_MARK_COND | INET_DIAG_BC_CGROUP_COND => 12,
            INET_DIAG_BC_AUTO | INET_DIAG_BC_JMP => 4,
            _ => return false,
        };
        let left = b.len() - at;
        if no < min || no > left + 4 || no % 4 != 0 || (no < left && !boundary(at + no)) {
            return false;
        }
        if yes < min || yes > left + 4 || yes % 4 != 0 {
            return false;
        }
        at += yes;
    }
    at == b.len()
}

/// Runs the program on one entry.
pub fn run(b: &[u8], e: &Entry) -> bool {
    let mut at = 0usize;
    while at < b.len() {
        let (code, yes, no) = op(b, at);
        let u32_at = |o: usize| u32::from_ne_bytes(b[o..o + 4].try_into().unwrap());
        let port_at = || u16::from_ne_bytes([b[at + 6], b[at + 7]]);
        let ok = match code {
            INET_DIAG_BC_JMP => false,
            INET_DIAG_BC_S_GE => e.sport >= port_at(),
            INET_DIAG_BC_S_LE => e.sport <= port_at(),
            INET_DIAG_BC_D_GE => e.dport >= port_at(),
            INET_DIAG_BC_D_LE => e.dport <= port_at(),
            INET_DIAG_BC_AUTO => e.autobound,
            INET_DIAG_BC_DEV_COND => e.ifindex == u32_at(at + 4),
            INET_DIAG_BC_MARK_COND => e.mark & u32_at(at + 8) == u32_at(at + 4),
            INET_DIAG_BC_CGROUP_COND => {
                e.cgroup == u64::from_ne_bytes(b[at + 4..at + 12].try_into().unwrap())
            }
            INET_DIAG_BC_S_COND | INET_DIAG_BC_D_COND => {
                let (addr, port) = if code == INET_DIAG_BC_S_COND {
                    (e.saddr, e.sport)
                } else {
                    (e.daddr, e.dport)
                };
                let plen = b[at + 5];
                let cport = i32::from_ne_bytes(b[at + 8..at + 12].try_into().unwrap());
                if cport != -1 && cport != i32::from(port) {
                    false
                } else if plen == 0 {
                    true
                } else {
                    let p: IpAddr = if i32::from(b[at + 4]) == libc::AF_INET {
                        IpAddr::from(<[u8; 4]>::try_from(&b[at + 12..at + 16]).unwrap())
                    } else {
                        IpAddr::from(<[u8; 16]>::try_from(&b[at + 12..at + 28]).unwrap())
                    };
                    crate::Prefix { addr: p, len: plen }.matches(addr)
                }
            }
            _ => panic!("unknown op {code}"),
        };
        at += if ok { yes } else { no };
    }
    at == b.len()
}

/// Sockets to run a program on: every pair of `addrs` of one family, with local ports
/// from `ports` and remote ports picked from them by a stride.
pub struct Grid<'a> {
    pub v4: &'a [&'a str],
    pub v6: &'a [&'a str],
    pub ports: &'a [u16],
}

/// Compiles `f` for each inet family, checks that the kernel's audit accepts the program,
/// and that the program selects exactly the sockets of `grid` that [`Filter::matches`]
/// selects. `Ok(false)` when a program could not be compiled (too long for the kernel's
/// 16-bit jumps: the dump then filters in userspace); the error names the first
/// disagreement.
pub fn agrees(f: &Filter, grid: &Grid<'_>) -> Result<bool, String> {
    for family in [Family::Inet, Family::Inet6] {
        let Some(folded) = f.for_family(family) else {
            continue;
        };
        let prog = match &folded {
            Expr::Const(_) => None,
            e => match compile(e) {
                Some(p) => Some(p),
                None => return Ok(false),
            },
        };
        if let Some(p) = &prog
            && !audit(p)
        {
            return Err(format!("the kernel would reject {p:?}"));
        }
        let addrs = if family == Family::Inet {
            grid.v4
        } else {
            grid.v6
        };
        let addrs: Vec<IpAddr> = addrs.iter().filter_map(|a| a.parse().ok()).collect();
        for (i, &l) in addrs.iter().enumerate() {
            for &r in &addrs {
                for (j, &sp) in grid.ports.iter().enumerate() {
                    let dp = grid.ports[(j * 7 + i) % grid.ports.len()];
                    let mut s = Socket::inet(Proto::Tcp, family);
                    s.local = Endpoint { addr: l, port: sp };
                    s.remote = Endpoint { addr: r, port: dp };
                    s.bound_dev = u32::from(sp % 5);
                    s.mark = Some(u32::from(dp));
                    s.cgroup_id = Some(u64::from(sp));
                    let want = f.matches(&s);
                    let got = match (&folded, &prog) {
                        (Expr::Const(c), _) => *c,
                        (_, Some(p)) => run(
                            p,
                            &Entry {
                                saddr: l,
                                daddr: r,
                                sport: sp,
                                dport: dp,
                                ifindex: s.bound_dev,
                                mark: u32::from(dp),
                                cgroup: u64::from(sp),
                                // The kernel's notion (the bind lock) agrees with ours
                                // (the ephemeral range) on these sockets.
                                autobound: (f.ephemeral.0..=f.ephemeral.1).contains(&sp),
                            },
                        ),
                        (_, None) => unreachable!("a non-constant expression has a program"),
                    };
                    if got != want {
                        return Err(format!(
                            "on {l}:{sp} -> {r}:{dp} the program says {got}, the evaluator {want}"
                        ));
                    }
                }
            }
        }
    }
    Ok(true)
}
