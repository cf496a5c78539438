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

/// When a token issued now expires, read from `token issue`'s first line.
fn expiry(stderr: &str) -> anyhow::Result<jiff::Timestamp> {
    let at = stderr
        .split("(expires ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .ok_or_else(|| anyhow::anyhow!("no expiry in {stderr}"))?;
    Ok(at.parse()?)
}

#[test]
fn a_wall_display_token_lasts_for_months_and_a_person_s_for_a_shift() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().to_string_lossy().into_owned();
    let issue = |role: &str, ttl: Option<&str>| -> anyhow::Result<jiff::SignedDuration> {
        let mut args = vec![
            "token",
            "issue",
            "--data-dir",
            &data,
            "--subject",
            "crisis-room-wall",
            "--role",
            role,
        ];
        if let Some(ttl) = ttl {
            args.extend(["--ttl", ttl]);
        }
        let before = jiff::Timestamp::now();
        let (status, _, stderr) = cli(&args)?;
        assert!(status.success(), "{stderr}");
        Ok(expiry(&stderr)?.duration_since(before))
    };
    let days = |d: i64| jiff::SignedDuration::from_hours(24 * d);
    let hours = jiff::SignedDuration::from_hours;

    let wall = issue("wall_display", None)?;
    assert!(
        wall >= days(90) - hours(1) && wall <= days(90) + hours(1),
        "{wall:?}"
    );
    let duty = issue("duty_officer", None)?;
    assert!(duty >= hours(11) && duty <= hours(13), "{duty:?}");
    let short = issue("wall_display", Some("2h"))?;
    assert!(
        short >= hours(1) && short <= hours(3),
        "--ttl wins: {short:?}"
    );
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
