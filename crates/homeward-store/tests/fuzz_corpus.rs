//! Replays the committed corpus of the `decode_record` fuzz target (`fuzz/`) with the
//! ordinary test run: every input decodes or fails with an error, never a panic; the
//! well-formed ones decode.
#![allow(missing_docs, clippy::unwrap_used)]

use std::path::PathBuf;

use homeward_store::LogEntry;
use homeward_store::codec::decode_record;
use homeward_store::seal::Keyring;

#[test]
fn the_decode_record_corpus_decodes_or_fails_cleanly() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/decode_record");
    let keys = Keyring::from_keys([(
        "person-01900000-0000-7000-8000-000000000001".to_owned(),
        [7u8; 32],
    )]);
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let decoded = decode_record(1, &bytes, &keys);
        seen += 1;
        match name.as_str() {
            "event_current" | "event_v1_upcast" | "rejection" => {
                assert!(decoded.is_ok(), "{name}: {decoded:?}")
            }
            // No key for this person: the sealed fields read as erased.
            "person_sealed_erased" => match decoded {
                Ok(LogEntry::Event(e)) => {
                    let text = format!("{:?}", e.event);
                    assert!(text.contains("date_of_birth: None"), "{text}");
                }
                other => panic!("{name}: {other:?}"),
            },
            _ => assert!(decoded.is_err(), "{name} decoded: {decoded:?}"),
        }
    }
    assert!(seen >= 10, "corpus of {seen} inputs in {}", dir.display());
}
