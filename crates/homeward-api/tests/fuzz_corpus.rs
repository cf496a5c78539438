//! Replays the committed corpus of the `request_body` fuzz target (`fuzz/`) with the
//! ordinary test run: every input parses or is refused, never a panic; the
//! well-formed bodies are taken by their route.
#![allow(missing_docs, clippy::unwrap_used)]

use std::path::PathBuf;

use homeward_api::fuzzing::request_bodies;

#[test]
fn the_request_body_corpus_parses_or_is_refused_cleanly() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/request_body");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let taken = request_bodies(&bytes);
        seen += 1;
        match name.as_str() {
            "open_incident" | "report" | "person" | "correction" | "revocation" => {
                assert!(taken >= 1, "{name} was taken by no route")
            }
            "deep_nesting" | "bad_utf8" | "truncated" | "nan" | "unknown_field" | "transport" => {
                assert_eq!(taken, 0, "{name} was taken by {taken} routes")
            }
            _ => {}
        }
    }
    assert!(seen >= 10, "corpus of {seen} inputs in {}", dir.display());
}
