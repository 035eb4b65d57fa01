//! One collection's namespaces, what is open in each, and how the IPv6 TCP table goes
//! beside the IPv4 one.

use rnetstat_model::error::Error;
use rnetstat_model::{Family, Proto};

use crate::collector::{Collector, Receive, Skip};
use crate::netlink::{self, DiagSocket};
use crate::netns::Space;
use crate::procfs::ProcRoot;
use crate::procfs::sockstat::TcpCounts;
use crate::{
    ForkSink, ForkedRows, Pipeline, Selection, Sink, SourcePref, Unreached, ipv6_rows, netns,
};

/// The namespaces of one collection and what is open in each.
pub(crate) struct Spaces<'s> {
    spaces: &'s [Space],
    /// One sock_diag socket per namespace, opened inside it (it stays bound to it); `None`
    /// where tables come from `/proc`.
    diags: Vec<Option<DiagSocket>>,
    /// Each namespace's own TCP counts: a TCP table they say is empty is not dumped (see
    /// procfs::sockstat for why that saves time).
    counts: Vec<TcpCounts>,
    /// False once a namespace could not be entered.
    live: Vec<bool>,
    /// The IPv6 TCP dump (its request's sequence number and its reply), already received
    /// beside the IPv4 one ([`Spaces::tcp_both`]).
    early6: Option<netlink::ns_workers::Fetched>,
    /// Or its rows, already written by a fork of the sink ([`ipv6_rows`]).
    rows6: Option<ForkedRows>,
}

/// How the IPv6 TCP table goes beside the IPv4 one.
pub(crate) enum Ipv6Handling<'f> {
    /// Made into rows there, by a fork of the sink.
    Rows(Box<dyn ForkSink + 'f>),
    /// Its datagrams spilled to this file.
    Spill(std::fs::File),
}

/// What came of the IPv6 TCP table beside the IPv4 one.
pub(crate) enum Ipv6Outcome {
    Rows(ForkedRows),
    Fetched(netlink::ns_workers::Fetched),
}

impl<'s> Spaces<'s> {
    pub(crate) fn open(
        sel: &Selection,
        proc_root: &ProcRoot,
        spaces: &'s [Space],
        reach: &mut Unreached,
        sink: &mut dyn Sink,
    ) -> Result<Spaces<'s>, Error> {
        let n = spaces.len();
        let mut o = Spaces {
            spaces,
            diags: Vec::with_capacity(n),
            counts: vec![TcpCounts::default(); n],
            live: vec![true; n],
            early6: None,
            rows6: None,
        };
        if !sel.kernel || sel.source == SourcePref::Proc {
            o.diags.resize_with(n, || None);
            return Ok(o);
        }
        let opened = netns::each(spaces, proc_root, |root| {
            let counts = if sel.tcp {
                root.tcp_counts()
            } else {
                TcpCounts::default()
            };
            (DiagSocket::open(), counts)
        });
        for (i, r) in opened.into_iter().enumerate() {
            o.diags.push(match r {
                Ok((Ok(d), c)) => {
                    o.counts[i] = c;
                    Some(d)
                }
                Ok((Err(e), _)) if sel.source == SourcePref::Auto => {
                    sink.warning(&format!("{e}; reading /proc/net instead"));
                    None
                }
                Ok((Err(e), _)) => return Err(e.into()),
                Err(e) => {
                    reach.note(&spaces[i].ns, &e, sink);
                    o.live[i] = false;
                    None
                }
            });
        }
        Ok(o)
    }

    /// The IPv4 TCP table, with the IPv6 one dumped at the same time on a second socket
    /// and core when both are big and there is one namespace, the current one: the two
    /// walks of the kernel's hash then run side by side. The IPv6 table waits for its turn
    /// in a temporary file (netlink::ipv6_spill says why not in memory), so the output order
    /// does not change: as rows a fork of the sink made there ([`ipv6_rows`]), or as the
    /// datagrams, replayed through the sink.
    pub(crate) fn tcp_both(
        &mut self,
        c: &mut Collector<'s>,
        reach: &mut Unreached,
        sink: &mut Pipeline<'_>,
    ) -> Result<(), Error> {
        let single = self.spaces.len() == 1 && self.spaces[0].is_current() && self.live[0];
        let both = single
            && self.diags[0].is_some()
            && netlink::read_ahead::pays(self.counts[0].rows(Family::Inet6))
            && netlink::read_ahead::pays(self.counts[0].rows(Family::Inet));
        // The IPv6 rows made on their thread when the sink can fork, else its datagrams
        // spilled for this thread to replay (ipv6_rows says why the first is better).
        let second = if both {
            DiagSocket::open()
                .ok()
                .zip(netlink::ipv6_spill::tmpfile())
                .map(|(d, f)| match sink.fork(f) {
                    Ok(k) => (d, Ipv6Handling::Rows(k)),
                    Err(f) => (d, Ipv6Handling::Spill(f)),
                })
        } else {
            None
        };
        let req = second
            .as_ref()
            .and_then(|_| c.first_request(Proto::Tcp, Family::Inet6));
        let (Some((sock6, way)), Some(req)) = (second, req) else {
            return self.table(c, Proto::Tcp, Family::Inet, reach, sink);
        };
        let seq = netlink::request_seq(&req);
        let (sel, ns) = (c.sel, Some(&self.spaces[0].ns));
        let here = c.plan(Proto::Tcp, Family::Inet6).is_some_and(|p| p.here);
        // Made here: the thread then never calls malloc (no arena of its own).
        let mut buf = vec![0u8; netlink::RECV_BUF];
        std::thread::scope(|s| {
            let v6 = s.spawn(move || match way {
                Ipv6Handling::Rows(k) => {
                    ipv6_rows::rows(&sock6, &req, &mut buf, k, sel, here, ns).map(Ipv6Outcome::Rows)
                }
                Ipv6Handling::Spill(f) => netlink::ipv6_spill::fetch(&sock6, &req, &mut buf, f)
                    .map(|sp| Ipv6Outcome::Fetched(netlink::ns_workers::Fetched::spilled(seq, sp))),
            });
            let r = self.table(c, Proto::Tcp, Family::Inet, reach, sink);
            // A failure beside is not fatal: the IPv6 table is then dumped in its turn.
            match v6.join().ok().and_then(Result::ok) {
                Some(Ipv6Outcome::Rows(made)) => self.rows6 = Some(made),
                Some(Ipv6Outcome::Fetched(f)) => self.early6 = Some(f),
                None => {}
            }
            r
        })
    }

    /// One table from every namespace, in order. With several namespaces over sock_diag,
    /// worker threads run the dumps and this thread decodes them (netlink::start says why).
    pub(crate) fn table(
        &mut self,
        c: &mut Collector<'s>,
        proto: Proto,
        family: Family,
        reach: &mut Unreached,
        sink: &mut Pipeline<'_>,
    ) -> Result<(), Error> {
        if proto == Proto::Tcp
            && family == Family::Inet6
            && let Some(made) = self.rows6.take()
        {
            return sink.append(made).map_err(Error::Output);
        }
        let todo: Vec<usize> = (0..self.spaces.len())
            .filter(|&i| self.live[i] && !(proto == Proto::Tcp && self.counts[i].empty(family)))
            .collect();
        let mut requests: Vec<(&DiagSocket, Vec<u8>)> = Vec::new();
        if todo.len() > 1 && todo.iter().all(|&i| self.diags[i].is_some()) {
            for &i in &todo {
                match (self.diags[i].as_ref(), c.first_request(proto, family)) {
                    (Some(d), Some(req)) => requests.push((d, req)),
                    _ => break,
                }
            }
        }
        let prefetch = requests.len() == todo.len() && requests.len() > 1;
        let workers = netns::workers();
        let pace = netlink::ns_workers::Pace::new(2 * workers);
        // One big table in one namespace: receive it on a second core (netlink::read_ahead),
        // unless the rows are only counted: then they cost less than handing each
        // datagram over between threads.
        let ahead = todo.len() == 1
            && proto == Proto::Tcp
            && sink.reads_ahead()
            && netlink::read_ahead::pays(self.counts[todo[0]].rows(family));
        let (spaces, diags, early6) = (self.spaces, &self.diags, &mut self.early6);
        let mut lost = Vec::new();
        std::thread::scope(|scope| -> Result<(), Error> {
            let rx =
                prefetch.then(|| netlink::ns_workers::fetch_all(scope, &requests, &pace, workers));
            // However this loop ends, the workers must not wait for it.
            let _release = netlink::ns_workers::Release(&pace);
            let mut early = Vec::new();
            for (k, &i) in todo.iter().enumerate() {
                let fetched = rx
                    .as_ref()
                    .and_then(|rx| netlink::ns_workers::wait_for(rx, &mut early, k));
                pace.read(k + 1);
                c.ns = Some(&spaces[i].ns);
                let early = (proto == Proto::Tcp && family == Family::Inet6)
                    .then(|| early6.take())
                    .flatten();
                let how = match fetched.or(early) {
                    Some(f) => Receive::Fetched(f),
                    None if ahead => Receive::ReadAhead,
                    None => Receive::Here,
                };
                match c.table(&spaces[i], diags[i].as_ref(), how, proto, family, sink) {
                    Ok(()) => {}
                    Err(Skip::Netns(e)) => {
                        reach.note(&spaces[i].ns, &e, sink);
                        lost.push(i);
                    }
                    Err(Skip::Fatal(e)) => return Err(e),
                }
            }
            Ok(())
        })?;
        for i in lost {
            self.live[i] = false;
        }
        Ok(())
    }
}
