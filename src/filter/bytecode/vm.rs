//! A test-only model of the kernel's bytecode audit and interpreter (`inet_diag_bc_audit`,
//! `inet_diag_bc_run` in net/ipv4/inet_diag.c), so compiled programs can be checked
//! against `Filter::matches` without a kernel.

use std::net::IpAddr;

use super::*;

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
                    crate::filter::Prefix { addr: p, len: plen }.matches(addr)
                }
            }
            _ => panic!("unknown op {code}"),
        };
        at += if ok { yes } else { no };
    }
    at == b.len()
}
