//! Regenerates `man/` and `completions/` from the clap definition: `cargo run --example gen-assets`.

use std::fs;
use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (rel, bytes) in rnetstat::assets::render() {
        let path = root.join(rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(&path, bytes)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
