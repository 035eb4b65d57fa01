//! `struct tcp_info` of any length. (`scripts/fuzz tcp_info SECONDS`)
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rnetstat_diag::fuzzing::run("tcp_info", data));
