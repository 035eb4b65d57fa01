//! JSON output: one document (`--json`) or one record per line (`--format jsonl`).
//!
//! The document is streamed: `{"sockets":[` then each record as it arrives, then
//! `],"warnings":[…]}`, so a dump of 100k sockets is never held in memory. The shape is the
//! scripting contract documented in `docs/json.md`; field names here must not change.

use std::io::{self, Write};

use rnetstat_collect::owners::Owners;
use rnetstat_collect::{Group, Sink};
use rnetstat_model::{CgroupPaths, Socket};

use super::json_fast;
pub use super::json_record::JsonSocket;

pub struct Json<'a, W: Write> {
    out: W,
    lines: bool,
    owners: Option<&'a Owners>,
    /// `-e`: the extended fields, with cgroup paths when known.
    extended: Option<Option<&'a CgroupPaths>>,
    /// `--peer`: the owners to name peers' processes with.
    peers: Option<&'a Owners>,
    count: usize,
    warnings: Vec<String>,
    /// Where a plain record is built before it is written.
    buf: String,
    /// `--at`: when the recorder took what is listed (RFC 3339), on every record.
    recorded_at: Option<String>,
}

impl<'a, W: Write> Json<'a, W> {
    /// `lines`: one record per line (jsonl) instead of one document.
    pub fn new(out: W, lines: bool, owners: Option<&'a Owners>) -> io::Result<Self> {
        let mut j = Json {
            out,
            lines,
            owners,
            extended: None,
            peers: None,
            count: 0,
            warnings: Vec::new(),
            buf: String::with_capacity(512),
            recorded_at: None,
        };
        if !lines {
            j.out.write_all(b"{\"sockets\":[")?;
        }
        Ok(j)
    }

    /// Adds the `-e` fields to every record.
    pub fn with_extended(mut self, cgroups: Option<&'a CgroupPaths>) -> Self {
        self.extended = Some(cgroups);
        self
    }

    /// `--at`: a `recorded_at` field on every record.
    pub fn with_recorded_at(mut self, at: Option<String>) -> Self {
        self.recorded_at = at;
        self
    }

    /// Adds the `peer` field to every record, naming processes from `owners`.
    pub fn with_peers(mut self, owners: Option<&'a Owners>) -> Self {
        self.peers = owners;
        self
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> Sink for Json<'_, W> {
    fn group(&mut self, _: Group) -> io::Result<()> {
        Ok(())
    }

    fn socket(&mut self, s: &Socket<'_>) -> io::Result<()> {
        let mut rec = JsonSocket::full(s, self.owners, self.extended, self.peers);
        rec.recorded_at = self.recorded_at.as_deref();
        if !self.lines && self.count > 0 {
            self.out.write_all(b",")?;
        }
        self.count += 1;
        if rec.is_plain() {
            json_fast::write_plain(&mut self.out, &mut self.buf, &rec)?;
        } else {
            serde_json::to_writer(&mut self.out, &rec).map_err(io::Error::other)?;
        }
        if self.lines {
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn warning(&mut self, msg: &str) {
        if self.lines {
            eprintln!("rnetstat: warning: {msg}");
        } else {
            self.warnings.push(msg.to_string());
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        if !self.lines {
            self.out.write_all(b"],\"warnings\":")?;
            serde_json::to_writer(&mut self.out, &self.warnings).map_err(io::Error::other)?;
            self.out.write_all(b"}\n")?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnetstat_model::{Container, Family, Netns, Proto, Runtime, State, Timer, TimerKind};

    fn netns(inode: u64, name: Option<&str>, container: Option<Container>) -> Netns {
        Netns {
            inode,
            name: name.map(str::to_string),
            host: container.is_none() && name.is_none(),
            container,
        }
    }

    /// The hand-written bytes equal serde's for every shape a plain record takes.
    #[test]
    fn same_bytes_as_serde() {
        let host = netns(4026531840, None, None);
        let named = netns(4026532177, Some("a \"quoted\"\\ name\t"), None);
        let web = Container {
            runtime: Runtime::Podman,
            id: "abc123".into(),
            name: Some("web".into()),
            pod: None,
        };
        let boxed = netns(4026532200, Some("box"), Some(web));
        let mut sockets = Vec::new();
        for (fam, l, r) in [
            (Family::Inet, "127.0.0.1:22", "10.1.2.3:40000"),
            (Family::Inet6, "[::1]:443", "[::ffff:10.0.0.1]:5"),
            (Family::Inet6, "[fd00::1:0:0:7]:1", "[::]:0"),
            (Family::Inet, "0.0.0.0:0", "255.255.255.255:65535"),
        ] {
            let mut s = Socket::between(
                Proto::Tcp,
                l.parse().unwrap(),
                r.parse().unwrap(),
                State::Established,
            );
            s.family = fam;
            s.recv_q = 7;
            s.send_q = u32::MAX;
            s.inode = 123_456;
            s.uid = 1000;
            sockets.push(s);
        }
        let mut t = sockets[0].clone();
        t.timer = Some(Timer {
            kind: TimerKind::KeepAlive,
            expires_ms: 7199,
            retrans: 0,
        });
        sockets.push(t);
        let mut u = Socket::blank(Proto::Unix, Family::Unix, rnetstat_model::SockType::Stream);
        u.path = Some(b"\0abstract\n\"x\"");
        u.peer_inode = 9;
        sockets.push(u.clone());
        u.path = None;
        sockets.push(u);
        let mut st = sockets[1].clone();
        st.stack = rnetstat_model::Stack::Userspace;
        st.stack_pid = Some(4242);
        st.service = Some("echo");
        sockets.push(st);
        let spaces = [None, Some(&host), Some(&named), Some(&boxed)];
        let mut n = 0;
        for s in &sockets {
            for ns in spaces {
                let mut s = s.clone();
                s.netns = ns;
                let rec = JsonSocket::new(&s, None);
                let want = serde_json::to_string(&rec).unwrap();
                let mut got = Vec::new();
                assert!(rec.is_plain());
                json_fast::write_plain(&mut got, &mut String::new(), &rec).unwrap();
                assert_eq!(String::from_utf8(got).unwrap(), want);
                n += 1;
            }
        }
        assert_eq!(n, 32);
        let mut info = sockets[0].clone();
        info.mem = Some(Default::default());
        assert!(!JsonSocket::new(&info, None).is_plain());
    }

    #[test]
    fn document_deserialises() {
        let mut j = Json::new(Vec::new(), false, None).unwrap();
        let mut s = Socket::inet(Proto::Tcp, Family::Inet6);
        s.local.addr = "::ffff:1.2.3.4".parse().unwrap();
        s.local.port = 80;
        s.state = State::Listen;
        s.send_q = 128;
        j.socket(&s).unwrap();
        let mut u = Socket::inet(Proto::Unix, Family::Unix);
        u.path = Some(b"\0abs");
        j.socket(&u).unwrap();
        j.warning("w1");
        j.finish().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&j.into_inner()).unwrap();
        let socks = v["sockets"].as_array().unwrap();
        assert_eq!(socks.len(), 2);
        assert_eq!(socks[0]["local"]["address"], "::ffff:1.2.3.4");
        assert_eq!(socks[0]["local"]["port"], 80);
        assert_eq!(socks[0]["state"], "LISTEN");
        assert_eq!(socks[0]["send_q"], 128);
        assert_eq!(socks[0]["type"], "stream");
        assert!(socks[0]["path"].is_null());
        assert!(socks[0].get("processes").is_none());
        assert_eq!(socks[1]["path"], "@abs");
        assert_eq!(socks[1]["peer_inode"], 0);
        assert!(socks[1]["local"].is_null());
        assert_eq!(v["warnings"][0], "w1");
    }

    #[test]
    fn jsonl_is_one_record_per_line() {
        let mut j = Json::new(Vec::new(), true, None).unwrap();
        for _ in 0..3 {
            j.socket(&Socket::inet(Proto::Udp, Family::Inet)).unwrap();
        }
        j.finish().unwrap();
        let out = String::from_utf8(j.into_inner()).unwrap();
        assert_eq!(out.lines().count(), 3);
        for l in out.lines() {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert_eq!(v["proto"], "udp");
            assert_eq!(v["state"], "CLOSE");
        }
    }
}
