//! Evacuations through HTTP: the whole way from registration to arrival, every rule
//! refused with nothing written, manifests in JSON and CSV that agree with each other
//! and with the reconciliation.
#![allow(missing_docs, clippy::unwrap_used)]

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use homeward_domain::Role;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use support::TestApp;
use tower::ServiceExt;

struct Evac {
    id: String,
    flight: String,
    bus: String,
}

async fn setup(app: &TestApp, token: &str) -> Evac {
    let r = app
        .post(
            "/v1/evacuations",
            token,
            json!({"country":"SD","reason":"Fighting in Khartoum",
            "assembly_points":["Embassy compound","Al-Salam hotel"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let transport = |number: &str, mode: &str, capacity: u32| {
        json!({"mode": mode, "carrier": "Air China", "number": number, "from": "PZU", "to": "PEK",
            "departs_at": "2030-05-01T06:00:00Z", "capacity": capacity})
    };
    let flight = app
        .post(
            &format!("/v1/evacuations/{id}/transports"),
            token,
            transport("CA1234", "flight", 3),
        )
        .await;
    assert_eq!(flight.status, StatusCode::CREATED, "{:?}", flight.body);
    let bus = app
        .post(
            &format!("/v1/evacuations/{id}/transports"),
            token,
            transport("BUS-7", "bus", 50),
        )
        .await;
    Evac {
        id,
        flight: flight.body["id"].as_str().unwrap().to_owned(),
        bus: bus.body["id"].as_str().unwrap().to_owned(),
    }
}

async fn evacuee(
    app: &TestApp,
    token: &str,
    evac: &str,
    name: &str,
    passport: &str,
    group: Option<&str>,
) -> String {
    let r = app
        .post(
            &format!("/v1/evacuations/{evac}/evacuees"),
            token,
            json!({
            "person": {"full_name": name, "date_of_birth": "1979-03-09", "nationality": "CN",
                "passport_number": passport, "current_country": "SD"},
            "priority": "standard", "group": group}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body["person_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn evacuees_go_from_registration_to_arrival() {
    let app = TestApp::new().await;
    let coord = app.token("zhou.coord", Role::EvacuationCoordinator);
    let ev = setup(&app, &coord).await;
    let a = evacuee(&app, &coord, &ev.id, "Wang Fang", "E10000001", Some("wang")).await;
    let b = evacuee(&app, &coord, &ev.id, "Wang Lei", "E10000002", Some("wang")).await;
    let c = evacuee(&app, &coord, &ev.id, "Liu Yang", "E10000003", None).await;
    let base = format!("/v1/evacuations/{}", ev.id);

    for p in [&a, &b, &c] {
        let r = app
            .post(
                &format!("{base}/evacuees/{p}/check-in"),
                &coord,
                json!({"assembly_point":"Embassy compound"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    // The family is seated together by one assignment.
    let r = app
        .post(
            &format!("{base}/evacuees/{a}/assign"),
            &coord,
            json!({"transport_id": ev.flight}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let r = app
        .post(
            &format!("{base}/evacuees/{c}/assign"),
            &coord,
            json!({"transport_id": ev.flight}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    for p in [&a, &b, &c] {
        let r = app
            .post(
                &format!("{base}/evacuees/{p}/board"),
                &coord,
                json!({"transport_id": ev.flight}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    let r = app
        .post(
            &format!("{base}/transports/{}/depart", ev.flight),
            &coord,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .post(
            &format!("{base}/transports/{}/arrive", ev.flight),
            &coord,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);

    let view = app.get(&base, &coord).await;
    assert_eq!(
        view.body["counts"],
        json!({"registered":3,"checked_in":3,"assigned":3,"boarded":3,"departed":3,"arrived":3,"no_show":0})
    );
    assert_eq!(view.body["unaccounted"], json!([]));
    let person = app.get(&format!("/v1/persons/{a}"), &coord).await;
    assert_eq!(person.body["evacuations"][0]["status"], "arrived");
    assert_eq!(
        person.body["evacuations"][0]["transport"]["number"],
        "CA1234"
    );
    let list = app.get("/v1/evacuations", &coord).await;
    assert_eq!(list.body["evacuations"][0]["counts"]["arrived"], 3);
    let board = app.get("/v1/board", &coord).await;
    assert_eq!(board.body["evacuations"][0]["transports"][0]["arrived"], 3);
}

#[tokio::test]
async fn every_evacuation_rule_is_refused_and_writes_nothing() {
    let app = TestApp::new().await;
    let coord = app.token("zhou.coord", Role::EvacuationCoordinator);
    let ev = setup(&app, &coord).await;
    let base = format!("/v1/evacuations/{}", ev.id);
    let fam1 = evacuee(&app, &coord, &ev.id, "Zhao Min", "E20000001", Some("zhao")).await;
    let _fam2 = evacuee(&app, &coord, &ev.id, "Zhao Jun", "E20000002", Some("zhao")).await;
    let solo = evacuee(&app, &coord, &ev.id, "Sun Li", "E20000003", None).await;
    let other = evacuee(&app, &coord, &ev.id, "He Ping", "E20000004", None).await;
    let late = evacuee(&app, &coord, &ev.id, "Gao Yu", "E20000005", None).await;
    // Fill two of the flight's three seats.
    app.post(
        &format!("{base}/evacuees/{solo}/assign"),
        &coord,
        json!({"transport_id": ev.flight}),
    )
    .await;
    app.post(
        &format!("{base}/evacuees/{other}/assign"),
        &coord,
        json!({"transport_id": ev.flight}),
    )
    .await;
    app.post(
        &format!("{base}/evacuees/{late}/check-in"),
        &coord,
        json!({}),
    )
    .await;
    app.post(
        &format!("{base}/evacuees/{late}/assign"),
        &coord,
        json!({"transport_id": ev.bus}),
    )
    .await;
    let r = app
        .post(
            &format!("{base}/transports/{}/depart", ev.bus),
            &coord,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let before = app.events().await;

    let cases: Vec<(String, Value, &str)> = vec![
        // The family of two does not fit in the one free seat: refused whole.
        (
            format!("{base}/evacuees/{fam1}/assign"),
            json!({"transport_id": ev.flight}),
            "over_capacity",
        ),
        // Boarding needs check-in.
        (
            format!("{base}/evacuees/{solo}/board"),
            json!({"transport_id": ev.flight}),
            "not_checked_in",
        ),
        // Boarding needs a seat on that transport.
        (
            format!("{base}/evacuees/{late}/board"),
            json!({"transport_id": ev.flight}),
            "not_assigned",
        ),
        // Nobody is assigned to, or boards, a transport that left.
        (
            format!("{base}/evacuees/{fam1}/assign"),
            json!({"transport_id": ev.bus, "split_group": true}),
            "transport_departed",
        ),
        // Arrival only after departure.
        (
            format!("{base}/transports/{}/arrive", ev.flight),
            json!({}),
            "not_departed",
        ),
        (
            format!("{base}/transports/{}/depart", ev.bus),
            json!({}),
            "transport_departed",
        ),
        (
            format!("{base}/evacuees/{solo}/offload"),
            json!({"reason":"sick"}),
            "not_boarded",
        ),
    ];
    for (uri, body, code) in cases {
        let r = app.post(&uri, &coord, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{uri} {body}: {:?}",
            r.body
        );
        assert_eq!(r.body["code"], code, "{uri} {body}");
    }
    let r = app
        .post(
            &format!("{base}/transports"),
            &coord,
            json!({"mode":"ship","number":"X","from":"a","to":"b",
            "departs_at":"2030-01-01T00:00:00Z","capacity":0}),
        )
        .await;
    assert_eq!(r.body["code"], "invalid_capacity");
    let r = app
        .post(
            &format!("{base}/evacuees/{fam1}/check-in"),
            &coord,
            json!({"assembly_point":"Nowhere"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.events().await,
        before,
        "a refused command wrote an event"
    );

    // With an explicit split, one member takes the last seat.
    let r = app
        .post(
            &format!("{base}/evacuees/{fam1}/assign"),
            &coord,
            json!({"transport_id": ev.flight, "split_group": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}

#[tokio::test]
async fn json_and_csv_manifests_agree_with_each_other_and_the_reconciliation() {
    let app = TestApp::new().await;
    let coord = app.token("zhou.coord", Role::EvacuationCoordinator);
    let ev = setup(&app, &coord).await;
    let base = format!("/v1/evacuations/{}", ev.id);
    let mut people = Vec::new();
    for (i, name) in ["Ma Lin", "Hu Jing", "Xu Tao", "Lin Na"].iter().enumerate() {
        let p = evacuee(&app, &coord, &ev.id, name, &format!("E3000000{i}"), None).await;
        app.post(&format!("{base}/evacuees/{p}/check-in"), &coord, json!({}))
            .await;
        people.push(p);
    }
    for p in &people[..3] {
        let r = app
            .post(
                &format!("{base}/evacuees/{p}/assign"),
                &coord,
                json!({"transport_id": ev.flight}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = app
        .post(
            &format!("{base}/evacuees/{}/assign", people[3]),
            &coord,
            json!({"transport_id": ev.flight}),
        )
        .await;
    assert_eq!(r.body["code"], "over_capacity");
    app.post(
        &format!("{base}/evacuees/{}/board", people[0]),
        &coord,
        json!({"transport_id": ev.flight}),
    )
    .await;

    let uri = format!("{base}/transports/{}/manifest", ev.flight);
    let json_manifest = app.get(&uri, &coord).await;
    assert_eq!(json_manifest.body["capacity"], 3);
    let passengers = json_manifest.body["passengers"].as_array().unwrap();
    assert_eq!(passengers.len(), 3);
    let seats: Vec<u64> = passengers
        .iter()
        .map(|p| p["seat"].as_u64().unwrap())
        .collect();
    assert_eq!(seats, vec![1, 2, 3]);
    assert_eq!(json_manifest.body["totals"]["boarded"], 1);
    assert_eq!(passengers[0]["passport_number"], "E30000000");

    let response = app
        .router
        .clone()
        .oneshot(
            Request::get(&uri)
                .header(header::AUTHORIZATION, format!("Bearer {coord}"))
                .header(header::ACCEPT, "text/csv")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("evacuation_id,transport_id,transport,seat,person_id,full_name"));
    assert_eq!(lines.len(), 1 + passengers.len());
    for (line, p) in lines[1..].iter().zip(passengers) {
        assert!(line.contains(p["person_id"].as_str().unwrap()));
        assert!(line.contains(p["full_name"].as_str().unwrap()));
        assert!(line.contains(p["status"].as_str().unwrap()));
    }
    let view = app.get(&base, &coord).await;
    let flight = view.body["transports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["transport_id"] == ev.flight.as_str())
        .unwrap()
        .clone();
    assert_eq!(flight["counts"]["assigned"], 3);
    assert_eq!(flight["counts"]["boarded"], 1);

    // A field officer sees passports masked.
    let field = app.token("amira", Role::FieldOfficer);
    let masked = app.get(&uri, &field).await;
    assert_eq!(masked.body["passengers"][0]["passport_number"], "••••••000");
    assert!(masked.body["passengers"][0].get("date_of_birth").is_none());
    let wall = app.token("wall", Role::WallDisplay);
    assert_eq!(app.get(&uri, &wall).await.status, StatusCode::FORBIDDEN);
}
