//! cgroup paths, conntrack's /proc table and the stack's control replies. (`scripts/fuzz runtime_files SECONDS`)
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rnetstat_diag::fuzzing::run("runtime_files", data));
