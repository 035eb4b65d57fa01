//! rnetstat-sys: the few calls into libc that have no safe wrapper in our dependencies: reverse name
//! lookup through the system resolver (NSS: /etc/hosts, DNS …) and user names (NSS passwd).
//! Every `unsafe` block of the crate lives here (and in `sys::net`, the TUN and interface
//! ioctls of the userspace stack). Also where cgroup2 is mounted, which both the filter
//! (`cgroup PATH`) and the collection (`-ee`) need, and how many cores there are.
//!
//! Besides them, the crate holds what every layer above shares about the outside world and
//! nothing about sockets: [`safe_file`] (the one way a file is written, and a user-named
//! input read), [`cleanup`] (what a command made, removed when a signal ends it),
//! [`sanitize`] (text from outside made safe for a terminal), [`hash`] (the fast maps) and
//! [`rng`] (the one seeded generator).
//!
//! Public entry points: [`reverse_lookup`], [`user_name`], [`geteuid`], [`cores`],
//! [`cgroup2_root`], [`net`] (TUN and interface ioctls, `setns`), [`safe_file::OutFile`],
//! [`safe_file::read_input`], [`cleanup::exit_on_signals`], [`sanitize::push_sanitized`].
#![allow(unsafe_code)]

pub mod cleanup;
pub mod hash;
pub mod net;
pub mod rng;
pub mod safe_file;
pub mod sanitize;
pub mod tun_holder;

/// The cores this process may use (`std::thread::available_parallelism`, 1 when unknown),
/// asked once: each asking reads the affinity mask and three cgroup files, and a listing
/// asks before every table, ahead of the dump that decides its wall time.
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Where cgroup2 is mounted: `/sys/fs/cgroup` on unified systems, `/sys/fs/cgroup/unified`
/// on hybrid ones (from `/proc/self/mounts`).
pub fn cgroup2_root() -> std::path::PathBuf {
    std::fs::read_to_string("/proc/self/mounts")
        .ok()
        .and_then(|m| {
            m.lines().find_map(|l| {
                let mut w = l.split_whitespace();
                let (_, dir, fstype) = (w.next()?, w.next()?, w.next()?);
                (fstype == "cgroup2").then(|| std::path::PathBuf::from(dir))
            })
        })
        .unwrap_or_else(|| std::path::PathBuf::from("/sys/fs/cgroup"))
}

use std::ffi::CStr;
use std::mem;
use std::net::IpAddr;

/// The host name for `addr` through `getnameinfo(NI_NAMEREQD)`, or `None` when the resolver
/// has none. This may block for as long as the resolver's timeout; callers bound it.
pub fn reverse_lookup(addr: IpAddr) -> Option<String> {
    match addr {
        IpAddr::V4(a) => {
            // SAFETY: an all-zero sockaddr_in is a valid value; the fields are set below.
            let mut sa: libc::sockaddr_in = unsafe { mem::zeroed() };
            sa.sin_family = libc::AF_INET as libc::sa_family_t;
            sa.sin_addr.s_addr = u32::from_ne_bytes(a.octets());
            name_info(&sa)
        }
        IpAddr::V6(a) => {
            // SAFETY: an all-zero sockaddr_in6 is a valid value; the fields are set below.
            let mut sa: libc::sockaddr_in6 = unsafe { mem::zeroed() };
            sa.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sa.sin6_addr.s6_addr = a.octets();
            name_info(&sa)
        }
    }
}

/// `getnameinfo` on a `sockaddr_in` or `sockaddr_in6`.
fn name_info<T>(sa: &T) -> Option<String> {
    let mut host = [0 as libc::c_char; 1025]; // NI_MAXHOST
    // SAFETY: sa is a whole sockaddr of size_of::<T>() bytes; host is writable for its
    // length and getnameinfo NUL-terminates what it writes there.
    let rc = unsafe {
        libc::getnameinfo(
            (sa as *const T).cast(),
            mem::size_of::<T>() as libc::socklen_t,
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            std::ptr::null_mut(),
            0,
            libc::NI_NAMEREQD,
        )
    };
    if rc != 0 {
        return None;
    }
    // SAFETY: on success getnameinfo stored a NUL-terminated string in host.
    let name = unsafe { CStr::from_ptr(host.as_ptr()) };
    Some(name.to_string_lossy().into_owned())
}

/// The user name for `uid` through `getpwuid_r`, or `None` when there is none.
pub fn user_name(uid: u32) -> Option<String> {
    passwd(uid, |pw| pw.pw_name)
}

/// The home directory of `uid` through `getpwuid_r`, or `None` when there is none.
pub fn home_dir(uid: u32) -> Option<std::path::PathBuf> {
    passwd(uid, |pw| pw.pw_dir).map(std::path::PathBuf::from)
}

/// One string field of `uid`'s passwd entry (NSS: /etc/passwd, LDAP …).
fn passwd(uid: u32, field: fn(&libc::passwd) -> *mut libc::c_char) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    loop {
        // SAFETY: an all-zero passwd is a valid out-parameter.
        let mut pw: libc::passwd = unsafe { mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: pw, buf and result are valid for writes of the sizes given.
        let rc =
            unsafe { libc::getpwuid_r(uid, &mut pw, buf.as_mut_ptr(), buf.len(), &mut result) };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        let p = field(&pw);
        if rc != 0 || result.is_null() || p.is_null() {
            return None;
        }
        // SAFETY: the field points into buf, NUL-terminated, valid while buf lives.
        let s = unsafe { CStr::from_ptr(p) };
        return Some(s.to_string_lossy().into_owned());
    }
}

/// The effective user id.
/// Waits up to `timeout` for `fd` to be readable (a descriptor a library hands out only
/// as a raw number, such as aya's ring buffer); false on a timeout or an error. A bad
/// number is an error from `poll` (POLLNVAL), never undefined behaviour.
pub fn readable(fd: std::os::fd::RawFd, timeout: std::time::Duration) -> bool {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
    // SAFETY: one pollfd on the stack, its count 1; poll only reads and writes it.
    let n = unsafe { libc::poll(&mut p, 1, ms) };
    n > 0 && p.revents & libc::POLLIN != 0
}

pub fn geteuid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Seconds since the Unix epoch of a wall-clock time in the local time zone (`mktime`,
/// with the zone's daylight saving decided by the C library); `None` when it does not
/// exist or is out of range.
pub fn local_time_to_unix(year: i32, month: u32, day: u32, h: u32, m: u32, s: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    // SAFETY: a zeroed `tm` is a valid value; mktime reads and normalises it in place.
    let t = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        tm.tm_year = year - 1900;
        tm.tm_mon = month as i32 - 1;
        tm.tm_mday = day as i32;
        tm.tm_hour = h as i32;
        tm.tm_min = m as i32;
        tm.tm_sec = s as i32;
        tm.tm_isdst = -1;
        libc::mktime(&mut tm)
    };
    (t != -1).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_uid_zero() {
        assert_eq!(user_name(0).as_deref(), Some("root"));
    }
}
