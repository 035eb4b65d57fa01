//! A request line on the stack's control socket. (`scripts/fuzz control_request SECONDS`)
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rnetstat::fuzzing::run("control_request", data));
