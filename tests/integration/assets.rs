//! The committed man page and completions are what cli.rs generates today.

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
