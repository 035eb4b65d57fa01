//! Release builds of the binary lay out the functions a listing runs side by side
//! (`build/symbol-order.txt`, made by `scripts/order-symbols`), so the few hundred kilobytes
//! of code a run touches sit in a few pages instead of being spread over the whole text:
//! the kernel maps file pages 64 KiB around each fault, so scattered code costs resident
//! memory (docs/PERFORMANCE.md, "Memory"). Only with the x86-64 GNU target, whose default
//! linker (rust-lld) takes an ordering file; `RNETSTAT_SYMBOL_ORDER=0` turns it off.
//! A stale file only orders less: unknown names are skipped without a warning. Names carry
//! the crate's hash, which changes with any change to the dependencies (adding `itoa` left
//! 169 of 453 names valid and put 0.9 MiB back in resident memory), so regenerate it after
//! one; `bench/scale` warns when fewer than 90% of the names are found.

fn main() {
    println!("cargo:rerun-if-changed=build/symbol-order.txt");
    println!("cargo:rerun-if-env-changed=RNETSTAT_SYMBOL_ORDER");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("PROFILE") != "release"
        || var("TARGET") != "x86_64-unknown-linux-gnu"
        || var("RNETSTAT_SYMBOL_ORDER") == "0"
    {
        return;
    }
    let file = std::path::Path::new(&var("CARGO_MANIFEST_DIR")).join("build/symbol-order.txt");
    if file.exists() {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            file.display()
        );
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}
