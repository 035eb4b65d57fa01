//! The namespace, process and host rules at their boundaries, from both sides.

use super::*;

const SEC: Duration = Duration::from_secs(1);

fn names(f: &[Finding]) -> Vec<&'static str> {
    f.iter().map(|f| f.verdict.name()).collect()
}

#[test]
fn netns_counters_over_an_interval() {
    let b = NetnsCounters {
        listen_drops: Some(10),
        listen_overflows: Some(10),
        reqq_full_drop: Some(0),
        syncookies_sent: Some(0),
        rcvq_drop: Some(0),
        backlog_drop: Some(0),
        out_rsts: Some(1000),
        memory_pressures: Some(0),
    };
    assert!(netns(&b, &b, SEC).is_empty());
    let mut n = b;
    n.listen_drops = Some(12);
    n.listen_overflows = Some(12);
    let f = netns(&n, &b, SEC);
    assert_eq!(names(&f), ["syn-drops"]);
    assert_eq!(f[0].evidence.int("listen_drops_delta"), Some(2));
    let mut n = b;
    n.syncookies_sent = Some(1);
    assert_eq!(names(&netns(&n, &b, SEC)), ["syn-drops"]);
    let mut n = b;
    n.backlog_drop = Some(1);
    assert_eq!(names(&netns(&n, &b, SEC)), ["rcvq-drops"]);
    // 100 resets a second is the threshold; 99 is not.
    let mut n = b;
    n.out_rsts = Some(1099);
    assert!(netns(&n, &b, SEC).is_empty());
    n.out_rsts = Some(1100);
    assert_eq!(names(&netns(&n, &b, SEC)), ["rst-storm"]);
    n.out_rsts = Some(1199);
    assert!(netns(&n, &b, Duration::from_secs(2)).is_empty());
    // A few resets over a short interval are a high rate but no storm.
    n.out_rsts = Some(1006);
    assert!(netns(&n, &b, Duration::from_millis(50)).is_empty());
    n.out_rsts = Some(1100);
    assert_eq!(
        names(&netns(&n, &b, Duration::from_millis(50))),
        ["rst-storm"]
    );
    // A counter that went backwards (namespace recreated) counts from zero.
    let mut n = b;
    n.listen_drops = Some(3);
    assert_eq!(names(&netns(&n, &b, SEC)), ["syn-drops"]);
}

#[test]
fn ports_to_one_destination() {
    let conn = |lport: u16, dst: &str| {
        Socket::between(
            Proto::Tcp,
            SocketAddr::from(([10, 0, 0, 1], lport)),
            dst.parse().unwrap(),
            State::Established,
        )
    };
    let mut u = PortUse::new(Some((1000, 1099)));
    for p in 1000..1079 {
        u.add(&conn(p, "10.0.0.5:5432"));
    }
    // Outside the range, or to another destination: not counted.
    u.add(&conn(999, "10.0.0.5:5432"));
    u.add(&conn(1090, "10.0.0.6:5432"));
    assert!(u.findings().is_empty(), "79 of 100");
    let mut tw = conn(1079, "10.0.0.5:5432");
    tw.state = State::TimeWait;
    u.add(&tw);
    let f = u.findings();
    assert_eq!(names(&f), ["port-exhaustion"]);
    assert_eq!(f[0].severity, Severity::Warning);
    assert_eq!(f[0].evidence.int("ports_in_use"), Some(80));
    assert_eq!(
        f[0].evidence.get("destination"),
        Some(&Value::Text("10.0.0.5:5432".into()))
    );
    for p in 1080..1095 {
        u.add(&conn(p, "10.0.0.5:5432"));
    }
    assert_eq!(u.findings()[0].severity, Severity::Critical, "95 of 100");
    // No range read: nothing said.
    let mut none = PortUse::new(None);
    none.add(&conn(1000, "10.0.0.5:5432"));
    assert!(none.findings().is_empty());
}

#[test]
fn close_wait_leak_from_ten() {
    assert!(close_wait_leak(9).is_none());
    assert_eq!(
        close_wait_leak(10)
            .unwrap()
            .evidence
            .int("close_wait_sockets"),
        Some(10)
    );
}

#[test]
fn host_limits() {
    let ok = HostState {
        tcp_mem_pages: Some(383884),
        tcp_mem: Some([287913, 383885, 575826]),
        memory_pressures: Some(0),
        orphans: Some(65535),
        max_orphans: Some(131072),
        conntrack_count: Some(899),
        conntrack_max: Some(1000),
        conntrack_drops: Some(0),
    };
    assert!(host(&ok, Some(&ok)).is_empty());
    let mut p = ok;
    p.tcp_mem_pages = Some(383885);
    let f = host(&p, None);
    assert_eq!(names(&f), ["memory-pressure"]);
    assert_eq!(f[0].severity, Severity::Warning);
    p.tcp_mem_pages = Some(575826);
    assert_eq!(host(&p, None)[0].severity, Severity::Critical);
    // Pressure entered and left within the interval.
    let mut e = ok;
    e.memory_pressures = Some(1);
    assert_eq!(names(&host(&e, Some(&ok))), ["memory-pressure"]);
    let mut o = ok;
    o.orphans = Some(65536);
    assert_eq!(names(&host(&o, None)), ["orphans"]);
    let mut c = ok;
    c.conntrack_count = Some(900);
    let f = host(&c, None);
    assert_eq!(names(&f), ["conntrack-full"]);
    assert_eq!(f[0].severity, Severity::Warning);
    let mut d = ok;
    d.conntrack_drops = Some(3);
    let f = host(&d, Some(&ok));
    assert_eq!(f[0].severity, Severity::Critical);
    assert_eq!(f[0].evidence.int("drops_delta"), Some(3));
    // Files missing: nothing said, nothing wrong.
    assert!(host(&HostState::default(), None).is_empty());
}
