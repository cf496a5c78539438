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

#[tokio::test]
async fn sitrep_prints_the_same_markdown_offline_and_refuses_a_bad_moment() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().to_string_lossy().into_owned();
    let duty = token(dir.path(), "wei.zhang", "duty_officer")?;
    let server = Server::start(dir.path(), "127.0.0.1:0")?;
    let api = Api::new(&server.base, &duty);
    let r = api
        .post("/v1/incidents")
        .json(&json!({"kind":"kidnapping","title":"Engineers seized near Gao","country":"ML","severity":4}))
        .send()
        .await?;
    assert_eq!(r.status(), 201);
    let id = r.json::<serde_json::Value>().await?["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let r = api
        .post(&format!("/v1/incidents/{id}/decisions"))
        .json(&json!({"decision":"Engage an intermediary","rationale":"Captors called"}))
        .send()
        .await?;
    assert_eq!(r.status(), 201);
    let as_of = r.json::<serde_json::Value>().await?;
    assert!(as_of["known_position"].as_u64().is_some(), "{as_of}");
    let after = api.get("/v1/audit?limit=1000").send().await?;
    let entries: serde_json::Value = after.json().await?;
    let last = entries["entries"]
        .as_array()
        .and_then(|e| e.last())
        .and_then(|e| e["recorded_at"].as_str())
        .unwrap_or_default()
        .to_owned();
    let served = api
        .get(&format!("/v1/sitrep?as_of={last}"))
        .header("Accept", "text/markdown")
        .send()
        .await?
        .text()
        .await?;
    server.stop()?;

    let args = ["sitrep", "--data-dir", &data, "--as-of", &last];
    let (status, first, stderr) = cli(&args)?;
    assert!(status.success(), "{stderr}");
    assert!(first.starts_with("# Situation report as of "), "{first}");
    assert!(first.contains("Engage an intermediary"), "{first}");
    assert_eq!(first, served, "offline and served reports differ");
    let (_, second, _) = cli(&args)?;
    assert_eq!(first, second);
    let (status, redacted, _) = cli(&[
        "sitrep",
        "--data-dir",
        &data,
        "--as-of",
        &last,
        "--redact-restricted",
    ])?;
    assert!(status.success());
    assert!(!redacted.contains("Engineers seized"), "{redacted}");

    for (as_of, says) in [
        ("2001-01-01T00:00:00Z", "before the log began"),
        ("2999-01-01T00:00:00Z", "in the future"),
    ] {
        let (status, stdout, stderr) = cli(&["sitrep", "--data-dir", &data, "--as-of", as_of])?;
        assert!(!status.success(), "{stdout}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
    }
    let (status, _, stderr) = cli(&[
        "sitrep",
        "--data-dir",
        &data,
        "--as-of",
        &last,
        "--incident",
        "0190a0a0-0000-7000-8000-000000000000",
    ])?;
    assert!(!status.success());
    assert!(stderr.contains("no incident"), "{stderr}");
    Ok(())
}

#[tokio::test]
async fn an_exercise_copy_has_stand_ins_its_own_chain_and_no_subscriptions() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().to_string_lossy().into_owned();
    let duty = token(dir.path(), "wei.zhang", "duty_officer")?;
    let server = Server::start(dir.path(), "127.0.0.1:0")?;
    let api = Api::new(&server.base, &duty);
    let r = api
        .post("/v1/persons")
        .json(
            &json!({"full_name":"Li Wei Realname","date_of_birth":"1984-07-02","nationality":"CN",
            "passport_number":"E12345678","phone":"+86 138 0013 8000"}),
        )
        .send()
        .await?;
    assert_eq!(r.status(), 201);
    let person = r.json::<serde_json::Value>().await?["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // Free text that names the person: replaced in the copy too.
    let r = api
        .post("/v1/incidents")
        .json(&json!({"kind":"kidnapping","title":"Realname seized near Gao","country":"ML","severity":4}))
        .send()
        .await?;
    assert_eq!(r.status(), 201);
    let incident = r.json::<serde_json::Value>().await?["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let r = api
        .post(&format!("/v1/incidents/{incident}/reports"))
        .json(&json!({"text":"LI WEI REALNAME (passport E12345678) called from +86 138 0013 8000; Mr Li was calm","category":"contact"}))
        .send()
        .await?;
    assert_eq!(r.status(), 201);
    let r = api
        .post(&format!("/v1/incidents/{incident}/decisions"))
        .json(
            &json!({"decision":"Call Realname's family","rationale":"Mr Li asked for it",
            "options_considered":["Wait for Li Wei Realname to call again"]}),
        )
        .send()
        .await?;
    assert_eq!(r.status(), 201);
    let r = api
        .post("/v1/subscriptions")
        .json(&json!({"url":"http://127.0.0.1:9/hook","event_types":["incident.*"]}))
        .send()
        .await?;
    assert!(r.status().is_success(), "{}", r.text().await?);
    let audit: serde_json::Value = api.get("/v1/audit?limit=1000").send().await?.json().await?;
    let as_of = audit["entries"]
        .as_array()
        .and_then(|e| e.last())
        .and_then(|e| e["recorded_at"].as_str())
        .unwrap_or_default()
        .to_owned();
    server.stop()?;

    let copy = dir.path().join("exercise-kestrel");
    let copy_s = copy.to_string_lossy().into_owned();
    let create = |to: &str| {
        cli(&[
            "exercise",
            "create",
            "--from",
            &data,
            "--as-of",
            &as_of,
            "--data-dir",
            to,
        ])
    };
    let (status, _, stderr) = create(&copy_s)?;
    assert!(status.success(), "{stderr}");
    let (status, stdout, _) = cli(&["audit", "verify", "--data-dir", &copy_s])?;
    assert!(status.success(), "{stdout}");
    let marker: serde_json::Value =
        serde_json::from_slice(&std::fs::read(copy.join("exercise.json"))?)?;
    assert_eq!(marker["name"], "exercise-kestrel");
    // The stand-ins: same shape, never the real values, the same on every copy.
    let token2 = token(&copy, "trainer", "duty_officer")?;
    let server = Server::start(&copy, "127.0.0.1:0")?;
    let api = Api::new(&server.base, &token2);
    let p: serde_json::Value = api
        .get(&format!("/v1/persons/{person}"))
        .send()
        .await?
        .json()
        .await?;
    let subs: serde_json::Value = api.get("/v1/subscriptions").send().await?.json().await?;
    let case: serde_json::Value = api
        .get(&format!("/v1/incidents/{incident}"))
        .send()
        .await?
        .json()
        .await?;
    let decisions: serde_json::Value = api
        .get(&format!("/v1/incidents/{incident}/decisions"))
        .send()
        .await?
        .json()
        .await?;
    server.stop()?;
    let name = p["full_name"].as_str().unwrap_or_default();
    let free_text = format!("{case}{decisions}");
    let real = [
        "Realname",
        "REALNAME",
        "E12345678",
        "+86 138 0013 8000",
        "Mr Li ",
    ];
    let found = homeward_tests::canary::held(free_text.as_bytes(), &real);
    assert!(found.is_empty(), "{found:?} in {free_text}");
    let family = name.split(' ').next_back().unwrap_or_default();
    assert!(
        free_text.contains(&format!("{family} seized near Gao")),
        "{free_text}"
    );
    assert!(free_text.contains(name), "{name} not in {free_text}");
    let passport = p["passport_number"].as_str().unwrap_or_default();
    let phone = p["phone"].as_str().unwrap_or_default();
    assert!(!name.contains("Realname") && !name.is_empty(), "{p}");
    assert_ne!(passport, "E12345678", "{p}");
    assert_eq!(passport.len(), "E12345678".len(), "{p}");
    assert_ne!(phone, "+86 138 0013 8000", "{p}");
    assert_eq!(phone.len(), "+86 138 0013 8000".len(), "{p}");
    assert_eq!(subs["subscriptions"], json!([]), "{subs}");
    let again = dir.path().join("again");
    let (status, _, stderr) = create(&again.to_string_lossy())?;
    assert!(status.success(), "{stderr}");
    let token3 = token(&again, "trainer", "duty_officer")?;
    let server = Server::start(&again, "127.0.0.1:0")?;
    let api = Api::new(&server.base, &token3);
    let q: serde_json::Value = api
        .get(&format!("/v1/persons/{person}"))
        .send()
        .await?
        .json()
        .await?;
    server.stop()?;
    assert_eq!(q["full_name"], p["full_name"]);
    assert_eq!(q["passport_number"], p["passport_number"]);

    // Bad input: a used directory, a moment before the log or in the future; nothing written.
    let (status, _, stderr) = create(&copy_s)?;
    assert!(!status.success());
    assert!(stderr.contains("already used"), "{stderr}");
    for (moment, says) in [
        ("2001-01-01T00:00:00Z", "before the log began"),
        ("2999-01-01T00:00:00Z", "in the future"),
    ] {
        let to = dir.path().join("never");
        let (status, _, stderr) = cli(&[
            "exercise",
            "create",
            "--from",
            &data,
            "--as-of",
            moment,
            "--data-dir",
            &to.to_string_lossy(),
        ])?;
        assert!(!status.success());
        assert!(stderr.contains(says), "{stderr}");
        assert!(!to.exists(), "nothing is written");
    }
    Ok(())
}

#[tokio::test]
async fn an_exercise_runs_injects_on_its_own_clock_and_reports_how_fast_they_were_answered()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().to_string_lossy().into_owned();
    let duty = token(dir.path(), "wei.zhang", "duty_officer")?;
    let server = Server::start(dir.path(), "127.0.0.1:0")?;
    let api = Api::new(&server.base, &duty);
    let r = api
        .post("/v1/incidents")
        .json(
            &json!({"kind":"civil_unrest","title":"Unrest in Bamako","country":"ML","severity":2}),
        )
        .send()
        .await?;
    let id = r.json::<serde_json::Value>().await?["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let audit: serde_json::Value = api.get("/v1/audit").send().await?.json().await?;
    let as_of = audit["entries"][0]["recorded_at"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    server.stop()?;
    let copy = dir.path().join("drill");
    let copy_s = copy.to_string_lossy().into_owned();
    let (status, _, stderr) = cli(&[
        "exercise",
        "create",
        "--from",
        &data,
        "--as-of",
        &as_of,
        "--data-dir",
        &copy_s,
    ])?;
    assert!(status.success(), "{stderr}");

    // A bad inject line stops the start, naming the line; nothing is written.
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        format!(
            "{{\"at\":\"+00:00\",\"method\":\"POST\",\"path\":\"/v1/incidents/{id}/reports\",\"body\":{{}}}}\n{{\"at\":\"soon\",\"method\":\"POST\",\"path\":\"/v1/x\"}}\n"
        ),
    )?;
    let (_, before, _) = cli(&["audit", "verify", "--data-dir", &copy_s])?;
    let (status, _, stderr) = cli(&[
        "serve",
        "--data-dir",
        &copy_s,
        "--listen",
        "127.0.0.1:0",
        "--injects",
        &bad.to_string_lossy(),
    ])?;
    assert!(!status.success());
    assert!(stderr.contains("line 2"), "{stderr}");
    let (_, after, _) = cli(&["audit", "verify", "--data-dir", &copy_s])?;
    assert_eq!(before, after);
    // The exercise options only run on an exercise copy.
    let (status, _, stderr) = cli(&[
        "serve",
        "--data-dir",
        &data,
        "--listen",
        "127.0.0.1:0",
        "--exercise-speed",
        "10",
    ])?;
    assert!(!status.success());
    assert!(stderr.contains("exercise copy"), "{stderr}");

    let injects = dir.path().join("injects.jsonl");
    std::fs::write(
        &injects,
        format!(
            "{{\"at\":\"+00:00\",\"method\":\"POST\",\"path\":\"/v1/incidents/{id}/reports\",\"body\":{{\"text\":\"Captor calls with a demand\",\"category\":\"contact\"}}}}\n"
        ),
    )?;
    let trainer = token(&copy, "trainee", "duty_officer")?;
    let server = Server::start_with(
        &copy,
        "127.0.0.1:0",
        &[
            "--exercise-speed".into(),
            "10".into(),
            "--injects".into(),
            injects.to_string_lossy().into_owned(),
        ],
    )?;
    let api = Api::new(&server.base, &trainer);
    // The inject is due at the start: wait (bounded) until it is in the log.
    let mut injected = false;
    for _ in 0..200 {
        let a: serde_json::Value = api
            .get("/v1/audit?actor=exercise-control")
            .send()
            .await?
            .json()
            .await?;
        if a["entries"].as_array().is_some_and(|e| !e.is_empty()) {
            injected = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(injected, "the inject was not carried out");
    let r = api
        .post(&format!("/v1/incidents/{id}/reports"))
        .json(&json!({"text":"Negotiator on the line","category":"contact"}))
        .send()
        .await?;
    assert_eq!(r.status(), 201);
    assert!(r.headers().contains_key("homeward-exercise"));
    server.stop()?;
    let (status, report, stderr) = cli(&["exercise", "report", "--data-dir", &copy_s])?;
    assert!(status.success(), "{stderr}");
    assert!(
        report.contains("# After-action report: exercise drill"),
        "{report}"
    );
    assert!(report.contains("incident.report_filed"), "{report}");
    assert!(report.contains("answered by trainee"), "{report}");
    Ok(())
}
