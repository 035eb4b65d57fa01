//! Parser, evaluator and compiler tests. The compiler is checked against the evaluator by
//! running every program through a model of the kernel's interpreter on a grid of sockets.

use super::bytecode::vm;
use super::*;

fn parse(s: &str) -> Filter {
    Filter::parse(&[s]).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn err(s: &str) -> FilterError {
    Filter::parse(&[s]).expect_err(s)
}

fn sock(local: &str, remote: &str) -> Socket<'static> {
    let (l, r) = (local.parse().unwrap(), remote.parse().unwrap());
    Socket::between(Proto::Tcp, l, r, State::Established)
}

macro_rules! selects {
    ($($name:ident: $expr:expr => [$($yes:expr),*] not [$($no:expr),*],)*) => {$(
        #[test]
        fn $name() {
            let f = parse($expr);
            $( let (l, r) = $yes; assert!(f.matches(&sock(l, r)), "{} should match {l} {r}", $expr); )*
            $( let (l, r) = $no; assert!(!f.matches(&sock(l, r)), "{} should not match {l} {r}", $expr); )*
        }
    )*};
}

selects! {
    dport_eq: "dport = :22" => [("127.0.0.1:5000", "127.0.0.1:22")] not [("127.0.0.1:22", "127.0.0.1:5000")],
    dport_bare_number: "dport 22" => [("127.0.0.1:5000", "127.0.0.1:22")] not [("127.0.0.1:5000", "127.0.0.1:23")],
    sport_ranges: "sport >= :1000 and sport lt :2000" =>
        [("127.0.0.1:1000", "1.1.1.1:1"), ("127.0.0.1:1999", "1.1.1.1:1")]
        not [("127.0.0.1:999", "1.1.1.1:1"), ("127.0.0.1:2000", "1.1.1.1:1")],
    sport_gt_le: "sport > :10 && sport <= :11" => [("127.0.0.1:11", "1.1.1.1:1")] not [("127.0.0.1:10", "1.1.1.1:1"), ("127.0.0.1:12", "1.1.1.1:1")],
    ne: "dport != :80" => [("127.0.0.1:1", "1.1.1.1:81")] not [("127.0.0.1:1", "1.1.1.1:80")],
    dst_prefix: "dst 10.0.0.0/8" => [("127.0.0.1:1", "10.2.3.4:5"), ("[::1]:1", "[::ffff:10.1.1.1]:5")] not [("127.0.0.1:1", "11.0.0.1:5"), ("[::1]:1", "[fd00::1]:5")],
    src_v6_brackets: "src [fd00::]/16:443" => [("[fd00::7]:443", "[::1]:1")] not [("[fd00::7]:444", "[::1]:1"), ("10.0.0.1:443", "1.1.1.1:1")],
    not_and_parens: "not ( sport = :1 or sport = :2 )" => [("127.0.0.1:3", "1.1.1.1:1")] not [("127.0.0.1:1", "1.1.1.1:1"), ("127.0.0.1:2", "1.1.1.1:1")],
    // ss groups and/or left to right: (a or b) and c.
    left_to_right: "sport = :1 or sport = :2 and dport = :9" =>
        [("127.0.0.1:1", "1.1.1.1:9"), ("127.0.0.1:2", "1.1.1.1:9")]
        not [("127.0.0.1:1", "1.1.1.1:8")],
    juxtaposition_is_and: "sport = :1 dport = :9" => [("127.0.0.1:1", "1.1.1.1:9")] not [("127.0.0.1:1", "1.1.1.1:8")],
    family_qualified: "src inet6:*:80" => [("[::]:80", "[::]:0")] not [("0.0.0.0:80", "0.0.0.0:0")],
    star_any: "dst *" => [("127.0.0.1:1", "1.1.1.1:1")] not [],
}

#[test]
fn state_filters() {
    let f = parse("state established");
    assert_eq!(f.states, Some(StateMask(State::Established.bit())));
    assert!(f.expr.is_none());
    let f = parse("exclude listening exclude time-wait dport = :1");
    let m = f.states.unwrap();
    assert!(!m.contains(State::Listen) && !m.contains(State::TimeWait));
    assert!(m.contains(State::Established) && m.contains(State::Close));
    assert!(f.expr.is_some());
    let f = parse("state connected");
    assert!(!f.state_ok(State::Listen) && !f.state_ok(State::Close));
    assert!(f.state_ok(State::TimeWait) && f.state_ok(State::NewSynRecv));
    let f = parse("state bucket state syn-sent");
    let m = f.states.unwrap();
    assert_eq!(
        m.0,
        State::SynRecv.bit() | State::TimeWait.bit() | State::SynSent.bit()
    );
    assert!(parse("").is_empty());
}

#[test]
fn errors_point_at_the_token() {
    // Found by the `filter` fuzz target: deep nesting overflowed the stack.
    let e = err(&format!("{}sport = :1", "( ".repeat(10_000)));
    assert!(e.msg.contains("nested more than"), "{}", e.msg);
    let e = err(&format!("{}sport = :1", "not ".repeat(10_000)));
    assert!(e.msg.contains("nested more than"), "{}", e.msg);
    let e = err(&vec!["sport = :1"; 10_000].join(" or "));
    assert!(e.msg.contains("terms"), "{}", e.msg);
    assert!(Filter::parse(&[&vec!["sport = :1"; 100].join(" or ")]).is_ok());
    let e = err("state establish");
    assert!(e.msg.contains("unknown state 'establish'"), "{}", e.msg);
    assert_eq!(&e.text[e.span.clone()], "establish");
    let e = err("dport = :22 or bogus 5");
    assert_eq!(&e.text[e.span.clone()], "bogus");
    let e = err("dport > :abcxyz");
    assert_eq!(&e.text[e.span.clone()], ":abcxyz");
    let e = err("( sport = :1");
    assert!(e.msg.contains("not closed"), "{}", e.msg);
    let e = err("sport = :1 )");
    assert_eq!(&e.text[e.span.clone()], ")");
    let e = err("dst");
    assert!(e.msg.contains("needs a value"), "{}", e.msg);
    assert_eq!(e.span.start, e.text.len());
    let e = err("dst 10.0.0.1/40");
    assert_eq!(&e.text[e.span.clone()], "10.0.0.1/40");
    let e = err("or dport = :1");
    assert_eq!(&e.text[e.span.clone()], "or");
    let e = err("dev < lo");
    assert_eq!(&e.text[e.span.clone()], "<");
    assert!(e.to_string().contains("\n      ^"), "{e}");
}

#[test]
fn unix_paths_and_autobound() {
    let f = parse("src unix:/run/*.sock");
    let mut u = Socket::blank(Proto::Unix, Family::Unix, rnetstat_model::SockType::Stream);
    u.path = Some(b"/run/Foo.sock");
    assert!(f.matches(&u), "case-insensitive like ss");
    u.path = Some(b"/tmp/foo.sock");
    assert!(!f.matches(&u));
    let auto = parse("autobound");
    u.path = Some(b"\x00abc12");
    assert!(auto.matches(&u));
    u.path = Some(b"\x00named");
    assert!(!auto.matches(&u));
    u.path = None;
    assert!(auto.matches(&u));
    assert!(glob_match(b"a[b-d]?e*", b"ACxeZZ"));
    assert!(!glob_match(b"a[!b-d]e", b"ace"));
    assert!(glob_match(b"*", b""));
}

/// Every expression compiles to a program the kernel's audit accepts, and that program
/// selects exactly what the evaluator selects, on a grid of sockets of both families.
#[test]
fn bytecode_agrees_with_the_evaluator() {
    let exprs = [
        "dport = :22",
        "sport >= :1000 and sport < :2000",
        "dport > :20 or sport le :5",
        "not dport = :22",
        "! ( dport = :22 or dport = :80 ) and src 127.0.0.0/8",
        "dst 10.0.0.0/8 or dst [fd00::]/16",
        "src [::1] or src 127.0.0.1:22",
        "sport = :1 or sport = :2 and dport = :9",
        "not ( not sport = :22 )",
        "dport != :80 or ( dst 10.1.0.0/16 and not sport <= :1000 )",
        "src inet:*:22 or src inet6:*:23",
        "autobound and dport = :22",
        "dev = 3 or dev != 4",
        "fwmark 0x10/0xf0 or cgroup /",
        "dst 0.0.0.0/0 and sport = :22",
        "dst localhost",
    ];
    let grid = vm::Grid {
        v4: &["10.1.2.3", "127.0.0.1", "192.168.0.1"],
        v6: &["::1", "fd00::5", "::ffff:10.1.9.9", "::ffff:127.0.0.1"],
        ports: &[1, 2, 5, 9, 20, 21, 22, 23, 80, 999, 1000, 1500, 2000, 40000],
    };
    for text in exprs {
        assert_eq!(vm::agrees(&parse(text), &grid), Ok(true), "{text}");
    }
}

#[test]
fn folding_by_family() {
    let f = parse("src inet6:*:22");
    assert_eq!(f.for_family(Family::Inet), Some(Expr::Const(false)));
    let f = parse("dst [fd00::1]");
    assert_eq!(f.for_family(Family::Inet), Some(Expr::Const(false)));
    assert!(matches!(f.for_family(Family::Inet6), Some(Expr::Pred(_))));
    let f = parse("dst * or dport = :1");
    assert_eq!(f.for_family(Family::Inet), Some(Expr::Const(true)));
    let f = parse("src unix:/tmp/* or dport = :1");
    assert!(matches!(f.for_family(Family::Inet), Some(Expr::Pred(_))));
}

#[test]
fn remote_hints() {
    let h = |w: &str| {
        Filter::parse(&w.split(' ').collect::<Vec<_>>())
            .unwrap()
            .remote_hint()
    };
    let a: std::net::IpAddr = "10.0.0.5".parse().unwrap();
    assert_eq!(h("dst 10.0.0.5 and dport = :5432"), (vec![a], Some(5432)));
    assert_eq!(h("dport = :22"), (vec![], Some(22)));
    assert_eq!(h("dst 10.0.0.0/8"), (vec![], None));
    assert_eq!(h("dst 10.0.0.5 or dport = :22"), (vec![], None));
    assert_eq!(h("not dst 10.0.0.5"), (vec![], None));
    assert_eq!(h("src 10.0.0.5"), (vec![], None));
}
