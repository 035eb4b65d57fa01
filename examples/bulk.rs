//! Bulk TCP transfer for `bench/throughput`: one side of a one-connection transfer, timed.
//!
//! ```text
//! bulk send ADDR BYTES     connect, write BYTES, half-close, wait for the peer's close
//! bulk recv ADDR BYTES     connect, read BYTES, close
//! bulk sink ADDR           accept one connection, read to EOF (a discard server)
//! bulk source ADDR         accept one connection, write until the peer closes (chargen)
//! bulk datagrams ADDR SECS one-byte UDP datagrams to ADDR as fast as it can for SECS
//!                          (`bench/trace`: each to a closed port is one drop)
//! ```
//! `send` and `recv` print `MB/s` (10^6 bytes per second) on stdout.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::Instant;

const CHUNK: usize = 256 * 1024;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    let bytes = || arg(3).parse::<u64>().expect("BYTES");
    let buf = vec![b'x'; CHUNK];
    let mut rbuf = vec![0u8; CHUNK];
    match arg(1) {
        "send" => {
            let mut s = TcpStream::connect(arg(2)).expect("connect");
            let total = bytes();
            let t = Instant::now();
            let mut left = total;
            while left > 0 {
                let n = (left as usize).min(CHUNK);
                s.write_all(&buf[..n]).expect("write");
                left -= n as u64;
            }
            s.shutdown(Shutdown::Write).expect("shutdown");
            while s.read(&mut rbuf).expect("read") > 0 {}
            println!("{:.1}", total as f64 / t.elapsed().as_secs_f64() / 1e6);
        }
        "recv" => {
            let mut s = TcpStream::connect(arg(2)).expect("connect");
            let total = bytes();
            let t = Instant::now();
            let mut got = 0u64;
            while got < total {
                let n = s.read(&mut rbuf).expect("read");
                assert!(n > 0, "peer closed early");
                got += n as u64;
            }
            println!("{:.1}", total as f64 / t.elapsed().as_secs_f64() / 1e6);
        }
        "sink" => {
            let l = TcpListener::bind(arg(2)).expect("bind");
            let (mut s, _) = l.accept().expect("accept");
            while s.read(&mut rbuf).expect("read") > 0 {}
        }
        "source" => {
            let l = TcpListener::bind(arg(2)).expect("bind");
            let (mut s, _) = l.accept().expect("accept");
            while s.write_all(&buf).is_ok() {}
        }
        "datagrams" => {
            let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
            let secs: f64 = arg(3).parse().expect("SECS");
            let t = Instant::now();
            let mut sent = 0u64;
            while t.elapsed().as_secs_f64() < secs {
                for _ in 0..1000 {
                    if s.send_to(b"x", arg(2)).is_ok() {
                        sent += 1;
                    }
                }
            }
            println!("{sent} {:.3}", t.elapsed().as_secs_f64());
        }
        _ => {
            eprintln!(
                "usage: bulk send|recv ADDR BYTES | bulk sink|source ADDR | bulk datagrams ADDR SECS"
            );
            std::process::exit(2);
        }
    }
}
