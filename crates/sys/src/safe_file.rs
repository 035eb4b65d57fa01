//! The one way rnetstat writes a file (the `-s --delta` history, `metrics --output`, the
//! lab's pcapng and SVG, whatever comes next), and reads back a file it wrote.
//!
//! rnetstat runs as root, often in directories others can write to (a textfile collector's
//! directory is commonly group-writable), so a write must not be turned against a file it
//! was not meant for:
//!
//! - the new content goes to a temporary file created with `O_CREAT|O_EXCL|O_NOFOLLOW` in
//!   the target's own directory (a name planted there, symlink or not, is never opened: the
//!   next random name is tried), is `fsync`ed, and is renamed over the target, so a reader
//!   never sees half of it;
//! - the target, if it exists, must be a regular file (not a symlink, a device, a FIFO or a
//!   directory), owned by the user writing, and, for a file with a [`OutFile::magic`]
//!   header, start with that header: what is not ours is never replaced;
//! - every open is `O_NONBLOCK`, so a FIFO planted at a path cannot hang the command.
//!
//! [`OutFile::check`] makes the same checks without writing, so a command that runs for a
//! while (the lab) can refuse a bad path before it starts rather than after.

use std::ffi::OsStr;
use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

/// How many temporary names are tried before giving up (each one taken means a name
/// someone else created in the directory, between our random pick and our open).
const TEMP_TRIES: usize = 64;

/// A file to be written safely: its path, its mode, and the header that marks it as ours.
#[derive(Debug, Clone, Copy)]
pub struct OutFile<'a> {
    path: &'a Path,
    mode: u32,
    magic: Option<&'a [u8]>,
}

/// Why a file was not written (or not read back).
#[derive(Debug)]
pub enum Why {
    /// The path ends in `/`, `.` or `..`.
    NoFileName,
    /// The directory that should hold the file cannot be opened.
    Directory(PathBuf, io::Error),
    /// Something other than a regular file is at the path.
    NotRegular(&'static str),
    /// A regular file owned by another user is at the path.
    NotOwner(u32),
    /// A regular file without our header is at the path.
    NotOurs,
    /// The file is larger than a reader takes.
    TooLarge(u64),
    /// A directory on the way is a symbolic link of another user's.
    ForeignLink(PathBuf, u32),
    Io(io::Error),
}

/// A file not written or not read, and why: `cannot write PATH: WHY`.
#[derive(Debug)]
pub struct FileError {
    pub path: PathBuf,
    pub writing: bool,
    pub why: Why,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.writing { "write" } else { "read" };
        let path = crate::sanitize::sanitized(&self.path.to_string_lossy());
        write!(f, "cannot {verb} {path}: ")?;
        match &self.why {
            Why::NoFileName => write!(f, "not a file name"),
            Why::Directory(d, e) => write!(
                f,
                "directory {}: {}",
                crate::sanitize::sanitized(&d.to_string_lossy()),
                plain(e)
            ),
            Why::NotRegular(kind) => write!(f, "{kind} is there, not a regular file; not replaced"),
            Why::NotOwner(uid) => write!(
                f,
                "the file there belongs to uid {uid}, not to this user; not replaced"
            ),
            Why::NotOurs => write!(
                f,
                "the file there was not written by rnetstat; not replaced"
            ),
            Why::ForeignLink(at, uid) => write!(
                f,
                "{} is a symbolic link of uid {uid}'s; not followed",
                crate::sanitize::sanitized(&at.to_string_lossy())
            ),
            Why::TooLarge(limit) if limit % (1 << 20) == 0 => {
                write!(f, "larger than {} MiB", limit >> 20)
            }
            Why::TooLarge(limit) => write!(f, "larger than {limit} bytes"),
            Why::Io(e) => write!(f, "{}", plain(e)),
        }
    }
}

impl std::error::Error for FileError {}

impl From<io::Error> for Why {
    fn from(e: io::Error) -> Why {
        Why::Io(e)
    }
}

/// An io error's text without Rust's ` (os error N)` suffix.
fn plain(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

impl<'a> OutFile<'a> {
    /// A file at `path`, written with mode 0644 and no header.
    pub fn new(path: &'a Path) -> OutFile<'a> {
        OutFile {
            path,
            mode: 0o644,
            magic: None,
        }
    }

    /// The mode the file is created with (before the umask).
    pub fn mode(self, mode: u32) -> OutFile<'a> {
        OutFile { mode, ..self }
    }

    /// The bytes every file we write here starts with: an existing file without them is not
    /// ours, and is neither read back nor replaced.
    pub fn magic(self, magic: &'a [u8]) -> OutFile<'a> {
        OutFile {
            magic: Some(magic),
            ..self
        }
    }

    pub fn path(&self) -> &Path {
        self.path
    }

    fn error(&self, writing: bool, why: Why) -> FileError {
        FileError {
            path: self.path.to_path_buf(),
            writing,
            why,
        }
    }

    /// The directory and the name in it.
    fn split(&self) -> Result<(&'a Path, &'a OsStr), Why> {
        let name = self.path.file_name().ok_or(Why::NoFileName)?;
        if self.path.as_os_str().as_bytes().ends_with(b"/") {
            return Err(Why::NoFileName);
        }
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Ok((dir, name))
    }

    fn open_dir(dir: &Path) -> Result<OwnedFd, Why> {
        open_dir_walk(dir).map_err(|w| match w {
            Why::Io(e) => Why::Directory(dir.to_path_buf(), e),
            w => w,
        })
    }

    /// Whether what is at `name` in `dir` may be replaced: `Ok(None)` when nothing is
    /// there, `Ok(Some(mode))` for a file of ours (whose permissions the new one keeps).
    fn replaceable(&self, dir: &OwnedFd, name: &OsStr) -> Result<Option<u32>, Why> {
        let st = match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(rustix::io::Errno::NOENT) => return Ok(None),
            Err(e) => return Err(Why::Io(e.into())),
        };
        let kind = FileType::from_raw_mode(st.st_mode);
        if kind != FileType::RegularFile {
            return Err(Why::NotRegular(kind_name(kind)));
        }
        let me = rustix::process::geteuid().as_raw();
        if st.st_uid != me {
            return Err(Why::NotOwner(st.st_uid));
        }
        if let Some(magic) = self.magic {
            let fd = open_existing(dir, name).map_err(Why::Io)?;
            let mut head = vec![0u8; magic.len()];
            let mut f = File::from(fd);
            let mut got = 0;
            while got < head.len() {
                match f.read(&mut head[got..]) {
                    Ok(0) => break,
                    Ok(n) => got += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(Why::Io(e)),
                }
            }
            if &head[..got] != magic {
                return Err(Why::NotOurs);
            }
        }
        Ok(Some(st.st_mode & 0o7777))
    }

    /// The checks [`OutFile::write`] makes before it writes, without writing: the directory
    /// is there and what is at the path may be replaced.
    pub fn check(&self) -> Result<(), FileError> {
        if self.path == Path::new("-") {
            return Ok(());
        }
        let (dir, name) = self.split().map_err(|w| self.error(true, w))?;
        let dirfd = Self::open_dir(dir).map_err(|w| self.error(true, w))?;
        self.replaceable(&dirfd, name)
            .map(|_| ())
            .map_err(|w| self.error(true, w))
    }

    /// Writes the file: `body` fills a temporary file beside it, which then replaces it.
    /// `-` is standard output (as `metrics -o -`), written as it is.
    pub fn write(
        &self,
        body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), FileError> {
        let fail = |w| self.error(true, w);
        if self.path == Path::new("-") {
            let mut out = BufWriter::new(io::stdout().lock());
            return body(&mut out)
                .and_then(|()| out.flush())
                .map_err(|e| fail(Why::Io(e)));
        }
        let (dir, name) = self.split().map_err(fail)?;
        let dirfd = Self::open_dir(dir).map_err(fail)?;
        let existing = self.replaceable(&dirfd, name).map_err(fail)?;
        let (temp, fd) = create_temp(&dirfd, name, self.mode).map_err(|e| fail(Why::Io(e)))?;
        // Removed if a signal ends the process before the rename.
        let full = dir.join(&temp);
        crate::cleanup::remove_on_exit(&full);
        let _ = crate::cleanup::exit_on_signals();
        let written = (|| {
            if let Some(mode) = existing {
                // A file replaced keeps its permissions (a 0600 file stays 0600).
                rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode))
                    .map_err(|e| Why::Io(e.into()))?;
            }
            let mut out = BufWriter::new(File::from(fd));
            body(&mut out).map_err(Why::Io)?;
            let f = out.into_inner().map_err(|e| Why::Io(e.into_error()))?;
            f.sync_all().map_err(Why::Io)?;
            self.rename(&dirfd, &temp, name, existing.is_some())
        })();
        if let Err(e) = written {
            let _ = rustix::fs::unlinkat(&dirfd, &temp, AtFlags::empty());
            crate::cleanup::forget(&full);
            return Err(fail(e));
        }
        crate::cleanup::forget(&full);
        // The rename is durable once the directory is.
        let _ = rustix::fs::fsync(&dirfd);
        Ok(())
    }

    /// Renames the written temporary over `name`. Where nothing was there when checked,
    /// nothing may be there now (`RENAME_NOREPLACE`): a file planted meanwhile is checked
    /// as any other before it is replaced.
    fn rename(&self, dir: &OwnedFd, temp: &Path, name: &OsStr, existed: bool) -> Result<(), Why> {
        use rustix::fs::RenameFlags;
        if !existed {
            match rustix::fs::renameat_with(dir, temp, dir, name, RenameFlags::NOREPLACE) {
                Ok(()) => return Ok(()),
                Err(rustix::io::Errno::EXIST) => {
                    self.replaceable(dir, name)?;
                }
                // A file system without RENAME_NOREPLACE: checked again, then renamed.
                Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {
                    self.replaceable(dir, name)?;
                }
                Err(e) => return Err(Why::Io(e.into())),
            }
        }
        rustix::fs::renameat(dir, temp, dir, name).map_err(|e| Why::Io(e.into()))
    }

    /// Reads back a file written here: `None` when there is none, an error when what is
    /// there is not ours (see [`OutFile::magic`]) or is larger than `limit` bytes.
    pub fn read(&self, limit: u64) -> Result<Option<Vec<u8>>, FileError> {
        let fail = |w| self.error(false, w);
        let (dir, name) = self.split().map_err(fail)?;
        let dirfd = match Self::open_dir(dir) {
            Ok(d) => d,
            Err(Why::Directory(_, e)) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(w) => return Err(fail(w)),
        };
        match rustix::fs::statat(&dirfd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Err(rustix::io::Errno::NOENT) => return Ok(None),
            Err(e) => return Err(fail(Why::Io(e.into()))),
            Ok(_) => {}
        }
        self.replaceable(&dirfd, name).map_err(fail)?;
        let fd = open_existing(&dirfd, name).map_err(|e| fail(Why::Io(e)))?;
        read_limited(File::from(fd), limit)
            .map(Some)
            .map_err(|e| match e {
                Limited::TooLarge => fail(Why::TooLarge(limit)),
                Limited::Io(e) => fail(Why::Io(e)),
            })
    }
}

/// The most symbolic links followed on the way to a directory (the kernel's own limit).
const MAX_LINKS: usize = 40;

/// Opens directory `dir` one component at a time, following a symbolic link on the way
/// only if it belongs to root or to this user: a link another user planted (in a sticky,
/// world-writable directory, say) could otherwise send root's write anywhere. This is the
/// kernel's `protected_symlinks` rule, kept whether or not the sysctl is on.
fn open_dir_walk(dir: &Path) -> Result<OwnedFd, Why> {
    use std::path::Component;
    let walk = OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let start = |absolute: bool| {
        rustix::fs::open(
            if absolute { "/" } else { "." },
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
    };
    let me = rustix::process::geteuid().as_raw();
    let mut fd = start(dir.is_absolute()).map_err(|e| Why::Io(e.into()))?;
    // The components still to walk, the next one last.
    let mut todo: Vec<std::ffi::OsString> = dir
        .components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    let mut walked = if dir.is_absolute() {
        PathBuf::from("/")
    } else {
        PathBuf::new()
    };
    let mut links = 0;
    while let Some(name) = todo.pop() {
        match rustix::fs::openat(&fd, &name, walk, Mode::empty()) {
            Ok(next) => {
                fd = next;
                walked.push(&name);
            }
            Err(rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) => {
                let st = rustix::fs::statat(&fd, &name, AtFlags::SYMLINK_NOFOLLOW)
                    .map_err(|e| Why::Io(e.into()))?;
                if FileType::from_raw_mode(st.st_mode) != FileType::Symlink {
                    return Err(Why::Io(io::Error::from_raw_os_error(libc::ENOTDIR)));
                }
                let at = walked.join(&name);
                if st.st_uid != 0 && st.st_uid != me {
                    return Err(Why::ForeignLink(at, st.st_uid));
                }
                links += 1;
                if links > MAX_LINKS {
                    return Err(Why::Io(io::Error::from_raw_os_error(libc::ELOOP)));
                }
                let target = rustix::fs::readlinkat(&fd, &name, Vec::new())
                    .map_err(|e| Why::Io(e.into()))?;
                let target = PathBuf::from(OsStr::from_bytes(target.as_bytes()));
                if target.is_absolute() {
                    fd = start(true).map_err(|e| Why::Io(e.into()))?;
                    walked = PathBuf::from("/");
                }
                for c in target.components().rev() {
                    match c {
                        Component::Normal(n) => todo.push(n.to_os_string()),
                        Component::ParentDir => todo.push("..".into()),
                        _ => {}
                    }
                }
            }
            Err(e) => return Err(Why::Io(e.into())),
        }
    }
    rustix::fs::openat(
        &fd,
        ".",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| Why::Io(e.into()))
}

/// Opens an existing regular file without following a symlink or blocking on a FIFO, and
/// checks again (on the descriptor) that it is a regular file.
fn open_existing(dir: &OwnedFd, name: &OsStr) -> io::Result<OwnedFd> {
    let fd = rustix::fs::openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let st = rustix::fs::fstat(fd.as_fd())?;
    if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
        return Err(io::Error::other("not a regular file"));
    }
    Ok(fd)
}

/// Creates a new temporary file `.NAME.RANDOM.tmp` in `dir`, never opening a name that
/// exists (symlink or not).
fn create_temp(dir: &OwnedFd, name: &OsStr, mode: u32) -> io::Result<(PathBuf, OwnedFd)> {
    for _ in 0..TEMP_TRIES {
        let mut tag = [0u8; 8];
        fill_random(&mut tag);
        let mut temp = Vec::with_capacity(name.len() + 24);
        temp.push(b'.');
        temp.extend_from_slice(name.as_bytes());
        temp.push(b'.');
        for b in tag {
            temp.extend_from_slice(format!("{b:02x}").as_bytes());
        }
        temp.extend_from_slice(b".tmp");
        let temp = PathBuf::from(OsStr::from_bytes(&temp));
        match rustix::fs::openat(
            dir,
            &temp,
            OFlags::WRONLY
                | OFlags::CREATE
                | OFlags::EXCL
                | OFlags::NOFOLLOW
                | OFlags::NONBLOCK
                | OFlags::CLOEXEC,
            Mode::from_raw_mode(mode),
        ) {
            Ok(fd) => return Ok((temp, fd)),
            Err(rustix::io::Errno::EXIST) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(io::Error::other(
        "every temporary name tried was taken (is someone planting files there?)",
    ))
}

/// Random bytes from the kernel; if it has none to give, bytes of the clock and pid (a
/// name that is then guessed costs only a retry: the open is `O_EXCL`).
fn fill_random(buf: &mut [u8]) {
    if matches!(rustix::rand::getrandom(&mut *buf, rustix::rand::GetRandomFlags::NONBLOCK), Ok(n) if n == buf.len())
    {
        return;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mixed = nanos ^ (u64::from(std::process::id()) << 32);
    for (b, m) in buf.iter_mut().zip(mixed.to_le_bytes()) {
        *b = m;
    }
}

fn kind_name(kind: FileType) -> &'static str {
    match kind {
        FileType::Symlink => "a symbolic link",
        FileType::Directory => "a directory",
        FileType::Fifo => "a FIFO",
        FileType::Socket => "a socket",
        FileType::CharacterDevice => "a character device",
        FileType::BlockDevice => "a block device",
        _ => "something",
    }
}

/// The most rnetstat reads of a file a user names as input (`-F`, `--script`,
/// `--web.config.file`): each is a few lines of text.
pub const MAX_INPUT: u64 = 1 << 20;

/// Reads a file a user named as input, at most `limit` bytes (more is an error, found after
/// reading one byte past the limit, so `/dev/zero` fails fast). Symlinks are followed and a
/// pipe is read (`-F <(…)`): nothing is written, and the user chose the path. `-` is
/// standard input, as for ss's `-F -`.
pub fn read_input(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    let fail = |why| FileError {
        path: path.to_path_buf(),
        writing: false,
        why,
    };
    let read = if path == Path::new("-") {
        read_limited(io::stdin().lock(), limit)
    } else {
        let f = File::open(path).map_err(|e| fail(Why::Io(e)))?;
        read_limited(f, limit)
    };
    read.map_err(|e| match e {
        Limited::TooLarge => fail(Why::TooLarge(limit)),
        Limited::Io(e) => fail(Why::Io(e)),
    })
}

/// Why a bounded read stopped.
#[derive(Debug)]
pub(crate) enum Limited {
    TooLarge,
    Io(io::Error),
}

/// Reads all of `r`, but at most `limit` bytes: one more is [`Limited::TooLarge`].
pub(crate) fn read_limited(r: impl Read, limit: u64) -> Result<Vec<u8>, Limited> {
    let mut buf = Vec::new();
    r.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(Limited::Io)?;
    if buf.len() as u64 > limit {
        return Err(Limited::TooLarge);
    }
    Ok(buf)
}

#[cfg(test)]
mod tests;
