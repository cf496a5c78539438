//! Tokens at the edge: every kind of bad token gets a 401 problem and writes nothing;
//! revoked tokens stop working at once (by id or by subject) while new ones work; a
//! subject over its rate limit gets a 429 problem with `Retry-After`.
#![allow(missing_docs, clippy::unwrap_used)]

mod support;

use axum::http::{StatusCode, header};
use homeward_api::auth::{AUDIENCE, Claims, ISSUER};
use homeward_domain::{Role, Timestamp};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use support::TestApp;

/// The secret of the test application's keys (see `support`).
const SECRET: [u8; 32] = [42; 32];

fn claims(aud: &str, iss: &str, exp_from_now: i64) -> Claims {
    let now = Timestamp::now().as_second();
    Claims {
        sub: "wei".into(),
        role: Role::DutyOfficer,
        iss: iss.into(),
        aud: aud.into(),
        iat: now,
        exp: now + exp_from_now,
        jti: uuid::Uuid::now_v7().to_string(),
    }
}

fn sign(claims: &Claims, alg: Algorithm, secret: &[u8]) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
}

async fn assert_refused(app: &TestApp, token: &str, why: &str) {
    let r = app.get("/v1/incidents", token).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{why}: {:?}", r.body);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(r.body["code"], "unauthorized", "{why}");
    assert!(r.headers.contains_key(header::WWW_AUTHENTICATE), "{why}");
    let w = app
        .post(
            "/v1/incidents",
            token,
            json!({"kind":"accident","title":"x","country":"PE","severity":2}),
        )
        .await;
    assert_eq!(w.status, StatusCode::UNAUTHORIZED, "{why}");
}

#[tokio::test]
async fn every_kind_of_bad_token_is_401_and_writes_nothing() {
    let app = TestApp::new().await;
    let good = sign(&claims(AUDIENCE, ISSUER, 3600), Algorithm::HS256, &SECRET);
    assert_eq!(app.get("/v1/incidents", &good).await.status, StatusCode::OK);

    // Tampered: the payload changed (role raised), the signature kept.
    let mut raised = claims(AUDIENCE, ISSUER, 3600);
    raised.role = Role::FieldOfficer;
    let honest = sign(&raised, Algorithm::HS256, &SECRET);
    let mut parts: Vec<&str> = honest.split('.').collect();
    let forged_payload = good.split('.').nth(1).unwrap();
    parts[1] = forged_payload;
    assert_refused(&app, &parts.join("."), "tampered").await;

    assert_refused(
        &app,
        &sign(&claims(AUDIENCE, ISSUER, -3600), Algorithm::HS256, &SECRET),
        "expired",
    )
    .await;
    assert_refused(
        &app,
        &sign(
            &claims("another-service", ISSUER, 3600),
            Algorithm::HS256,
            &SECRET,
        ),
        "wrong audience",
    )
    .await;
    assert_refused(
        &app,
        &sign(
            &claims(AUDIENCE, "someone-else", 3600),
            Algorithm::HS256,
            &SECRET,
        ),
        "wrong issuer",
    )
    .await;
    assert_refused(
        &app,
        &sign(&claims(AUDIENCE, ISSUER, 3600), Algorithm::HS256, &[7; 32]),
        "foreign key",
    )
    .await;
    assert_refused(
        &app,
        &sign(&claims(AUDIENCE, ISSUER, 3600), Algorithm::HS512, &SECRET),
        "another algorithm",
    )
    .await;
    // alg: none, with the claims of a valid token and no signature.
    let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{forged_payload}.");
    assert_refused(&app, &unsigned, "alg none").await;
    assert_refused(&app, "not-a-token", "garbage").await;
    assert_eq!(app.events().await, 0);
}

#[tokio::test]
async fn a_revoked_token_is_401_on_the_next_request() {
    let app = TestApp::new().await;
    let admin = app.token("root", Role::Admin);
    let field = app.token("amira", Role::FieldOfficer);
    let other = app.token("amira", Role::FieldOfficer);
    let jti = app.state.tokens.verify(&field).unwrap().jti;
    assert_eq!(
        app.get("/v1/incidents", &field).await.status,
        StatusCode::OK
    );

    // Only admins revoke.
    let duty = app.token("wei", Role::DutyOfficer);
    let r = app
        .post(
            "/v1/tokens/revocations",
            &duty,
            json!({"token_id": jti, "reason": "lost phone"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post(
            "/v1/tokens/revocations",
            &admin,
            json!({"reason": "nothing named"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);

    // By token id: that token fails, another of the same subject still works.
    let r = app
        .post(
            "/v1/tokens/revocations",
            &admin,
            json!({"token_id": jti, "reason": "lost phone"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_refused(&app, &field, "revoked by id").await;
    assert_eq!(
        app.get("/v1/incidents", &other).await.status,
        StatusCode::OK
    );

    // By subject: every token issued until now fails; one issued later works.
    let r = app
        .post(
            "/v1/tokens/revocations",
            &admin,
            json!({"subject": "amira", "reason": "left the service"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_refused(&app, &other, "revoked by subject").await;
    let later = app
        .state
        .tokens
        .issue(
            "amira",
            Role::FieldOfficer,
            Timestamp::now() + jiff::SignedDuration::from_secs(2),
            jiff::SignedDuration::from_hours(1),
        )
        .unwrap();
    assert_eq!(
        app.get("/v1/incidents", &later).await.status,
        StatusCode::OK
    );

    // The revocations are audited events.
    let auditor = app.token("audit", Role::Auditor);
    let audit = app.get("/v1/audit?stream=access-tokens", &auditor).await;
    let entries = audit.body["entries"].as_array().unwrap();
    let revoked: Vec<_> = entries
        .iter()
        .filter(|e| e["event_type"] == "access.tokens_revoked")
        .collect();
    assert_eq!(revoked.len(), 2, "{entries:?}");
    assert_eq!(revoked[0]["actor"]["subject"], "root");
}

#[tokio::test]
async fn a_subject_over_its_rate_limit_gets_429_with_retry_after() {
    let mut app = TestApp::new().await;
    app.state = app.state.clone().with_rate_limit(1, 3);
    app.router = homeward_api::app(app.state.clone());
    let busy = app.token("busy", Role::DutyOfficer);
    let calm = app.token("calm", Role::DutyOfficer);
    for _ in 0..3 {
        assert_eq!(app.get("/v1/incidents", &busy).await.status, StatusCode::OK);
    }
    // One more a second is allowed: a few more requests soon exceed it.
    let mut r = app.get("/v1/incidents", &busy).await;
    for _ in 0..20 {
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        r = app.get("/v1/incidents", &busy).await;
    }
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{:?}", r.body);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(r.body["code"], "too_many_requests");
    let wait: u64 = r.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&wait), "Retry-After {wait}");
    // Another subject is not held back by the busy one.
    assert_eq!(app.get("/v1/incidents", &calm).await.status, StatusCode::OK);
}
