//! The committed man page and completions are what cli.rs generates today; the committed
//! BPF object is what its source builds.

#[test]
fn man_page_and_completions_are_current() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (rel, want) in rnetstat::assets::render() {
        let have = std::fs::read(root.join(&rel)).unwrap_or_default();
        assert!(
            have == want,
            "{rel} is stale: run `cargo run --example gen-assets` and commit"
        );
    }
}

/// The committed BPF object was built from the committed source: scripts/build-bpf writes
/// the source's SHA-256 beside the object.
#[test]
fn the_bpf_object_is_built_from_its_source() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/trace/bpf");
    let out = std::process::Command::new("sha256sum")
        .arg(dir.join("events.bpf.c"))
        .output()
        .expect("sha256sum");
    let source = String::from_utf8(out.stdout).unwrap();
    let source = source.split_whitespace().next().unwrap();
    let built = std::fs::read_to_string(dir.join("events.bpf.o.source")).unwrap_or_default();
    assert_eq!(
        built.trim(),
        source,
        "crates/trace/bpf/events.bpf.o is stale: run scripts/build-bpf and commit"
    );
    assert!(dir.join("events.bpf.o").metadata().unwrap().len() > 0);
}
