//! What the stack reports about itself over its control socket: one JSON document per
//! request. The engine fills these plain structs inside its poll loop (copies only); the
//! control thread serialises them outside it. `rnetstat --stack user|all` and
//! `rnetstat compare` deserialise the same types.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use rnetstat_model::{State, TcpInfo, TimerKind};

use super::device::DevStats;

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
