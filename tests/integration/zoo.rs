//! A zoo of real sockets in known states, built inside a test's private namespace.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{self, UnixDatagram, UnixListener, UnixStream};
use std::process::Child;
use std::thread;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

use super::common::{eventually, inode, spawn_holder};

/// Keeps every socket alive and remembers what the tests should see.
#[allow(dead_code)] // fields are held for their sockets' lifetimes
pub struct Zoo {
    _dir: tempfile::TempDir,
    held: Vec<Box<dyn std::any::Any + Send>>,
    /// A child process that holds a duplicate of `shared_inode`.
    pub child: Child,
    pub listener: u32,
    pub listener_backlog: u32,
    pub listener_pending: u32,
    pub unread_server: u32,
    pub unread_bytes: u32,
    pub unread_client: u32,
    pub backed_sender: u32,
    pub backed_receiver: u32,
    pub backed_total: u64,
    pub fin_wait2: u32,
    pub close_wait: u32,
    pub time_wait: (SocketAddr, SocketAddr),
    pub syn_sent: u32,
    pub v6_client: u32,
    pub v6_server: u32,
    pub mapped_server: u32,
    pub mapped_local: SocketAddr,
    pub udp_receiver: u32,
    pub udp_connected: u32,
    pub raw: u32,
    pub unix_listener: u32,
    pub unix_listener_path: String,
    pub unix_reader: u32,
    pub unix_writer: u32,
    pub unix_unread: u32,
    pub unix_dgram: u32,
    pub unix_dgram_path: String,
    pub unix_seq: (u32, u32),
    pub unix_abstract: u32,
    pub shared_inode: u32,
}

impl Drop for Zoo {
    fn drop(&mut self) {
        // Only the process we started, by pid.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn listener(addr: SocketAddr, backlog: i32) -> Socket {
    let dom = if addr.is_ipv4() {
        Domain::IPV4
    } else {
        Domain::IPV6
    };
    let s = Socket::new(dom, Type::STREAM, Some(Protocol::TCP)).expect("socket");
    s.set_reuse_address(true).expect("reuseaddr");
    if addr.is_ipv6() {
        s.set_only_v6(false).expect("v6only");
    }
    s.bind(&addr.into()).expect("bind");
    s.listen(backlog).expect("listen");
    s
}

fn local(s: &Socket) -> SocketAddr {
    s.local_addr().expect("local").as_socket().expect("inet")
}

pub fn build() -> Zoo {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut held: Vec<Box<dyn std::any::Any + Send>> = Vec::new();
    let lo = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));

    // A listener with two connections it has not accepted: Recv-Q 2, Send-Q the backlog.
    let l = listener(lo, 8);
    let la = local(&l);
    let c1 = TcpStream::connect(la).expect("connect c1");
    let c2 = TcpStream::connect(la).expect("connect c2");
    let listener_ino = inode(&l);

    // An established pair with 1234 bytes unread at the server end.
    let l2: TcpListener = listener(lo, 8).into();
    let a = TcpStream::connect(l2.local_addr().unwrap()).expect("connect a");
    let (b, _) = l2.accept().expect("accept b");
    (&a).write_all(&[7u8; 1234]).expect("write");
    let (unread_server, unread_client) = (inode(&b), inode(&a));

    // A sender whose queue backs up against a receiver that never reads.
    let l3 = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    l3.set_recv_buffer_size(32 * 1024).unwrap();
    l3.bind(&lo.into()).unwrap();
    l3.listen(1).unwrap();
    let e = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    e.set_send_buffer_size(32 * 1024).unwrap();
    e.connect(&l3.local_addr().unwrap()).expect("connect e");
    let (f, _) = l3.accept().expect("accept f");
    e.set_nonblocking(true).unwrap();
    let chunk = [1u8; 4096];
    let mut total = 0u64;
    for _ in 0..3 {
        loop {
            match (&e).write(&chunk) {
                Ok(n) => total += n as u64,
                Err(err) if err.kind() == ErrorKind::WouldBlock => break,
                Err(err) => panic!("write: {err}"),
            }
        }
        thread::sleep(Duration::from_millis(100));
    }
    let (backed_sender, backed_receiver) = (inode(&e), inode(&f));

    // Half close: the client shuts down its sending side.
    let l4: TcpListener = listener(lo, 8).into();
    let g = TcpStream::connect(l4.local_addr().unwrap()).unwrap();
    let (h, _) = l4.accept().unwrap();
    g.shutdown(Shutdown::Write).unwrap();
    let (fin_wait2, close_wait) = (inode(&g), inode(&h));

    // TIME_WAIT: the client closes first, then the server.
    let i = TcpStream::connect(l4.local_addr().unwrap()).unwrap();
    let (mut j, _) = l4.accept().unwrap();
    let tw = (i.local_addr().unwrap(), i.peer_addr().unwrap());
    drop(i);
    let mut sink = Vec::new();
    j.read_to_end(&mut sink).unwrap();
    drop(j);

    // SYN_SENT: a listener with backlog 0 takes one connection; the kernel then drops
    // further SYNs (accept queue full), so the next client waits in SYN_SENT.
    let k = listener(lo, 0);
    let k1 = TcpStream::connect(local(&k)).unwrap();
    let k2 = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    k2.set_nonblocking(true).unwrap();
    match k2.connect(&local(&k).into()) {
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        other => panic!("expected EINPROGRESS, got {other:?}"),
    }
    let syn_sent = inode(&k2);

    // IPv6 over ::1, and an IPv4 client accepted by a dual-stack listener (v4-mapped).
    let l6: TcpListener = listener(SocketAddr::from((Ipv6Addr::LOCALHOST, 0)), 8).into();
    let v6c = TcpStream::connect(l6.local_addr().unwrap()).unwrap();
    let (v6s, _) = l6.accept().unwrap();
    let ld: TcpListener = listener(SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)), 8).into();
    let mc = TcpStream::connect((Ipv4Addr::LOCALHOST, ld.local_addr().unwrap().port())).unwrap();
    let (ms, _) = ld.accept().unwrap();
    let mapped_local = ms.local_addr().unwrap();

    // UDP: three queued datagrams at a receiver, and a connected socket.
    let ur = UdpSocket::bind(lo).unwrap();
    let us = UdpSocket::bind(lo).unwrap();
    for _ in 0..3 {
        us.send_to(&[9u8; 100], ur.local_addr().unwrap()).unwrap();
    }
    let uc = UdpSocket::bind(lo).unwrap();
    uc.connect(ur.local_addr().unwrap()).unwrap();

    // RAW ICMP.
    let raw = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4)).expect("raw socket");

    // UNIX: a path listener with one pending connection, a stream pair with 7 unread
    // bytes, a bound datagram socket with queued datagrams, a seqpacket pair, and an
    // abstract listener.
    let path = dir.path().join("listen.sock");
    let ul = UnixListener::bind(&path).unwrap();
    let _pending = UnixStream::connect(&path).unwrap();
    let (uw, ur2) = UnixStream::pair().unwrap();
    (&uw).write_all(b"7 bytes").unwrap();
    let dpath = dir.path().join("dgram.sock");
    let ud = UnixDatagram::bind(&dpath).unwrap();
    let uds = UnixDatagram::unbound().unwrap();
    for _ in 0..3 {
        uds.send_to(&[1u8; 10], &dpath).unwrap();
    }
    let (sq1, sq2) = Socket::pair(Domain::UNIX, Type::SEQPACKET, None).unwrap();
    let abs =
        UnixListener::bind_addr(&net::SocketAddr::from_abstract_name(b"rnetstat-zoo").unwrap())
            .unwrap();

    // A socket shared with a child process: two holders.
    let shared = inode(&c1);
    let child = spawn_holder(&c1);

    let zoo = Zoo {
        listener: listener_ino,
        listener_backlog: 8,
        listener_pending: 2,
        unread_server,
        unread_bytes: 1234,
        unread_client,
        backed_sender,
        backed_receiver,
        backed_total: total,
        fin_wait2,
        close_wait,
        time_wait: tw,
        syn_sent,
        v6_client: inode(&v6c),
        v6_server: inode(&v6s),
        mapped_server: inode(&ms),
        mapped_local,
        udp_receiver: inode(&ur),
        udp_connected: inode(&uc),
        raw: inode(&raw),
        unix_listener: inode(&ul),
        unix_listener_path: path.display().to_string(),
        unix_reader: inode(&ur2),
        unix_writer: inode(&uw),
        unix_unread: 7,
        unix_dgram: inode(&ud),
        unix_dgram_path: dpath.display().to_string(),
        unix_seq: (inode(&sq1), inode(&sq2)),
        unix_abstract: inode(&abs),
        shared_inode: shared,
        child,
        _dir: dir,
        held: Vec::new(),
    };
    held.push(Box::new((
        l, c1, c2, l2, a, b, l3, e, f, l4, g, h, k, k1, k2,
    )));
    held.push(Box::new((l6, v6c, v6s, ld, mc, ms, ur, us, uc, raw)));
    held.push(Box::new((ul, _pending, uw, ur2, ud, uds, sq1, sq2, abs)));
    let mut zoo = zoo;
    zoo.held = held;
    // Let loopback deliveries and the TIME_WAIT transition settle.
    eventually("the TIME_WAIT socket", 10, || {
        let tw_seen = super::common::json_sockets(&["-ta"])
            .0
            .iter()
            .any(|s| s["state"] == "TIME_WAIT");
        tw_seen.then_some(())
    });
    thread::sleep(Duration::from_millis(300));
    zoo
}
