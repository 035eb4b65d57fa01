use super::*;
use rustix::fs::CWD;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};

fn count(dir: &Path) -> usize {
    std::fs::read_dir(dir).unwrap().count()
}

#[test]
fn a_new_file_is_written_and_ours_replaced_whole() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("out.prom");
    let f = OutFile::new(&p).mode(0o600);
    f.write(|w| w.write_all(b"one\n")).unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "one\n");
    assert_eq!(std::fs::metadata(&p).unwrap().mode() & 0o777, 0o600);
    f.write(|w| w.write_all(b"two\n")).unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "two\n");
    // A failed body leaves the old file and no temporary one.
    let r = f.write(|_| Err(io::Error::other("boom")));
    assert!(r.unwrap_err().to_string().ends_with(": boom"));
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "two\n");
    assert_eq!(count(d.path()), 1);
}

#[test]
fn a_symlink_at_the_path_is_not_followed_nor_replaced() {
    // Guards against root's write landing in the file a planted symlink points to.
    let d = tempfile::tempdir().unwrap();
    let victim = d.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    let p = d.path().join("out");
    std::os::unix::fs::symlink(&victim, &p).unwrap();
    let e = OutFile::new(&p).write(|w| w.write_all(b"x")).unwrap_err();
    assert!(matches!(e.why, Why::NotRegular("a symbolic link")), "{e}");
    assert!(e.to_string().contains("not replaced"), "{e}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(
        std::fs::symlink_metadata(&p)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(count(d.path()), 2);
}

#[test]
fn a_fifo_at_the_path_neither_hangs_nor_is_replaced() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("fifo");
    rustix::fs::mknodat(CWD, &p, FileType::Fifo, Mode::from_raw_mode(0o600), 0).unwrap();
    let f = OutFile::new(&p).magic(b"MAGIC");
    assert!(matches!(
        f.write(|w| w.write_all(b"x")).unwrap_err().why,
        Why::NotRegular("a FIFO")
    ));
    assert!(matches!(
        f.read(1024).unwrap_err().why,
        Why::NotRegular("a FIFO")
    ));
    assert!(std::fs::symlink_metadata(&p).unwrap().file_type().is_fifo());
}

#[test]
fn a_device_is_not_replaced() {
    let p = Path::new("/dev/null");
    let e = OutFile::new(p).check().unwrap_err();
    assert!(
        matches!(e.why, Why::NotRegular("a character device")),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "cannot write /dev/null: a character device is there, not a regular file; not replaced"
    );
}

#[test]
fn a_file_without_our_header_is_not_ours() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("passwd");
    std::fs::write(&p, "root:x:0:0::/root:/bin/sh\n").unwrap();
    let f = OutFile::new(&p).magic(b"rnetstat-x 1\n");
    assert!(matches!(
        f.write(|w| w.write_all(b"x")).unwrap_err().why,
        Why::NotOurs
    ));
    assert!(matches!(f.read(1 << 20).unwrap_err().why, Why::NotOurs));
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        "root:x:0:0::/root:/bin/sh\n"
    );
    // With the header it is ours: read back, and replaced.
    std::fs::write(&p, "rnetstat-x 1\nold\n").unwrap();
    assert_eq!(f.read(1 << 20).unwrap().unwrap(), b"rnetstat-x 1\nold\n");
    f.write(|w| w.write_all(b"rnetstat-x 1\nnew\n")).unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "rnetstat-x 1\nnew\n");
    // Bounded.
    assert!(matches!(f.read(4).unwrap_err().why, Why::TooLarge(4)));
}

#[test]
fn nothing_there_reads_as_none() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("none");
    assert!(OutFile::new(&p).read(10).unwrap().is_none());
    let p = d.path().join("no/such/dir/none");
    assert!(OutFile::new(&p).read(10).unwrap().is_none());
}

#[test]
fn a_missing_directory_says_cannot_write() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("missing/r.prom");
    let e = OutFile::new(&p).check().unwrap_err();
    let text = e.to_string();
    assert!(text.starts_with("cannot write "), "{text}");
    assert!(
        text.ends_with("/missing: No such file or directory"),
        "{text}"
    );
    for bad in ["", "/", "dir/", ".."] {
        let e = OutFile::new(Path::new(bad)).check().unwrap_err();
        assert!(matches!(e.why, Why::NoFileName), "{bad:?}: {e}");
    }
}

#[test]
fn a_file_of_another_owner_is_not_replaced() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped: needs root to give a file to another user");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("theirs");
    std::fs::write(&p, "theirs\n").unwrap();
    std::os::unix::fs::chown(&p, Some(65534), Some(65534)).unwrap();
    let e = OutFile::new(&p).write(|w| w.write_all(b"x")).unwrap_err();
    assert!(matches!(e.why, Why::NotOwner(65534)), "{e}");
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "theirs\n");
}

#[test]
fn planted_names_in_a_shared_directory_are_never_opened() {
    // A directory anyone can write to, full of symlinks at the names a predictable writer
    // would use: every write still lands in a fresh file of its own.
    let d = tempfile::tempdir().unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    let victim = d.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    let me = std::process::id();
    for pid in me..me + 50 {
        let name = d.path().join(format!(".r.prom.{pid}.tmp"));
        std::os::unix::fs::symlink(&victim, name).unwrap();
    }
    let p = d.path().join("r.prom");
    for _ in 0..20 {
        OutFile::new(&p).write(|w| w.write_all(b"ok\n")).unwrap();
    }
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "ok\n");
    assert_eq!(count(d.path()), 52);
}

#[test]
fn read_limited_stops_one_byte_past_the_limit() {
    assert_eq!(read_limited(&b"abc"[..], 3).unwrap(), b"abc");
    assert!(matches!(
        read_limited(&b"abcd"[..], 3),
        Err(Limited::TooLarge)
    ));
    // An endless source stops too.
    assert!(matches!(
        read_limited(io::repeat(0), 1 << 20),
        Err(Limited::TooLarge)
    ));
}

#[test]
fn a_replaced_file_keeps_its_permissions() {
    // Guards against `metrics -o` turning a 0600 file into a 0644 one.
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("private.prom");
    std::fs::write(&p, "old\n").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    OutFile::new(&p).write(|w| w.write_all(b"new\n")).unwrap();
    assert_eq!(std::fs::metadata(&p).unwrap().mode() & 0o777, 0o600);
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "new\n");
}

#[test]
fn directory_links_are_followed_only_when_root_or_we_own_them() {
    // Guards against a link another user planted on the way (`sticky/coll -> rootonly/`).
    let d = tempfile::tempdir().unwrap();
    let real = d.path().join("real");
    std::fs::create_dir(&real).unwrap();
    let ours = d.path().join("ours");
    std::os::unix::fs::symlink("real", &ours).unwrap();
    OutFile::new(&ours.join("f"))
        .write(|w| w.write_all(b"x"))
        .unwrap();
    assert_eq!(std::fs::read_to_string(real.join("f")).unwrap(), "x");
    // An absolute link, and a chain of two.
    let abs = d.path().join("abs");
    std::os::unix::fs::symlink(&ours, &abs).unwrap();
    OutFile::new(&abs.join("g"))
        .write(|w| w.write_all(b"y"))
        .unwrap();
    assert_eq!(std::fs::read_to_string(real.join("g")).unwrap(), "y");
    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped the foreign link: needs root to give a link to another user");
        return;
    }
    let theirs = d.path().join("theirs");
    std::os::unix::fs::symlink(&real, &theirs).unwrap();
    std::os::unix::fs::lchown(&theirs, Some(65534), Some(65534)).unwrap();
    let e = OutFile::new(&theirs.join("victim")).check().unwrap_err();
    assert!(matches!(e.why, Why::ForeignLink(_, 65534)), "{e}");
    assert!(
        e.to_string()
            .contains("symbolic link of uid 65534's; not followed"),
        "{e}"
    );
    assert!(!real.join("victim").exists());
}
