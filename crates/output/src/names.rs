//! Turning numbers into names, as netstat does without `-n`: hosts by reverse lookup
//! (cached, within a time budget), ports from `/etc/services`, raw protocols from
//! `/etc/protocols`, users through NSS.

use std::collections::HashMap;
use std::fs;
use std::net::IpAddr;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use rnetstat_model::Proto;
use rnetstat_sys as sys;

use super::addr;

/// How long reverse lookups may take in all before the rest are printed numerically.
const LOOKUP_BUDGET: Duration = Duration::from_secs(3);

/// Which columns stay numeric (`-n`, `--numeric-hosts`, `--numeric-ports`, `--numeric-users`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Numeric {
    pub hosts: bool,
    pub ports: bool,
    pub users: bool,
}

/// Service names by (protocol, port).
#[derive(Debug, Default)]
pub struct Services {
    map: HashMap<(Proto, u16), String>,
}

impl Services {
    /// Loads `/etc/services` and `/etc/protocols` (missing files mean no names).
    pub fn load() -> Services {
        let services = fs::read_to_string("/etc/services").unwrap_or_default();
        let protocols = fs::read_to_string("/etc/protocols").unwrap_or_default();
        Services::parse(&services, &protocols)
    }

    /// Later lines win over earlier ones, and protocols over services for raw, as in
    /// net-tools (its lists are built by prepending).
    pub fn parse(services: &str, protocols: &str) -> Services {
        let mut map = HashMap::new();
        for line in services.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut f = line.split_ascii_whitespace();
            let (Some(name), Some(pp)) = (f.next(), f.next()) else {
                continue;
            };
            let Some((port, proto)) = pp.split_once('/') else {
                continue;
            };
            let Ok(port) = port.parse::<u16>() else {
                continue;
            };
            let proto = match proto {
                "tcp" => Proto::Tcp,
                "udp" => Proto::Udp,
                "raw" => Proto::Raw,
                _ => continue,
            };
            map.insert((proto, port), name.to_string());
        }
        for line in protocols.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut f = line.split_ascii_whitespace();
            let (Some(name), Some(num)) = (f.next(), f.next()) else {
                continue;
            };
            let Ok(num) = num.parse::<u16>() else {
                continue;
            };
            map.insert((Proto::Raw, num), name.to_string());
        }
        Services { map }
    }

    pub fn get(&self, proto: Proto, port: u16) -> Option<&str> {
        self.map.get(&(proto, port)).map(String::as_str)
    }
}

/// Resolves and caches names for one run.
pub struct Names {
    pub numeric: Numeric,
    services: Option<Services>,
    hosts: HashMap<IpAddr, Option<String>>,
    networks: Option<Vec<(u32, String)>>,
    users: HashMap<u32, Option<String>>,
    budget_left: Duration,
    /// Set once the budget ran out; printed as a warning by the caller.
    pub lookups_timed_out: bool,
}

impl Names {
    pub fn new(numeric: Numeric) -> Names {
        Names {
            numeric,
            services: None,
            hosts: HashMap::new(),
            networks: None,
            users: HashMap::new(),
            budget_left: LOOKUP_BUDGET,
            lookups_timed_out: false,
        }
    }

    /// Appends netstat's port text: `*` for 0, else a service name or the number.
    pub fn push_port(&mut self, buf: &mut String, proto: Proto, port: u16) {
        if port == 0 {
            buf.push('*');
            return;
        }
        if !self.numeric.ports {
            let services = self.services.get_or_insert_with(Services::load);
            if let Some(name) = services.get(proto, port) {
                super::sanitize::push_sanitized(buf, name.as_bytes());
                return;
            }
        }
        addr::push_u64(buf, u64::from(port));
    }

    /// Appends netstat's host text (net-tools `INET_rresolve` / `INET6_rresolve`).
    pub fn push_host(&mut self, buf: &mut String, a: IpAddr) {
        if !self.numeric.hosts {
            let special = match a {
                // netstat resolves 0.0.0.0 to itself, and skips host lookups for addresses
                // whose last octet is 0 (it asks /etc/networks instead; we print them).
                IpAddr::V4(v4) => v4.is_unspecified() || v4.octets()[3] == 0,
                IpAddr::V6(v6) if v6.is_unspecified() => {
                    buf.push_str("[::]");
                    return;
                }
                IpAddr::V6(_) => false,
            };
            if !special && let Some(name) = self.lookup(a) {
                super::sanitize::push_sanitized(buf, name.as_bytes());
                return;
            }
        }
        push_number(buf, a);
    }

    /// Appends the name of host `a` or, without one (or with `-n`), its number; unlike
    /// [`Self::push_host`] every address is looked up (netstat -r's gateways and host
    /// routes).
    pub fn push_host_lookup(&mut self, buf: &mut String, a: IpAddr) {
        if !self.numeric.hosts
            && let Some(name) = self.lookup(a)
        {
            super::sanitize::push_sanitized(buf, name.as_bytes());
            return;
        }
        push_number(buf, a);
    }

    /// Appends the `/etc/networks` name of network `net` or, without one (or with `-n`),
    /// its number (glibc `getnetbyaddr`, as netstat -r asks it).
    pub fn push_network(&mut self, buf: &mut String, net: std::net::Ipv4Addr) {
        if !self.numeric.hosts {
            let nets = self.networks.get_or_insert_with(|| {
                std::fs::read_to_string("/etc/networks")
                    .map(|t| super::networks::parse(&t))
                    .unwrap_or_default()
            });
            if let Some((_, name)) = nets.iter().find(|(n, _)| *n == u32::from(net)) {
                super::sanitize::push_sanitized(buf, name.as_bytes());
                return;
            }
        }
        addr::push_ipv4(buf, net);
    }

    fn lookup(&mut self, a: IpAddr) -> Option<&str> {
        if !self.hosts.contains_key(&a) {
            let name = if self.budget_left.is_zero() {
                None
            } else {
                let (tx, rx) = mpsc::channel();
                let started = Instant::now();
                thread::spawn(move || {
                    let _ = tx.send(sys::reverse_lookup(a));
                });
                let r = rx.recv_timeout(self.budget_left);
                self.budget_left = self.budget_left.saturating_sub(started.elapsed());
                match r {
                    Ok(name) => name,
                    Err(_) => {
                        self.budget_left = Duration::ZERO;
                        self.lookups_timed_out = true;
                        None
                    }
                }
            };
            self.hosts.insert(a, name);
        }
        self.hosts.get(&a).and_then(|n| n.as_deref())
    }

    /// Appends a user name, or the uid when numeric or unknown.
    pub fn push_user(&mut self, buf: &mut String, uid: u32) {
        if !self.numeric.users {
            let name = self.users.entry(uid).or_insert_with(|| sys::user_name(uid));
            if let Some(n) = name {
                super::sanitize::push_sanitized(buf, n.as_bytes());
                return;
            }
        }
        addr::push_u64(buf, u64::from(uid));
    }
}

/// An address as netstat prints it when it has no name.
fn push_number(buf: &mut String, a: IpAddr) {
    match a {
        IpAddr::V4(v4) => addr::push_ipv4(buf, v4),
        IpAddr::V6(v6) => addr::push_ipv6_netstat(buf, v6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_later_lines_win_and_protocols_name_raw() {
        let s = Services::parse(
            "ssh 22/tcp # SSH\nfirst 99/udp\nsecond 99/udp\nbad line\nx 70000/tcp\n",
            "icmp 1 ICMP\nipv6-icmp 58 IPv6-ICMP # comment\n",
        );
        assert_eq!(s.get(Proto::Tcp, 22), Some("ssh"));
        assert_eq!(s.get(Proto::Udp, 22), None);
        assert_eq!(s.get(Proto::Udp, 99), Some("second"));
        assert_eq!(s.get(Proto::Raw, 1), Some("icmp"));
        assert_eq!(s.get(Proto::Raw, 58), Some("ipv6-icmp"));
    }

    #[test]
    fn numeric_ports_and_hosts() {
        let mut n = Names::new(Numeric {
            hosts: true,
            ports: true,
            users: true,
        });
        let mut b = String::new();
        n.push_port(&mut b, Proto::Tcp, 0);
        b.push(' ');
        n.push_port(&mut b, Proto::Tcp, 22);
        b.push(' ');
        n.push_host(&mut b, "::".parse().unwrap());
        b.push(' ');
        n.push_user(&mut b, 0);
        assert_eq!(b, "* 22 :: 0");
    }

    #[test]
    fn symbolic_unspecified_hosts() {
        let mut n = Names::new(Numeric::default());
        let mut b = String::new();
        n.push_host(&mut b, "0.0.0.0".parse().unwrap());
        b.push(' ');
        n.push_host(&mut b, "::".parse().unwrap());
        assert_eq!(b, "0.0.0.0 [::]");
    }
}
