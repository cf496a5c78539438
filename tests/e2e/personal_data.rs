//! Personal data at rest, on the real binary: a planted name, passport number, phone
//! and birth date (and a hotline caller's name and phone) are in no byte of the data
//! directory (log, snapshot, notifications, any file) nor in the server's log output,
//! before or after an erasure and across restarts from the snapshot; an online backup
//! verifies, holds nothing in clear and restores only with the key-encryption key; a
//! wrong key-encryption key makes the server refuse to start.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use homeward_tests::{Api, Server, binary, cli, token};
use serde_json::{Value, json};

use homeward_tests::canary::{
    ALL, BIRTH, CALLER, CALLER_PHONE, NAME, PASSPORT, PERSON, PHONE, files_holding as in_clear,
};

fn none_in(text: &str, needles: &[&str], what: &str) {
    for needle in needles {
        assert!(!text.contains(needle), "{needle} in {what}: {text}");
    }
}

async fn get(api: &Api, path: &str) -> anyhow::Result<Value> {
    let r = api.get(path).send().await?;
    assert!(r.status().is_success(), "{path}: {}", r.status());
    Ok(r.json().await?)
}

/// Starts `serve` expecting it to refuse: returns its exit success and what it said.
fn refused_start(data_dir: &Path, extra: &[&str]) -> anyhow::Result<(bool, String)> {
    let mut child = Command::new(binary()?)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child.stderr.take().expect("stderr");
    let mut said = String::new();
    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
        said.push_str(&line);
        said.push('\n');
        if line.contains("Homeward is serving") {
            let _ = child.kill();
            break;
        }
    }
    let status = child.wait()?;
    Ok((status.success(), said))
}

#[tokio::test]
async fn planted_personal_data_never_rests_in_clear_and_an_erasure_survives_restarts()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let duty = token(&data, "wei.zhang", "duty_officer")?;
    let admin = token(&data, "root", "admin")?;
    let auditor = token(&data, "audit", "auditor")?;
    let mut logs = String::new();
    let server = Server::start_logging(&data, "127.0.0.1:0", &[], "debug")?;
    let api = Api::new(&server.base, &duty);
    let r = api
        .post("/v1/persons")
        .json(
            &json!({"full_name": NAME, "date_of_birth": BIRTH, "nationality": "GB",
            "passport_number": PASSPORT, "phone": PHONE}),
        )
        .send()
        .await?;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await?["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let r = api
        .post("/v1/calls")
        .json(&json!({"caller_name": CALLER, "caller_phone": CALLER_PHONE,
            "summary": "Her brother has not called since Monday", "person_id": id}))
        .send()
        .await?;
    assert_eq!(r.status(), 201);
    let person = get(&api, &format!("/v1/persons/{id}")).await?;
    assert_eq!(person["full_name"], NAME);
    assert_eq!(person["passport_number"], PASSPORT);

    // An online backup while the server runs: verified, nothing in clear.
    let copy = dir.path().join("backup");
    let (status, stdout, stderr) = cli(&[
        "backup",
        "--data-dir",
        &data.to_string_lossy(),
        "--to",
        &copy.to_string_lossy(),
    ])?;
    assert!(status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("audit chain intact"), "{stdout}");
    let (status, stdout, _) = cli(&["audit", "verify", "--data-dir", &copy.to_string_lossy()])?;
    assert!(status.success(), "{stdout}");
    assert!(
        in_clear(&copy, &ALL).is_empty(),
        "{:?}",
        in_clear(&copy, &ALL)
    );
    assert!(!copy.join("personal-data.kek").exists());
    // Backing up over something is refused.
    let (status, _, stderr) = cli(&[
        "backup",
        "--data-dir",
        &data.to_string_lossy(),
        "--to",
        &copy.to_string_lossy(),
    ])?;
    assert!(!status.success());
    assert!(stderr.contains("not an empty directory"), "{stderr}");

    // Stopped, the server writes its snapshot: sealed like the log.
    let (status, out) = server.stop_with_output()?;
    assert!(status.success());
    logs.push_str(&out);
    assert!(data.join("projections.snapshot").exists());
    assert!(
        in_clear(&data, &ALL).is_empty(),
        "{:?}",
        in_clear(&data, &ALL)
    );

    // Restarted from the snapshot, the record opens again.
    let server = Server::start_logging(&data, "127.0.0.1:0", &[], "info")?;
    let api = Api::new(&server.base, &duty);
    let person = get(&api, &format!("/v1/persons/{id}")).await?;
    assert_eq!(person["full_name"], NAME);
    assert_eq!(person["phone"], PHONE);
    let found = get(&api, "/v1/persons?q=canarywright").await?;
    assert_eq!(found["persons"].as_array().map(Vec::len), Some(1));

    // Erase.
    let r = Api::new(&server.base, &admin)
        .post(&format!("/v1/persons/{id}/erase"))
        .json(&json!({"reason": "asked to be forgotten"}))
        .send()
        .await?;
    assert_eq!(r.status(), 200);
    let check = |api: Api, id: String| async move {
        let mut seen = String::new();
        let person = get(&api, &format!("/v1/persons/{id}")).await?;
        assert_eq!(person["personal_data_erased"], true);
        seen.push_str(&person.to_string());
        let found = get(&api, "/v1/persons?q=canarywright").await?;
        assert_eq!(found["persons"].as_array().map(Vec::len), Some(0));
        let found = get(&api, &format!("/v1/persons?q={PASSPORT}")).await?;
        assert_eq!(found["persons"].as_array().map(Vec::len), Some(0));
        seen.push_str(&get(&api, "/v1/board").await?.to_string());
        seen.push_str(&get(&api, "/v1/audit?limit=1000").await?.to_string());
        none_in(&seen, &PERSON, "a view after the erasure");
        anyhow::Ok(())
    };
    check(Api::new(&server.base, &duty), id.clone()).await?;
    check(Api::new(&server.base, &auditor), id.clone()).await?;
    let (status, out) = server.stop_with_output()?;
    assert!(status.success());
    assert!(
        out.contains("from_snapshot") && !out.contains("from_snapshot=0"),
        "{out}"
    );
    logs.push_str(&out);
    assert!(
        in_clear(&data, &ALL).is_empty(),
        "{:?}",
        in_clear(&data, &ALL)
    );

    // After a restart from the snapshot, still nothing.
    let server = Server::start_logging(&data, "127.0.0.1:0", &[], "debug")?;
    check(Api::new(&server.base, &duty), id.clone()).await?;
    let (status, out) = server.stop_with_output()?;
    assert!(status.success());
    logs.push_str(&out);
    assert!(
        in_clear(&data, &ALL).is_empty(),
        "{:?}",
        in_clear(&data, &ALL)
    );
    none_in(&logs, &ALL, "the server's log output");
    let (status, stdout, _) = cli(&["audit", "verify", "--data-dir", &data.to_string_lossy()])?;
    assert!(status.success(), "{stdout}");

    // The backup from before the erasure restores only with the key-encryption key;
    // with it, it still holds the person's key (SECURITY.md, backups).
    let (ok, said) = refused_start(&copy, &[])?;
    assert!(!ok);
    assert!(said.contains("no key-encryption key"), "{said}");
    let kek = data
        .join("personal-data.kek")
        .to_string_lossy()
        .into_owned();
    let token_key = data
        .join("token-signing.key")
        .to_string_lossy()
        .into_owned();
    let server = Server::start_with(
        &copy,
        "127.0.0.1:0",
        &["--kek".into(), kek, "--token-key".into(), token_key],
    )?;
    let person = get(&Api::new(&server.base, &duty), &format!("/v1/persons/{id}")).await?;
    assert_eq!(person["passport_number"], PASSPORT);
    drop(server);
    Ok(())
}

#[tokio::test]
async fn a_wrong_key_encryption_key_refuses_to_start() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let duty = token(&data, "wei.zhang", "duty_officer")?;
    let server = Server::start(&data, "127.0.0.1:0")?;
    let r = Api::new(&server.base, &duty)
        .post("/v1/persons")
        .json(
            &json!({"full_name": NAME, "date_of_birth": BIRTH, "nationality": "GB",
            "passport_number": PASSPORT}),
        )
        .send()
        .await?;
    assert_eq!(r.status(), 201);
    assert!(server.stop()?.success());

    let wrong = dir.path().join("other.kek");
    std::fs::write(&wrong, "ab".repeat(32))?;
    let (ok, said) = refused_start(&data, &["--kek", &wrong.to_string_lossy()])?;
    assert!(!ok, "{said}");
    assert!(
        said.contains("does not open the personal data keys"),
        "{said}"
    );
    std::fs::write(&wrong, "not a key")?;
    let (ok, said) = refused_start(&data, &["--kek", &wrong.to_string_lossy()])?;
    assert!(!ok, "{said}");
    assert!(said.contains("is not 64 hex digits"), "{said}");
    // The right key still opens everything.
    let server = Server::start(&data, "127.0.0.1:0")?;
    drop(server);
    Ok(())
}
