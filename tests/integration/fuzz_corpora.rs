//! Every committed fuzz corpus input (and every crash found, kept as a regression) through
//! its target's entry point, on every CI run: `fuzz/corpus/NAME/*`, `fuzz/regressions/NAME/*`.

use std::path::Path;

use rnetstat_diag::fuzzing::Entry;

/// (target, entry): every fuzz target of `fuzz/` and `fuzz/stack/`.
fn targets() -> Vec<(&'static str, Entry)> {
    let mut t = rnetstat_diag::fuzzing::TARGETS.to_vec();
    t.extend([
        ("filter", rnetstat_filter::fuzzing::differential as Entry),
        ("lab_script", |d| {
            let _ = rnetstat::lab::script::parse(&String::from_utf8_lossy(d));
        }),
        ("http_request", |d| {
            let _ = rnetstat::exporter::http::parse(d);
        }),
        ("stack_packet", |d| {
            let _ = rnetstat_stack::packet::parse(d);
        }),
        ("stack_input", rnetstat_stack::fuzz::fuzz_one),
        ("control_request", |d| {
            let _ = rnetstat_stack::control::parse_request(&String::from_utf8_lossy(d));
        }),
    ]);
    t
}

#[test]
fn corpora_replay_without_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut per_target = Vec::new();
    for (name, entry) in targets() {
        let mut n = 0;
        for dir in ["corpus", "regressions"] {
            let Ok(rd) = std::fs::read_dir(root.join(dir).join(name)) else {
                continue;
            };
            for e in rd.flatten() {
                if let Ok(data) = std::fs::read(e.path()) {
                    entry(&data);
                    n += 1;
                }
            }
        }
        per_target.push((name, n));
    }
    let empty: Vec<_> = per_target.iter().filter(|(_, n)| *n == 0).collect();
    assert!(empty.is_empty(), "targets with no corpus: {empty:?}");
}
