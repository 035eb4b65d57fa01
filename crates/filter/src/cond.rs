//! The predicates of a filter expression and how their arguments are read: hosts and
//! prefixes (`dst`/`src`), ports (`dport`/`sport`), devices, marks, cgroups.
//!
//! Semantics follow ss (`misc/ss.c`, `parse_hostcond`, `run_ssfilter`) and the kernel's
//! bytecode interpreter (`net/ipv4/inet_diag.c`, `inet_diag_bc_run`): a prefix of length 0
//! matches every address; an IPv4 prefix also matches IPv4-mapped IPv6 addresses; an IPv6
//! prefix never matches an IPv4 socket.

use std::net::{IpAddr, Ipv6Addr, ToSocketAddrs};

use rnetstat_model::Family;

/// Local (`src`, `sport`) or remote (`dst`, `dport`) end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Local,
    Remote,
}

/// An address prefix (`10.0.0.0/8`, `[fd00::]/64`, a bare address is a full-length prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefix {
    pub addr: IpAddr,
    pub len: u8,
}

impl Prefix {
    /// The kernel's `bitstring_match` plus its IPv4-mapped rule.
    pub fn matches(&self, a: IpAddr) -> bool {
        if self.len == 0 {
            return true;
        }
        match (self.addr, a) {
            (IpAddr::V4(p), IpAddr::V4(a)) => bits_match(&p.octets(), &a.octets(), self.len),
            (IpAddr::V4(p), IpAddr::V6(a)) => a
                .to_ipv4_mapped()
                .is_some_and(|a| bits_match(&p.octets(), &a.octets(), self.len)),
            (IpAddr::V6(p), IpAddr::V6(a)) => bits_match(&p.octets(), &a.octets(), self.len),
            (IpAddr::V6(_), IpAddr::V4(_)) => false,
        }
    }
}

fn bits_match(p: &[u8], a: &[u8], len: u8) -> bool {
    let len = usize::from(len);
    let (whole, rest) = (len / 8, len % 8);
    if p[..whole] != a[..whole] {
        return false;
    }
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        p[whole] & mask == a[whole] & mask
    }
}

/// `dst`/`src HOST`, and `dport`/`sport = PORT` (a host condition without addresses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCond {
    /// `inet:` / `inet6:` restricts the condition to one family.
    pub family: Option<Family>,
    /// Any of these (a name may resolve to several); empty means any address.
    pub prefixes: Vec<Prefix>,
    pub port: Option<u16>,
}

/// Reads `[inet:|inet6:]HOST[/PREFIX][:PORT]`, `[V6ADDR][/PREFIX][:PORT]`, `*`, `*:PORT`.
/// Host names are resolved; every address they resolve to is tried.
pub fn host(s: &str) -> Result<HostCond, String> {
    let (family, rest) = family_prefix(s);
    let mut c = HostCond {
        family,
        prefixes: Vec::new(),
        port: None,
    };
    let (addr, port) = if let Some(r) = rest.strip_prefix('[') {
        let (inside, after) = r
            .split_once(']')
            .ok_or_else(|| format!("'{s}': '[' without ']'"))?;
        // `[fd00::]/64:22` and `[fd00::/64]:22` are both accepted.
        let (pfx, after) = match after.strip_prefix('/') {
            Some(a) => {
                let (p, port) = a.split_once(':').unwrap_or((a, ""));
                (Some(p), port)
            }
            None => (None, after.strip_prefix(':').unwrap_or(after)),
        };
        let addr = match pfx {
            Some(p) => format!("{inside}/{p}"),
            None => inside.to_string(),
        };
        (addr, after.to_string())
    } else if let Some(p) = rest.strip_prefix('*') {
        (String::new(), p.strip_prefix(':').unwrap_or(p).to_string())
    } else if looks_v6(rest) {
        (rest.to_string(), String::new())
    } else {
        // The port follows the last ':' after any '/': `10.0.0.0/8:22`.
        let cut = rest.find('/').unwrap_or(0);
        match rest[cut..].rfind(':') {
            Some(i) => (rest[..cut + i].to_string(), rest[cut + i + 1..].to_string()),
            None => (rest.to_string(), String::new()),
        }
    };
    if !port.is_empty() && port != "*" {
        c.port = Some(port_number(&port)?);
    }
    if !addr.is_empty() && addr != "*" {
        c.prefixes = prefixes(&addr)?;
    }
    Ok(c)
}

/// `dport`/`sport` values: `[inet:|inet6:][:]PORT`, where PORT is a number, a service
/// name from /etc/services, or `*`.
pub fn port(s: &str) -> Result<(Option<Family>, Option<u16>), String> {
    let (family, rest) = family_prefix(s);
    let p = rest.strip_prefix(':').unwrap_or(rest);
    if p.is_empty() || p == "*" {
        return Ok((family, None));
    }
    Ok((family, Some(port_number(p)?)))
}

fn family_prefix(s: &str) -> (Option<Family>, &str) {
    if let Some(r) = s.strip_prefix("inet6:") {
        (Some(Family::Inet6), r)
    } else if let Some(r) = s.strip_prefix("inet:") {
        (Some(Family::Inet), r)
    } else {
        (None, s)
    }
}

/// True when the whole word (less any `/prefix`) is an IPv6 address, which ss would
/// misread as `addr:port`; we take it as the address it is.
fn looks_v6(s: &str) -> bool {
    let a = s.split_once('/').map_or(s, |(a, _)| a);
    a.parse::<Ipv6Addr>().is_ok()
}

fn prefixes(s: &str) -> Result<Vec<Prefix>, String> {
    let (a, len) = match s.split_once('/') {
        Some((a, l)) => (
            a,
            Some(
                l.parse::<u8>()
                    .map_err(|_| format!("'{l}' is not a prefix length"))?,
            ),
        ),
        None => (s, None),
    };
    let addrs: Vec<IpAddr> = match a.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) if len.is_none() => (a, 0)
            .to_socket_addrs()
            .map_err(|_| format!("'{a}' is neither an address nor a known host name"))?
            .map(|sa| sa.ip())
            .collect(),
        Err(_) => return Err(format!("'{a}' is not an address")),
    };
    let mut v = Vec::new();
    for addr in addrs {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = len.unwrap_or(max);
        if len > max {
            return Err(format!("prefix /{len} is longer than the address"));
        }
        if !v.iter().any(|p: &Prefix| p.addr == addr) {
            v.push(Prefix { addr, len });
        }
    }
    if v.is_empty() {
        return Err(format!("'{a}' resolves to no address"));
    }
    Ok(v)
}

/// A port number or a service name (`/etc/services`, tcp or udp).
fn port_number(p: &str) -> Result<u16, String> {
    if let Ok(n) = p.parse::<u16>() {
        return Ok(n);
    }
    if p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("port {p} is out of range"));
    }
    service_port(
        &std::fs::read_to_string("/etc/services").unwrap_or_default(),
        p,
    )
    .ok_or_else(|| format!("'{p}' does not look like a port"))
}

/// Looks `name` (or an alias) up in services(5) text.
fn service_port(services: &str, name: &str) -> Option<u16> {
    services.lines().find_map(|l| {
        let l = l.split('#').next().unwrap_or("");
        let mut w = l.split_whitespace();
        let first = w.next()?;
        let (port, proto) = w.next()?.split_once('/')?;
        if !matches!(proto, "tcp" | "udp") {
            return None;
        }
        let named = first == name || w.any(|alias| alias == name);
        named.then(|| port.parse().ok()).flatten()
    })
}

/// `dev NAME` or `dev INDEX`.
pub fn device(s: &str) -> Result<u32, String> {
    match rnetstat_sys::net::if_index(s) {
        Ok(i) => Ok(i as u32),
        Err(_) => s.parse::<u32>().map_err(|_| format!("no device '{s}'")),
    }
}

/// `fwmark MARK[/MASK]`, numbers in decimal or 0x hex (ss reads them with `%i`).
pub fn mark(s: &str) -> Result<(u32, u32), String> {
    let num = |t: &str| {
        let r = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            Some(h) => u32::from_str_radix(h, 16),
            None if t.len() > 1 && t.starts_with('0') => u32::from_str_radix(&t[1..], 8),
            None => t.parse(),
        };
        r.map_err(|_| format!("'{t}' is not a mark"))
    };
    match s.split_once('/') {
        Some((m, k)) => Ok((num(m)?, num(k)?)),
        None => Ok((num(s)?, u32::MAX)),
    }
}

/// `cgroup PATH`: the cgroup v2 id, which is the inode number of the cgroup's directory
/// under the cgroup2 mount.
pub fn cgroup(s: &str) -> Result<u64, String> {
    let path = rnetstat_sys::cgroup2_root().join(s.trim_start_matches('/'));
    std::fs::metadata(&path)
        .map(|m| std::os::unix::fs::MetadataExt::ino(&m))
        .map_err(|e| format!("cgroup '{s}': {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(a: &str, len: u8) -> Prefix {
        Prefix {
            addr: a.parse().unwrap(),
            len,
        }
    }

    #[test]
    fn prefix_matching_follows_the_kernel() {
        assert!(p("10.0.0.0", 8).matches("10.1.2.3".parse().unwrap()));
        assert!(!p("10.0.0.0", 8).matches("11.0.0.1".parse().unwrap()));
        assert!(p("10.0.0.0", 8).matches("::ffff:10.9.9.9".parse().unwrap()));
        assert!(!p("::", 1).matches("10.0.0.1".parse().unwrap()));
        assert!(p("::", 0).matches("10.0.0.1".parse().unwrap()));
        assert!(p("fd00::", 60).matches("fd00:0:0:f::1".parse().unwrap()));
        assert!(!p("fd00::", 64).matches("fd00:0:0:f::1".parse().unwrap()));
        assert!(p("127.0.0.1", 31).matches("127.0.0.0".parse().unwrap()));
    }

    macro_rules! hosts {
        ($($name:ident: $text:expr => ($fam:expr, $pfx:expr, $port:expr),)*) => {$(
            #[test]
            fn $name() {
                let c = host($text).unwrap();
                let pfx: Vec<(String, u8)> =
                    c.prefixes.iter().map(|p| (p.addr.to_string(), p.len)).collect();
                let want: Vec<(&str, u8)> = $pfx;
                let want: Vec<(String, u8)> =
                    want.into_iter().map(|(a, l)| (a.to_string(), l)).collect();
                assert_eq!((c.family, pfx, c.port), ($fam, want, $port));
            }
        )*};
    }

    hosts! {
        v4_address: "127.0.0.1" => (None, vec![("127.0.0.1", 32)], None),
        v4_prefix_port: "10.0.0.0/8:22" => (None, vec![("10.0.0.0", 8)], Some(22)),
        v4_port: "127.0.0.1:8080" => (None, vec![("127.0.0.1", 32)], Some(8080)),
        any_port: "*:53" => (None, vec![], Some(53)),
        any: "*" => (None, vec![], None),
        v6_brackets: "[::1]:22" => (None, vec![("::1", 128)], Some(22)),
        v6_bracket_prefix: "[fd00::]/64" => (None, vec![("fd00::", 64)], None),
        v6_bare: "fd00::1" => (None, vec![("fd00::1", 128)], None),
        v6_bare_prefix: "fd00::/16" => (None, vec![("fd00::", 16)], None),
        family_qualified: "inet6:[::]/0:443" => (Some(Family::Inet6), vec![("::", 0)], Some(443)),
        localhost_name: "localhost" => (None, vec![("127.0.0.1", 32)], None),
    }

    #[test]
    fn bad_hosts_say_why() {
        for (bad, why) in [
            ("[::1", "without ']'"),
            ("10.0.0.1/33", "longer than the address"),
            ("10.0.0.1:99999", "out of range"),
            ("no-such-host.invalid", "neither an address"),
            ("10.0.0.1/x", "not a prefix length"),
        ] {
            let e = host(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn ports_names_and_marks() {
        assert_eq!(port(":22").unwrap(), (None, Some(22)));
        assert_eq!(port("443").unwrap(), (None, Some(443)));
        assert_eq!(port("inet6::80").unwrap(), (Some(Family::Inet6), Some(80)));
        assert_eq!(port("*").unwrap(), (None, None));
        let services = "ssh\t\t22/tcp\t\t\t# SSH\nhttp 80/tcp www # WWW\n";
        assert_eq!(service_port(services, "ssh"), Some(22));
        assert_eq!(service_port(services, "www"), Some(80));
        assert_eq!(service_port(services, "nope"), None);
        assert!(port(":nonexistent-service").is_err());
        assert_eq!(mark("0x10/0xff").unwrap(), (16, 255));
        assert_eq!(mark("7").unwrap(), (7, u32::MAX));
        assert!(mark("x").is_err());
    }
}
