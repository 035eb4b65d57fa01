//! `--kill`: close the kernel sockets a filter selects, as `ss -K` does, and say for each
//! one whether it was closed. The listing is collected first (so the dump is not disturbed
//! by its own effect), then each socket gets one `SOCK_DESTROY`.

use std::io::Write;

use crate::config::Config;
use crate::error::Error;
use crate::model::Proto;
use crate::source;
use crate::source::buffer::Collect;
use crate::source::netlink::{DiagSocket, sock_destroy};
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
    let (mut ok, mut failed) = (0usize, 0usize);
    let mut unsupported = false;
    // Each namespace's sockets are destroyed through a sock_diag socket opened inside it.
    for space in super::spaces(cfg, proc_root)? {
        let mut found = Collect::default();
        let reach = source::collect(
            &sel,
            proc_root,
            std::slice::from_ref(&space),
            &[],
            source::Pipeline::plain(&mut found),
        )?;
        super::refused_notice(reach.refused);
        for w in &found.warnings {
            eprintln!("rnetstat: warning: {w}");
        }
        if found.sockets.is_empty() {
            continue;
        }
        let mut diag = match space.run(proc_root, |_| DiagSocket::open()) {
            Ok(d) => d?,
            Err(e) => {
                eprintln!("rnetstat: warning: network namespace skipped: {e}");
                continue;
            }
        };
        close_all(
            &found,
            &mut diag,
            out,
            &mut ok,
            &mut failed,
            &mut unsupported,
        )?;
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

/// One `SOCK_DESTROY` per collected socket, each reported on its own line.
fn close_all<W: Write>(
    found: &Collect,
    diag: &mut DiagSocket,
    out: &mut W,
    ok: &mut usize,
    failed: &mut usize,
    unsupported: &mut bool,
) -> Result<(), Error> {
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
            sock_destroy::destroy(diag, s, 1000 + i as u32)
        } else {
            Err(std::io::Error::from_raw_os_error(libc::EOPNOTSUPP))
        };
        match r {
            Ok(()) => {
                *ok += 1;
                writeln!(out, "closed  {what}").map_err(Error::Output)?;
            }
            Err(e) => {
                *failed += 1;
                let why = match e.raw_os_error() {
                    Some(libc::EOPNOTSUPP) => {
                        *unsupported = true;
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
    Ok(())
}
