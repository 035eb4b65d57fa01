//! Loading the BPF object, attaching its programs, reading the ring buffer. Everything is
//! released when the [`Tracer`] is dropped (its links and maps are file descriptors; nothing
//! is pinned), and by the kernel when the process ends however it ends.

use std::time::{Duration, SystemTime};

use aya::maps::{Array, MapData, RingBuf};
use aya::programs::RawTracePoint;
use aya::{Ebpf, EbpfLoader};

use crate::event::{Event, View};

/// The object scripts/build-bpf made from bpf/events.bpf.c.
static OBJECT: &[u8] = aya::include_bytes_aligned!("../bpf/events.bpf.o");

/// The raw tracepoints, in the order of [`PROGRAMS`].
pub const TRACEPOINTS: [&str; 5] = [
    PROGRAMS[0].1,
    PROGRAMS[1].1,
    PROGRAMS[2].1,
    PROGRAMS[3].1,
    PROGRAMS[4].1,
];

/// The programs in the object and the raw tracepoints they attach to.
const PROGRAMS: [(&str, &str); 5] = [
    ("retransmit", "tcp_retransmit_skb"),
    ("reset_sent", "tcp_send_reset"),
    ("reset_received", "tcp_receive_reset"),
    ("drop", "kfree_skb"),
    ("state", "inet_sock_set_state"),
];

/// Why tracing is not possible here, said once to the user.
#[derive(Debug)]
pub struct Unavailable(pub String);

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub struct Tracer {
    // Dropped last: the programs and their links.
    _bpf: Ebpf,
    ring: RingBuf<MapData>,
    lost: Array<MapData, u64>,
    /// The tracepoints that could not be attached (an older kernel), by name.
    pub missing: Vec<&'static str>,
    /// CLOCK_REALTIME − CLOCK_MONOTONIC at start, to put wall-clock times on events.
    offset: Duration,
}

impl Tracer {
    /// Loads the object and attaches every program whose tracepoint the kernel has. Fails
    /// (with what is missing) when none attaches: no privilege (root, or CAP_BPF with
    /// CAP_PERFMON), no BPF, or no such tracepoints.
    pub fn start() -> Result<Tracer, Unavailable> {
        Tracer::attach(&TRACEPOINTS)
    }

    /// [`Tracer::start`] with only the programs of `tracepoints` (others are not loaded).
    pub fn attach(tracepoints: &[&str]) -> Result<Tracer, Unavailable> {
        let mut bpf = EbpfLoader::new().load(OBJECT).map_err(|e| {
            Unavailable(format!(
                "the tracer's BPF programs cannot be loaded ({e}); tracing needs root \
                 (or CAP_BPF and CAP_PERFMON) and a kernel with BTF"
            ))
        })?;
        let mut missing = Vec::new();
        let mut why = None;
        let wanted: Vec<_> = PROGRAMS
            .iter()
            .filter(|(_, tp)| tracepoints.contains(tp))
            .collect();
        for &&(name, tp) in &wanted {
            let attached = (|| -> Result<(), String> {
                let p: &mut RawTracePoint = bpf
                    .program_mut(name)
                    .ok_or("not in the object")?
                    .try_into()
                    .map_err(|e| format!("{e}"))?;
                p.load().map_err(|e| format!("{e}"))?;
                p.attach(tp).map_err(|e| format!("{e}"))?;
                Ok(())
            })();
            if let Err(e) = attached {
                if std::env::var_os("RNETSTAT_TRACE_DEBUG").is_some() {
                    eprintln!("{name}: {e}");
                }
                missing.push(tp);
                why = Some(e);
            }
        }
        if missing.len() == wanted.len() {
            return Err(Unavailable(format!(
                "no tracepoint could be attached ({}); tracing needs root (or CAP_BPF and \
                 CAP_PERFMON) and the tcp, skb and sock tracepoints",
                why.unwrap_or_default()
            )));
        }
        let ring = bpf
            .take_map("EVENTS")
            .ok_or_else(|| Unavailable("the object has no EVENTS map".into()))
            .and_then(|m| RingBuf::try_from(m).map_err(|e| Unavailable(e.to_string())))?;
        let lost = bpf
            .take_map("LOST")
            .ok_or_else(|| Unavailable("the object has no LOST map".into()))
            .and_then(|m| Array::try_from(m).map_err(|e| Unavailable(e.to_string())))?;
        let mono = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
        let mono = Duration::new(mono.tv_sec as u64, mono.tv_nsec as u32);
        let real = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        Ok(Tracer {
            _bpf: bpf,
            ring,
            lost,
            missing,
            offset: real.saturating_sub(mono),
        })
    }

    /// Waits up to `timeout` for events; whether some are there.
    pub fn wait(&self, timeout: Duration) -> bool {
        use std::os::fd::AsRawFd;
        rnetstat_sys::readable(self.ring.as_raw_fd(), timeout)
    }

    /// Every event waiting, in the order the kernel wrote them; records that do not decode
    /// are skipped.
    pub fn read(&mut self, mut each: impl FnMut(Event)) {
        while let Some(item) = self.ring.next() {
            if let Some(e) = View::new_checked(&item).and_then(|v| v.event()) {
                each(e);
            }
        }
    }

    /// Events the kernel had no room for (the ring buffer was full), since the start.
    pub fn lost(&self) -> u64 {
        self.lost.get(&0, 0).unwrap_or(0)
    }

    /// An event's time on the wall clock.
    pub fn wall_time(&self, time_ns: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + self.offset + Duration::from_nanos(time_ns)
    }
}
