//! ss's filter language: the parser and the kernel bytecode compiler. (`scripts/fuzz filter SECONDS`)
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rnetstat::fuzzing::run("filter", data));
