//! Frames from the TUN device into the stack: virtio header, wire tap, smoltcp, services.
//! Run with `cargo fuzz run stack_input` (needs cargo-fuzz and a nightly toolchain).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    rnetstat::stack::fuzz::fuzz_one(data);
});
