//! `schemas/` is generated from the code: this test fails when the committed files
//! drift from it. Run with `UPDATE_SCHEMAS=1` to rewrite them after a deliberate
//! change (and raise the event's schema version if old readers cannot take it).
#![allow(missing_docs)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use homeward_domain::event::{EVENT_TYPES, event_schemas};
use homeward_store::codec::StoredRecord;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

fn pretty(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("schema serialises");
    text.push('\n');
    text
}

fn expected() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for (meta, schema) in event_schemas() {
        let mut value = schema.to_value();
        if let Some(obj) = value.as_object_mut() {
            obj.insert("title".into(), meta.name.into());
            obj.insert(
                "$id".into(),
                format!("urn:homeward:event:{}:v{}", meta.name, meta.version).into(),
            );
            obj.insert("x-schema-version".into(), meta.version.into());
        }
        files.push((
            format!("{}.v{}.json", meta.name, meta.version),
            pretty(&value),
        ));
    }
    let envelope = schemars::schema_for!(StoredRecord).to_value();
    files.push(("envelope.json".into(), pretty(&envelope)));
    files
}

#[test]
fn committed_schemas_match_the_code() {
    let update = std::env::var_os("UPDATE_SCHEMAS").is_some();
    let mut drifted = Vec::new();
    for (name, text) in expected() {
        let path = dir().join(&name);
        if update {
            std::fs::write(&path, &text).expect("write schema");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(committed) if committed == text => {}
            Ok(_) => drifted.push(format!("{name} differs from the code")),
            Err(_) => drifted.push(format!("{name} is missing")),
        }
    }
    assert!(
        drifted.is_empty(),
        "schemas/ drifted from the code (UPDATE_SCHEMAS=1 cargo test -p homeward-store --test schemas rewrites them):\n{}",
        drifted.join("\n")
    );
}

#[test]
fn no_schema_of_a_published_version_is_ever_removed() {
    // Every file names a known type at a version no newer than today's; older versions
    // stay as long as upcasters read them.
    let known: BTreeSet<(String, u32)> = EVENT_TYPES
        .iter()
        .flat_map(|m| (1..=m.version).map(|v| (m.name.to_owned(), v)))
        .collect();
    let mut present = BTreeSet::new();
    for entry in std::fs::read_dir(dir()).expect("schemas/ exists") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name == "envelope.json" || name == "README.md" {
            continue;
        }
        let stem = name.strip_suffix(".json").expect("only .json files");
        let (event, version) = stem.rsplit_once(".v").expect("name.vN.json");
        let version: u32 = version.parse().expect("numeric version");
        assert!(
            known.contains(&(event.to_owned(), version)),
            "{name} names no known event version"
        );
        present.insert((event.to_owned(), version));
    }
    let missing: Vec<_> = known.difference(&present).collect();
    assert!(
        missing.is_empty(),
        "schemas of published versions are missing: {missing:?}"
    );
}
