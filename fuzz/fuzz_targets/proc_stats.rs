//! /proc/net/snmp, netstat, snmp6 and sctp/snmp. (`scripts/fuzz proc_stats SECONDS`)
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rnetstat_diag::fuzzing::run("proc_stats", data));
