//! `rnetstat serve`'s request parser. (`scripts/fuzz http_request SECONDS`)
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = rnetstat_exporter::http::parse(data);
});
