//! The kernel's names for drop and reset reasons, read from its BTF
//! (`/sys/kernel/btf/vmlinux`), so they follow the running kernel: `enum skb_drop_reason`
//! (`SKB_DROP_REASON_NO_SOCKET` → `no_socket`) and `enum sk_rst_reason`
//! (`SK_RST_REASON_NOT_SPECIFIED` → `not_specified`). The BTF is read through bounds
//! checks only: a file that does not parse gives no names, never a panic.

use std::collections::HashMap;

/// Reason names by the kernel's numbers.
#[derive(Debug, Default, Clone)]
pub struct Reasons {
    drop: HashMap<u32, String>,
    reset: HashMap<u32, String>,
}

impl Reasons {
    /// From the running kernel's BTF; empty when it cannot be read.
    pub fn from_kernel() -> Reasons {
        std::fs::read("/sys/kernel/btf/vmlinux")
            .ok()
            .map(|b| Reasons::parse(&b))
            .unwrap_or_default()
    }

    /// From a BTF blob.
    pub fn parse(btf: &[u8]) -> Reasons {
        let mut r = Reasons::default();
        for (name, values) in enums(btf).unwrap_or_default() {
            let (map, prefixes): (&mut HashMap<u32, String>, &[&str]) = match name.as_str() {
                "skb_drop_reason" => (&mut r.drop, &["SKB_DROP_REASON_", "SKB_"]),
                "sk_rst_reason" => (&mut r.reset, &["SK_RST_REASON_"]),
                _ => continue,
            };
            for (n, v) in values {
                let short = prefixes
                    .iter()
                    .find_map(|p| n.strip_prefix(p))
                    .unwrap_or(&n);
                map.insert(v, short.to_ascii_lowercase());
            }
        }
        r
    }

    /// A drop reason's name (`reason_N` when the kernel has no name for N).
    pub fn drop(&self, v: u32) -> String {
        self.drop
            .get(&v)
            .cloned()
            .unwrap_or_else(|| format!("reason_{v}"))
    }

    /// A reset reason's name (`reason_N` when the kernel has no name for N).
    pub fn reset(&self, v: u32) -> String {
        self.reset
            .get(&v)
            .cloned()
            .unwrap_or_else(|| format!("reason_{v}"))
    }

    /// Whether the drop reasons were found.
    pub fn known(&self) -> bool {
        !self.drop.is_empty()
    }
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn name_at(strings: &[u8], off: u32) -> Option<String> {
    let s = strings.get(off as usize..)?;
    let end = s.iter().position(|&c| c == 0)?;
    Some(String::from_utf8_lossy(&s[..end]).into_owned())
}

/// Every named enum (`BTF_KIND_ENUM`, `BTF_KIND_ENUM64`) with its enumerators.
#[allow(clippy::type_complexity)]
fn enums(b: &[u8]) -> Option<Vec<(String, Vec<(String, u32)>)>> {
    // struct btf_header: magic u16, version u8, flags u8, hdr_len, type_off, type_len,
    // str_off, str_len (u32 each). BTF is in the host's byte order; the magic tells.
    if b.get(0..2)? != 0xeb9fu16.to_le_bytes() {
        return None;
    }
    let hdr = u32_at(b, 4)? as usize;
    let (type_off, type_len) = (u32_at(b, 8)? as usize, u32_at(b, 12)? as usize);
    let (str_off, str_len) = (u32_at(b, 16)? as usize, u32_at(b, 20)? as usize);
    let types =
        b.get(hdr.checked_add(type_off)?..hdr.checked_add(type_off)?.checked_add(type_len)?)?;
    let strings =
        b.get(hdr.checked_add(str_off)?..hdr.checked_add(str_off)?.checked_add(str_len)?)?;
    let mut out = Vec::new();
    let mut at = 0usize;
    while at + 12 <= types.len() {
        let name_off = u32_at(types, at)?;
        let info = u32_at(types, at + 4)?;
        let kind = (info >> 24) & 0x1f;
        let vlen = (info & 0xffff) as usize;
        at += 12;
        let extra = match kind {
            1 | 14 | 17 => 4,             // INT, VAR, DECL_TAG
            3 => 12,                      // ARRAY
            4 | 5 | 15 | 19 => 12 * vlen, // STRUCT, UNION, DATASEC, ENUM64
            6 | 13 => 8 * vlen,           // ENUM, FUNC_PROTO
            2 | 7..=12 | 16 | 18 => 0,
            _ => return Some(out), // a kind this reader does not know: stop
        };
        let body = types.get(at..at.checked_add(extra)?)?;
        if (kind == 6 || kind == 19) && name_off != 0 {
            let step = if kind == 6 { 8 } else { 12 };
            let mut values = Vec::with_capacity(vlen);
            for k in 0..vlen {
                let n = name_at(strings, u32_at(body, k * step)?)?;
                values.push((n, u32_at(body, k * step + 4)?));
            }
            out.push((name_at(strings, name_off)?, values));
        }
        at += extra;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A BTF blob with one enum, as the kernel lays it out.
    fn blob(enum_name: &str, values: &[(&str, u32)]) -> Vec<u8> {
        let mut strings = vec![0u8];
        let mut add = |s: &str| {
            let off = strings.len() as u32;
            strings.extend_from_slice(s.as_bytes());
            strings.push(0);
            off
        };
        let name = add(enum_name);
        let mut types = Vec::new();
        types.extend_from_slice(&name.to_le_bytes());
        types.extend_from_slice(&((6u32 << 24) | values.len() as u32).to_le_bytes());
        types.extend_from_slice(&4u32.to_le_bytes());
        for (n, v) in values {
            types.extend_from_slice(&add(n).to_le_bytes());
            types.extend_from_slice(&v.to_le_bytes());
        }
        let mut b = Vec::new();
        b.extend_from_slice(&0xeb9fu16.to_le_bytes());
        b.extend_from_slice(&[1, 0]);
        for v in [
            24u32,
            0,
            types.len() as u32,
            types.len() as u32,
            strings.len() as u32,
        ] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&types);
        b.extend_from_slice(&strings);
        b
    }

    #[test]
    fn names_lose_their_prefix() {
        let r = Reasons::parse(&blob(
            "skb_drop_reason",
            &[("SKB_CONSUMED", 1), ("SKB_DROP_REASON_NO_SOCKET", 3)],
        ));
        assert_eq!(r.drop(3), "no_socket");
        assert_eq!(r.drop(1), "consumed");
        assert_eq!(r.drop(77), "reason_77");
        let r = Reasons::parse(&blob(
            "sk_rst_reason",
            &[("SK_RST_REASON_NOT_SPECIFIED", 0)],
        ));
        assert_eq!(r.reset(0), "not_specified");
    }

    #[test]
    fn garbage_gives_no_names() {
        for b in [&b""[..], b"\x9f\xeb", &[0xffu8; 64][..]] {
            assert!(!Reasons::parse(b).known());
        }
        let mut b = blob("skb_drop_reason", &[("SKB_DROP_REASON_NO_SOCKET", 3)]);
        b.truncate(b.len() - 3);
        assert!(!Reasons::parse(&b).known(), "a cut string table");
    }

    #[test]
    fn the_running_kernel_names_no_socket() {
        let r = Reasons::from_kernel();
        if !r.known() {
            eprintln!("skipped: no readable /sys/kernel/btf/vmlinux");
            return;
        }
        assert!((0..200).any(|v| r.drop(v) == "no_socket"));
    }
}
