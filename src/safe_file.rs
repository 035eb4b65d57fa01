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
        let path = crate::output::sanitize::sanitized(&self.path.to_string_lossy());
        write!(f, "cannot {verb} {path}: ")?;
        match &self.why {
            Why::NoFileName => write!(f, "not a file name"),
            Why::Directory(d, e) => write!(
                f,
                "directory {}: {}",
                crate::output::sanitize::sanitized(&d.to_string_lossy()),
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
            Why::TooLarge(limit) if limit % (1 << 20) == 0 => {
                write!(f, "larger than {} MiB", limit >> 20)
            }
            Why::TooLarge(limit) => write!(f, "larger than {limit} bytes"),
            Why::Io(e) => write!(f, "{}", plain(e)),
        }
    }
}

impl std::error::Error for FileError {}

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
        rustix::fs::open(
            dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| Why::Directory(dir.to_path_buf(), e.into()))
    }

    /// Whether what is at `name` in `dir` may be replaced (nothing there: yes).
    fn replaceable(&self, dir: &OwnedFd, name: &OsStr) -> Result<(), Why> {
        let st = match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(rustix::io::Errno::NOENT) => return Ok(()),
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
        Ok(())
    }

    /// The checks [`OutFile::write`] makes before it writes, without writing: the directory
    /// is there and what is at the path may be replaced.
    pub fn check(&self) -> Result<(), FileError> {
        let (dir, name) = self.split().map_err(|w| self.error(true, w))?;
        let dirfd = Self::open_dir(dir).map_err(|w| self.error(true, w))?;
        self.replaceable(&dirfd, name)
            .map_err(|w| self.error(true, w))
    }

    /// Writes the file: `body` fills a temporary file beside it, which then replaces it.
    pub fn write(
        &self,
        body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), FileError> {
        let fail = |w| self.error(true, w);
        let (dir, name) = self.split().map_err(fail)?;
        let dirfd = Self::open_dir(dir).map_err(fail)?;
        self.replaceable(&dirfd, name).map_err(fail)?;
        let (temp, fd) = create_temp(&dirfd, name, self.mode).map_err(|e| fail(Why::Io(e)))?;
        let written = (|| {
            let mut out = BufWriter::new(File::from(fd));
            body(&mut out)?;
            let f = out.into_inner().map_err(|e| e.into_error())?;
            f.sync_all()?;
            rustix::fs::renameat(&dirfd, &temp, &dirfd, name)?;
            Ok::<(), io::Error>(())
        })();
        if let Err(e) = written {
            let _ = rustix::fs::unlinkat(&dirfd, &temp, AtFlags::empty());
            return Err(fail(Why::Io(e)));
        }
        // The rename is durable once the directory is.
        let _ = rustix::fs::fsync(&dirfd);
        Ok(())
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
/// pipe is read (`-F <(…)`): nothing is written, and the user chose the path.
pub fn read_input(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    let fail = |why| FileError {
        path: path.to_path_buf(),
        writing: false,
        why,
    };
    let f = File::open(path).map_err(|e| fail(Why::Io(e)))?;
    read_limited(f, limit).map_err(|e| match e {
        Limited::TooLarge => fail(Why::TooLarge(limit)),
        Limited::Io(e) => fail(Why::Io(e)),
    })
}

/// Why a bounded read stopped.
#[derive(Debug)]
pub enum Limited {
    TooLarge,
    Io(io::Error),
}

/// Reads all of `r`, but at most `limit` bytes: one more is [`Limited::TooLarge`].
pub fn read_limited(r: impl Read, limit: u64) -> Result<Vec<u8>, Limited> {
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
