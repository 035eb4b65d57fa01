//! `/proc/net/if_inet6`: the IPv6 addresses `-ie` prints.

use rnetstat_model::iface::Inet6;

/// `/proc/net/if_inet6` (net/ipv6/addrconf.c `if6_seq_show`): `address ifindex prefixlen
/// scope flags name`, hex.
pub fn parse_if_inet6(text: &str, warnings: &mut Vec<String>) -> Vec<(String, Inet6)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let parsed = (f.len() == 6 && f[0].len() == 32)
            .then(|| {
                Some(Inet6 {
                    address: u128::from_str_radix(f[0], 16).ok()?.into(),
                    prefix_len: u8::from_str_radix(f[2], 16).ok()?,
                    scope: u32::from_str_radix(f[3], 16).ok()?,
                })
            })
            .flatten();
        match parsed {
            Some(a) => out.push((f[5].to_string(), a)),
            None if line.trim().is_empty() => {}
            None => warnings.push(format!(
                "/proc/net/if_inet6:{}: not an address line, skipped",
                n + 1
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_inet6_lines() {
        let text = "00000000000000000000000000000001 01 80 10 80       lo\n\
                    fe800000000000000000000000000001 02 40 20 80 va\n\
                    zz 01 80 10 80 lo\n";
        let mut w = Vec::new();
        let got = parse_if_inet6(text, &mut w);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, "lo");
        assert_eq!(got[0].1.address.to_string(), "::1");
        assert_eq!((got[0].1.prefix_len, got[0].1.scope), (128, 0x10));
        assert_eq!((got[1].0.as_str(), got[1].1.scope), ("va", 0x20));
        assert_eq!(w, ["/proc/net/if_inet6:3: not an address line, skipped"]);
    }
}
