//! `rnetstat serve`'s request parser on arbitrary bytes: a request or a refusal, never a
//! panic (`RUSTC_BOOTSTRAP=1 cargo fuzz run -s none http_request`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(r)) = rnetstat::serve::http::parse(data) {
        assert!(r.path.starts_with('/'));
    }
});
