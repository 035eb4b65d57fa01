//! The Debian package: built with cargo-deb from `[package.metadata.deb]`, installed with
//! `dpkg -i` on the machine (CI runs as root), used as a user would, then removed.
//!
//! The package is made from the binary this test run built (copied where cargo-deb looks
//! for a release build, with `--no-build`), so the test checks the package's layout and
//! metadata without a second, optimised build; `scripts/package` makes the real one.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{self, BIN};

/// Removes the package when the test ends, whether it passed or not.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = Command::new("dpkg").args(["-r", "rnetstat"]).output();
    }
}

fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Why the machine's dpkg cannot be used, if it cannot.
fn unusable() -> Option<&'static str> {
    if !common::is_root() {
        return Some("dpkg -i needs root");
    }
    let have = |tool: &str, arg: &str| Command::new(tool).arg(arg).output().is_ok();
    if !have("dpkg", "--version") || !have("man", "--version") {
        return Some("dpkg or man is not installed");
    }
    if !have("cargo-deb", "--version") {
        return Some("cargo-deb is not installed (scripts/install-test-deps)");
    }
    let installed = Command::new("dpkg-query")
        .args(["-W", "-f", "${Status}", "rnetstat"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("installed"));
    if installed || Path::new("/usr/bin/rnetstat").exists() {
        return Some("an rnetstat is already installed here; the test leaves it alone");
    }
    None
}

#[test]
fn debian_package_installs_runs_and_removes() {
    if let Some(why) = unusable() {
        eprintln!("skipping debian_package_installs_runs_and_removes: {why}");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("target");
    std::fs::create_dir_all(target.join("release")).unwrap();
    std::fs::copy(BIN, target.join("release/rnetstat")).unwrap();
    let out = tmp.path().join("deb");
    ok(Command::new("cargo-deb")
        .args(["--no-build", "--fast", "-q", "-o"])
        .arg(&out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CARGO_TARGET_DIR", &target));
    let deb: PathBuf = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .expect("cargo-deb wrote no .deb");
    let fields = ok(Command::new("dpkg-deb").args(["-f"]).arg(&deb));
    assert!(fields.contains("Package: rnetstat\n"), "{fields}");
    assert!(
        fields.contains(&format!("Version: {}-1\n", env!("CARGO_PKG_VERSION"))),
        "{fields}"
    );
    assert!(fields.contains("Section: net\n"), "{fields}");

    let _installed = Installed;
    ok(Command::new("dpkg").arg("-i").arg(&deb));

    // The installed binary sees a listener this test holds on loopback, in its state.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let tan = ok(Command::new("/usr/bin/rnetstat").arg("-tan"));
    assert!(
        tan.starts_with("Active Internet connections (servers and established)\n"),
        "{tan}"
    );
    let mine = format!("127.0.0.1:{port}");
    assert!(
        tan.lines()
            .any(|l| l.split_whitespace().nth(3) == Some(&mine) && l.trim_end().ends_with("LISTEN")),
        "{mine} LISTEN not in:\n{tan}"
    );
    let man = ok(Command::new("man").args(["-w", "rnetstat"]));
    assert_eq!(man.trim(), "/usr/share/man/man1/rnetstat.1.gz");
    // Every page the main page refers to is installed.
    let main_page = std::fs::read_to_string("man/rnetstat.1").unwrap();
    let mut seen = 0;
    for sub in [
        "stack", "compare", "lab", "metrics", "serve", "watch", "top", "help", "explain", "record",
    ] {
        let page = format!("rnetstat\\-{sub}(1)");
        assert!(main_page.contains(&page), "man/rnetstat.1 lacks {page}");
        let path = ok(Command::new("man").args(["-w", &format!("rnetstat-{sub}")]));
        assert_eq!(
            path.trim(),
            format!("/usr/share/man/man1/rnetstat-{sub}.1.gz")
        );
        seen += 1;
    }
    assert_eq!(seen, 10);
    for (path, shows) in [
        (
            "/usr/share/bash-completion/completions/rnetstat",
            "_rnetstat",
        ),
        (
            "/usr/share/zsh/vendor-completions/_rnetstat",
            "#compdef rnetstat",
        ),
        (
            "/usr/share/fish/vendor_completions.d/rnetstat.fish",
            "complete -c rnetstat",
        ),
    ] {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(text.contains(shows), "{path} lacks {shows:?}");
    }
    // The recorder's unit is shipped, and nothing enabled it.
    let unit = std::fs::read_to_string("/usr/lib/systemd/system/rnetstat-record.service")
        .expect("the recorder's systemd unit");
    assert!(
        unit.contains("ExecStart=/usr/bin/rnetstat record"),
        "{unit}"
    );
    assert!(
        !Path::new("/etc/systemd/system/multi-user.target.wants/rnetstat-record.service").exists(),
        "not enabled by default"
    );
    for doc in ["README.md", "json.md", "history.md", "copyright"] {
        let p = Path::new("/usr/share/doc/rnetstat").join(doc);
        assert!(p.exists(), "{} missing", p.display());
    }
    let owned = ok(Command::new("dpkg").args(["-S", "/usr/bin/rnetstat"]));
    assert!(owned.starts_with("rnetstat: "), "{owned}");

    drop(_installed);
    assert!(
        !Path::new("/usr/bin/rnetstat").exists(),
        "dpkg -r left the binary"
    );
    assert!(!Path::new("/usr/share/man/man1/rnetstat.1.gz").exists());
}
