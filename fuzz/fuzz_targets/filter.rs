//! ss's filter language: the parser, the kernel bytecode compiler, and the compiled program
//! (run by a model of the kernel's interpreter) against the evaluator. (`scripts/fuzz filter SECONDS`)
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rnetstat_filter::fuzzing::differential(data));
