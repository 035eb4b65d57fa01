//! Compiles an [`Expr`] to the kernel's socket-filter bytecode (`INET_DIAG_REQ_BYTECODE`),
//! so an inet dump returns only matching sockets.
//!
//! From `include/uapi/linux/inet_diag.h` and `net/ipv4/inet_diag.c` (`inet_diag_bc_run`,
//! `inet_diag_bc_audit`): a program is a run of `struct inet_diag_bc_op { u8 code; u8 yes;
//! u16 no; }`, each followed by its operand. When an op's test holds, execution moves `yes`
//! bytes on (always the op's own length); otherwise `no` bytes on. A socket is accepted when
//! execution ends exactly at the end of the program and rejected when it jumps 4 bytes
//! past it. `JMP` always takes `no`.
//!
//! Operands: `S_COND`/`D_COND` take `struct inet_diag_hostcond { u8 family; u8 prefix_len;
//! int port; __be32 addr[]; }` (port -1 is any, prefix 0 any address); `S_GE`/`S_LE`/`D_GE`/
//! `D_LE` take a second op whose `no` is the port; `DEV_COND` a u32 ifindex; `MARK_COND`
//! `{ u32 mark; u32 mask; }`; `CGROUP_COND` a u64 id; `AUTO` nothing.
//!
//! Composition (as ss builds it): `a and b` is `a` then `b`, with `a`'s rejections kept;
//! `a or b` is `a`, a `JMP` to the end, then `b`, with `a`'s rejections landing on `b`;
//! `not a` is `a` then a `JMP` to rejection, with `a`'s rejections landing on the end.

use std::net::IpAddr;

use super::{Expr, Pred, Side};

pub const INET_DIAG_BC_JMP: u8 = 1;
pub(crate) const INET_DIAG_BC_S_GE: u8 = 2;
pub(crate) const INET_DIAG_BC_S_LE: u8 = 3;
pub(crate) const INET_DIAG_BC_D_GE: u8 = 4;
pub(crate) const INET_DIAG_BC_D_LE: u8 = 5;
pub(crate) const INET_DIAG_BC_AUTO: u8 = 6;
pub(crate) const INET_DIAG_BC_S_COND: u8 = 7;
pub(crate) const INET_DIAG_BC_D_COND: u8 = 8;
pub(crate) const INET_DIAG_BC_DEV_COND: u8 = 9;
pub(crate) const INET_DIAG_BC_MARK_COND: u8 = 10;
pub(crate) const INET_DIAG_BC_CGROUP_COND: u8 = 13;

/// Where a failed test goes, before offsets are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// A byte position in the unit being built (its length means "past the unit").
    At(usize),
    Reject,
}

#[derive(Debug, Clone)]
struct Op {
    code: u8,
    no: Target,
    operand: Vec<u8>,
}

impl Op {
    fn len(&self) -> usize {
        4 + self.operand.len()
    }
}

/// A compiled piece: its ops and their total length.
#[derive(Debug, Default)]
struct Unit {
    ops: Vec<Op>,
    len: usize,
}

impl Unit {
    fn one(code: u8, operand: Vec<u8>) -> Unit {
        let op = Op {
            code,
            no: Target::Reject,
            operand,
        };
        Unit {
            len: op.len(),
            ops: vec![op],
        }
    }

    /// Appends `other`, shifting its positions.
    fn append(&mut self, other: Unit) {
        let base = self.len;
        for mut op in other.ops {
            if let Target::At(t) = op.no {
                op.no = Target::At(t + base);
            }
            self.ops.push(op);
        }
        self.len += other.len;
    }

    fn push_jmp(&mut self, to: Target) {
        self.ops.push(Op {
            code: INET_DIAG_BC_JMP,
            no: to,
            operand: Vec::new(),
        });
        self.len += 4;
    }

    /// Sends this unit's rejections to `to`.
    fn redirect_rejects(&mut self, to: usize) {
        for op in &mut self.ops {
            if op.no == Target::Reject {
                op.no = Target::At(to);
            }
        }
    }
}

/// The bytecode for a folded expression (no [`Expr::Const`] inside), or `None` when the
/// expression holds something only userspace can test.
pub fn compile(e: &Expr) -> Option<Vec<u8>> {
    let unit = unit(e)?;
    if unit.len > usize::from(u16::MAX) - 4 {
        return None;
    }
    let mut out = Vec::with_capacity(unit.len);
    for op in &unit.ops {
        let at = out.len();
        let no = match op.no {
            Target::At(t) => t - at,
            Target::Reject => unit.len + 4 - at,
        };
        out.push(op.code);
        out.push(u8::try_from(op.len()).ok()?);
        out.extend_from_slice(&u16::try_from(no).ok()?.to_ne_bytes());
        out.extend_from_slice(&op.operand);
    }
    Some(out)
}

fn unit(e: &Expr) -> Option<Unit> {
    Some(match e {
        Expr::And(a, b) => {
            let mut u = unit(a)?;
            u.append(unit(b)?);
            u
        }
        Expr::Or(a, b) => {
            let mut u = unit(a)?;
            let b = unit(b)?;
            u.redirect_rejects(u.len + 4);
            let end = u.len + 4 + b.len;
            u.push_jmp(Target::At(end));
            u.append(b);
            u
        }
        Expr::Not(a) => {
            let mut u = unit(a)?;
            u.redirect_rejects(u.len + 4);
            u.push_jmp(Target::Reject);
            u
        }
        Expr::Const(_) => return None,
        Expr::Pred(p) => pred(p)?,
    })
}

fn pred(p: &Pred) -> Option<Unit> {
    Some(match p {
        Pred::Host(side, c) => {
            let code = match side {
                Side::Local => INET_DIAG_BC_S_COND,
                Side::Remote => INET_DIAG_BC_D_COND,
            };
            let port: i32 = c.port.map_or(-1, i32::from);
            if c.prefixes.is_empty() {
                return Some(Unit::one(code, hostcond(0, 0, port, &[])));
            }
            // Several addresses (a resolved name): any of them.
            let mut units = c.prefixes.iter().map(|p| {
                let (af, bytes): (u8, Vec<u8>) = match p.addr {
                    IpAddr::V4(a) => (libc::AF_INET as u8, a.octets().to_vec()),
                    IpAddr::V6(a) => (libc::AF_INET6 as u8, a.octets().to_vec()),
                };
                Unit::one(code, hostcond(af, p.len, port, &bytes))
            });
            let first = units.next()?;
            units.fold(first, |mut acc, next| {
                acc.redirect_rejects(acc.len + 4);
                let end = acc.len + 4 + next.len;
                acc.push_jmp(Target::At(end));
                acc.append(next);
                acc
            })
        }
        Pred::PortGe(side, port) | Pred::PortLe(side, port) => {
            let ge = matches!(p, Pred::PortGe(..));
            let code = match (side, ge) {
                (Side::Local, true) => INET_DIAG_BC_S_GE,
                (Side::Local, false) => INET_DIAG_BC_S_LE,
                (Side::Remote, true) => INET_DIAG_BC_D_GE,
                (Side::Remote, false) => INET_DIAG_BC_D_LE,
            };
            // The operand is a second op whose `no` holds the port.
            let mut operand = vec![0, 0];
            operand.extend_from_slice(&port.to_ne_bytes());
            Unit::one(code, operand)
        }
        Pred::Dev(ifindex) => Unit::one(INET_DIAG_BC_DEV_COND, ifindex.to_ne_bytes().to_vec()),
        Pred::Mark { mark, mask } => {
            let mut operand = mark.to_ne_bytes().to_vec();
            operand.extend_from_slice(&mask.to_ne_bytes());
            Unit::one(INET_DIAG_BC_MARK_COND, operand)
        }
        Pred::Cgroup(id) => Unit::one(INET_DIAG_BC_CGROUP_COND, id.to_ne_bytes().to_vec()),
        Pred::Autobound => Unit::one(INET_DIAG_BC_AUTO, Vec::new()),
        Pred::UnixPath(_) => return None,
    })
}

/// `struct inet_diag_hostcond` and its address.
fn hostcond(family: u8, prefix_len: u8, port: i32, addr: &[u8]) -> Vec<u8> {
    let mut v = vec![family, prefix_len, 0, 0];
    v.extend_from_slice(&port.to_ne_bytes());
    v.extend_from_slice(addr);
    v
}

#[doc(hidden)]
#[cfg(any(test, feature = "fuzzing"))]
pub mod vm;
