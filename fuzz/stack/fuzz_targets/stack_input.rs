//! Frames from the TUN device into the stack: virtio header, wire tap, smoltcp, services. (`scripts/fuzz stack_input SECONDS`)
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rnetstat_stack::fuzz::fuzz_one(data));
