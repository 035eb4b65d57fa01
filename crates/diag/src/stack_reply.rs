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
