//! `serve`'s count of the kernel's events: the tracer of `rnetstat-trace` on its own
//! thread, each drop, reset and retransmit added to the exporter's counters under its
//! namespace's labels (namespaces not selected are not counted; the list is looked for
//! again every 5 s).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::exporter::exporter::log;
use crate::exporter::kernel_events::{Counted, KernelEvents};
use crate::exporter::metrics::{container_label, netns_label};
use crate::hash::Map;
use crate::source::containers::RuntimeFiles;
use crate::source::netns::{self, Target};
use crate::source::procfs::ProcRoot;
use crate::trace::{Kind, Reasons, RetransmitKind, Tracer};

/// How often the namespaces are looked for again.
const REFRESH: Duration = Duration::from_secs(5);

/// Starts counting into a new table, or says (once, in the log) why the kernel's events
/// are not counted.
pub fn start(target: &Target, proc_root: &ProcRoot) -> Option<Arc<Mutex<KernelEvents>>> {
    let tracer = match Tracer::attach(&[
        "tcp_retransmit_skb",
        "tcp_send_reset",
        "tcp_receive_reset",
        "kfree_skb",
    ]) {
        Ok(t) => t,
        Err(e) => {
            log(&format!(
                "rnetstat_drops_total, rnetstat_resets_total and rnetstat_retransmits_total \
                 are not served: {e}"
            ));
            return None;
        }
    };
    let counts = Arc::new(Mutex::new(KernelEvents::default()));
    let (into, target, proc_root) = (Arc::clone(&counts), target.clone(), proc_root.clone());
    std::thread::spawn(move || count(tracer, &into, &target, &proc_root));
    Some(counts)
}

fn count(mut tracer: Tracer, into: &Mutex<KernelEvents>, target: &Target, proc_root: &ProcRoot) {
    let reasons = Reasons::from_kernel();
    let mut labels: Map<u64, (String, String)> = Map::default();
    let mut looked = None::<Instant>;
    let mut batch = Vec::new();
    let mut lost_told = 0;
    loop {
        if looked.is_none_or(|t| t.elapsed() >= REFRESH) {
            if let Ok(spaces) = netns::select(target, proc_root, &mut RuntimeFiles::new("/"), true)
            {
                labels = spaces
                    .iter()
                    .map(|s| (s.ns.inode, (netns_label(&s.ns), container_label(&s.ns))))
                    .collect();
            }
            looked = Some(Instant::now());
        }
        tracer.wait(Duration::from_millis(500));
        tracer.read(|e| batch.push(e));
        let mut c = into.lock().unwrap_or_else(|p| p.into_inner());
        for e in batch.drain(..) {
            let Some((ns, ct)) = labels.get(&u64::from(e.netns)) else {
                continue;
            };
            match e.kind {
                Kind::Drop => c.add(Counted::Drop, &reasons.drop(e.reason), ns, ct, 1),
                Kind::ResetSent => c.add(Counted::ResetSent, &reasons.reset(e.reason), ns, ct, 1),
                Kind::ResetReceived => c.add(Counted::ResetReceived, "", ns, ct, 1),
                Kind::Retransmit => c.add(
                    Counted::Retransmit,
                    RetransmitKind::of(e.ca_state).name(),
                    ns,
                    ct,
                    u64::from(e.reason),
                ),
                Kind::State => {}
            }
        }
        drop(c);
        let lost = tracer.lost();
        if lost > lost_told {
            log(&format!(
                "warning: {} kernel events lost (they came faster than they were read); \
                 the counters are short by that many",
                lost - lost_told
            ));
            lost_told = lost;
        }
    }
}
