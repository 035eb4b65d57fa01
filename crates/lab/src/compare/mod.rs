//! `rnetstat compare`: each kernel socket beside the userspace-stack socket at the other
//! end of the same connection, one row per connection, with notes on what the two ends
//! show together (e.g. a kernel Send-Q held back by the stack's zero window).
//!
//! collect (kernel sockets with tcp_info over sock_diag, stack snapshots over their control
//! sockets) → `pair` → `render` (text or JSON).

pub mod pair;
pub mod render;

use std::io::Write;
use std::net::IpAddr;
use std::thread;

use crate::config::CompareConfig;
use rnetstat_collect as source;
use rnetstat_collect::buffer::Collect;
use rnetstat_collect::containers::RuntimeFiles;
use rnetstat_collect::netns::{self, Space};
use rnetstat_collect::procfs::ProcRoot;
use rnetstat_collect::{Listening, Selection, SourcePref};
use rnetstat_diag::stack_reply::Snapshot;
use rnetstat_model::Socket;
use rnetstat_model::error::Error;

/// Kernel TCP and UDP sockets of both families, every state, with tcp_info.
pub(crate) fn kernel_selection() -> Selection {
    Selection {
        tcp: true,
        udp: true,
        raw: false,
        unix: false,
        inet4: true,
        inet6: true,
        listening: Listening::All,
        source: SourcePref::Auto,
        unix_proc_extras: false,
        tcp_info: true,
        memory: false,
        sctp: false,
        mptcp: false,
        packet: false,
        netlink: false,
        filter: None,
        kernel_filter: true,
        kernel: true,
        userspace: false,
    }
}

/// Everything one comparison looks at.
pub struct View {
    pub kernel: Vec<Socket<'static>>,
    pub stacks: Vec<Snapshot>,
    pub warnings: Vec<String>,
}

impl View {
    /// The kernel's sockets in `spaces`, and every stack's.
    pub fn gather(proc_root: &ProcRoot, spaces: &[Space]) -> Result<View, Error> {
        let mut k = Collect::default();
        source::collect(
            &kernel_selection(),
            proc_root,
            spaces,
            &[],
            source::Pipeline::plain(&mut k),
        )?;
        let (stacks, mut warnings) = source::stack::fetch();
        warnings.extend(k.warnings);
        Ok(View {
            kernel: k.sockets,
            stacks,
            warnings,
        })
    }

    /// The stacks' own addresses: kernel sockets talking to these are candidates.
    pub fn stack_addrs(&self) -> Vec<IpAddr> {
        self.stacks
            .iter()
            .flat_map(|s| s.addresses.iter())
            .filter_map(|c| c.split('/').next()?.parse().ok())
            .collect()
    }
}

/// Prints each kernel socket beside the stack socket at the other end to `out`, once or
/// every `cfg.continuous`, reading the kernel's tables through `proc_root`.
pub fn run<W: Write>(cfg: &CompareConfig, out: &mut W, proc_root: &ProcRoot) -> Result<(), Error> {
    loop {
        // Found afresh each time, as the listing's -c does.
        let spaces = netns::select(&cfg.netns, proc_root, &mut RuntimeFiles::new("/"), false)?;
        let view = View::gather(proc_root, &spaces)?;
        let user: Vec<Socket<'_>> = view
            .stacks
            .iter()
            .flat_map(|snap| {
                snap.sockets
                    .iter()
                    .map(move |s| source::stack::record(snap, s))
            })
            .collect();
        let pairs = pair::pair(&view.kernel, &user, &view.stack_addrs());
        if cfg.json {
            render::json(out, &view, &pairs)
        } else {
            render::text(out, &view, &user, &pairs)
        }
        .map_err(Error::Output)?;
        out.flush().map_err(Error::Output)?;
        if !cfg.json {
            for w in &view.warnings {
                eprintln!("rnetstat: warning: {w}");
            }
        }
        match cfg.continuous {
            Some(d) => thread::sleep(d),
            None => return Ok(()),
        }
    }
}
