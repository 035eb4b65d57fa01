//! The netlink dump loop on one arbitrary datagram, and every sock_diag, rtnetlink and ctnetlink message decoder on each message it yields. (`scripts/fuzz dump_loop SECONDS`)
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rnetstat_diag::fuzzing::run("dump_loop", data));
