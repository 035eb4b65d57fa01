//! Socket states as the kernel numbers them.
//!
//! `include/net/tcp_states.h`: TCP, UDP, RAW and UNIX sockets all report `sk_state` from this
//! one enumeration, so one type serves every protocol. Names are the kernel's without `TCP_`.

use std::fmt;

/// A kernel socket state (`sk_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum State {
    Established = 1,
    SynSent = 2,
    SynRecv = 3,
    FinWait1 = 4,
    FinWait2 = 5,
    TimeWait = 6,
    Close = 7,
    CloseWait = 8,
    LastAck = 9,
    Listen = 10,
    Closing = 11,
    NewSynRecv = 12,
}

impl State {
    /// Every state, in kernel order.
    pub const ALL: [State; 12] = [
        State::Established,
        State::SynSent,
        State::SynRecv,
        State::FinWait1,
        State::FinWait2,
        State::TimeWait,
        State::Close,
        State::CloseWait,
        State::LastAck,
        State::Listen,
        State::Closing,
        State::NewSynRecv,
    ];

    /// The state for a raw `sk_state` byte, `None` for numbers the kernel does not define
    /// (13 is `TCP_BOUND_INACTIVE`, which is only dumped when asked for, and we never ask).
    pub fn from_kernel(n: u8) -> Option<State> {
        State::ALL.get(usize::from(n).checked_sub(1)?).copied()
    }

    /// The bit for this state in an `idiag_states` / `udiag_states` mask.
    pub fn bit(self) -> u32 {
        1 << (self as u32)
    }

    /// The kernel's name without `TCP_`, as netstat and the JSON contract print it.
    pub fn name(self) -> &'static str {
        match self {
            State::Established => "ESTABLISHED",
            State::SynSent => "SYN_SENT",
            State::SynRecv => "SYN_RECV",
            State::FinWait1 => "FIN_WAIT1",
            State::FinWait2 => "FIN_WAIT2",
            State::TimeWait => "TIME_WAIT",
            State::Close => "CLOSE",
            State::CloseWait => "CLOSE_WAIT",
            State::LastAck => "LAST_ACK",
            State::Listen => "LISTEN",
            State::Closing => "CLOSING",
            State::NewSynRecv => "NEW_SYN_RECV",
        }
    }
}

impl State {
    /// The state named as [`State::name`] prints it.
    pub fn from_name(n: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.name() == n)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of states, in the kernel's mask layout (bit n = state n).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateMask(pub u32);

impl StateMask {
    /// Every state a dump can return without walking the bind table: bits 0..=11.
    /// (ss's `SS_ALL`; `!0` would set bit 13, `TCP_BOUND_INACTIVE`, and make the kernel walk
    /// the bind hash too.)
    pub const ALL: StateMask = StateMask(0xfff);

    pub fn contains(self, s: State) -> bool {
        self.0 & s.bit() != 0
    }

    pub fn with(self, s: State) -> StateMask {
        StateMask(self.0 | s.bit())
    }

    pub fn without(self, s: State) -> StateMask {
        StateMask(self.0 & !s.bit())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_numbers_round_trip() {
        for s in State::ALL {
            assert_eq!(State::from_kernel(s as u8), Some(s));
        }
        assert_eq!(State::from_kernel(0), None);
        assert_eq!(State::from_kernel(13), None);
        assert_eq!(State::from_kernel(255), None);
    }

    #[test]
    fn mask_all_never_asks_for_bound_inactive() {
        // Bit 13 is TCP_BOUND_INACTIVE; bit 12 (NEW_SYN_RECV) the kernel adds itself when
        // SYN_RECV is asked for.
        assert_eq!(StateMask::ALL.0 & (1 << 13), 0);
        assert!(StateMask::ALL.contains(State::Closing));
        assert!(
            !StateMask::ALL
                .without(State::Listen)
                .contains(State::Listen)
        );
    }
}
