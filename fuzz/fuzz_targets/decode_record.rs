//! Decoding a stored log record (any bytes, as read from the log or a Kafka topic)
//! returns an entry or an error; it never panics.
#![no_main]

use homeward_store::codec::decode_record;
use homeward_store::seal::Keyring;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let keys = Keyring::from_keys([(
        "person-01900000-0000-7000-8000-000000000001".to_owned(),
        [7u8; 32],
    )]);
    let _ = decode_record(1, data, &keys);
});
