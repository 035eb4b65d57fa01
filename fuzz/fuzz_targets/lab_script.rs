//! The lab's scenario format. (`scripts/fuzz lab_script SECONDS`)
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rnetstat::fuzzing::run("lab_script", data));
