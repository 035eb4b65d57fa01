//! Typed errors and the exit codes they map to.
//!
//! Library code returns [`Error`]; `main` turns it into one line on stderr and an
//! [`ExitCode`]. A broken pipe is not an error at all (`rnetstat | head` exits 0 quietly).

use std::io;
use std::path::PathBuf;

/// The process exit codes: 0 ok, 1 runtime error, 2 usage error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Ok = 0,
    Runtime = 1,
    Usage = 2,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Usage(String),

    #[error("netlink: {0}")]
    Netlink(#[from] NetlinkError),

    #[error("cannot read {path}: {source}")]
    Proc {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("write error: {0}")]
    Output(#[source] io::Error),

    /// The userspace stack or the lab could not run.
    #[error("stack: {0}")]
    Stack(#[source] io::Error),

    /// Something needs privileges the caller lacks; the message says which.
    #[error("{0}")]
    Permission(String),

    /// A file not written, or not read back, by [`rnetstat_sys::safe_file`].
    #[error("{0}")]
    File(#[from] rnetstat_sys::safe_file::FileError),

    /// The work was done in part; the message says what was not.
    #[error("{0}")]
    Partial(String),

    /// The recorder's database (`rnetstat record`, `--at`).
    #[error("history database {path}: {reason}")]
    History { path: String, reason: String },
}

impl Error {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage(_) => ExitCode::Usage,
            _ => ExitCode::Runtime,
        }
    }

    /// True for a write to a closed pipe, which ends the program quietly with status 0.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// What went wrong talking sock_diag.
#[derive(Debug, thiserror::Error)]
pub enum NetlinkError {
    #[error("cannot open NETLINK_SOCK_DIAG socket: {0}")]
    Open(#[source] io::Error),
    #[error("send failed: {0}")]
    Send(#[source] io::Error),
    #[error("receive failed: {0}")]
    Recv(#[source] io::Error),
    /// The kernel answered with an errno (NLMSG_ERROR, or an error in NLMSG_DONE).
    #[error("kernel returned error {errno} ({})", io::Error::from_raw_os_error(*.errno))]
    Kernel { errno: i32 },
    #[error("malformed reply: {0}")]
    Malformed(String),
    #[error("reply datagram larger than the receive buffer (truncated)")]
    Truncated,
}

impl NetlinkError {
    /// The errno when the kernel refused the request.
    pub fn errno(&self) -> Option<i32> {
        match self {
            NetlinkError::Kernel { errno } => Some(*errno),
            NetlinkError::Open(e) | NetlinkError::Send(e) | NetlinkError::Recv(e) => {
                e.raw_os_error()
            }
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
