//! The /proc/net tables: tcp/udp/raw/unix lines, dev, route, ipv6_route, igmp, igmp6, sockstat, if_inet6. (`scripts/fuzz proc_tables SECONDS`)
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rnetstat_diag::fuzzing::run("proc_tables", data));
