//! The /proc fallback on fixture files: a fake procfs root passed in through `World`.

use std::fs;

use rnetstat::cli::Cli;
use rnetstat::cmd::{World, run};
use rnetstat::config::Config;
use rnetstat::source::procfs::ProcRoot;

use clap::Parser;

fn render(args: &[&str], files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("net")).unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    let mut argv = vec!["rnetstat", "--source", "proc"];
    argv.extend_from_slice(args);
    let cfg = Config::from_cli(&Cli::try_parse_from(argv).unwrap()).unwrap();
    let mut world = World {
        out: Vec::new(),
        proc_root: ProcRoot(dir.path().to_path_buf()),
        tty: false,
    };
    run(&cfg, &mut world).unwrap();
    String::from_utf8(world.out).unwrap()
}

const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0016 00000000:0000 0A 00000000:00000002 00:00000000 00000000     0        0 100 1 0000000000000000 100 0 0 10 0
   1: 0100007F:9C40 0100007F:0016 01 00000010:00000000 02:000AF0E6 00000000  1000        0 101 2 0000000000000000 20 4 30 10 -1
   2: this line is bogus
";
const TCP6: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:A000 06 00000000:00000000 03:00000F5A 00000000     0        0 0 3 0000000000000000
";

#[test]
fn proc_tables_render_as_netstat() {
    let out = render(&["-tan"], &[("net/tcp", TCP), ("net/tcp6", TCP6)]);
    assert_eq!(
        out,
        "Active Internet connections (servers and established)
Proto Recv-Q Send-Q Local Address           Foreign Address         State      
tcp        2      0 127.0.0.1:22            0.0.0.0:*               LISTEN     
tcp        0     16 127.0.0.1:40000         127.0.0.1:22            ESTABLISHED
tcp6       0      0 127.0.0.1:8080          127.0.0.1:40960         TIME_WAIT  
"
    );
}

#[test]
fn bogus_lines_become_warnings_in_json() {
    let out = render(&["-ta", "--json"], &[("net/tcp", TCP)]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sockets"].as_array().unwrap().len(), 2);
    let w = v["warnings"][0].as_str().unwrap();
    assert!(w.contains("net/tcp:4") && w.contains("bogus"), "{w}");
}

#[test]
fn missing_tables_are_empty_and_timers_print() {
    // 0xAF0E6 USER_HZ ticks = 717030 centiseconds = 7170.30 s
    let out = render(&["-tno"], &[("net/tcp", TCP)]);
    assert!(out.contains("ESTABLISHED keepalive (7170.30/0/0)"), "{out}");
    let out = render(
        &["-xa"],
        &[(
            "net/unix",
            "Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 5000 /run/a b.sock
0000000000000000: 00000003 00000000 00000000 0002 03 5001 @evil\x1b[2J
",
        )],
    );
    assert_eq!(
        out,
        "Active UNIX domain sockets (servers and established)
Proto RefCnt Flags       Type       State         I-Node   Path
unix  2      [ ACC ]     STREAM     LISTENING     5000     /run/a b.sock
unix  3      [ ]         DGRAM      CONNECTED     5001     @evil?[2J
"
    );
}

/// `-s` on damaged counter files: the readable sections print, each bad pair of lines is
/// named in a warning, and a missing `/proc/net/snmp` is a clear error.
#[test]
fn odd_counter_files_give_warnings_not_panics() {
    let snmp = "Ip: Forwarding DefaultTTL InReceives\nIp: 1 64 9\n\
                Tcp: ActiveOpens PassiveOpens\nTcp: 3\n\
                Udp: InDatagrams NoPorts\nUdp: 5 x\n\
                Icmp: InMsgs\n";
    let netstat = "TcpExt: TW TCPTimeouts SomethingNew\nTcpExt: 0 6 18446744073709551615\n";
    let snmp6 = "Ip6InReceives 4\n\u{1b}[31m\nUdp6InDatagrams 2 3\n";
    let out = render(
        &["-s", "--json"],
        &[
            ("net/snmp", snmp),
            ("net/netstat", netstat),
            ("net/snmp6", snmp6),
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let names: Vec<&str> = v["statistics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["section"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ip", "TcpExt"]);
    assert_eq!(
        v["statistics"][1]["counters"]["SomethingNew"],
        serde_json::json!(u64::MAX)
    );
    let w: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(
        w,
        [
            "/proc/net/snmp:3-4: the counts of names and values differ, skipped",
            "/proc/net/snmp:5-6: a value is not a number, skipped",
            "/proc/net/snmp:7: a line of names without values",
            "/proc/net/snmp6:2: not a `name value` line, skipped",
            "/proc/net/snmp6:3: not a `name value` line, skipped",
        ]
    );

    let text = render(&["-s"], &[("net/snmp", snmp), ("net/netstat", netstat)]);
    assert_eq!(
        text,
        "Ip:\n    Forwarding: 1\n    9 total packets received\nTcpExt:\n    \
         TCPTimeouts: 6\n    SomethingNew: 18446744073709551615\n"
    );
    let six = render(
        &["-s", "-6", "--json"],
        &[("net/snmp", snmp), ("net/snmp6", snmp6)],
    );
    let v: serde_json::Value = serde_json::from_str(&six).unwrap();
    assert_eq!(v["statistics"][0]["counters"]["Ip6InReceives"], 4);
    assert_eq!(v["warnings"].as_array().unwrap().len(), 5, "{v}");

    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::from_cli(&Cli::try_parse_from(["rnetstat", "-s"]).unwrap()).unwrap();
    let mut world = World {
        out: Vec::new(),
        proc_root: ProcRoot(dir.path().to_path_buf()),
        tty: false,
    };
    let err = run(&cfg, &mut world).unwrap_err().to_string();
    assert!(
        err.starts_with("cannot read ") && err.contains("net/snmp"),
        "{err}"
    );
}
