//! The lab's scenario format. (`scripts/fuzz lab_script SECONDS`)
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = rnetstat_lab::script::parse(&String::from_utf8_lossy(data));
});
