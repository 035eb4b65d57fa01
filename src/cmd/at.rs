//! `--at TIME`: the listing of what the recorder saw at the last sample at or before TIME,
//! through the same sinks, selection and filter as a live listing, netstat's table order.

use std::io::Write;
use std::net::IpAddr;

use crate::config::Config;
use crate::error::Error;
use crate::model::{Container, Endpoint, Family, Netns, Proto, Runtime, SockType, Socket, State};
use crate::output::names::Names;
use crate::record::Seen;
use crate::source::owners::Owners;
use crate::source::{Group, Pipeline};

use super::World;

pub fn run<W: Write>(cfg: &Config, world: &mut World<W>) -> Result<(), Error> {
    let Some(at) = &cfg.at else {
        return Err(Error::Usage("--at: no time given".into()));
    };
    let Some(crate::record::Snapshot {
        at: taken,
        interval_ms,
        sockets: seen,
        tables,
    }) = crate::record::sockets_at(&at.db, at.ms)?
    else {
        return Err(Error::History {
            path: at.db.display().to_string(),
            reason: "nothing was recorded at or before that time".into(),
        });
    };
    let when = crate::output::events::rfc3339(crate::output::events::from_unix_ms(taken));
    // Samples come every interval; one more than two intervals (and a second) before TIME
    // means the recorder was not running then.
    let late = interval_ms.map_or(60_000, |i| 2 * i + 1000);
    if taken + late < at.ms {
        eprintln!(
            "rnetstat: the last sample at or before that time was taken at {when}; \
             the recorder was not running after it"
        );
    }
    // Tables asked for that the recorder then did not dump: empty because unrecorded.
    if let Some(t) = &tables {
        let missing: Vec<String> = cfg
            .selection
            .tables()
            .iter()
            .map(|(p, f)| format!("{}/{}", p.name(), f.name()))
            .filter(|x| !t.contains(x))
            .collect();
        if !missing.is_empty() {
            eprintln!(
                "rnetstat: the recorder did not dump {} at {when}: none are listed",
                missing.join(", ")
            );
        }
    }
    // The namespaces the options select, as a live listing selects them.
    let keep = selected(cfg, &world.proc_root)?;
    let seen: Vec<Seen> = seen
        .into_iter()
        .filter(|s| keep.as_ref().is_none_or(|k| k.contains(&s.key.0)))
        .collect();
    // The namespaces first: the records borrow them.
    let host = host_inode(&world.proc_root);
    let mut spaces: Vec<Netns> = Vec::new();
    for s in &seen {
        if !spaces.iter().any(|n| n.inode == s.key.0) {
            spaces.push(netns_of(s, host));
        }
    }
    let records: Vec<Socket<'_>> = seen
        .iter()
        .filter_map(|s| {
            let ns = spaces.iter().find(|n| n.inode == s.key.0)?;
            socket(s, ns)
        })
        .collect();
    let owners = Owners::from_records(seen.iter().filter_map(|s| {
        Some((
            s.inode,
            s.pid?,
            s.process.clone().unwrap_or_default(),
            s.program.clone(),
        ))
    }));
    let mut names = Names::new(cfg.numeric);
    let color = super::color(world);
    let mut sink = super::list::make_sink(
        cfg,
        &mut world.out,
        &mut names,
        Some(&owners),
        None,
        color,
        Some(when),
    )?;
    let sel = &cfg.selection;
    let mut pipeline = Pipeline::plain(sink.sink());
    let mut group = None;
    for (proto, family) in sel.tables() {
        let g = Group::of(proto);
        if group != Some(g) {
            pipeline.sink().group(g).map_err(Error::Output)?;
            group = Some(g);
        }
        for r in records
            .iter()
            .filter(|r| r.proto == proto && r.family == family && sel.accepts(r))
        {
            pipeline.sink().socket(r).map_err(Error::Output)?;
        }
    }
    pipeline.sink().finish().map_err(Error::Output)?;
    Ok(())
}

/// The inodes of the namespaces `-N`, `--container` or none (rnetstat's own) select;
/// `None` for `--all-netns` (every recorded one).
pub(crate) fn selected(
    cfg: &Config,
    proc_root: &crate::source::procfs::ProcRoot,
) -> Result<Option<Vec<u64>>, Error> {
    use crate::source::netns::{self, Space, Target};
    Ok(match &cfg.netns {
        Target::All => None,
        Target::Current => Some(vec![Space::here(proc_root).ns.inode]),
        t => Some(
            netns::select(
                t,
                proc_root,
                &mut crate::source::containers::RuntimeFiles::new("/"),
                false,
            )?
            .iter()
            .map(|s| s.ns.inode)
            .collect(),
        ),
    })
}

/// The host's network namespace (pid 1's), 0 when it cannot be seen.
pub(crate) fn host_inode(proc_root: &crate::source::procfs::ProcRoot) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(proc_root.path("1/ns/net")).map_or(0, |m| m.ino())
}

pub(crate) fn netns_of(s: &Seen, host: u64) -> Netns {
    Netns {
        inode: s.key.0,
        name: s.netns_name.clone(),
        host: s.key.0 == host && host != 0,
        container: s.container.as_ref().map(|c| Container {
            runtime: match c.runtime {
                "docker" => Runtime::Docker,
                "containerd" => Runtime::Containerd,
                "cri-o" => Runtime::CriO,
                "kubernetes" => Runtime::Kubernetes,
                _ => Runtime::Podman,
            },
            id: c.id.clone(),
            name: c.name.clone(),
            pod: None,
        }),
    }
}

/// A recorded socket as a record the sinks print; `None` for words this build cannot
/// place (a database written by a newer rnetstat).
pub(crate) fn socket<'a>(s: &'a Seen, ns: &'a Netns) -> Option<Socket<'a>> {
    let proto = match s.proto {
        "tcp" => Proto::Tcp,
        "udp" => Proto::Udp,
        "raw" => Proto::Raw,
        "unix" => Proto::Unix,
        "sctp" => Proto::Sctp,
        "mptcp" => Proto::Mptcp,
        "packet" => Proto::Packet,
        "netlink" => Proto::Netlink,
        _ => return None,
    };
    let family = match s.family {
        "inet" => Family::Inet,
        "inet6" => Family::Inet6,
        "unix" => Family::Unix,
        "packet" => Family::Packet,
        "netlink" => Family::Netlink,
        _ => return None,
    };
    let sock_type = match s.sock_type {
        "stream" => SockType::Stream,
        "dgram" => SockType::Dgram,
        "raw" => SockType::Raw,
        "rdm" => SockType::Rdm,
        "seqpacket" => SockType::Seqpacket,
        _ => SockType::Other(0),
    };
    let state = match s.state {
        "UNCONN" => State::Close,
        st => State::from_name(st)?,
    };
    let ep = |e: &Option<(String, u16)>| -> Option<Endpoint> {
        match e {
            None => Some(Endpoint::UNSPECIFIED),
            Some((a, p)) => Some(Endpoint {
                addr: a.parse::<IpAddr>().ok()?,
                port: *p,
            }),
        }
    };
    let mut r = Socket::blank(proto, family, sock_type);
    r.state = state;
    r.recv_q = s.recv_q;
    r.send_q = s.send_q;
    r.local = ep(&s.local)?;
    r.remote = ep(&s.remote)?;
    r.path = s.path.as_deref().map(str::as_bytes);
    r.inode = s.inode;
    r.uid = s.uid;
    r.cookie = s.cookie;
    r.netns = Some(ns);
    // A close's final counters, as the kernel announced them.
    r.tcp_info = s.counters.map(|c| {
        Box::new(crate::model::TcpInfo {
            bytes_acked: Some(c.bytes_acked),
            bytes_received: Some(c.bytes_received),
            total_retrans: Some(c.total_retrans),
            rtt: c.rtt_us,
            ..Default::default()
        })
    });
    Some(r)
}
