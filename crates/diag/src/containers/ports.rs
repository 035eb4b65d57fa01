//! Published ports, from the runtimes' own records on disk: which host port leads to which
//! container address and port.
//!
//! - podman (and anything else using CNI): `/var/lib/cni/results/<network>-<id>-<ifname>`,
//!   the CNI result of the container's network setup: `capabilityArgs.portMappings`
//!   (`hostPort`, `containerPort`, `protocol`) and the container's addresses
//!   (`result.ips[].address`, CIDR). The container id is in the file name.
//! - docker: `/var/lib/docker/containers/<id>/hostconfig.json` (`PortBindings`:
//!   `"8080/tcp": [{"HostIp", "HostPort"}]`) and `config.v2.json`
//!   (`NetworkSettings.Networks.*.IPAddress`).

use std::fs;
use std::net::IpAddr;
use std::path::Path;

use serde_json::Value;

/// One published port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// `"tcp"` or `"udp"`.
    pub proto: String,
    pub host_port: u16,
    /// The container's id (64 hex digits), as its runtime names it.
    pub container_id: String,
    pub address: Option<IpAddr>,
    pub port: u16,
    /// `"podman"` (CNI) or `"docker"`.
    pub source: &'static str,
}

/// Every published port the records under `root` (`/` on a host) describe.
pub fn mappings(root: &Path) -> Vec<Mapping> {
    let mut v = Vec::new();
    if let Ok(dir) = fs::read_dir(root.join("var/lib/cni/results")) {
        for e in dir.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Ok(text) = fs::read_to_string(e.path()) {
                v.extend(cni(&name, &text));
            }
        }
    }
    if let Ok(dir) = fs::read_dir(root.join("var/lib/docker/containers")) {
        for e in dir.flatten() {
            let id = e.file_name().to_string_lossy().into_owned();
            let read = |f: &str| fs::read_to_string(e.path().join(f)).unwrap_or_default();
            v.extend(docker(
                &id,
                &read("hostconfig.json"),
                &read("config.v2.json"),
            ));
        }
    }
    v
}

/// A CNI result file: `<network>-<64 hex id>-<ifname>`.
pub(crate) fn cni(file_name: &str, text: &str) -> Vec<Mapping> {
    let Some(id) = file_name
        .split('-')
        .find(|p| p.len() == 64 && p.bytes().all(|b| b.is_ascii_hexdigit()))
    else {
        return Vec::new();
    };
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    let address = v["result"]["ips"].as_array().and_then(|ips| {
        ips.iter().find_map(|ip| {
            ip["address"]
                .as_str()?
                .split('/')
                .next()?
                .parse::<IpAddr>()
                .ok()
        })
    });
    let Some(maps) = v["capabilityArgs"]["portMappings"].as_array() else {
        return Vec::new();
    };
    maps.iter()
        .filter_map(|m| {
            Some(Mapping {
                proto: m["protocol"].as_str().unwrap_or("tcp").to_ascii_lowercase(),
                host_port: u16::try_from(m["hostPort"].as_u64()?).ok()?,
                container_id: id.to_string(),
                address,
                port: u16::try_from(m["containerPort"].as_u64()?).ok()?,
                source: "podman",
            })
        })
        .collect()
}

/// docker's records of one container.
pub fn docker(id: &str, hostconfig: &str, config: &str) -> Vec<Mapping> {
    let Ok(h) = serde_json::from_str::<Value>(hostconfig) else {
        return Vec::new();
    };
    let address = serde_json::from_str::<Value>(config).ok().and_then(|c| {
        c["NetworkSettings"]["Networks"]
            .as_object()?
            .values()
            .find_map(|n| n["IPAddress"].as_str()?.parse::<IpAddr>().ok())
    });
    let Some(bindings) = h["PortBindings"].as_object() else {
        return Vec::new();
    };
    let mut v = Vec::new();
    for (key, hosts) in bindings {
        let Some((port, proto)) = key.split_once('/') else {
            continue;
        };
        let Ok(port) = port.parse::<u16>() else {
            continue;
        };
        for b in hosts.as_array().into_iter().flatten() {
            if let Some(hp) = b["HostPort"].as_str().and_then(|p| p.parse::<u16>().ok()) {
                v.push(Mapping {
                    proto: proto.to_ascii_lowercase(),
                    host_port: hp,
                    container_id: id.to_string(),
                    address,
                    port,
                    source: "docker",
                });
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "636e20d28002b47ba193ff438dced98aa439cbb40ea74348415cdbb63d91421a";

    #[test]
    fn cni_result_of_podman() {
        let text = r#"{"kind":"cniCacheV1","containerId":"x","config":"e30=","ifName":"eth0","networkName":"podman","cniArgs":[["K8S_POD_NAME","web1"]],"capabilityArgs":{"aliases":{"podman":["636e20d28002"]},"portMappings":[{"hostPort":18080,"containerPort":8080,"protocol":"tcp"}]},"result":{"cniVersion":"0.4.0","interfaces":[{"name":"eth0"}],"ips":[{"version":"4","interface":2,"address":"10.88.0.3/16","gateway":"10.88.0.1"}]}}"#;
        let m = cni(&format!("podman-{ID}-eth0"), text);
        assert_eq!(
            m,
            vec![Mapping {
                proto: "tcp".into(),
                host_port: 18080,
                container_id: ID.into(),
                address: Some("10.88.0.3".parse().unwrap()),
                port: 8080,
                source: "podman",
            }]
        );
        assert!(cni("podman-short-eth0", text).is_empty());
        assert!(cni(&format!("podman-{ID}-eth0"), "{not json").is_empty());
        assert!(cni(&format!("podman-{ID}-eth0"), r#"{"result":{}}"#).is_empty());
    }

    #[test]
    fn docker_port_bindings() {
        let host = r#"{"PortBindings":{"8080/tcp":[{"HostIp":"","HostPort":"18080"},{"HostIp":"::","HostPort":"18081"}],"53/udp":[{"HostIp":"127.0.0.1","HostPort":"5353"}],"bad":[{}]}}"#;
        let cfg = r#"{"NetworkSettings":{"Networks":{"bridge":{"IPAddress":"172.17.0.2"}}}}"#;
        let mut m = docker(ID, host, cfg);
        m.sort_by_key(|m| m.host_port);
        assert_eq!(m.len(), 3);
        assert_eq!(
            (m[0].proto.as_str(), m[0].host_port, m[0].port),
            ("udp", 5353, 53)
        );
        assert_eq!((m[1].host_port, m[1].port), (18080, 8080));
        assert_eq!(m[1].address, Some("172.17.0.2".parse().unwrap()));
        assert_eq!(m[2].host_port, 18081);
        assert!(docker(ID, "", cfg).is_empty());
    }
}
