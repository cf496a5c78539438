//! Tidy checks of the workspace: the facts ARCHITECTURE.md states that code can check.
//! Crates depend only in the stated direction (read from `cargo metadata`); the
//! domain's default dependencies stay its stated set; every Rust file starts with its
//! `//!` doc; the router and the OpenAPI document agree on every route, whose
//! operationIds are unique; the pages' files are all served; the request fuzz target
//! covers every request body type; no source file is over a thousand lines unless it
//! is listed with a reason.
#![allow(missing_docs, clippy::unwrap_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use support::TestApp;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn metadata() -> Value {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .arg("--manifest-path")
        .arg(workspace().join("Cargo.toml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The crates of the workspace and the workspace crates each depends on (normal and
/// build dependencies; tests and benchmarks may use anything).
fn internal_dependencies(meta: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let packages = meta["packages"].as_array().unwrap();
    let names: BTreeSet<String> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].as_str() != Some("dev"))
                .filter_map(|d| d["name"].as_str())
                .filter(|d| names.contains(*d))
                .map(str::to_owned)
                .collect();
            (p["name"].as_str().unwrap().to_owned(), deps)
        })
        .collect()
}

#[test]
fn crates_depend_only_in_the_stated_direction() {
    // ARCHITECTURE.md: domain ← store ← projections ← service ← notify ← api ← binary,
    // and store ← kafka ← binary. The bench and the end-to-end tests sit on top.
    let layers = [
        "homeward-domain",
        "homeward-store",
        "homeward-projections",
        "homeward-service",
        "homeward-notify",
        "homeward-api",
    ];
    let mut allowed: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (i, name) in layers.iter().enumerate() {
        allowed.insert(name, layers[..i].iter().copied().collect());
    }
    allowed.insert(
        "homeward-kafka",
        ["homeward-domain", "homeward-store"].into(),
    );
    let everything: BTreeSet<&str> = layers.iter().copied().chain(["homeward-kafka"]).collect();
    for top in ["homeward", "homeward-bench", "homeward-tests"] {
        allowed.insert(top, everything.clone());
    }
    let deps = internal_dependencies(&metadata());
    for (name, uses) in &deps {
        let may = allowed
            .get(name.as_str())
            .unwrap_or_else(|| panic!("{name} is not in ARCHITECTURE.md's dependency rule"));
        for dep in uses {
            assert!(
                may.contains(dep.as_str()),
                "{name} depends on {dep}, against the direction ARCHITECTURE.md states"
            );
        }
    }
    assert!(deps.contains_key("homeward-domain"));
}

#[test]
fn the_domain_depends_on_its_stated_set_by_default() {
    // ARCHITECTURE.md: serde (derive only), thiserror, uuid, jiff and imbl; the JSON Schema
    // and OpenAPI derives only behind the `schema` feature.
    let stated: BTreeSet<&str> = ["imbl", "jiff", "serde", "thiserror", "uuid"].into();
    let meta = metadata();
    let domain = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "homeward-domain")
        .unwrap();
    for dep in domain["dependencies"].as_array().unwrap() {
        let name = dep["name"].as_str().unwrap();
        if dep["kind"].as_str() == Some("dev") || dep["optional"] == true {
            continue;
        }
        assert!(
            stated.contains(name),
            "homeward-domain depends on {name} by default; ARCHITECTURE.md says only {stated:?}"
        );
    }
    let default = &domain["features"]["default"];
    assert!(
        default.is_null() || default.as_array().is_some_and(Vec::is_empty),
        "homeward-domain turns features on by default: {default}"
    );
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    files_ending(dir, ".rs", out);
}

fn files_ending(dir: &Path, suffix: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') && name != "node_modules" {
                files_ending(&path, suffix, out);
            }
        } else if name.ends_with(suffix) {
            out.push(path);
        }
    }
}

#[test]
fn every_rust_file_starts_with_its_doc() {
    let root = workspace();
    let mut files = Vec::new();
    for dir in ["crates", "tests", "fuzz"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 50, "only {} Rust files found", files.len());
    let undocumented: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            !first.starts_with("//!")
        })
        .map(|f| f.strip_prefix(&root).unwrap_or(f).display().to_string())
        .collect();
    assert!(
        undocumented.is_empty(),
        "these files do not start with a `//!` doc: {undocumented:?}"
    );
}

/// The most lines of a source file one can hold in one's head.
const MAX_LINES: usize = 1000;

/// The source files allowed over [`MAX_LINES`], and why. A file leaves this list when
/// it is split (the test says so), and none joins it without a reason.
const LONG_FILES: &[(&str, &str)] = &[
    (
        "crates/homeward/src/demo/data.rs",
        "static tables the demo scenario picks from (names, places, carriers, phrases)",
    ),
    (
        "crates/homeward/src/demo/evac.rs",
        "one theatre of the demo scenario, a story told in order; not split yet",
    ),
    (
        "crates/homeward/src/demo/cases.rs",
        "the demo scenario's consular cases, a story told in order; not split yet",
    ),
];

#[test]
fn no_source_file_is_longer_than_one_can_hold_in_ones_head() {
    let root = workspace();
    let mut files = Vec::new();
    for krate in std::fs::read_dir(root.join("crates")).unwrap() {
        rust_files(&krate.unwrap().path().join("src"), &mut files);
    }
    files_ending(&root.join("crates/homeward-api/assets"), ".js", &mut files);
    assert!(files.len() > 50, "only {} source files found", files.len());
    let mut long = Vec::new();
    let mut listed_but_short = Vec::new();
    for file in &files {
        let name = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let lines = std::fs::read_to_string(file).unwrap().lines().count();
        let listed = LONG_FILES.iter().any(|(path, _)| *path == name);
        if lines > MAX_LINES && !listed {
            long.push(format!("{name} ({lines} lines)"));
        } else if lines <= MAX_LINES && listed {
            listed_but_short.push(name);
        }
    }
    assert!(
        long.is_empty(),
        "over {MAX_LINES} lines: split them at their seams (or list them in LONG_FILES with a reason): {long:?}"
    );
    assert!(
        listed_but_short.is_empty(),
        "no longer over {MAX_LINES} lines: take them off LONG_FILES: {listed_but_short:?}"
    );
    for (path, _) in LONG_FILES {
        assert!(
            root.join(path).exists(),
            "LONG_FILES names {path}, which is gone"
        );
    }
}

/// Every operation of the served document: (method, path template).
fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.push((method.clone(), path.clone()));
        }
    }
    out
}

#[tokio::test]
async fn the_router_and_the_document_agree_on_every_route() {
    let app = TestApp::embedded().await;
    let doc = homeward_api::openapi::document_json();
    // Left for the OpenAPI 3.1 validator (tests/fuzz/openapi-validate.sh).
    let copy = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("openapi.json");
    std::fs::write(&copy, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let ops = operations(&doc);
    assert!(ops.len() >= 60, "only {} operations", ops.len());
    let mut ids = BTreeSet::new();
    for (method, template) in &ops {
        let op = &doc["paths"][template][method];
        let id = op["operationId"].as_str().unwrap();
        assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
        // Every documented operation is routed: a request without a token reaches its
        // handler (401 where a token is needed), never the router's 404 or 405.
        let uri = template
            .split('/')
            .map(|part| {
                if part.starts_with('{') {
                    "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
                } else {
                    part
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let uri = if uri.is_empty() { "/".to_owned() } else { uri };
        let request = Request::builder()
            .method(method.to_uppercase().as_str())
            .uri(&uri)
            .body(Body::empty())
            .unwrap();
        let reply = app.send(request).await;
        let secured = op.get("security").is_some();
        if secured {
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{method} {template} is documented but not routed as documented"
            );
        } else {
            assert!(
                reply.status != StatusCode::NOT_FOUND
                    && reply.status != StatusCode::METHOD_NOT_ALLOWED,
                "{method} {template} is documented but not routed ({})",
                reply.status
            );
        }
    }
    // The wall display's files are routed and are not part of the document.
    for asset in homeward_api::routes::ASSETS {
        assert!(
            doc["paths"].get(*asset).is_none(),
            "{asset} is in the document"
        );
        let reply = app
            .send(Request::get(*asset).body(Body::empty()).unwrap())
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{asset}");
    }
}

/// Every file of the wall display and of the field page is served (a module that is
/// not would fail to load in the browser), and every relative `import` of the wall's
/// modules names one of them.
#[test]
fn every_file_of_the_pages_is_served() {
    let assets = workspace().join("crates/homeward-api/assets");
    let served = |path: &str| homeward_api::routes::ASSETS.contains(&path);
    let mut wall_modules = 0;
    for (dir, page) in [("wall", "/"), ("field", "/field")] {
        for entry in std::fs::read_dir(assets.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let at = match name.as_str() {
                "README.md" => continue,
                "index.html" => page.to_owned(),
                _ => format!("/{dir}/{name}"),
            };
            assert!(served(&at), "assets/{dir}/{name} is not served at {at}");
            if dir != "wall" || !name.ends_with(".js") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines().filter(|l| l.starts_with("import ")) {
                wall_modules += 1;
                let target = line
                    .split(" from './")
                    .nth(1)
                    .and_then(|rest| rest.split('\'').next())
                    .unwrap_or_else(|| panic!("assets/wall/{name}: not a relative import: {line}"));
                assert!(
                    served(&format!("/wall/{target}")),
                    "assets/wall/{name} imports ./{target}, which is not served"
                );
            }
        }
    }
    assert!(wall_modules > 0, "no imports found in the wall's modules");
}

#[test]
fn the_request_fuzz_target_covers_every_request_body() {
    let doc = homeward_api::openapi::document_json();
    let fuzzed: BTreeSet<String> = homeward_api::fuzzing::body_types()
        .into_iter()
        .map(|(name, _)| name.into_owned())
        .collect();
    let mut bodies = BTreeSet::new();
    for (method, template) in operations(&doc) {
        let schema = &doc["paths"][&template][&method]["requestBody"]["content"]["application/json"]
            ["schema"]["$ref"];
        if let Some(reference) = schema.as_str() {
            let name = reference.rsplit('/').next().unwrap().to_owned();
            assert!(
                fuzzed.contains(&name),
                "the request fuzz target does not parse {name} ({method} {template})"
            );
            bodies.insert(name);
        }
    }
    assert!(
        bodies.len() >= 30,
        "only {} request body types",
        bodies.len()
    );
}
