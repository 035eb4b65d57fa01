//! A request line on the stack's control socket. (`scripts/fuzz control_request SECONDS`)
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = rnetstat_stack::control::parse_request(&String::from_utf8_lossy(data));
});
