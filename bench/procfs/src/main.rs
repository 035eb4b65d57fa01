//! bench/procfs-readers: our `/proc/net/tcp` reader against the `procfs` crate's.
//!
//! Writes a fixture directory (a temp dir playing `/proc`) whose `net/tcp` holds a header and
//! N lines in the kernel's exact format (`net/ipv4/tcp_ipv4.c`: full sockets, TIME_WAIT and
//! request sockets, each line padded to 149 columns by `seq_pad`), then times, alternating:
//!
//! - ours, streamed: `ProcRoot::read_table("net/tcp")` into a fresh `String`, then
//!   `procfs::for_each(…, Proto::Tcp, …)` with each `Socket` going by, as a listing does;
//! - ours, kept: the same, every `Socket` pushed into a `Vec` (procfs's output shape);
//! - procfs: `TcpNetEntries::from_buf_read(BufReader<File>)` on the same path.
//!
//! All must parse all N lines and agree with what was written on the count per state and
//! the inode sum, and the two that keep their entries on a hash over every entry's
//! addresses, ports, queues, uid and inode.
//! Peak heap and allocation calls come from a separate, untimed pass of each reader with a
//! counting allocator switched on.
//!
//! usage: rnetstat-bench-procfs [--sizes 10000,100000] [--runs 10] [--write FILE]
//! (BENCH_PROCFS_KEEP=1 in the environment keeps the fixture directory for a look.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::hash_map::DefaultHasher;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::hash::{Hash, Hasher};
use std::io::{BufReader, BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use procfs::FromBufReadSI;
use procfs::net::TcpNetEntries;
use rnetstat_diag::procfs::{ProcRoot, for_each};
use rnetstat_model::{Proto, Socket};

const BEGIN: &str = "<!-- bench/procfs: generated from here -->";
const END: &str = "<!-- bench/procfs: generated up to here -->";
const HEADING: &str = "## The /proc readers: ours against the procfs crate";

// ---------------------------------------------------------------------------------------
// Counting allocator: off (one relaxed load per call) except in the memory pass.

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
static CALLS: AtomicUsize = AtomicUsize::new(0);

fn grew(by: isize) {
    let now = LIVE.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(now, Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if COUNTING.load(Relaxed) && !p.is_null() {
            CALLS.fetch_add(1, Relaxed);
            grew(l.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        if COUNTING.load(Relaxed) {
            LIVE.fetch_sub(l.size() as isize, Relaxed);
        }
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if COUNTING.load(Relaxed) && !q.is_null() {
            CALLS.fetch_add(1, Relaxed);
            grew(new as isize - l.size() as isize);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Peak live heap bytes and allocation calls (alloc + realloc) while `f` runs.
fn measure_heap<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    LIVE.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    CALLS.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
    let out = f();
    COUNTING.store(false, Relaxed);
    (out, PEAK.load(Relaxed).max(0) as usize, CALLS.load(Relaxed))
}

// ---------------------------------------------------------------------------------------
// The fixture.

/// splitmix64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// What the fixture holds, to check both readers against.
#[derive(Debug, Default, PartialEq, Eq, Clone)]
struct Summary {
    n: usize,
    per_state: [u64; 13],
    inode_sum: u64,
    hash: u64,
}

impl Summary {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        l: (IpAddr, u16),
        r: (IpAddr, u16),
        st: u8,
        tx: u32,
        rx: u32,
        uid: u32,
        inode: u64,
    ) {
        self.n += 1;
        self.per_state[usize::from(st)] += 1;
        self.inode_sum += inode;
        let mut h = DefaultHasher::new();
        (self.hash, l, r, st, tx, rx, uid, inode).hash(&mut h);
        self.hash = h.finish();
    }
}

/// The kernel prints each `__be32` address word with `%08X` as a host-order integer.
fn word(a: Ipv4Addr) -> u32 {
    u32::from_ne_bytes(a.octets())
}

/// Writes `root/net/tcp` with a header and `n` lines; returns what it wrote.
fn write_fixture(root: &Path, n: usize) -> std::io::Result<Summary> {
    fs::create_dir_all(root.join("net"))?;
    let mut out = BufWriter::new(File::create(root.join("net/tcp"))?);
    let mut rng = Rng(0x7263_7374_6174 ^ n as u64);
    let mut sum = Summary::default();
    let hosts = [
        Ipv4Addr::new(127, 0, 0, 1),
        Ipv4Addr::new(10, 0, 3, 17),
        Ipv4Addr::new(192, 168, 1, 20),
        Ipv4Addr::new(172, 17, 0, 1),
    ];
    let services: [u16; 10] = [22, 25, 53, 80, 443, 3306, 5432, 6379, 8080, 9100];
    let uids: [u32; 7] = [0, 0, 0, 33, 101, 1000, 65534];
    let mut inode: u64 = 18_000 + rng.below(1000);
    let mut line = String::with_capacity(160);
    // seq_setwidth(seq, TMPSZ - 1) then seq_pad(seq, '\n'): every line is 149 columns.
    let emit = |line: &mut String, out: &mut BufWriter<File>| -> std::io::Result<()> {
        while line.len() < 149 {
            line.push(' ');
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        line.clear();
        Ok(())
    };
    line.push_str(
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
    );
    emit(&mut line, &mut out)?;
    for i in 0..n {
        let ptr = 0xffff_8880_0000_0000u64 | (rng.next() & 0x0000_00ff_ffff_ffc0);
        let ptr = if rng.below(4) == 0 {
            ptr
        } else {
            ptr & 0xffff_ffff
        }; // hashed %pK look
        let ephemeral = || 32768 + (i as u64 * 7919 % 28232) as u16;
        let remote = |rng: &mut Rng| match rng.below(4) {
            0 => Ipv4Addr::new(127, 0, 0, 1),
            1 => Ipv4Addr::new(10, 0, rng.below(8) as u8, 1 + rng.below(254) as u8),
            2 => Ipv4Addr::new(203, 0, 113, 1 + rng.below(254) as u8),
            _ => Ipv4Addr::new(198, 51, 100, 1 + rng.below(254) as u8),
        };
        let roll = rng.below(1000);
        // (state, kind): 'f' full socket, 't' TIME_WAIT (timewait sock), 'r' request sock.
        let (st, kind) = match roll {
            0..15 => (0x0A, 'f'),    // LISTEN
            15..600 => (0x01, 'f'),  // ESTABLISHED
            600..820 => (0x06, 't'), // TIME_WAIT
            820..850 => (0x08, 'f'), // CLOSE_WAIT
            850..870 => (0x05, 'f'), // FIN_WAIT2, socket still owned
            870..880 => (0x05, 't'), // FIN_WAIT2, orphaned: a timewait sock, substate 5
            880..900 => (0x02, 'f'), // SYN_SENT
            900..930 => (0x03, 'r'), // SYN_RECV, request sock
            930..945 => (0x04, 'f'), // FIN_WAIT1
            945..960 => (0x09, 'f'), // LAST_ACK
            960..970 => (0x0B, 'f'), // CLOSING
            970..975 => (0x07, 'f'), // CLOSE (bound, not listening)
            _ => (0x01, 'f'),
        };
        let local = rng.pick(&hosts);
        let (l, lport, r, rport) = match st {
            0x0A => {
                let a = if rng.below(3) == 0 {
                    Ipv4Addr::UNSPECIFIED
                } else {
                    local
                };
                let p = if rng.below(2) == 0 {
                    rng.pick(&services)
                } else {
                    1024 + rng.below(40000) as u16
                };
                (a, p, Ipv4Addr::UNSPECIFIED, 0)
            }
            0x07 => (local, ephemeral(), Ipv4Addr::UNSPECIFIED, 0),
            // Outgoing: ephemeral local port to a service; incoming: service to ephemeral.
            _ if rng.below(2) == 0 => (local, ephemeral(), remote(&mut rng), rng.pick(&services)),
            _ => (
                local,
                rng.pick(&services),
                remote(&mut rng),
                1024 + rng.below(64000) as u16,
            ),
        };
        let (mut tx, mut rx, uid, ino);
        match kind {
            't' => {
                // get_timewait4_sock: "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5d %8d %d %d %pK"
                (tx, rx, uid, ino) = (0, 0, 0, 0);
                let when = rng.below(6000);
                let refcnt = 3;
                write!(
                    line,
                    "{i:4}: {:08X}:{lport:04X} {:08X}:{rport:04X} {st:02X} {tx:08X}:{rx:08X} {:02X}:{when:08X} {:08X} {uid:5} {:8} {ino} {refcnt} {ptr:016x}",
                    word(l), word(r), 3, 0, 0
                )
                .unwrap();
            }
            'r' => {
                // get_openreq4: "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %u %d %pK"
                (tx, rx, ino) = (0, 0, 0);
                uid = rng.pick(&uids);
                let when = rng.below(300);
                let num_timeout = rng.below(3);
                write!(
                    line,
                    "{i:4}: {:08X}:{lport:04X} {:08X}:{rport:04X} {st:02X} {tx:08X}:{rx:08X} {:02X}:{when:08X} {num_timeout:08X} {uid:5} {:8} {ino} {} {ptr:016x}",
                    word(l), word(r), 1, 0, 0
                )
                .unwrap();
            }
            _ => {
                // get_tcp4_sock: "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %pK %lu %lu %u %u %d"
                uid = rng.pick(&uids);
                inode += 1 + rng.below(40);
                ino = inode;
                tx = 0;
                rx = 0;
                let (mut tr, mut when, mut retr) = (0u8, 0u64, 0u32);
                let (mut rto, mut ato, mut quick, mut cwnd, mut last) =
                    (201u64, 4u64, 10u32, 10u32, -1i64);
                match st {
                    0x0A => {
                        rx = rng.below(4) as u32; // accept queue
                        (rto, ato, quick, last) = (100, 0, 0, 0); // fastopen max_qlen
                    }
                    0x01 => {
                        match rng.below(10) {
                            0..6 => {}
                            6..8 => {
                                tr = 2; // keepalive, up to 2 h
                                when = rng.below(720_000);
                            }
                            8 => {
                                tr = 1; // retransmit with bytes in flight
                                tx = 1 + rng.below(65_536) as u32;
                                when = 20 + rng.below(40);
                            }
                            _ => rx = 1 + rng.below(8192) as u32,
                        }
                        rto = 201 + rng.below(100);
                        quick = rng.below(32) as u32 * 2 + (rng.below(2) as u32);
                        cwnd = 10 + rng.below(100) as u32;
                        if rng.below(3) == 0 {
                            last = 7 + rng.below(1000) as i64;
                        }
                    }
                    0x02 => {
                        tr = 1;
                        tx = 1;
                        when = 50 + rng.below(250);
                        retr = rng.below(4) as u32;
                        (rto, ato, quick, cwnd) = (100 << retr, 0, 0, 10);
                    }
                    0x04 | 0x09 | 0x0B => {
                        tr = 1;
                        tx = 1;
                        when = 10 + rng.below(200);
                        retr = rng.below(3) as u32;
                    }
                    0x05 => {
                        tr = 2;
                        when = rng.below(6000);
                    }
                    0x08 => rx = rng.below(2) as u32,
                    _ => {}
                }
                let probes = 0;
                let refcnt = if st == 0x0A { 1 } else { 2 };
                write!(
                    line,
                    "{i:4}: {:08X}:{lport:04X} {:08X}:{rport:04X} {st:02X} {tx:08X}:{rx:08X} {tr:02X}:{when:08X} {retr:08X} {uid:5} {probes:8} {ino} {refcnt} {ptr:016x} {rto} {ato} {quick} {cwnd} {last}",
                    word(l), word(r)
                )
                .unwrap();
            }
        }
        emit(&mut line, &mut out)?;
        sum.add((l.into(), lport), (r.into(), rport), st, tx, rx, uid, ino);
    }
    out.flush()?;
    Ok(sum)
}

// ---------------------------------------------------------------------------------------
// The two readers.

fn summarize_ours(v: &[Socket<'_>]) -> Summary {
    let mut s = Summary::default();
    for x in v {
        s.add(
            (x.local.addr, x.local.port),
            (x.remote.addr, x.remote.port),
            x.state as u8,
            x.send_q,
            x.recv_q,
            x.uid,
            u64::from(x.inode),
        );
    }
    s
}

fn summarize_procfs(v: &TcpNetEntries) -> Summary {
    let mut s = Summary::default();
    for x in &v.0 {
        s.add(
            (x.local_address.ip(), x.local_address.port()),
            (x.remote_address.ip(), x.remote_address.port()),
            x.state.to_u8(),
            x.tx_queue,
            x.rx_queue,
            x.uid,
            x.inode,
        );
    }
    s
}

/// Ours, as a listing reads the table: the whole file into one fresh String, then
/// `for_each`. `keep`: every `Socket` into a `Vec` (the procfs crate's output shape);
/// otherwise each record goes by, as a listing streams them to its output, and only the
/// counts checked afterwards (n, per state, inode sum) are kept.
fn run_ours(root: &ProcRoot, keep: bool) -> (Duration, Summary) {
    let t = Instant::now();
    let mut text = String::new();
    root.read_table("net/tcp", &mut text)
        .expect("ours: read net/tcp");
    let mut v = Vec::new();
    let mut seen = Summary::default();
    let mut bad = 0usize;
    for_each(
        &text,
        Proto::Tcp,
        |s| {
            if keep {
                v.push(s);
            } else {
                let s = std::hint::black_box(s);
                seen.n += 1;
                seen.per_state[s.state as usize] += 1;
                seen.inode_sum += u64::from(s.inode);
            }
            Ok(())
        },
        |_, _| bad += 1,
    )
    .expect("ours: for_each");
    let dt = t.elapsed();
    assert_eq!(bad, 0, "ours: bogus lines");
    let s = if keep {
        summarize_ours(std::hint::black_box(&v))
    } else {
        seen
    };
    (dt, s)
}

fn run_procfs(path: &Path) -> (Duration, Summary) {
    let info = procfs::current_system_info();
    let t = Instant::now();
    let f = File::open(path).expect("procfs: open net/tcp");
    let e = TcpNetEntries::from_buf_read(BufReader::new(f), info).expect("procfs: parse");
    let dt = t.elapsed();
    let s = summarize_procfs(std::hint::black_box(&e));
    (dt, s)
}

// ---------------------------------------------------------------------------------------

/// The readers, in the order of the arrays below.
const READERS: [&str; 3] = ["ours, streamed", "ours, kept in a Vec", "procfs"];

struct Row {
    n: usize,
    /// Per reader: run times in ms.
    ms: [Vec<f64>; 3],
    /// Per reader: peak live heap bytes and allocation calls.
    heap: [usize; 3],
    calls: [usize; 3],
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len().is_multiple_of(2) {
        (v[m - 1] + v[m]) / 2.0
    } else {
        v[m]
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn mib(b: usize) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `date -u +%F` from the clock (days to civil date, Howard Hinnant's algorithm).
fn today_utc() -> String {
    let days = (SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn command_line(cmd: &str, args: &[&str]) -> Option<String> {
    let o = Command::new(cmd).args(args).output().ok()?;
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

fn machine() -> String {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or("unknown memory".into(), |kb| {
            format!("{:.1} GiB", kb / 1024.0 / 1024.0)
        });
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or("unknown".into(), |s| s.trim().to_string());
    let mut m = format!("{cpu}, {cores} cores, {mem}; kernel {kernel}");
    if let Some(v) = command_line("rustc", &["--version"]) {
        let _ = write!(m, "; {v}");
    }
    if let Some(g) = command_line("git", &["rev-parse", "--short", "HEAD"]) {
        let _ = write!(m, "; rnetstat git {g}");
    }
    m
}

/// The procfs crate's version, from this bench's Cargo.lock.
fn procfs_version() -> String {
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock");
    let text = fs::read_to_string(lock).unwrap_or_default();
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        if l.trim() == "name = \"procfs\""
            && let Some(v) = lines
                .next()
                .and_then(|v| v.trim().strip_prefix("version = "))
        {
            return v.trim_matches('"').to_string();
        }
    }
    "unknown".into()
}

fn section(rows: &[Row], runs: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Measured {} by `bench/procfs-readers --runs {runs}`.",
        today_utc()
    );
    let _ = writeln!(
        s,
        "Machine: {}; procfs crate {}.",
        machine(),
        procfs_version()
    );
    s.push('\n');
    let _ = writeln!(
        s,
        "A fixture `net/tcp` (a temp dir playing `/proc`) holds a header and N lines in the kernel's \
         format, padded to 149 columns as the kernel pads them: ESTABLISHED and TIME_WAIT mostly, \
         1.5% listeners, and SYN_SENT, SYN_RECV (request sockets), FIN_WAIT1/2, CLOSE_WAIT, \
         LAST_ACK, CLOSING and CLOSE. \
         Ours is what a `/proc` listing runs: `ProcRoot::read_table` into one fresh `String`, then \
         `procfs::for_each(…, Proto::Tcp, …)`; *streamed*, each `Socket` goes by as a listing \
         passes it to its output; *kept*, every `Socket` is pushed into a `Vec`, the procfs \
         crate's output shape. The procfs crate's is `TcpNetEntries::from_buf_read(BufReader<File>)`, \
         which returns a `Vec<TcpNetEntry>`. Each timing includes opening and reading the file. \
         {runs} runs each, alternating (the order rotates every round, after one warm-up each); \
         times are medians of wall time. All readers parsed all N lines and agreed with the \
         fixture on the count per state and the inode sum, and the kept ones on a hash over every \
         entry's addresses, ports, queues, uid and inode. Heap is the peak of live bytes in a \
         separate untimed pass with a counting allocator; allocations count alloc and realloc calls. \
         A `Socket` is {} bytes, a `TcpNetEntry` {}.",
        std::mem::size_of::<Socket<'static>>(),
        std::mem::size_of::<procfs::net::TcpNetEntry>()
    );
    s.push('\n');
    s.push_str(
        "| N | ours median ms | procfs median ms | procfs/ours | ours kept median ms | procfs/ours kept |\n",
    );
    s.push_str("|---:|---:|---:|---:|---:|---:|\n");
    for r in rows {
        let (o, k, p) = (median(&r.ms[0]), median(&r.ms[1]), median(&r.ms[2]));
        let _ = writeln!(
            s,
            "| {} | {o:.2} | {p:.2} | {:.2} | {k:.2} | {:.2} |",
            thousands(r.n),
            p / o,
            p / k
        );
    }
    s.push('\n');
    s.push_str("| N | peak heap MiB: ours | ours kept | procfs | allocations: ours | ours kept | procfs |\n");
    s.push_str("|---:|---:|---:|---:|---:|---:|---:|\n");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {:.1} | {:.1} | {:.1} | {} | {} | {} |",
            thousands(r.n),
            mib(r.heap[0]),
            mib(r.heap[1]),
            mib(r.heap[2]),
            thousands(r.calls[0]),
            thousands(r.calls[1]),
            thousands(r.calls[2])
        );
    }
    s.push('\n');
    s.push_str(
        "What each keeps: ours decodes every column up to the inode, the timer included \
         (`tr`, `tm->when`, `retrnsmt` become the record's `Timer`), checks that both addresses \
         are of one family and rejects unknown states and bad lines with a reason, which the \
         listing reports and skips; the procfs crate skips the timer columns, keeps the inode as \
         a `u64` (ours `u32`), and fails the whole table on the first bad line. Neither reads the \
         columns after the inode.\n",
    );
    s
}

fn write_doc(file: &Path, body: &str) -> std::io::Result<()> {
    let old = fs::read_to_string(file).unwrap_or_default();
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if b < e => {
            format!("{}{BEGIN}\n{body}{}", &old[..b], &old[e..])
        }
        _ => {
            let mut s = old;
            if !s.is_empty() && !s.ends_with('\n') {
                s.push('\n');
            }
            if !s.is_empty() {
                s.push('\n');
            }
            let _ = write!(s, "{HEADING}\n\n{BEGIN}\n{body}{END}\n");
            s
        }
    };
    fs::write(file, new)
}

/// Removes the fixture directory on every exit path.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("BENCH_PROCFS_KEEP").is_some() {
            eprintln!("fixture kept in {}", self.0.display());
            return;
        }
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn usage() -> ! {
    eprintln!("usage: bench/procfs-readers [--sizes 10000,100000] [--runs 10] [--write FILE]");
    std::process::exit(2);
}

fn main() {
    let mut sizes = vec![10_000usize, 100_000];
    let mut runs = 10usize;
    let mut write_to: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--runs" => runs = val().parse().unwrap_or_else(|_| usage()),
            "--sizes" => {
                sizes = val()
                    .split(',')
                    .map(|x| x.replace('_', "").parse().unwrap_or_else(|_| usage()))
                    .collect()
            }
            "--write" => write_to = Some(PathBuf::from(val())),
            "-h" | "--help" => usage(),
            _ => usage(),
        }
    }
    if runs == 0 || sizes.is_empty() {
        usage();
    }

    let tmp =
        TempDir(std::env::temp_dir().join(format!("rnetstat-bench-procfs.{}", std::process::id())));
    let mut rows = Vec::new();
    for &n in &sizes {
        let dir = tmp.0.join(format!("n{n}"));
        let expected = write_fixture(&dir, n).expect("write fixture");
        assert_eq!(expected.n, n);
        let root = ProcRoot(dir.clone());
        let path = dir.join("net/tcp");
        let run = |k: usize| -> Duration {
            let (d, s) = match k {
                0 => run_ours(&root, false),
                1 => run_ours(&root, true),
                _ => run_procfs(&path),
            };
            if k == 0 {
                let quick = Summary {
                    hash: 0,
                    ..expected.clone()
                };
                assert_eq!(s, quick, "{}: disagrees with the fixture", READERS[k]);
            } else {
                assert_eq!(s.n, n, "{}: entries", READERS[k]);
                assert_eq!(s, expected, "{}: disagrees with the fixture", READERS[k]);
            }
            d
        };

        // Warm-up (page cache, allocator), checked.
        for k in 0..3 {
            run(k);
        }
        // Alternating; the order rotates every round.
        let mut times: [Vec<f64>; 3] = Default::default();
        for r in 0..runs {
            for j in 0..3 {
                let k = (r + j) % 3;
                times[k].push(ms(run(k)));
            }
        }
        let (mut heap, mut calls) = ([0; 3], [0; 3]);
        for k in 0..3 {
            let (_, h, c) = measure_heap(|| run(k));
            (heap[k], calls[k]) = (h, c);
        }

        let size = fs::metadata(&path).map_or(0, |m| m.len());
        let row = Row {
            n,
            ms: times,
            heap,
            calls,
        };
        println!(
            "N = {} ({:.1} MiB file; states {:?})",
            thousands(n),
            mib(size as usize),
            expected
                .per_state
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(s, c)| format!("{s:02X}:{c}"))
                .collect::<Vec<_>>()
        );
        let fmt = |v: &[f64]| {
            v.iter()
                .map(|x| format!("{x:.2}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        for k in 0..3 {
            println!(
                "  {:<20} median {:8.2} ms  peak heap {:6.1} MiB  {:>9} allocations  runs: {}",
                READERS[k],
                median(&row.ms[k]),
                mib(heap[k]),
                thousands(calls[k]),
                fmt(&row.ms[k])
            );
        }
        let p = median(&row.ms[2]);
        println!(
            "  procfs/ours: {:.2} (streamed), {:.2} (kept in a Vec)",
            p / median(&row.ms[0]),
            p / median(&row.ms[1])
        );
        rows.push(row);
    }

    let body = section(&rows, runs);
    println!();
    print!("{body}");
    if let Some(f) = write_to {
        write_doc(&f, &body).expect("write the doc");
        println!("\nwrote {}", f.display());
    }
}
