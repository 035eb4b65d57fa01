//! What the stack reports about itself over its control socket: one JSON document per
//! request. The engine fills these plain structs inside its poll loop (copies only); the
//! control thread serialises them outside it. `rnetstat --stack user|all` and
//! `rnetstat compare` deserialise the same types.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use rnetstat_model::{State, TcpInfo, TimerKind};

/// Counters of the device layer.
#[derive(Debug, Default, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct DevStats {
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    /// Packets whose virtio header or checksum fields were inconsistent.
    pub rx_bad: u64,
    pub tx_errors: u64,
    /// Kernel GSO super-packets received (more than one segment in one read).
    pub rx_gso: u64,
}

/// Version of the control protocol's reply shape.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub version: u32,
    pub pid: u32,
    pub uid: u32,
    /// Inode of the stack's network namespace (`/proc/thread-self/ns/net`).
    pub netns: u64,
    pub device: String,
    pub mtu: u32,
    pub vnet_hdr: bool,
    /// The stack's own addresses (CIDR).
    pub addresses: Vec<String>,
    pub stats: DevStats,
    /// Connections the wire tap is following.
    pub tap_flows: usize,
    pub sockets: Vec<StackSocket>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StackSocket {
    /// "tcp" or "udp".
    pub proto: String,
    /// The kernel's name for the equivalent state (smoltcp's states map one to one).
    #[serde(with = "state_name")]
    pub state: State,
    pub recv_q: u32,
    pub send_q: u32,
    pub local: SocketAddr,
    pub remote: Option<SocketAddr>,
    pub service: String,
    pub timer: Option<SnapTimer>,
    pub tcp_info: Option<TcpInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapTimer {
    /// netstat's name: "on", "keepalive", "timewait", "probe".
    pub timer: String,
    pub expires_ms: u32,
    pub retrans: u32,
}

impl SnapTimer {
    pub fn kind(&self) -> TimerKind {
        [
            TimerKind::Retransmit,
            TimerKind::KeepAlive,
            TimerKind::TimeWait,
            TimerKind::Probe,
        ]
        .into_iter()
        .find(|k| k.name() == self.timer)
        .unwrap_or(TimerKind::Off)
    }
}

/// The directories holding the stacks' control sockets, in the order they are searched:
/// `$RNETSTAT_RUNTIME_DIR` alone if set, else `$XDG_RUNTIME_DIR/rnetstat` and
/// `/run/rnetstat`.
pub fn runtime_dirs() -> Vec<PathBuf> {
    if let Some(d) = std::env::var_os("RNETSTAT_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return vec![PathBuf::from(d)];
    }
    let mut dirs = Vec::new();
    if let Some(x) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        dirs.push(Path::new(&x).join("rnetstat"));
    }
    dirs.push(PathBuf::from("/run/rnetstat"));
    dirs
}

/// A reply line: a snapshot, or the stack's error message.
pub fn parse_reply(line: &str) -> Result<Snapshot, String> {
    let v: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("malformed reply: {e}"))?;
    if let Some(err) = v.get("error").and_then(|e| e.as_str()) {
        return Err(format!("the stack says: {err}"));
    }
    let snap: Snapshot = serde_json::from_value(v).map_err(|e| format!("unexpected reply: {e}"))?;
    if snap.version != VERSION {
        return Err(format!(
            "control protocol version {} (this rnetstat speaks {VERSION})",
            snap.version
        ));
    }
    Ok(snap)
}

/// The calling thread's network namespace, as the inode number of its ns file.
pub fn current_netns() -> u64 {
    rustix::fs::stat("/proc/thread-self/ns/net").map_or(0, |st| st.st_ino)
}

/// The file name of a stack's control socket: its process and the inode of the network
/// namespace it serves, so that a reader finds it by namespace without asking it.
pub fn socket_name(pid: u32, netns: u64) -> String {
    format!("stack-{pid}-net{netns}.sock")
}

/// What a control socket's file name says (see [`socket_name`]): the stack's pid and the
/// inode of its namespace (`None` in the older `stack-PID.sock`). Only the names a stack
/// writes (no sign, no leading zero) are taken.
pub fn parse_socket_name(name: &str) -> Option<(u32, Option<u64>)> {
    fn number<T: std::str::FromStr + ToString>(s: &str) -> Option<T> {
        s.parse().ok().filter(|v: &T| v.to_string() == s)
    }
    let rest = name.strip_prefix("stack-")?.strip_suffix(".sock")?;
    match rest.split_once("-net") {
        Some((pid, ino)) => Some((number(pid)?, Some(number(ino)?))),
        None => Some((number(rest)?, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_names_say_pid_and_namespace() {
        let name = socket_name(42, 4026531840);
        assert_eq!(name, "stack-42-net4026531840.sock");
        assert_eq!(parse_socket_name(&name), Some((42, Some(4026531840))));
        assert_eq!(parse_socket_name("stack-42.sock"), Some((42, None)));
        for bad in [
            "stack-.sock",
            "stack-x-net1.sock",
            "stack-1-net.sock",
            "other.sock",
            "stack-1",
            "stack-+5-net1.sock",
            "stack-05-net1.sock",
            "stack-5-net01.sock",
            "stack-99999999999999999999-net1.sock",
        ] {
            assert_eq!(parse_socket_name(bad), None, "{bad}");
        }
    }
}

mod state_name {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use rnetstat_model::State;

    pub fn serialize<S: Serializer>(s: &State, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(s.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<State, D::Error> {
        let name = String::deserialize(d)?;
        State::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| D::Error::custom(format!("unknown state {name:?}")))
    }
}
