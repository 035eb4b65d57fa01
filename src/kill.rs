//! `--kill`: close the kernel sockets a filter selects, as `ss -K` does, and say for each
//! one whether it was closed. The listing is collected first (so the dump is not disturbed
//! by its own effect), then each socket gets one `SOCK_DESTROY`.

use std::io::Write;

use crate::compare::Collect;
use crate::config::Config;
use crate::error::Error;
use crate::model::Proto;
use crate::source;
use crate::source::netlink::{DiagSocket, destroy};
use crate::source::procfs::ProcRoot;

/// Fails with [`Error::Partial`] when some selected socket could not be closed.
pub fn run<W: Write>(cfg: &Config, proc_root: &ProcRoot, out: &mut W) -> Result<(), Error> {
    if crate::sys::geteuid() != 0 {
        return Err(Error::Permission(
            "--kill needs root (CAP_NET_ADMIN); nothing was closed".into(),
        ));
    }
    // SOCK_DESTROY serves inet sockets; the others are not even listed.
    let mut sel = cfg.selection.clone();
    (sel.raw, sel.unix, sel.packet, sel.netlink, sel.sctp) = (false, false, false, false, false);
    sel.unix_proc_extras = false;
    let mut found = Collect::default();
    source::collect(&sel, proc_root, &[], &mut found)?;
    for w in &found.warnings {
        eprintln!("rnetstat: warning: {w}");
    }
    let mut diag = DiagSocket::open()?;
    let (mut ok, mut failed) = (0usize, 0usize);
    let mut unsupported = false;
    for (i, s) in found.sockets.iter().enumerate() {
        let what = format!(
            "{}{} {}:{} {}:{} {}",
            s.proto.name(),
            if s.family == crate::model::Family::Inet6 {
                "6"
            } else {
                ""
            },
            s.local.addr,
            s.local.port,
            s.remote.addr,
            s.remote.port,
            s.state
        );
        let r = if matches!(s.proto, Proto::Tcp | Proto::Udp | Proto::Raw | Proto::Mptcp) {
            destroy::destroy(&mut diag, s, 1000 + i as u32)
        } else {
            Err(std::io::Error::from_raw_os_error(libc::EOPNOTSUPP))
        };
        match r {
            Ok(()) => {
                ok += 1;
                writeln!(out, "closed  {what}").map_err(Error::Output)?;
            }
            Err(e) => {
                failed += 1;
                let why = match e.raw_os_error() {
                    Some(libc::EOPNOTSUPP) => {
                        unsupported = true;
                        "the kernel cannot destroy this socket (CONFIG_INET_DIAG_DESTROY, or \
                         a protocol without destroy support)"
                            .to_string()
                    }
                    Some(libc::ENOENT) => "already gone".into(),
                    _ => e.to_string(),
                };
                writeln!(out, "failed  {what}: {why}").map_err(Error::Output)?;
            }
        }
    }
    writeln!(out, "{ok} closed, {failed} not closed").map_err(Error::Output)?;
    if unsupported && ok == 0 {
        eprintln!(
            "rnetstat: this kernel refused SOCK_DESTROY; it needs CONFIG_INET_DIAG_DESTROY=y"
        );
    }
    out.flush().map_err(Error::Output)?;
    if failed > 0 {
        return Err(Error::Partial(format!(
            "{failed} of {} sockets were not closed",
            ok + failed
        )));
    }
    Ok(())
}
