//! Network-device ioctls the userspace stack needs and no dependency wraps: creating a TUN
//! device, and configuring the kernel's side of it (addresses, MTU, tx queue, up), plus
//! entering a fresh network namespace for the lab. All requests and structs are from
//! `include/uapi/linux/if_tun.h`, `include/uapi/linux/if.h`, `include/uapi/linux/sockios.h`
//! and `include/uapi/linux/ipv6.h` (`struct in6_ifreq`).

use std::ffi::c_ulong;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

// include/uapi/linux/if_tun.h
const TUNSETIFF: c_ulong = 0x4004_54ca; // _IOW('T', 202, int)
const TUNSETOFFLOAD: c_ulong = 0x4004_54d0; // _IOW('T', 208, unsigned int)
const TUNSETVNETHDRSZ: c_ulong = 0x4004_54d8; // _IOW('T', 216, int)
const IFF_TUN: i16 = 0x0001;
const IFF_NO_PI: i16 = 0x1000;
const IFF_VNET_HDR: i16 = 0x4000;
pub const TUN_F_CSUM: u32 = 0x01;
pub const TUN_F_TSO4: u32 = 0x02;
pub const TUN_F_TSO6: u32 = 0x04;

// include/uapi/linux/sockios.h
const SIOCGIFFLAGS: c_ulong = 0x8913;
const SIOCSIFFLAGS: c_ulong = 0x8914;
const SIOCSIFADDR: c_ulong = 0x8916;
const SIOCSIFNETMASK: c_ulong = 0x891c;
const SIOCGIFMTU: c_ulong = 0x8921;
const SIOCSIFMTU: c_ulong = 0x8922;
const SIOCSIFTXQLEN: c_ulong = 0x8943;
const SIOCGIFADDR: c_ulong = 0x8915;
const SIOCGIFDSTADDR: c_ulong = 0x8917;
const SIOCGIFBRDADDR: c_ulong = 0x8919;
const SIOCGIFNETMASK: c_ulong = 0x891b;
const SIOCGIFHWADDR: c_ulong = 0x8927;
const SIOCGIFTXQLEN: c_ulong = 0x8942;
const SIOCGIFMAP: c_ulong = 0x8970;

/// Which IPv4 address of an interface to ask for (`ifconfig`'s four).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum V4Query {
    Addr,
    Netmask,
    Broadcast,
    Destination,
}

/// `struct ifmap` (include/uapi/linux/if.h): a device's I/O resources.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IfMap {
    pub mem_start: u64,
    pub mem_end: u64,
    pub base_addr: u16,
    pub irq: u8,
    pub dma: u8,
}

/// `struct ifreq`: a 16-byte name and a 24-byte union, 40 bytes on every Linux ABI.
#[repr(C)]
#[derive(Clone, Copy)]
struct IfReq {
    name: [u8; libc::IFNAMSIZ],
    data: [u8; 24],
}

impl IfReq {
    fn new(name: &str) -> io::Result<IfReq> {
        let b = name.as_bytes();
        if b.is_empty() || b.len() >= libc::IFNAMSIZ || b.contains(&0) || b.contains(&b'/') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("'{name}' is not a valid interface name (1 to 15 bytes, no '/')"),
            ));
        }
        let mut r = IfReq {
            name: [0; libc::IFNAMSIZ],
            data: [0; 24],
        };
        r.name[..b.len()].copy_from_slice(b);
        Ok(r)
    }

    fn set_i16(&mut self, v: i16) {
        self.data[..2].copy_from_slice(&v.to_ne_bytes());
    }

    fn set_i32(&mut self, v: i32) {
        self.data[..4].copy_from_slice(&v.to_ne_bytes());
    }

    fn set_sockaddr_in(&mut self, a: Ipv4Addr) {
        // struct sockaddr_in: family (native u16), port (be16), addr (be32), zero[8].
        self.data = [0; 24];
        self.data[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        self.data[4..8].copy_from_slice(&a.octets());
    }

    fn name(&self) -> String {
        let end = self
            .name
            .iter()
            .position(|&c| c == 0)
            .unwrap_or(self.name.len());
        String::from_utf8_lossy(&self.name[..end]).into_owned()
    }
}

/// `ioctl(fd, req, arg)` with a pointer argument.
fn ioctl_ptr<T>(fd: RawFd, req: c_ulong, arg: &mut T) -> io::Result<()> {
    // SAFETY: every request used in this module takes a pointer to a struct of type T
    // (ifreq or in6_ifreq) that the kernel reads and may write within size_of::<T>().
    let rc = unsafe { libc::ioctl(fd, req as _, (arg as *mut T).cast::<libc::c_void>()) };
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// `ioctl(fd, req, value)` with an integer argument.
fn ioctl_int(fd: RawFd, req: c_ulong, value: libc::c_ulong) -> io::Result<()> {
    // SAFETY: TUNSETOFFLOAD takes its argument by value; no memory is passed.
    let rc = unsafe { libc::ioctl(fd, req as _, value) };
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// An open TUN device. The device exists while this descriptor is open (it is not made
/// persistent), so dropping it removes the interface.
pub struct Tun {
    pub fd: OwnedFd,
    pub name: String,
    pub vnet_hdr: bool,
}

/// Opens `/dev/net/tun` and creates a layer-3 TUN device without packet info headers.
/// With `vnet_hdr`, every packet carries a 10-byte `virtio_net_hdr` and `offload` (TUN_F_*)
/// lets the kernel hand over GSO super-packets with partial checksums.
pub fn tun_open(name: &str, vnet_hdr: bool, offload: u32) -> io::Result<Tun> {
    let fd = rustix::fs::open(
        "/dev/net/tun",
        rustix::fs::OFlags::RDWR | rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )?;
    let mut req = IfReq::new(name)?;
    let mut flags = IFF_TUN | IFF_NO_PI;
    if vnet_hdr {
        flags |= IFF_VNET_HDR;
    }
    req.set_i16(flags);
    ioctl_ptr(fd.as_raw_fd(), TUNSETIFF, &mut req)?;
    if vnet_hdr {
        let mut size: i32 = 10; // sizeof(struct virtio_net_hdr)
        ioctl_ptr(fd.as_raw_fd(), TUNSETVNETHDRSZ, &mut size)?;
        ioctl_int(fd.as_raw_fd(), TUNSETOFFLOAD, offload.into())?;
    }
    Ok(Tun {
        fd,
        name: req.name(),
        vnet_hdr,
    })
}

/// A datagram socket to carry interface ioctls for `family`.
fn ctl_socket(family: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: socket(2) has no memory arguments; a non-negative result is a new descriptor
    // that we own.
    let fd = unsafe { libc::socket(family, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd was just returned by socket(2) and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Reads interfaces' flags and MTU (what `netstat -i` asks with `SIOCGIFFLAGS` and
/// `SIOCGIFMTU`), over one control socket.
pub struct LinkQuery(OwnedFd);

impl LinkQuery {
    pub fn new() -> io::Result<LinkQuery> {
        ctl_socket(libc::AF_INET).map(LinkQuery)
    }

    /// The 16 bits of `ifr_flags`.
    pub fn flags(&self, dev: &str) -> io::Result<u16> {
        let mut r = IfReq::new(dev)?;
        ioctl_ptr(self.0.as_raw_fd(), SIOCGIFFLAGS, &mut r)?;
        Ok(u16::from_ne_bytes([r.data[0], r.data[1]]))
    }

    /// `SIOCGIFTXQLEN`.
    pub fn txqueuelen(&self, dev: &str) -> io::Result<u32> {
        let mut r = IfReq::new(dev)?;
        ioctl_ptr(self.0.as_raw_fd(), SIOCGIFTXQLEN, &mut r)?;
        let q = i32::from_ne_bytes([r.data[0], r.data[1], r.data[2], r.data[3]]);
        Ok(u32::try_from(q).unwrap_or(0))
    }

    /// `SIOCGIFHWADDR`: the `ARPHRD_*` type and the first 8 bytes of the address (as much
    /// as netstat keeps).
    pub fn hwaddr(&self, dev: &str) -> io::Result<(u16, [u8; 8])> {
        let mut r = IfReq::new(dev)?;
        ioctl_ptr(self.0.as_raw_fd(), SIOCGIFHWADDR, &mut r)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(&r.data[2..10]);
        Ok((u16::from_ne_bytes([r.data[0], r.data[1]]), a))
    }

    /// One of the interface's IPv4 addresses (a `sockaddr_in` in the reply).
    pub fn ipv4(&self, dev: &str, which: V4Query) -> io::Result<std::net::Ipv4Addr> {
        let req = match which {
            V4Query::Addr => SIOCGIFADDR,
            V4Query::Netmask => SIOCGIFNETMASK,
            V4Query::Broadcast => SIOCGIFBRDADDR,
            V4Query::Destination => SIOCGIFDSTADDR,
        };
        let mut r = IfReq::new(dev)?;
        ioctl_ptr(self.0.as_raw_fd(), req, &mut r)?;
        Ok(std::net::Ipv4Addr::new(
            r.data[4], r.data[5], r.data[6], r.data[7],
        ))
    }

    /// `SIOCGIFMAP`.
    pub fn map(&self, dev: &str) -> io::Result<IfMap> {
        let mut r = IfReq::new(dev)?;
        ioctl_ptr(self.0.as_raw_fd(), SIOCGIFMAP, &mut r)?;
        let d = &r.data;
        let word = |i: usize| u64::from_ne_bytes(d[i..i + 8].try_into().expect("8 bytes"));
        Ok(IfMap {
            mem_start: word(0),
            mem_end: word(8),
            base_addr: u16::from_ne_bytes([d[16], d[17]]),
            irq: d[18],
            dma: d[19],
        })
    }

    pub fn mtu(&self, dev: &str) -> io::Result<u32> {
        let mut r = IfReq::new(dev)?;
        ioctl_ptr(self.0.as_raw_fd(), SIOCGIFMTU, &mut r)?;
        let mtu = i32::from_ne_bytes([r.data[0], r.data[1], r.data[2], r.data[3]]);
        Ok(u32::try_from(mtu).unwrap_or(0))
    }
}

/// Sets the MTU and transmit queue length of `dev` and brings it up.
pub fn link_up(dev: &str, mtu: Option<u32>, txqueuelen: Option<u32>) -> io::Result<()> {
    let s = ctl_socket(libc::AF_INET)?;
    let fd = s.as_raw_fd();
    if let Some(mtu) = mtu {
        let mut r = IfReq::new(dev)?;
        r.set_i32(i32::try_from(mtu).unwrap_or(i32::MAX));
        ioctl_ptr(fd, SIOCSIFMTU, &mut r)?;
    }
    if let Some(q) = txqueuelen {
        let mut r = IfReq::new(dev)?;
        r.set_i32(i32::try_from(q).unwrap_or(i32::MAX));
        ioctl_ptr(fd, SIOCSIFTXQLEN, &mut r)?;
    }
    let mut r = IfReq::new(dev)?;
    ioctl_ptr(fd, SIOCGIFFLAGS, &mut r)?;
    let flags = i16::from_ne_bytes([r.data[0], r.data[1]]) | libc::IFF_UP as i16;
    r.set_i16(flags);
    ioctl_ptr(fd, SIOCSIFFLAGS, &mut r)
}

/// Gives `dev` the IPv4 address `addr/prefix` (which also installs the subnet route).
pub fn add_ipv4(dev: &str, addr: Ipv4Addr, prefix: u8) -> io::Result<()> {
    let s = ctl_socket(libc::AF_INET)?;
    let mut r = IfReq::new(dev)?;
    r.set_sockaddr_in(addr);
    ioctl_ptr(s.as_raw_fd(), SIOCSIFADDR, &mut r)?;
    let mask = u32::MAX
        .checked_shl(32 - u32::from(prefix.min(32)))
        .unwrap_or(0);
    let mut r = IfReq::new(dev)?;
    r.set_sockaddr_in(Ipv4Addr::from(mask));
    ioctl_ptr(s.as_raw_fd(), SIOCSIFNETMASK, &mut r)
}

/// `struct in6_ifreq` (include/uapi/linux/ipv6.h).
#[repr(C)]
struct In6IfReq {
    addr: [u8; 16],
    prefixlen: u32,
    ifindex: i32,
}

/// Gives `dev` the IPv6 address `addr/prefix`.
pub fn add_ipv6(dev: &str, addr: Ipv6Addr, prefix: u8) -> io::Result<()> {
    let index = if_index(dev)?;
    let s = ctl_socket(libc::AF_INET6)?;
    let mut r = In6IfReq {
        addr: addr.octets(),
        prefixlen: u32::from(prefix.min(128)),
        ifindex: index,
    };
    ioctl_ptr(s.as_raw_fd(), SIOCSIFADDR, &mut r)
}

/// The interface index of `dev`.
pub fn if_index(dev: &str) -> io::Result<i32> {
    let name = std::ffi::CString::new(dev).map_err(io::Error::other)?;
    // SAFETY: name is a valid NUL-terminated string for the duration of the call.
    let i = unsafe { libc::if_nametoindex(name.as_ptr()) };
    if i == 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(i as i32)
    }
}

/// The name of interface `index`, if it exists.
pub fn if_name(index: u32) -> Option<String> {
    let mut buf = [0u8; libc::IF_NAMESIZE];
    // SAFETY: buf has IF_NAMESIZE bytes, as if_indextoname requires; on success it holds a
    // NUL-terminated name.
    let p = unsafe { libc::if_indextoname(index, buf.as_mut_ptr().cast()) };
    if p.is_null() {
        return None;
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    Some(String::from_utf8_lossy(&buf[..end]).into_owned())
}

/// Moves the calling thread into a new, empty network namespace (only `lo`, down).
/// It needs CAP_SYS_ADMIN; the namespace disappears with the last thread in it.
pub fn unshare_netns() -> io::Result<()> {
    // SAFETY: unshare(CLONE_NEWNET) takes no memory arguments and only changes which
    // network namespace the calling thread uses for new sockets.
    if unsafe { libc::unshare(libc::CLONE_NEWNET) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ifreq_layout_matches_the_kernel() {
        assert_eq!(std::mem::size_of::<IfReq>(), 40);
        assert_eq!(std::mem::size_of::<In6IfReq>(), 24);
    }

    #[test]
    fn bad_names_are_refused() {
        for n in ["", "a/b", "sixteen-chars-xx", "nul\0"] {
            assert!(IfReq::new(n).is_err(), "{n:?}");
        }
        assert_eq!(IfReq::new("rns0").unwrap().name(), "rns0");
    }
}
