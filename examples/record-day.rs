//! A day of recorder data without waiting a day, for `bench/record --day`: the recorder's
//! own store (`rnetstat::record::Store`) is given, interval by interval, what its dumps and
//! the kernel's announcements give it under bench/record's load — the steady pairs of
//! `examples/scale` (workers of 9,000 pairs, IPv4 on 127.0.0.1–16 and a quarter over ::1,
//! listening on 20000 + worker) and CHURN short connections a second to 127.0.0.1:7999,
//! each with an exact opening, an announced close with final counters on both ends, and
//! the server's TIME_WAIT socket listed by the dumps for the 60 s of its timer.
//!
//! usage: record-day DB [--hours 24] [--pairs 50000] [--churn 1000] [--interval 10]
//! The database must not exist. The namespace recorded is this process's, so `--at` lists
//! it without `--all-netns`. Prints, as `key value` lines: the span (first and last sample,
//! Unix ms), the connections made, and the data's size.

use std::os::unix::fs::MetadataExt;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use rnetstat::record::{Counters, Gone, Opened, Run, Seen, Store};

const PER_WORKER: usize = 9_000;
const CHURN_PORT: u16 = 7999;
const TIME_WAIT_MS: i64 = 60_000;

struct Args {
    db: std::path::PathBuf,
    hours: f64,
    pairs: usize,
    churn: u64,
    interval_ms: i64,
}

fn args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let db = it
        .next()
        .ok_or("usage: record-day DB [--hours H] [--pairs N] [--churn N/s] [--interval S]")?;
    let mut a = Args {
        db: db.into(),
        hours: 24.0,
        pairs: 50_000,
        churn: 1000,
        interval_ms: 10_000,
    };
    while let Some(k) = it.next() {
        let v = it.next().ok_or(format!("{k} needs a value"))?;
        let n: f64 = v
            .parse()
            .ok()
            .filter(|n: &f64| n.is_finite() && *n >= 0.0)
            .ok_or(format!("{k}: not a number: {v}"))?;
        match k.as_str() {
            "--hours" => a.hours = n,
            "--pairs" => a.pairs = n as usize,
            "--churn" => a.churn = n as u64,
            "--interval" => a.interval_ms = (n * 1000.0) as i64,
            _ => return Err(format!("unknown option {k}")),
        }
    }
    if a.interval_ms <= 0 || a.hours <= 0.0 {
        return Err("--interval and --hours must be positive".into());
    }
    Ok(a)
}

/// One TCP socket's record as a dump gives it.
fn tcp(ns: u64, cookie: u64, inode: u32, state: &'static str, v6: bool) -> Seen {
    Seen {
        key: (ns, cookie, 0),
        netns_name: None,
        container: None,
        cookie,
        inode,
        first_inode: inode,
        proto: "tcp",
        family: if v6 { "inet6" } else { "inet" },
        sock_type: "stream",
        state,
        local: None,
        remote: None,
        path: None,
        uid: 0,
        pid: Some(4242),
        process: Some("scale".into()),
        program: Some("scale".into()),
        recv_q: 0,
        send_q: 0,
        counters: None,
        timer_ms: None,
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("record-day: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let a = args()?;
    if a.db.exists() {
        return Err(format!("{} exists", a.db.display()));
    }
    let ns = std::fs::metadata("/proc/self/ns/net")
        .map_err(|e| format!("/proc/self/ns/net: {e}"))?
        .ino();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_millis() as i64;
    let span = (a.hours * 3_600_000.0) as i64;
    let start = now - span;
    let mut store = Store::open(
        &a.db,
        &Run {
            started: start,
            scope: "tables=tcp/inet,tcp/inet6;netns=current;filter=",
            interval_ms: a.interval_ms,
        },
    )
    .map_err(|e| e.to_string())?;
    let (mut cookie, mut inode) = (1u64, 10_000u32);
    let next = |cookie: &mut u64, inode: &mut u32| {
        *cookie += 1;
        *inode = inode.wrapping_add(1);
        (*cookie, *inode)
    };
    // The steady pairs: both ends of each, as examples/scale makes them.
    let mut listing: Vec<Seen> = Vec::with_capacity(2 * a.pairs + 70_000);
    let v6_pairs = a.pairs / 4;
    for p in 0..a.pairs {
        let v6 = p >= a.pairs - v6_pairs;
        let worker = p / PER_WORKER;
        let addr = if v6 {
            "::1".to_string()
        } else {
            format!("127.0.0.{}", 1 + worker % 16)
        };
        let server = (addr.clone(), 20_000 + worker as u16);
        let client = (addr, 32_768 + (p % 28_000) as u16);
        for (local, remote) in [(&client, &server), (&server, &client)] {
            let (c, i) = next(&mut cookie, &mut inode);
            let mut s = tcp(ns, c, i, "ESTABLISHED", v6);
            s.local = Some(local.clone());
            s.remote = Some(remote.clone());
            listing.push(s);
        }
    }
    let mut listener = tcp(ns, next(&mut cookie, &mut inode).0, inode, "LISTEN", false);
    listener.local = Some(("127.0.0.1".into(), CHURN_PORT));
    listener.remote = Some(("0.0.0.0".into(), 0));
    listing.push(listener);
    let steady = listing.len();
    // The server ends' TIME_WAIT sockets the dumps still list: (their end, record).
    let mut remnants: std::collections::VecDeque<(i64, Seen)> = Default::default();
    // A client port taken again before its TIME_WAIT socket's timer ran out: the new SYN
    // ends that socket early, as the kernel does. By client port, the live one's cookie.
    let mut by_port: std::collections::HashMap<u16, u64> = Default::default();
    let mut ended: std::collections::HashSet<u64> = Default::default();
    let mut made = 0u64;
    let mut port_turn = 0u32;
    let mut at = start;
    store
        .write(at, &listing, &[], &[])
        .map_err(|e| e.to_string())?;
    let per_interval = a.churn * a.interval_ms as u64 / 1000;
    // What varies between real connections: when each begins, its RTT, the inodes and
    // cookies other sockets take between two of them.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut random = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n.max(1)
    };
    while at + a.interval_ms <= now {
        let was = at;
        at += a.interval_ms;
        let (mut gone, mut opened) = (Vec::new(), Vec::new());
        for k in 0..per_interval {
            let t = was + (k as i64 * a.interval_ms) / per_interval as i64 + random(3) as i64;
            cookie += random(3);
            inode = inode.wrapping_add(random(3) as u32);
            port_turn = (port_turn + 1) % 14_000;
            let client = ("127.0.0.1".to_string(), 32_768 + 2 * port_turn as u16);
            let server = ("127.0.0.1".to_string(), CHURN_PORT);
            for (local, remote, acked, received) in
                [(&client, &server, 102, 2), (&server, &client, 2, 101)]
            {
                let (c, i) = next(&mut cookie, &mut inode);
                let mut s = tcp(ns, c, i, "CLOSE", false);
                s.local = Some(local.clone());
                s.remote = Some(remote.clone());
                s.counters = Some(Counters {
                    bytes_acked: acked,
                    bytes_received: received,
                    total_retrans: 0,
                    rtt_us: Some(20 + random(40) as u32),
                });
                opened.push(Opened {
                    at: t,
                    pair: (ns, s.local.clone(), s.remote.clone()),
                });
                if local.1 == CHURN_PORT {
                    let (rc, _) = next(&mut cookie, &mut inode);
                    let mut tw = tcp(ns, rc, 0, "TIME_WAIT", false);
                    tw.local = s.local.clone();
                    tw.remote = s.remote.clone();
                    tw.pid = None;
                    tw.process = None;
                    tw.program = None;
                    if let Some(old) = by_port.insert(client.1, rc) {
                        ended.insert(old);
                    }
                    remnants.push_back((t + 1 + TIME_WAIT_MS, tw));
                }
                gone.push(Gone { at: t + 1, seen: s });
            }
            made += 1;
        }
        while remnants.front().is_some_and(|(end, _)| *end <= at) {
            if let Some((_, tw)) = remnants.pop_front()
                && !ended.remove(&tw.cookie)
            {
                by_port.remove(&tw.local.as_ref().map_or(0, |l| l.1));
            }
        }
        listing.truncate(steady);
        for (end, tw) in remnants
            .iter()
            .filter(|(_, tw)| !ended.contains(&tw.cookie))
        {
            let mut tw = tw.clone();
            tw.timer_ms = Some((end - at) as u32);
            listing.push(tw);
        }
        store
            .write(at, &listing, &gone, &opened)
            .map_err(|e| e.to_string())?;
        if (at - start) % 3_600_000 < a.interval_ms {
            eprintln!("record-day: {} h", (at - start) / 3_600_000);
        }
    }
    println!("first {start}");
    println!("last {at}");
    println!("connections {made}");
    println!("bytes {}", store.used_bytes().map_err(|e| e.to_string())?);
    Ok(())
}
