//! `packet_diag` and `netlink_diag`: the two sock_diag families with no IP addresses.
//! Neither has a decoder in netlink-packet-sock-diag, so both are written here.
//!
//! include/uapi/linux/packet_diag.h:
//! ```text
//! struct packet_diag_req { u8 family; u8 protocol; u16 pad; u32 ino; u32 show; u32 cookie[2]; }
//! struct packet_diag_msg { u8 family; u8 type; u16 num (ethertype, host order:
//!                          packet_diag.c converts it with ntohs);
//!                          u32 ino; u32 cookie[2]; }                       16 bytes
//! attrs: PACKET_DIAG_INFO 0 { u32 index; u32 version; u32 reserve; u32 copy_thresh;
//!        u32 tstamp; u32 flags; }, PACKET_DIAG_UID 5 (u32), PACKET_DIAG_MEMINFO 6
//! ```
//! include/uapi/linux/netlink_diag.h:
//! ```text
//! struct netlink_diag_req { u8 family; u8 protocol (NDIAG_PROTO_ALL = 255); u16 pad;
//!                           u32 ino; u32 show; u32 cookie[2]; }
//! struct netlink_diag_msg { u8 family; u8 type; u8 protocol; u8 state; u32 portid;
//!                           u32 dst_portid; u32 dst_group; u32 ino; u32 cookie[2]; } 28 bytes
//! attrs: NETLINK_DIAG_MEMINFO 0, NETLINK_DIAG_GROUPS 1
//! ```
//! Recv-Q and Send-Q come from the memory counters, as ss takes them.

use super::attrs::{self, u32_at};
use rnetstat_model::error::NetlinkError;
use rnetstat_model::{Family, LinkId, Proto, SockType, Socket, State};

const PACKET_SHOW_INFO: u32 = 0x1;
const PACKET_SHOW_MEMINFO: u32 = 0x10;
const PACKET_DIAG_INFO: u16 = 0;
const PACKET_DIAG_UID: u16 = 5;
const PACKET_DIAG_MEMINFO: u16 = 6;
const NDIAG_PROTO_ALL: u8 = 255;
const NDIAG_SHOW_MEMINFO: u32 = 0x1;
const NETLINK_DIAG_MEMINFO: u16 = 0;

/// `{packet,netlink}_diag_req`: the two share one layout.
fn req(family: u8, protocol: u8, show: u32, seq: u32) -> Vec<u8> {
    let mut b = super::message(super::SOCK_DIAG_BY_FAMILY, super::DUMP_FLAGS, seq);
    b.extend_from_slice(&[family, protocol, 0, 0]);
    b.extend_from_slice(&0u32.to_ne_bytes()); // ino
    b.extend_from_slice(&show.to_ne_bytes());
    b.extend_from_slice(&[0xff; 8]); // cookie: none
    super::finish(b)
}

/// Dump request for every packet socket, with interface and memory.
pub fn packet_request(seq: u32) -> Vec<u8> {
    req(
        libc::AF_PACKET as u8,
        0,
        PACKET_SHOW_INFO | PACKET_SHOW_MEMINFO,
        seq,
    )
}

/// Dump request for every netlink socket of every netlink protocol, with memory.
pub fn netlink_request(seq: u32) -> Vec<u8> {
    req(
        libc::AF_NETLINK as u8,
        NDIAG_PROTO_ALL,
        NDIAG_SHOW_MEMINFO,
        seq,
    )
}

fn short(what: &str, len: usize, want: usize) -> NetlinkError {
    NetlinkError::Malformed(format!("{what} is {len} bytes, expected at least {want}"))
}

fn queues(s: &mut Socket<'_>) {
    if let Some(m) = s.mem {
        s.recv_q = m.rmem_alloc;
        s.send_q = m.wmem_alloc;
    }
}

pub fn decode_packet(b: &[u8]) -> Result<Socket<'_>, NetlinkError> {
    if b.len() < 16 {
        return Err(short("packet_diag_msg", b.len(), 16));
    }
    let mut s = Socket::blank(Proto::Packet, Family::Packet, SockType::from_kernel(b[1]));
    s.state = State::Close;
    let protocol = u16::from_ne_bytes([b[2], b[3]]);
    s.inode = u32_at(b, 4).unwrap_or(0);
    s.cookie = u64::from(u32_at(b, 8).unwrap_or(0)) | u64::from(u32_at(b, 12).unwrap_or(0)) << 32;
    for (kind, v) in attrs::iter(&b[16..]) {
        match kind {
            PACKET_DIAG_INFO => s.bound_dev = u32_at(v, 0).unwrap_or(0),
            PACKET_DIAG_UID => s.uid = u32_at(v, 0).unwrap_or(0),
            PACKET_DIAG_MEMINFO => s.mem = attrs::meminfo(v),
            _ => {}
        }
    }
    s.link = Some(LinkId::Packet {
        protocol,
        ifindex: s.bound_dev,
    });
    queues(&mut s);
    Ok(s)
}

pub fn decode_netlink(b: &[u8]) -> Result<Socket<'_>, NetlinkError> {
    if b.len() < 28 {
        return Err(short("netlink_diag_msg", b.len(), 28));
    }
    let mut s = Socket::blank(Proto::Netlink, Family::Netlink, SockType::from_kernel(b[1]));
    // NETLINK_CONNECTED is 1, NETLINK_UNCONNECTED 0.
    s.state = if b[3] == 1 {
        State::Established
    } else {
        State::Close
    };
    let w = |i| u32_at(b, i).unwrap_or(0);
    s.inode = w(16);
    s.cookie = u64::from(w(20)) | u64::from(w(24)) << 32;
    s.link = Some(LinkId::Netlink {
        protocol: b[2],
        portid: w(4),
        dst_portid: w(8),
        dst_group: w(12),
    });
    for (kind, v) in attrs::iter(&b[28..]) {
        if kind == NETLINK_DIAG_MEMINFO {
            s.mem = attrs::meminfo(v);
        }
    }
    queues(&mut s);
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::push_attr;

    #[test]
    fn packet_socket_fixture() {
        let mut b = vec![
            17, // pdiag_family = AF_PACKET
            3,  // pdiag_type = SOCK_RAW
        ];
        b.extend_from_slice(&0x0806u16.to_ne_bytes()); // pdiag_num = ETH_P_ARP
        b.extend_from_slice(&555u32.to_ne_bytes()); // pdiag_ino
        b.extend_from_slice(&[9, 0, 0, 0, 0, 0, 0, 0]); // pdiag_cookie
        let mut info = 2u32.to_ne_bytes().to_vec(); // pdi_index = 2
        info.extend_from_slice(&[0; 20]);
        push_attr(&mut b, PACKET_DIAG_INFO, &info);
        push_attr(&mut b, PACKET_DIAG_UID, &1000u32.to_ne_bytes());
        let mem: Vec<u8> = [768u32, 212_992, 0, 212_992, 0, 0, 0, 0, 3]
            .iter()
            .flat_map(|w| w.to_ne_bytes())
            .collect();
        push_attr(&mut b, PACKET_DIAG_MEMINFO, &mem);
        let s = decode_packet(&b).unwrap();
        assert_eq!(s.sock_type, SockType::Raw);
        assert_eq!(
            s.link,
            Some(LinkId::Packet {
                protocol: 0x0806,
                ifindex: 2
            })
        );
        assert_eq!((s.inode, s.cookie, s.uid, s.recv_q), (555, 9, 1000, 768));
        assert_eq!(s.mem.unwrap().drops, 3);
        assert!(decode_packet(&b[..15]).is_err());
    }

    #[test]
    fn netlink_socket_fixture() {
        let mut b = vec![16, 3, 0, 0]; // AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, unconnected
        for w in [4242u32, 0, 1, 777, 5, 0] {
            b.extend_from_slice(&w.to_ne_bytes()); // portid, dst_portid, dst_group, ino, cookie
        }
        let s = decode_netlink(&b).unwrap();
        assert_eq!(
            s.link,
            Some(LinkId::Netlink {
                protocol: 0,
                portid: 4242,
                dst_portid: 0,
                dst_group: 1
            })
        );
        assert_eq!((s.inode, s.cookie, s.state), (777, 5, State::Close));
        assert!(decode_netlink(&b[..27]).is_err());
    }
}
