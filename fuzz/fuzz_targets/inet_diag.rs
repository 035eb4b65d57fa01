//! `inet_diag_msg` and its attributes, as TCP, UDP, raw and MPTCP records. (`scripts/fuzz inet_diag SECONDS`)
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rnetstat_diag::fuzzing::run("inet_diag", data));
