//! Every connection and listener rule at its boundary, from both sides.

use super::*;

const SEC: Duration = Duration::from_secs(1);

fn est() -> Conn {
    Conn {
        state: Some(State::Established),
        info: true,
        snd_wnd: Some(65535),
        rto_us: 204_000,
        ..Conn::default()
    }
}

fn verdicts(f: &[Finding]) -> Vec<&'static str> {
    f.iter().map(|f| f.verdict.name()).collect()
}

fn busy(c: &mut Conn, busy_ms: u64, rwnd_ms: u64, sndbuf_ms: u64) {
    c.snd_cwnd = 10;
    c.unacked = 10;
    c.busy_us += busy_ms * 1000;
    c.rwnd_limited_us += rwnd_ms * 1000;
    c.sndbuf_limited_us += sndbuf_ms * 1000;
    c.data_segs_out += 100;
    c.bytes_acked += 100_000;
}

#[test]
fn an_idle_connection_has_nothing() {
    let c = est();
    assert!(connection(&c, None).is_empty());
    assert!(connection(&c, Some((&c, SEC))).is_empty());
}

#[test]
fn receiver_limited_at_half_the_busy_time() {
    let b = est();
    let mut n = b;
    busy(&mut n, 800, 400, 0);
    assert_eq!(
        verdicts(&connection(&n, Some((&b, SEC)))),
        ["receiver-limited"]
    );
    let mut n = b;
    busy(&mut n, 800, 399, 0);
    assert_eq!(
        verdicts(&connection(&n, Some((&b, SEC)))),
        ["congestion-limited"]
    );
    let f = &connection(
        &{
            let mut n = b;
            busy(&mut n, 1000, 930, 0);
            n
        },
        Some((&b, SEC)),
    )[0];
    assert_eq!(
        f.evidence.get("rwnd_limited_share"),
        Some(&Value::Share(930_000))
    );
    assert_eq!(f.evidence.int("rwnd_limited_ms"), Some(930));
}

#[test]
fn sender_buffer_limited_at_half_the_busy_time() {
    let b = est();
    let mut n = b;
    busy(&mut n, 600, 0, 300);
    assert_eq!(
        verdicts(&connection(&n, Some((&b, SEC)))),
        ["sender-buffer-limited"]
    );
    let mut n = b;
    busy(&mut n, 600, 0, 299);
    assert_eq!(
        verdicts(&connection(&n, Some((&b, SEC)))),
        ["congestion-limited"]
    );
}

#[test]
fn app_limited_below_half_the_interval_busy() {
    let b = est();
    let mut n = b;
    busy(&mut n, 499, 0, 0);
    assert_eq!(verdicts(&connection(&n, Some((&b, SEC)))), ["app-limited"]);
    let mut n = b;
    busy(&mut n, 500, 0, 0);
    assert_eq!(
        verdicts(&connection(&n, Some((&b, SEC)))),
        ["congestion-limited"]
    );
    // Busy, no limit dominant, the congestion window not full: nothing to blame.
    let mut n = b;
    busy(&mut n, 900, 0, 0);
    n.unacked = 9;
    assert!(connection(&n, Some((&b, SEC))).is_empty());
    n.ca_state = CA_RECOVERY;
    assert_eq!(
        verdicts(&connection(&n, Some((&b, SEC)))),
        ["congestion-limited"]
    );
    // Under MIN_BUSY with data sent: still the application.
    let mut n = b;
    busy(&mut n, 9, 9, 0);
    assert_eq!(verdicts(&connection(&n, Some((&b, SEC)))), ["app-limited"]);
    // Nothing sent: nothing to say.
    let mut n = b;
    n.busy_us += 5000;
    assert!(connection(&n, Some((&b, SEC))).is_empty());
    // Every limit verdict is information or a warning, never critical.
    for f in connection(&n, Some((&b, SEC))) {
        assert!(f.severity < Severity::Critical);
    }
}

#[test]
fn zero_window_needs_waiting_data_or_probes() {
    let mut n = est();
    n.snd_wnd = Some(0);
    assert!(
        connection(&n, None).is_empty(),
        "a zero window with nothing to send"
    );
    n.send_q = 1;
    let f = connection(&n, None);
    assert_eq!(verdicts(&f), ["zero-window"]);
    assert_eq!(f[0].evidence.int("snd_wnd"), Some(0));
    n.send_q = 0;
    n.probes = 2;
    assert_eq!(verdicts(&connection(&n, None)), ["zero-window"]);
    // An older kernel without snd_wnd: the probe timer.
    let mut old = est();
    old.snd_wnd = None;
    old.send_q = 10;
    assert!(connection(&old, None).is_empty());
    old.probe_timer = true;
    assert_eq!(verdicts(&connection(&old, None)), ["zero-window"]);
}

#[test]
fn stalled_when_nothing_is_acked_for_longer_than_the_rto() {
    let mut b = est();
    b.send_q = 1000;
    let n = b;
    assert_eq!(verdicts(&connection(&n, Some((&b, SEC)))), ["stalled"]);
    assert_eq!(
        connection(&n, Some((&b, SEC)))[0].severity,
        Severity::Critical
    );
    // An interval no longer than the RTO proves nothing...
    assert!(connection(&n, Some((&b, Duration::from_millis(204)))).is_empty());
    // ...unless the timer already fired unanswered: a black hole, whose backed-off RTO
    // outgrows any interval, is stalled, not congestion-limited.
    let mut hole = n;
    hole.backoff = 4;
    hole.rto_us = 6_400_000;
    hole.ca_state = CA_LOSS;
    hole.busy_us += 1_000_000;
    hole.unacked = 10;
    hole.snd_cwnd = 1;
    let f = connection(&hole, Some((&b, SEC)));
    assert_eq!(verdicts(&f), ["stalled"]);
    // One byte acknowledged: moving.
    let mut m = n;
    m.bytes_acked += 1;
    assert!(!verdicts(&connection(&m, Some((&b, SEC)))).contains(&"stalled"));
    // Empty at the first sample: nothing waited the whole interval.
    let mut e = b;
    e.send_q = 0;
    assert!(connection(&n, Some((&e, SEC))).is_empty());
    // A zero window explains it: zero-window, not stalled.
    let mut z = n;
    z.snd_wnd = Some(0);
    assert_eq!(verdicts(&connection(&z, Some((&b, SEC)))), ["zero-window"]);
}

#[test]
fn retransmitting_tells_timeouts_from_fast() {
    let b = est();
    let mut n = b;
    n.data_segs_out += 100;
    n.total_retrans += 1;
    let f = connection(&n, Some((&b, SEC)));
    assert_eq!(verdicts(&f), ["retransmitting", "app-limited"]);
    assert_eq!(f[0].evidence.get("kind"), Some(&Value::Word("fast")));
    assert_eq!(
        f[0].severity,
        Severity::Warning,
        "1 of 100 is the threshold"
    );
    n.data_segs_out += 1;
    assert_eq!(connection(&n, Some((&b, SEC)))[0].severity, Severity::Info);
    n.total_rto += 1;
    let f = connection(&n, Some((&b, SEC)));
    assert_eq!(f[0].evidence.get("kind"), Some(&Value::Word("timeout")));
    assert_eq!(f[0].evidence.int("rto_timeouts"), Some(1));
    assert_eq!(f[0].severity, Severity::Warning);
    // Spurious retransmits (D-SACKed) do not count towards the share...
    let mut s = b;
    s.data_segs_out += 200;
    s.total_retrans += 5;
    s.dsack_dups += 4;
    let f = connection(&s, Some((&b, SEC)));
    assert_eq!(f[0].severity, Severity::Info);
    assert_eq!(f[0].evidence.int("spurious"), Some(4));
    // ...and when every one was needless (reordering), there is no finding at all.
    s.dsack_dups += 1;
    assert!(!verdicts(&connection(&s, Some((&b, SEC)))).contains(&"retransmitting"));
}

#[test]
fn one_sample_sees_a_loss_in_progress() {
    let mut n = est();
    n.total_retrans = 50;
    assert!(
        connection(&n, None).is_empty(),
        "old retransmits are history"
    );
    n.ca_state = CA_LOSS;
    n.backoff = 1;
    let f = connection(&n, None);
    assert_eq!(verdicts(&f), ["retransmitting"]);
    assert_eq!(f[0].evidence.get("kind"), Some(&Value::Word("timeout")));
    n.ca_state = CA_RECOVERY;
    n.backoff = 0;
    assert_eq!(
        connection(&n, None)[0].evidence.get("kind"),
        Some(&Value::Word("fast"))
    );
}

#[test]
fn unread_over_an_interval_is_exact() {
    let mut b = est();
    b.recv_q = 1000;
    b.bytes_received = 5000;
    let mut n = b;
    n.recv_q = 3000;
    n.bytes_received = 7000;
    assert_eq!(verdicts(&connection(&n, Some((&b, SEC)))), ["unread"]);
    // One byte read: the application reads.
    n.recv_q = 2999;
    assert!(connection(&n, Some((&b, SEC))).is_empty());
    // Nothing queued at the first sample: it may have just arrived.
    let mut e = b;
    e.recv_q = 0;
    e.bytes_received = 7000 - 3000;
    n.recv_q = 3000;
    assert!(connection(&n, Some((&e, SEC))).is_empty());
}

#[test]
fn unread_from_one_sample_waits_a_second() {
    let mut n = est();
    n.recv_q = 1234;
    n.last_data_recv_us = 999_999;
    assert!(connection(&n, None).is_empty());
    n.last_data_recv_us = 1_000_000;
    let f = connection(&n, None);
    assert_eq!(verdicts(&f), ["unread"]);
    assert_eq!(f[0].evidence.int("recv_q"), Some(1234));
}

#[test]
fn the_peers_fin_is_not_unread_data() {
    let mut b = est();
    b.state = Some(State::CloseWait);
    b.recv_q = 1;
    b.bytes_received = 10;
    assert_eq!(verdicts(&connection(&b, Some((&b, SEC)))), ["close-wait"]);
    let mut d = b;
    d.recv_q = 11;
    d.bytes_received = 20;
    let mut n = d;
    n.bytes_received = 20;
    let f = connection(&n, Some((&d, SEC)));
    assert_eq!(verdicts(&f), ["close-wait", "unread"]);
    assert_eq!(f[1].evidence.int("unread_bytes"), Some(10));
}

#[test]
fn close_wait_over_the_interval() {
    let mut n = est();
    n.state = Some(State::CloseWait);
    assert_eq!(verdicts(&connection(&n, None)), ["close-wait"]);
    assert_eq!(verdicts(&connection(&n, Some((&n, SEC)))), ["close-wait"]);
    // Just entered: the application may be closing it.
    assert!(connection(&n, Some((&est(), SEC))).is_empty());
}

#[test]
fn connect_retrying_after_one_resent_syn() {
    let mut n = est();
    n.state = Some(State::SynSent);
    assert!(connection(&n, None).is_empty());
    n.timer_retrans = 1;
    let f = connection(&n, None);
    assert_eq!(verdicts(&f), ["connect-retrying"]);
    assert_eq!(f[0].evidence.int("syn_retransmits"), Some(1));
}

#[test]
fn listener_boundaries() {
    let l = |recv_q, send_q| Conn {
        state: Some(State::Listen),
        recv_q,
        send_q,
        ..Conn::default()
    };
    let v = |c: &Conn, b: Option<&Conn>| listener(c, b, None).map(|f| f.verdict.name());
    assert_eq!(v(&l(2, 2), None), Some("listen-overflow"));
    assert_eq!(v(&l(3, 2), None), Some("listen-overflow"));
    assert_eq!(v(&l(1, 0), None), Some("listen-overflow"));
    assert_eq!(v(&l(0, 0), None), None, "an empty queue is not full");
    assert_eq!(v(&l(8, 10), None), Some("accept-queue-high"));
    assert_eq!(v(&l(7, 10), None), None);
    assert_eq!(v(&l(0, 4096), None), None);
    // Full at the first sample, drained by the second: it overflowed over the interval.
    assert_eq!(v(&l(0, 2), Some(&l(2, 2))), Some("listen-overflow"));
    let f = listener(&l(3, 2), None, Some(4)).unwrap();
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.evidence.int("listen_overflows_delta"), Some(4));
    assert!(
        connection(&l(3, 2), None).is_empty(),
        "a listener is not a connection"
    );
}
