//! The packet decoder of the stack's wire tap and the lab. (`scripts/fuzz stack_packet SECONDS`)
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = rnetstat_stack::packet::parse(data);
});
