//! The man page and shell completions, generated from the clap definition in `cli.rs`.
//! They are committed under `man/` and `completions/`; a test fails when they are stale,
//! and `cargo run --example gen-assets` rewrites them.

use clap_complete::Shell;

/// Every generated file: (path relative to the repo root, contents).
pub fn render() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let cmd = crate::cli::command();
    let mut man = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = clap_mangen::Man::new(cmd.clone()).render(&mut man);
    files.push(("man/rnetstat.1".to_string(), man));
    // The subcommands' pages the main page refers to (`rnetstat-stack(1)`, …).
    for sub in cmd.get_subcommands() {
        let name = format!("rnetstat-{}", sub.get_name());
        let page = sub
            .clone()
            .name(name.clone())
            .bin_name(format!("rnetstat {}", sub.get_name()));
        let mut man = Vec::new();
        let _ = clap_mangen::Man::new(page).render(&mut man);
        files.push((format!("man/{name}.1"), man));
    }
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        let mut c = cmd.clone();
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut c, "rnetstat", &mut buf);
        let name = match shell {
            Shell::Bash => "rnetstat.bash",
            Shell::Zsh => "_rnetstat",
            Shell::Fish => "rnetstat.fish",
            Shell::Elvish => "rnetstat.elv",
            _ => "_rnetstat.ps1",
        };
        files.push((format!("completions/{name}"), buf));
    }
    files
}
