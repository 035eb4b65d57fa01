//! The Internet checksum (RFC 1071): the one's-complement sum the device uses to check the
//! TCP segments the kernel did not mark as its own partial checksums, and the pseudo-header
//! sum the device leaves in every TCP segment it hands the kernel with `NEEDS_CSUM`.

/// RFC 1071 one's-complement sum, folded to 16 bits.
pub(crate) fn ones_sum(data: &[u8]) -> u16 {
    let mut acc: u64 = 0;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        let (s, carry) = acc.overflowing_add(w);
        acc = s + u64::from(carry);
    }
    let rest = chunks.remainder();
    let mut tail = [0u8; 8];
    tail[..rest.len()].copy_from_slice(rest);
    let (s, carry) = acc.overflowing_add(u64::from_be_bytes(tail));
    acc = s + u64::from(carry);
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// Where a TCP segment sits in an IP packet: (IP header length, IPv6). `None` for anything
/// else, fragments and IPv6 extension headers included.
pub(crate) fn tcp_layout(p: &[u8]) -> Option<(usize, bool)> {
    let (ip_hlen, v6) = match p.first()? >> 4 {
        4 if p.len() >= 20 && p[9] == 6 => {
            if u16::from_be_bytes([p[6], p[7]]) & 0x3fff != 0 {
                return None;
            }
            (usize::from(p[0] & 0x0f) * 4, false)
        }
        6 if p.len() >= 40 && p[6] == 6 => (40, true),
        _ => return None,
    };
    (ip_hlen >= 20 && p.len() >= ip_hlen + 20).then_some((ip_hlen, v6))
}

/// The TCP pseudo-header's one's-complement sum (RFC 9293 §3.1, RFC 8200 §8.1), not
/// complemented, for the segment after `ip_hlen` bytes of `p`.
pub(crate) fn pseudo_sum(p: &[u8], ip_hlen: usize, v6: bool) -> u16 {
    let tcp_len = p.len() - ip_hlen;
    let mut pseudo = [0u8; 40];
    let n = if v6 {
        pseudo[..32].copy_from_slice(&p[8..40]);
        pseudo[32..36].copy_from_slice(&(tcp_len as u32).to_be_bytes());
        pseudo[39] = 6;
        40
    } else {
        pseudo[..8].copy_from_slice(&p[12..20]);
        pseudo[9] = 6;
        pseudo[10..12].copy_from_slice(&(tcp_len as u16).to_be_bytes());
        12
    };
    ones_sum(&pseudo[..n])
}

/// One's-complement addition of two folded sums.
fn add(a: u16, b: u16) -> u16 {
    let s = u32::from(a) + u32::from(b);
    ((s & 0xffff) + (s >> 16)) as u16
}

/// Whether the TCP checksum of IP packet `p` is right; `None` when `p` is not TCP (see
/// [`tcp_layout`]).
pub(crate) fn tcp_ok(p: &[u8]) -> Option<bool> {
    let (ip_hlen, v6) = tcp_layout(p)?;
    let total = if v6 {
        40 + usize::from(u16::from_be_bytes([p[4], p[5]]))
    } else {
        usize::from(u16::from_be_bytes([p[2], p[3]]))
    };
    let p = p.get(..total).filter(|p| p.len() >= ip_hlen + 20)?;
    Some(add(pseudo_sum(p, ip_hlen, v6), ones_sum(&p[ip_hlen..])) == 0xffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ones_sum_matches_rfc1071_example() {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        assert_eq!(
            ones_sum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            0xddf2
        );
        assert_eq!(ones_sum(&[0xff]), 0xff00);
    }

    #[test]
    fn tcp_checksums_are_checked() {
        // IPv4 10.0.0.1 → 10.0.0.2, TCP 1 → 2, SYN, checksum filled below.
        let mut p = vec![
            0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, //
            0, 1, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
        ];
        let c = !add(pseudo_sum(&p, 20, false), ones_sum(&p[20..]));
        p[36..38].copy_from_slice(&c.to_be_bytes());
        assert_eq!(tcp_ok(&p), Some(true));
        p[30] ^= 1;
        assert_eq!(tcp_ok(&p), Some(false));
        p[9] = 17;
        assert_eq!(tcp_ok(&p), None, "not TCP");
        assert_eq!(tcp_ok(&p[..10]), None);
    }
}
