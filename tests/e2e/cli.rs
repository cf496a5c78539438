//! The operator's and auditor's command line: help, tokens, replay, audit verify.

use homeward_tests::{Api, Server, cli, token};
use serde_json::json;

#[test]
fn help_explains_every_command() -> anyhow::Result<()> {
    let (status, stdout, _) = cli(&["--help"])?;
    assert!(status.success());
    for command in ["serve", "token", "replay", "audit"] {
        assert!(
            stdout.contains(command),
            "{command} missing from --help:\n{stdout}"
        );
    }
    let (status, stdout, _) = cli(&["audit", "verify", "--help"])?;
    assert!(status.success());
    assert!(stdout.contains("--data-dir"));
    Ok(())
}

#[test]
fn token_issue_rejects_an_unknown_role() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (status, _, stderr) = cli(&[
        "token",
        "issue",
        "--data-dir",
        &dir.path().to_string_lossy(),
        "--subject",
        "x",
        "--role",
        "root",
    ])?;
    assert!(!status.success());
    assert!(stderr.contains("root"), "{stderr}");
    Ok(())
}

#[tokio::test]
async fn replay_rebuilds_and_audit_verify_finds_a_tampered_byte() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().to_string_lossy().into_owned();
    let duty = token(dir.path(), "wei.zhang", "duty_officer")?;
    let server = Server::start(dir.path(), "127.0.0.1:0")?;
    let api = Api::new(&server.base, &duty);
    for (title, country) in [
        ("Flooding in Sindh", "PK"),
        ("Protests in Lima", "PE"),
        ("Ferry capsized", "ID"),
    ] {
        let r = api
            .post("/v1/incidents")
            .json(
                &json!({"kind":"natural_disaster","title": title,"country": country,"severity": 3}),
            )
            .send()
            .await?;
        assert_eq!(r.status(), 201);
    }
    server.stop()?;

    let (status, stdout, _) = cli(&["replay", "--data-dir", &data])?;
    assert!(status.success(), "{stdout}");
    assert!(stdout.contains("incidents        3 (3 open)"), "{stdout}");

    let (status, stdout, _) = cli(&["audit", "verify", "--data-dir", &data])?;
    assert!(status.success());
    assert!(stdout.contains("intact: 3 entries"), "{stdout}");

    let conn = rusqlite::Connection::open(dir.path().join("homeward.db"))?;
    conn.execute(
        "UPDATE log SET record = CAST(replace(CAST(record AS TEXT), 'Lima', 'Cusco') AS BLOB) WHERE position = 2",
        [],
    )?;
    drop(conn);
    let (status, stdout, _) = cli(&["audit", "verify", "--data-dir", &data])?;
    assert_eq!(status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("position 2"), "{stdout}");
    Ok(())
}
