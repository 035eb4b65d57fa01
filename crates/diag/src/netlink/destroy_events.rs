//! TCP sockets as the kernel destroys them: sock_diag's multicast groups
//! `SKNLGRP_INET_TCP_DESTROY` and `SKNLGRP_INET6_TCP_DESTROY` (include/uapi/linux/sock_diag.h,
//! what `ss -E` listens to). Each destroyed socket arrives as one `inet_diag_msg` with its
//! final `tcp_info` (`INET_DIAG_INFO`), so a connection that opened and closed between two
//! dumps is still seen, with its byte counters. Joining the groups needs CAP_NET_ADMIN.

use rnetstat_model::{Proto, Socket as Record};

/// `SKNLGRP_INET_TCP_DESTROY`, `SKNLGRP_INET6_TCP_DESTROY`.
pub const GROUPS: [u32; 2] = [1, 3];
/// `NLMSG_NOOP`, `NLMSG_ERROR`, `NLMSG_DONE`, `NLMSG_OVERRUN`: not socket messages.
const CONTROL: u16 = 4;

/// The payloads of the socket messages in one datagram.
pub fn messages(mut b: &[u8]) -> Vec<&[u8]> {
    let mut v = Vec::new();
    while b.len() >= 16 {
        let len = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as usize;
        let kind = u16::from_ne_bytes([b[4], b[5]]);
        if len < 16 || len > b.len() {
            break;
        }
        if kind > CONTROL {
            v.push(&b[16..len]);
        }
        b = b.get(len.next_multiple_of(4)..).unwrap_or(&[]);
    }
    v
}

/// One destroyed TCP socket.
pub fn decode(payload: &[u8]) -> Option<Record<'_>> {
    super::inet::InetDiagMsg::new_checked(payload)
        .ok()?
        .to_socket(Proto::Tcp)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datagrams_split_into_socket_messages() {
        let msg = |kind: u16, body: usize| {
            let len = 16 + body;
            let mut m = (len as u32).to_ne_bytes().to_vec();
            m.extend_from_slice(&kind.to_ne_bytes());
            m.extend_from_slice(&[0; 10]);
            m.resize(len.next_multiple_of(4), 0xaa);
            m
        };
        let d = [msg(20, 72), msg(3, 4), msg(20, 80)].concat();
        let v = messages(&d);
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].len(), v[1].len()), (72, 80));
        // Lengths that do not fit end the walk; nothing panics.
        let mut bad = d.clone();
        bad[0..4].copy_from_slice(&9999u32.to_ne_bytes());
        assert!(messages(&bad).is_empty());
        for cut in 0..d.len() {
            let _ = messages(&d[..cut]);
            let _ = decode(&d[16..cut.max(16)]);
        }
    }
}
