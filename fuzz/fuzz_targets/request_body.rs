//! Parsing a request body as every route's body type returns a value or a 400 problem;
//! it never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = homeward_api::fuzzing::request_bodies(data);
});
