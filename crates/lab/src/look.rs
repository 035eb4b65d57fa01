//! One look at the scenario's connection from both ends: the kernel's socket from
//! sock_diag, the stack's from its snapshot, reduced to the figures a scenario talks about.
//!
//! Bytes in flight are snd_nxt − snd_una on both sides: for the kernel that is its send
//! queue (write_seq − snd_una, `idiag_wqueue`) less `tcpi_notsent_bytes` (write_seq −
//! snd_nxt); for the stack the wire tap's own snd_nxt and snd_una.

use std::io;

use crate::compare;
use rnetstat_collect as source;
use rnetstat_collect::buffer::Collect;
use rnetstat_collect::netns::Space;
use rnetstat_collect::procfs::ProcRoot;
use rnetstat_model::{Proto, Socket, State, TcpInfo, TimerKind};
use rnetstat_stack::StackHandle;

use super::script::Field;

/// One side's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Side {
    pub state: Option<State>,
    pub timer: Option<TimerKind>,
    pub recv_q: u64,
    pub send_q: u64,
    pub info: TcpInfo,
    /// Bytes the application has read and written (the lab's own count).
    pub read: u64,
    pub written: u64,
}

impl Side {
    pub fn in_flight(&self) -> Option<u64> {
        match (self.info.snd_nxt, self.info.snd_una) {
            (Some(nxt), Some(una)) => Some(u64::from(nxt.wrapping_sub(una))),
            _ => self
                .info
                .notsent_bytes
                .map(|n| self.send_q.saturating_sub(u64::from(n))),
        }
    }

    pub fn unsent(&self) -> Option<u64> {
        match self.info.notsent_bytes {
            Some(n) => Some(u64::from(n)),
            None => self
                .in_flight()
                .map(|f| self.send_q.saturating_sub(f.min(self.send_q))),
        }
    }

    /// A numeric field, `None` when this side does not know it.
    pub fn number(&self, f: Field) -> Option<u64> {
        let i = &self.info;
        let ms = |us: Option<u32>| us.map(|v| u64::from(v) / 1000);
        match f {
            Field::RecvQ => Some(self.recv_q),
            Field::SendQ => Some(self.send_q),
            Field::InFlight => self.in_flight(),
            Field::Unsent => self.unsent(),
            Field::SndWnd => i.snd_wnd.map(u64::from),
            Field::RcvWnd => i.rcv_wnd.map(u64::from),
            Field::Retrans => i.total_retrans.map(u64::from),
            Field::Cwnd => i.snd_cwnd.map(u64::from),
            Field::Rtt => ms(i.rtt),
            Field::Rto => ms(i.rto),
            Field::Read => Some(self.read),
            Field::Written => Some(self.written),
            Field::State | Field::Timer => None,
        }
    }

    /// `ESTABLISHED rq=0 sq=0 wnd=64240/65483 rtt=0.1ms` — for pcap comments and notes.
    pub fn brief(&self) -> String {
        let Some(st) = self.state else {
            return "gone".into();
        };
        let mut s = format!("{st} rq={} sq={}", self.recv_q, self.send_q);
        if let Some(f) = self.in_flight() {
            s += &format!(" inflight={f}");
        }
        if let (Some(sw), Some(rw)) = (self.info.snd_wnd, self.info.rcv_wnd) {
            s += &format!(" wnd={sw}/{rw}");
        }
        if let Some(c) = self.info.snd_cwnd {
            s += &format!(" cwnd={c}");
        }
        if let Some(r) = self.info.rtt {
            s += &format!(" rtt={:.1}ms", f64::from(r) / 1000.0);
        }
        if let Some(r) = self.info.total_retrans.filter(|r| *r > 0) {
            s += &format!(" retrans={r}");
        }
        if let Some(t) = self.timer.filter(|t| *t != TimerKind::Off) {
            s += &format!(" timer={}", t.name());
        }
        s
    }
}

/// Both sides at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Look {
    pub kernel: Side,
    pub stack: Side,
}

/// Every kernel TCP and UDP socket of the lab's namespace, with `tcp_info`, right now.
pub(crate) fn kernel_sockets() -> io::Result<Vec<Socket<'static>>> {
    let mut k = Collect::default();
    let root = ProcRoot::default();
    source::collect(
        &compare::kernel_selection(),
        &root,
        &[Space::here(&root)],
        &[],
        source::Pipeline::plain(&mut k),
    )
    .map_err(|e| io::Error::other(e.to_string()))?;
    Ok(k.sockets)
}

/// Reads the kernel socket on `port` (the connection, or the listener while there is no
/// connection) and the stack's driven socket.
pub fn look(handle: &StackHandle, port: u16) -> io::Result<Look> {
    let sockets = kernel_sockets()?;
    let ours = sockets
        .iter()
        .filter(|s| s.proto == Proto::Tcp && (s.local.port == port || s.remote.port == port));
    let kernel = ours
        .clone()
        .find(|s| s.state != State::Listen && s.state != State::Close)
        .or_else(|| ours.clone().find(|s| s.state == State::Listen))
        .map(|s| Side {
            state: Some(s.state),
            timer: s.timer.map(|t| t.kind),
            recv_q: u64::from(s.recv_q),
            send_q: u64::from(s.send_q),
            info: s.tcp_info.as_deref().copied().unwrap_or_default(),
            ..Side::default()
        })
        .unwrap_or_default();
    let stack = handle
        .snapshot()
        .and_then(|sn| {
            sn.sockets
                .into_iter()
                .find(|s| s.service == rnetstat_stack::services::Service::Lab.name())
        })
        .map(|s| Side {
            state: Some(s.state),
            timer: s.timer.as_ref().map(|t| t.kind()),
            recv_q: u64::from(s.recv_q),
            send_q: u64::from(s.send_q),
            info: s.tcp_info.unwrap_or_default(),
            ..Side::default()
        })
        .unwrap_or_default();
    Ok(Look { kernel, stack })
}
