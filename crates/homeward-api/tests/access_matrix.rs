//! The access matrix: every route of the OpenAPI document × every role × the incident
//! it concerns (one the caller is assigned to, a restricted one they are not on, a
//! normal one they are not on, one that does not exist). The expectations are an
//! explicit table; a route of the document missing from the table fails the test, so
//! a new route cannot escape it.
//!
//! For every answer it checks the status class (2xx, 403 or 404), that a foreign
//! restricted incident answers exactly like an incident that does not exist, and that
//! nothing of the foreign restricted case (its id, its title, its reports) reaches a
//! caller who may not see it: reads, lists, search, the board, the live stream, the
//! audit trail, manifests, exports and time travel.
#![allow(missing_docs, clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use homeward_domain::Role;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use support::TestApp;
use tower::ServiceExt;

/// The title and report of the foreign restricted case: no uncleared caller may ever
/// receive these strings.
const SECRET_TITLE: &str = "Foreign hostage case Kestrel";
const SECRET_REPORT: &str = "Ransom drop planned at Kestrel bridge";

/// The roles cleared for every restricted case.
const CLEARED: &[Role] = &[Role::DutyOfficer, Role::CaseTeam, Role::Auditor];

fn subject(role: Role) -> String {
    format!("{role}-1")
}

/// Which incident a request concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// A restricted (kidnapping) case every test subject is on.
    Own,
    /// A restricted (kidnapping) case none of them is on.
    Foreign,
    /// A normal incident none of them is on.
    Normal,
    /// An id no incident has.
    Missing,
}

/// What a route concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Not one incident: one request, 2xx for the allowed roles, 403 for the others.
    Global,
    /// One incident, read: 404 for the foreign case unless cleared.
    IncidentRead,
    /// One incident, changed: as reads, and field officers only where assigned.
    IncidentCommand,
    /// One incident, kidnapping case facts (a normal incident refuses them with 422).
    KidnappingCommand,
    /// One incident through a filter (`?incident=`): 2xx, the foreign case filtered out.
    IncidentFilter,
}

/// Steps taken by a duty officer before the request, on the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prep {
    None,
    CloseTarget,
    MergeSecond,
    CheckIn,
    CheckInAssign,
    CheckInAssignBoard,
    Depart,
}

struct Row {
    method: &'static str,
    template: &'static str,
    /// Who may use it at all; `None`: anyone, without a token.
    roles: Option<&'static [Role]>,
    scope: Scope,
    prep: Prep,
    /// The URI and body, given the world and the target incident's id.
    request: fn(&World, &str) -> (String, Option<Value>),
}

use Role::{
    Admin as X, Auditor as AU, CaseTeam as C, DutyOfficer as D, EvacuationCoordinator as E,
    FieldOfficer as F, HotlineOperator as H, WallDisplay as W,
};

const ALL: &[Role] = &[D, F, H, C, E, AU, W, X];
/// Every role a request is tried with: the token roles, and `citizen`, whose token (if
/// anyone forged one with the key) the API refuses with 401 on every route.
const EVERY_ROLE: &[Role] = &[D, F, H, C, E, AU, W, X, Role::Citizen];
const READ_INCIDENTS: &[Role] = &[D, F, H, C, E, AU];
const AFFECTED: &[Role] = &[D, F, C];
const CASE_FACTS: &[Role] = &[D, C];
const ONLY_DUTY: &[Role] = &[D];
const REGISTER: &[Role] = &[D, F, H, C, E];
const MERGE: &[Role] = &[D, H];
const CALLS: &[Role] = &[D, H];
const READ_CALLS: &[Role] = &[D, H, AU];
const MANAGE_EVAC: &[Role] = &[D, E];
const PROCESS_EVAC: &[Role] = &[D, E, F];
const READ_EVAC: &[Role] = &[D, E, F, H, AU];
const AUDIT: &[Role] = &[AU, D, X];
const ADMIN: &[Role] = &[X];
const SUBSCRIPTIONS: &[Role] = &[D, X];

macro_rules! row {
    ($m:literal, $t:literal, $roles:expr, $scope:expr, $prep:expr, |$w:ident, $i:ident| $req:expr) => {
        Row {
            method: $m,
            template: $t,
            roles: $roles,
            scope: $scope,
            prep: $prep,
            request: |$w: &World, $i: &str| {
                let _ = ($w, $i);
                $req
            },
        }
    };
}

fn rows() -> Vec<Row> {
    use Prep as P;
    use Scope::*;
    vec![
        row!("get", "/healthz", None, Global, P::None, |w, i| (
            "/healthz".into(),
            None
        )),
        row!("get", "/metrics", None, Global, P::None, |w, i| (
            "/metrics".into(),
            None
        )),
        row!("get", "/openapi.json", None, Global, P::None, |w, i| (
            "/openapi.json".into(),
            None
        )),
        // Incidents.
        row!(
            "post",
            "/v1/incidents",
            Some(ONLY_DUTY),
            Global,
            P::None,
            |w, i| (
                "/v1/incidents".into(),
                Some(json!({"kind":"accident","title":"Bus crash","country":"PE","severity":2}))
            )
        ),
        row!(
            "get",
            "/v1/incidents",
            Some(READ_INCIDENTS),
            Global,
            P::None,
            |w, i| ("/v1/incidents?status=all&q=kestrel".into(), None)
        ),
        row!(
            "get",
            "/v1/incidents",
            Some(READ_INCIDENTS),
            Global,
            P::None,
            |w, i| ("/v1/incidents?status=all&limit=1000".into(), None)
        ),
        row!(
            "get",
            "/v1/incidents/{id}",
            Some(READ_INCIDENTS),
            IncidentRead,
            P::None,
            |w, i| (format!("/v1/incidents/{i}"), None)
        ),
        row!(
            "get",
            "/v1/incidents/{id}",
            Some(READ_INCIDENTS),
            IncidentRead,
            P::None,
            |w, i| (format!("/v1/incidents/{i}?as_of={}", w.after_setup), None)
        ),
        row!(
            "post",
            "/v1/incidents/{id}/status",
            Some(ONLY_DUTY),
            IncidentCommand,
            P::None,
            |w, i| (
                format!("/v1/incidents/{i}/status"),
                Some(json!({"status":"active"}))
            )
        ),
        row!(
            "post",
            "/v1/incidents/{id}/close",
            Some(ONLY_DUTY),
            IncidentCommand,
            P::None,
            |w, i| (
                format!("/v1/incidents/{i}/close"),
                Some(json!({"reason":"resolved"}))
            )
        ),
        row!(
            "post",
            "/v1/incidents/{id}/reopen",
            Some(ONLY_DUTY),
            IncidentCommand,
            P::CloseTarget,
            |w, i| (
                format!("/v1/incidents/{i}/reopen"),
                Some(json!({"reason":"new facts"}))
            )
        ),
        row!(
            "post",
            "/v1/incidents/{id}/severity",
            Some(ONLY_DUTY),
            IncidentCommand,
            P::None,
            |w, i| (
                format!("/v1/incidents/{i}/severity"),
                Some(json!({"severity":3}))
            )
        ),
        row!(
            "post",
            "/v1/incidents/{id}/lead",
            Some(ONLY_DUTY),
            IncidentCommand,
            P::None,
            |w, i| (
                format!("/v1/incidents/{i}/lead"),
                Some(json!({"subject":"new-lead"}))
            )
        ),
        row!(
            "post",
            "/v1/incidents/{id}/team",
            Some(ONLY_DUTY),
            IncidentCommand,
            P::None,
            |w, i| (
                format!("/v1/incidents/{i}/team"),
                Some(json!({"subject":"new-member"}))
            )
        ),
        row!(
            "delete",
            "/v1/incidents/{id}/team/{subject}",
            Some(ONLY_DUTY),
            IncidentCommand,
            P::None,
            |w, i| (format!("/v1/incidents/{i}/team/spare-member"), None)
        ),
        row!(
            "post",
            "/v1/incidents/{id}/persons",
            Some(AFFECTED),
            IncidentCommand,
            P::None,
            |w, i| (
                format!("/v1/incidents/{i}/persons"),
                Some(json!({"person_id": w.p3, "status":"missing"}))
            )
        ),
        row!(
            "post",
            "/v1/incidents/{id}/persons/{person_id}/status",
            Some(AFFECTED),
            IncidentCommand,
            P::None,
            |w, i| (
                format!("/v1/incidents/{i}/persons/{}/status", w.p1),
                Some(json!({"status":"injured"}))
            )
        ),
        row!(
            "post",
            "/v1/incidents/{id}/tasks",
            Some(ONLY_DUTY),
            IncidentCommand,
            P::None,
            |w, i| (
                format!("/v1/incidents/{i}/tasks"),
                Some(json!({"title":"Call the family"}))
            )
        ),
        row!(
            "post",
            "/v1/incidents/{id}/tasks/{task_id}/complete",
            Some(AFFECTED),
            IncidentCommand,
            P::None,
            |w, i| (
                format!("/v1/incidents/{i}/tasks/{}/complete", w.task(i)),
                Some(json!({}))
            )
        ),
        row!(
            "post",
            "/v1/incidents/{id}/tasks/{task_id}/cancel",
            Some(ONLY_DUTY),
            IncidentCommand,
            P::None,
            |w, i| (
                format!("/v1/incidents/{i}/tasks/{}/cancel", w.task(i)),
                Some(json!({"reason":"not needed"}))
            )
        ),
        row!(
            "post",
            "/v1/incidents/{id}/reports",
            Some(AFFECTED),
            IncidentCommand,
            P::None,
            |w, i| (
                format!("/v1/incidents/{i}/reports"),
                Some(json!({"text":"All quiet","category":"situation"}))
            )
        ),
        row!(
            "post",
            "/v1/incidents/{id}/kidnapping/captor-contacts",
            Some(CASE_FACTS),
            KidnappingCommand,
            P::None,
            |w, i| (
                format!("/v1/incidents/{i}/kidnapping/captor-contacts"),
                Some(json!({"channel":"phone","summary":"They called"}))
            )
        ),
        row!(
            "post",
            "/v1/incidents/{id}/kidnapping/demands",
            Some(CASE_FACTS),
            KidnappingCommand,
            P::None,
            |w, i| (
                format!("/v1/incidents/{i}/kidnapping/demands"),
                Some(json!({"summary":"Money"}))
            )
        ),
        row!(
            "post",
            "/v1/incidents/{id}/kidnapping/proofs-of-life",
            Some(CASE_FACTS),
            KidnappingCommand,
            P::None,
            |w, i| (
                format!("/v1/incidents/{i}/kidnapping/proofs-of-life"),
                Some(json!({"method":"video","summary":"Alive"}))
            )
        ),
        row!(
            "post",
            "/v1/incidents/{id}/kidnapping/negotiation",
            Some(CASE_FACTS),
            KidnappingCommand,
            P::None,
            |w, i| (
                format!("/v1/incidents/{i}/kidnapping/negotiation"),
                Some(json!({"summary":"Talks resumed"}))
            )
        ),
        row!(
            "post",
            "/v1/incidents/{id}/kidnapping/outcome",
            Some(CASE_FACTS),
            KidnappingCommand,
            P::None,
            |w, i| (
                format!("/v1/incidents/{i}/kidnapping/outcome"),
                Some(json!({"outcome":"released","person_ids":[w.p1],"summary":"Released"}))
            )
        ),
        row!(
            "post",
            "/v1/incidents/{id}/corrections",
            Some(ONLY_DUTY),
            IncidentCommand,
            P::None,
            |w, i| (
                format!("/v1/incidents/{i}/corrections"),
                Some(
                    json!({"corrects_version":1,"reason":"typo","fix":{"fix":"details","summary":"Corrected"}})
                )
            )
        ),
        row!(
            "post",
            "/v1/incidents/{id}/decisions",
            Some(CASE_FACTS),
            IncidentCommand,
            P::None,
            |w, i| (
                format!("/v1/incidents/{i}/decisions"),
                Some(json!({"decision":"Engage an intermediary","rationale":"They called"}))
            )
        ),
        row!(
            "get",
            "/v1/sitrep",
            Some(READ_INCIDENTS),
            IncidentRead,
            P::None,
            |w, i| (
                format!("/v1/sitrep?as_of={}&incident={i}", w.after_setup),
                None
            )
        ),
        row!(
            "get",
            "/sitrep",
            Some(READ_INCIDENTS),
            IncidentRead,
            P::None,
            |w, i| (
                format!("/sitrep?as_of={}&incident={i}", w.after_setup),
                None
            )
        ),
        row!(
            "get",
            "/v1/incidents/{id}/decisions",
            Some(READ_INCIDENTS),
            IncidentRead,
            P::None,
            |w, i| (format!("/v1/incidents/{i}/decisions"), None)
        ),
        // Persons.
        row!(
            "post",
            "/v1/persons",
            Some(REGISTER),
            Global,
            P::None,
            |w, i| (
                "/v1/persons".into(),
                Some(
                    json!({"full_name":"Chen Jie","date_of_birth":"1990-01-01","nationality":"CN"})
                )
            )
        ),
        row!(
            "get",
            "/v1/persons",
            Some(READ_INCIDENTS),
            Global,
            P::None,
            |w, i| ("/v1/persons?q=Held%20Person".into(), None)
        ),
        row!(
            "get",
            "/v1/persons/{id}",
            Some(READ_INCIDENTS),
            Global,
            P::None,
            |w, i| (format!("/v1/persons/{}", w.p1), None)
        ),
        row!(
            "post",
            "/v1/persons/{id}/whereabouts",
            Some(REGISTER),
            Global,
            P::None,
            |w, i| (
                format!("/v1/persons/{}/whereabouts", w.p1),
                Some(json!({"country":"NE"}))
            )
        ),
        row!(
            "put",
            "/v1/persons/{id}/vulnerabilities",
            Some(REGISTER),
            Global,
            P::None,
            |w, i| (
                format!("/v1/persons/{}/vulnerabilities", w.p1),
                Some(json!({"vulnerabilities":["elderly"]}))
            )
        ),
        row!(
            "post",
            "/v1/persons/{id}/welfare",
            Some(REGISTER),
            Global,
            P::None,
            |w, i| (
                format!("/v1/persons/{}/welfare", w.p1),
                Some(json!({"status":"safe"}))
            )
        ),
        row!(
            "post",
            "/v1/persons/{id}/merge",
            Some(MERGE),
            Global,
            P::None,
            |w, i| (
                format!("/v1/persons/{}/merge", w.p2),
                Some(json!({"into": w.p1, "reason":"same passport"}))
            )
        ),
        row!(
            "post",
            "/v1/persons/{id}/unmerge",
            Some(MERGE),
            Global,
            P::MergeSecond,
            |w, i| (
                format!("/v1/persons/{}/unmerge", w.p2),
                Some(json!({"reason":"different people"}))
            )
        ),
        row!(
            "post",
            "/v1/persons/{id}/corrections",
            Some(MERGE),
            Global,
            P::None,
            |w, i| (
                format!("/v1/persons/{}/corrections", w.p1),
                Some(json!({"corrects_version":1,"reason":"typo","full_name":"Held Persons"}))
            )
        ),
        row!(
            "post",
            "/v1/persons/{id}/erase",
            Some(ADMIN),
            Global,
            P::None,
            |w, i| (
                format!("/v1/persons/{}/erase", w.p3),
                Some(json!({"reason":"the person asked to be forgotten"}))
            )
        ),
        row!(
            "post",
            "/v1/tokens/revocations",
            Some(ADMIN),
            Global,
            P::None,
            |w, i| (
                "/v1/tokens/revocations".into(),
                Some(json!({"subject":"someone-gone","reason":"left the service"}))
            )
        ),
        // Calls.
        row!("post", "/v1/calls", Some(CALLS), Global, P::None, |w, i| (
            "/v1/calls".into(),
            Some(json!({"caller_name":"A sister","summary":"Worried"}))
        )),
        row!(
            "get",
            "/v1/calls",
            Some(READ_CALLS),
            Global,
            P::None,
            |w, i| ("/v1/calls".into(), None)
        ),
        row!(
            "get",
            "/v1/calls/{id}",
            Some(READ_CALLS),
            Global,
            P::None,
            |w, i| (format!("/v1/calls/{}", w.c1), None)
        ),
        row!(
            "post",
            "/v1/calls/{id}/link",
            Some(CALLS),
            Global,
            P::None,
            |w, i| (
                format!("/v1/calls/{}/link", w.c1),
                Some(json!({"person_id": w.p1}))
            )
        ),
        // Subscriptions.
        row!(
            "post",
            "/v1/subscriptions",
            Some(SUBSCRIPTIONS),
            Global,
            P::None,
            |w, i| (
                "/v1/subscriptions".into(),
                Some(
                    json!({"url": "http://127.0.0.1:9/other", "event_types": ["deadline.missed"]})
                )
            )
        ),
        row!(
            "get",
            "/v1/subscriptions",
            Some(SUBSCRIPTIONS),
            Global,
            P::None,
            |w, i| ("/v1/subscriptions".into(), None)
        ),
        row!(
            "post",
            "/v1/subscriptions/{id}/delete",
            Some(SUBSCRIPTIONS),
            Global,
            P::None,
            |w, i| (
                format!("/v1/subscriptions/{}/delete", w.subscription),
                Some(json!({"reason": "replaced"}))
            )
        ),
        row!(
            "get",
            "/v1/subscriptions/{id}/failures",
            Some(SUBSCRIPTIONS),
            Global,
            P::None,
            |w, i| (
                format!("/v1/subscriptions/{}/failures", w.subscription),
                None
            )
        ),
        row!(
            "post",
            "/v1/subscriptions/{id}/failures/replay",
            Some(SUBSCRIPTIONS),
            Global,
            P::None,
            |w, i| (
                format!("/v1/subscriptions/{}/failures/replay", w.subscription),
                Some(json!({}))
            )
        ),
        // Tasks and deadlines.
        row!(
            "post",
            "/v1/tasks/{id}/answer-link",
            Some(ONLY_DUTY),
            Global,
            P::None,
            |w, i| (format!("/v1/tasks/{}/answer-link", w.check), None)
        ),
        row!(
            "get",
            "/v1/me/incidents",
            Some(READ_INCIDENTS),
            Global,
            P::None,
            |w, i| ("/v1/me/incidents".into(), None)
        ),
        row!(
            "get",
            "/v1/tasks",
            Some(READ_INCIDENTS),
            Global,
            P::None,
            |w, i| ("/v1/tasks".into(), None)
        ),
        row!(
            "get",
            "/v1/deadlines/missed",
            Some(READ_INCIDENTS),
            Global,
            P::None,
            |w, i| ("/v1/deadlines/missed".into(), None)
        ),
        // Countries.
        row!(
            "get",
            "/v1/countries",
            Some(ALL),
            Global,
            P::None,
            |w, i| ("/v1/countries".into(), None)
        ),
        row!(
            "put",
            "/v1/countries/{code}/risk",
            Some(ONLY_DUTY),
            Global,
            P::None,
            |w, i| (
                "/v1/countries/ML/risk".into(),
                Some(json!({"level":4,"reason":"Fighting"}))
            )
        ),
        // Evacuations.
        row!(
            "post",
            "/v1/evacuations",
            Some(MANAGE_EVAC),
            Global,
            P::None,
            |w, i| (
                "/v1/evacuations".into(),
                Some(json!({"country":"SD","reason":"Fighting"}))
            )
        ),
        row!(
            "get",
            "/v1/evacuations",
            Some(READ_EVAC),
            Global,
            P::None,
            |w, i| ("/v1/evacuations".into(), None)
        ),
        row!(
            "get",
            "/v1/evacuations/{id}",
            Some(READ_EVAC),
            Global,
            P::None,
            |w, i| (format!("/v1/evacuations/{}", w.evacuation), None)
        ),
        row!(
            "post",
            "/v1/evacuations/{id}/assembly-points",
            Some(MANAGE_EVAC),
            Global,
            P::None,
            |w, i| (
                format!("/v1/evacuations/{}/assembly-points", w.evacuation),
                Some(json!({"name":"Stadium"}))
            )
        ),
        row!(
            "post",
            "/v1/evacuations/{id}/transports",
            Some(MANAGE_EVAC),
            Global,
            P::None,
            |w, i| (
                format!("/v1/evacuations/{}/transports", w.evacuation),
                Some(
                    json!({"mode":"bus","number":"B2","from":"Gao","to":"Niamey","departs_at":"2099-01-01T10:00:00Z","capacity":40})
                )
            )
        ),
        row!(
            "post",
            "/v1/evacuations/{id}/close",
            Some(MANAGE_EVAC),
            Global,
            P::None,
            |w, i| (
                format!("/v1/evacuations/{}/close", w.evacuation),
                Some(json!({"reason":"done"}))
            )
        ),
        row!(
            "post",
            "/v1/evacuations/{id}/evacuees",
            Some(PROCESS_EVAC),
            Global,
            P::None,
            |w, i| (
                format!("/v1/evacuations/{}/evacuees", w.evacuation),
                Some(json!({"person_id": w.p3, "priority":"standard"}))
            )
        ),
        row!(
            "post",
            "/v1/evacuations/{id}/evacuees/{person_id}/check-in",
            Some(PROCESS_EVAC),
            Global,
            P::None,
            |w, i| (
                format!(
                    "/v1/evacuations/{}/evacuees/{}/check-in",
                    w.evacuation, w.p1
                ),
                Some(json!({}))
            )
        ),
        row!(
            "post",
            "/v1/evacuations/{id}/evacuees/{person_id}/assign",
            Some(MANAGE_EVAC),
            Global,
            P::CheckIn,
            |w, i| (
                format!("/v1/evacuations/{}/evacuees/{}/assign", w.evacuation, w.p1),
                Some(json!({"transport_id": w.transport}))
            )
        ),
        row!(
            "post",
            "/v1/evacuations/{id}/evacuees/{person_id}/board",
            Some(PROCESS_EVAC),
            Global,
            P::CheckInAssign,
            |w, i| (
                format!("/v1/evacuations/{}/evacuees/{}/board", w.evacuation, w.p1),
                Some(json!({"transport_id": w.transport}))
            )
        ),
        row!(
            "post",
            "/v1/evacuations/{id}/evacuees/{person_id}/no-show",
            Some(PROCESS_EVAC),
            Global,
            P::None,
            |w, i| (
                format!("/v1/evacuations/{}/evacuees/{}/no-show", w.evacuation, w.p1),
                Some(json!({}))
            )
        ),
        row!(
            "post",
            "/v1/evacuations/{id}/evacuees/{person_id}/offload",
            Some(PROCESS_EVAC),
            Global,
            P::CheckInAssignBoard,
            |w, i| (
                format!("/v1/evacuations/{}/evacuees/{}/offload", w.evacuation, w.p1),
                Some(json!({"reason":"medical"}))
            )
        ),
        row!(
            "post",
            "/v1/evacuations/{id}/transports/{transport_id}/depart",
            Some(MANAGE_EVAC),
            Global,
            P::None,
            |w, i| (
                format!(
                    "/v1/evacuations/{}/transports/{}/depart",
                    w.evacuation, w.transport
                ),
                Some(json!({}))
            )
        ),
        row!(
            "post",
            "/v1/evacuations/{id}/transports/{transport_id}/arrive",
            Some(MANAGE_EVAC),
            Global,
            P::Depart,
            |w, i| (
                format!(
                    "/v1/evacuations/{}/transports/{}/arrive",
                    w.evacuation, w.transport
                ),
                Some(json!({}))
            )
        ),
        row!(
            "get",
            "/v1/evacuations/{id}/transports/{transport_id}/manifest",
            Some(READ_EVAC),
            Global,
            P::CheckInAssign,
            |w, i| (
                format!(
                    "/v1/evacuations/{}/transports/{}/manifest",
                    w.evacuation, w.transport
                ),
                None
            )
        ),
        // Board, live stream, timeline.
        row!("get", "/v1/board", Some(ALL), Global, P::None, |w, i| (
            "/v1/board".into(),
            None
        )),
        row!("get", "/v1/board", Some(ALL), Global, P::None, |w, i| (
            format!("/v1/board?as_of={}", w.after_setup),
            None
        )),
        row!(
            "get",
            "/v1/board/stream",
            Some(ALL),
            Global,
            P::None,
            |w, i| ("/v1/board/stream".into(), None)
        ),
        row!("get", "/v1/timeline", Some(ALL), Global, P::None, |w, i| (
            "/v1/timeline".into(),
            None
        )),
        // Audit.
        row!("get", "/v1/audit", Some(AUDIT), Global, P::None, |w, i| (
            "/v1/audit?limit=1000".into(),
            None
        )),
        row!(
            "get",
            "/v1/audit",
            Some(AUDIT),
            IncidentFilter,
            P::None,
            |w, i| (format!("/v1/audit?incident={i}"), None)
        ),
        row!(
            "get",
            "/v1/audit/verify",
            Some(AUDIT),
            Global,
            P::None,
            |w, i| ("/v1/audit/verify".into(), None)
        ),
    ]
}

/// The world every request runs in.
struct World {
    app: TestApp,
    own: String,
    foreign: String,
    normal: String,
    tasks: Vec<(String, String)>,
    p1: String,
    p2: String,
    p3: String,
    c1: String,
    evacuation: String,
    transport: String,
    subscription: String,
    after_setup: String,
    /// An open welfare check.
    check: String,
}

impl World {
    fn task(&self, incident: &str) -> String {
        self.tasks
            .iter()
            .find(|(i, _)| i == incident)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
    }

    fn incident(&self, target: Target) -> String {
        match target {
            Target::Own => self.own.clone(),
            Target::Foreign => self.foreign.clone(),
            Target::Normal => self.normal.clone(),
            Target::Missing => "01900000-0000-7000-8000-000000000000".into(),
        }
    }

    async fn build() -> World {
        // The matrix is about the HTTP edge; its thousand requests stay on the
        // embedded log even when the suite runs on Kafka.
        let app = TestApp::embedded().await;
        let duty = app.token("chief", D);
        let created = |r: support::Reply| {
            assert!(r.status.is_success(), "setup: {} {:?}", r.status, r.body);
            r.body
        };
        let open = |kind: &'static str, title: &'static str| json!({"kind": kind, "title": title, "country": "ML", "severity": 4});
        let own = created(
            app.post(
                "/v1/incidents",
                &duty,
                open("kidnapping", "Own hostage case"),
            )
            .await,
        )["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let foreign = created(
            app.post("/v1/incidents", &duty, open("kidnapping", SECRET_TITLE))
                .await,
        )["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let normal = created(
            app.post(
                "/v1/incidents",
                &duty,
                open("accident", "Bus crash near Mopti"),
            )
            .await,
        )["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for role in ALL {
            created(
                app.post(
                    &format!("/v1/incidents/{own}/team"),
                    &duty,
                    json!({"subject": subject(*role)}),
                )
                .await,
            );
        }
        created(
            app.post(
                &format!("/v1/incidents/{foreign}/lead"),
                &duty,
                json!({"subject": "someone-else"}),
            )
            .await,
        );
        let p1 = app.register_person(&duty, "Held Person", "P1000001").await;
        let p2 = app
            .register_person(&duty, "Second Record", "P1000002")
            .await;
        let p3 = app.register_person(&duty, "Third Person", "P1000003").await;
        let mut tasks = Vec::new();
        for incident in [&own, &foreign, &normal] {
            let status = if incident == &normal {
                "missing"
            } else {
                "held"
            };
            created(
                app.post(
                    &format!("/v1/incidents/{incident}/persons"),
                    &duty,
                    json!({"person_id": p1, "status": status}),
                )
                .await,
            );
            created(
                app.post(
                    &format!("/v1/incidents/{incident}/team"),
                    &duty,
                    json!({"subject": "spare-member"}),
                )
                .await,
            );
            let task = created(
                app.post(
                    &format!("/v1/incidents/{incident}/tasks"),
                    &duty,
                    json!({"title": "Check in with the embassy"}),
                )
                .await,
            )["task_id"]
                .as_str()
                .unwrap()
                .to_owned();
            tasks.push((incident.clone(), task));
        }
        created(
            app.post(
                &format!("/v1/incidents/{foreign}/reports"),
                &duty,
                json!({"text": SECRET_REPORT, "category": "security"}),
            )
            .await,
        );
        let c1 = created(
            app.post(
                "/v1/calls",
                &duty,
                json!({"caller_name":"A brother","summary":"No news"}),
            )
            .await,
        )["id"]
            .as_str()
            .unwrap()
            .to_owned();
        created(
            app.post(
                "/v1/calls",
                &duty,
                json!({"caller_name":"A cousin","summary":"About the case","incident_id": foreign}),
            )
            .await,
        );
        let evacuation = created(
            app.post(
                "/v1/evacuations",
                &duty,
                json!({"country":"ML","reason":"Fighting","assembly_points":["Airport"],"incident_id": foreign}),
            )
            .await,
        )["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let transport = created(
            app.post(
                &format!("/v1/evacuations/{evacuation}/transports"),
                &duty,
                json!({"mode":"flight","number":"HW1","from":"Bamako","to":"Dakar","departs_at":"2099-01-01T10:00:00Z","capacity":100}),
            )
            .await,
        )["id"]
            .as_str()
            .unwrap()
            .to_owned();
        created(
            app.post(
                &format!("/v1/evacuations/{evacuation}/evacuees"),
                &duty,
                json!({"person_id": p1, "priority":"standard"}),
            )
            .await,
        );
        let subscription = created(
            app.post(
                "/v1/subscriptions",
                &duty,
                json!({"url": "http://127.0.0.1:9/hook", "event_types": ["incident.*"]}),
            )
            .await,
        )["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let check = homeward_domain::TaskId(uuid::Uuid::now_v7());
        app.state
            .service
            .execute(
                homeward_service::Command::Welfare(
                    check,
                    homeward_domain::welfare::WelfareCommand::Open {
                        person_id: p3.parse().unwrap(),
                        country: homeward_domain::CountryCode::parse("ML").unwrap(),
                        risk_level: 4,
                        vulnerabilities: vec![],
                        due_at: jiff::Timestamp::now(),
                        cause: uuid::Uuid::now_v7(),
                    },
                ),
                homeward_service::CommandMeta {
                    actor: homeward_domain::Actor::new("homeward", D),
                    correlation_id: uuid::Uuid::now_v7(),
                    idempotency: None,
                    expected_version: None,
                    causation_id: None,
                },
                homeward_service::Outcome::clone,
            )
            .await
            .unwrap();
        let check = check.to_string();
        let after_setup = jiff::Timestamp::now().to_string();
        World {
            app,
            own,
            foreign,
            normal,
            tasks,
            p1,
            p2,
            p3,
            c1,
            evacuation,
            transport,
            subscription,
            after_setup,
            check,
        }
    }

    async fn prep(&self, prep: Prep, incident: &str) {
        let duty = self.app.token("chief", D);
        let e = &self.evacuation;
        let p = &self.p1;
        let t = &self.transport;
        let steps: Vec<(String, Value)> = match prep {
            Prep::None => vec![],
            Prep::CloseTarget => vec![(
                format!("/v1/incidents/{incident}/close"),
                json!({"reason":"done"}),
            )],
            Prep::MergeSecond => vec![(
                format!("/v1/persons/{}/merge", self.p2),
                json!({"into": p, "reason":"same"}),
            )],
            Prep::CheckIn => vec![(
                format!("/v1/evacuations/{e}/evacuees/{p}/check-in"),
                json!({}),
            )],
            Prep::CheckInAssign => vec![
                (
                    format!("/v1/evacuations/{e}/evacuees/{p}/check-in"),
                    json!({}),
                ),
                (
                    format!("/v1/evacuations/{e}/evacuees/{p}/assign"),
                    json!({"transport_id": t}),
                ),
            ],
            Prep::CheckInAssignBoard => vec![
                (
                    format!("/v1/evacuations/{e}/evacuees/{p}/check-in"),
                    json!({}),
                ),
                (
                    format!("/v1/evacuations/{e}/evacuees/{p}/assign"),
                    json!({"transport_id": t}),
                ),
                (
                    format!("/v1/evacuations/{e}/evacuees/{p}/board"),
                    json!({"transport_id": t}),
                ),
            ],
            Prep::Depart => vec![(
                format!("/v1/evacuations/{e}/transports/{t}/depart"),
                json!({}),
            )],
        };
        for (uri, body) in steps {
            if incident.starts_with("01900000") && uri.contains(incident) {
                continue;
            }
            let r = self.app.post(&uri, &duty, body).await;
            assert!(
                r.status.is_success(),
                "prep {uri}: {} {:?}",
                r.status,
                r.body
            );
        }
    }

    /// Sends the request; for the live stream, reads until the snapshot arrived.
    async fn send(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, String) {
        let mut builder = Request::builder()
            .method(method.to_uppercase().as_str())
            .uri(uri);
        if let Some(t) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(serde_json::to_vec(&v).unwrap())
            }
            None => Body::empty(),
        };
        let response = self
            .app
            .router
            .clone()
            .oneshot(builder.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let streaming = response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
        let mut body = response.into_body();
        let mut text = String::new();
        if streaming {
            while !text.contains("event: snapshot") || !text.ends_with("\n\n") {
                let frame = body.frame().await.expect("stream open").expect("frame");
                if let Ok(data) = frame.into_data() {
                    text.push_str(&String::from_utf8_lossy(&data));
                }
            }
        } else {
            let bytes = body.collect().await.unwrap().to_bytes();
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        (status, text)
    }
}

/// What the table says `role` gets on `row` for `target`.
fn expected(row: &Row, role: Role, target: Target) -> StatusCode {
    let Some(roles) = row.roles else {
        return StatusCode::OK;
    };
    if role == Role::Citizen {
        return StatusCode::UNAUTHORIZED;
    }
    if !roles.contains(&role) {
        return StatusCode::FORBIDDEN;
    }
    let cleared = CLEARED.contains(&role);
    match (row.scope, target) {
        (Scope::Global, _) | (Scope::IncidentFilter, _) => StatusCode::OK,
        (_, Target::Missing) => StatusCode::NOT_FOUND,
        (_, Target::Foreign) if !cleared => StatusCode::NOT_FOUND,
        (Scope::IncidentRead, _) => StatusCode::OK,
        (_, Target::Normal) if role == F => StatusCode::FORBIDDEN,
        (Scope::KidnappingCommand, Target::Normal) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    }
}

fn same_class(a: StatusCode, b: StatusCode) -> bool {
    if b == StatusCode::OK {
        a.is_success()
    } else {
        a == b
    }
}

fn template_matches(template: &str, uri: &str) -> bool {
    let path = uri.split('?').next().unwrap_or(uri);
    let want: Vec<&str> = template.split('/').collect();
    let got: Vec<&str> = path.split('/').collect();
    want.len() == got.len()
        && want
            .iter()
            .zip(&got)
            .all(|(w, g)| (w.starts_with('{') && !g.is_empty()) || w == g)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_role_as_the_table_says() {
    let table = rows();
    // The routes of the document, each of which must have a row.
    let world = World::build().await;
    let (_, doc) = world.send("get", "/openapi.json", None, None).await;
    let doc: Value = serde_json::from_str(&doc).unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                documented.insert((method.clone(), path.clone()));
            }
        }
    }
    let covered: BTreeSet<(String, String)> = table
        .iter()
        .map(|r| (r.method.to_owned(), r.template.to_owned()))
        .collect();
    let missing: Vec<_> = documented.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "routes of the OpenAPI document without a row in the access table: {missing:?}"
    );
    let stale: Vec<_> = covered.difference(&documented).collect();
    assert!(
        stale.is_empty(),
        "rows for routes the document lacks: {stale:?}"
    );

    let mut world = Some(world);
    let mut failures = Vec::new();
    let mut checked = 0usize;
    for row in &table {
        for role in EVERY_ROLE.iter().copied() {
            let targets: &[Target] = match row.scope {
                Scope::Global => &[Target::Own],
                _ => &[
                    Target::Foreign,
                    Target::Missing,
                    Target::Own,
                    Target::Normal,
                ],
            };
            let w = match world.take() {
                Some(w) => w,
                None => World::build().await,
            };
            let token = row.roles.map(|_| w.app.token(&subject(role), role));
            let mut changed = row.prep != Prep::None;
            let mut foreign_status = None;
            for &target in targets {
                let incident = w.incident(target);
                w.prep(row.prep, &incident).await;
                let (uri, body) = (row.request)(&w, &incident);
                assert!(
                    template_matches(row.template, &uri),
                    "{uri} is not {}",
                    row.template
                );
                let (status, text) = w.send(row.method, &uri, token.as_deref(), body).await;
                checked += 1;
                let want = expected(row, role, target);
                let at = format!("{} {uri} as {role} on {target:?}", row.method);
                if !same_class(status, want) {
                    failures.push(format!("{at}: {status}, expected {want}: {text}"));
                }
                assert!(!status.is_server_error(), "{at}: {status} {text}");
                if status.is_success() && row.method != "get" {
                    changed = true;
                }
                match target {
                    Target::Foreign => foreign_status = Some(status),
                    Target::Missing
                        if foreign_status != Some(status) && !CLEARED.contains(&role) =>
                    {
                        failures.push(format!(
                            "{at}: a foreign restricted case answers {foreign_status:?}, a missing one {status}"
                        ));
                    }
                    _ => {}
                }
                if !CLEARED.contains(&role) {
                    let leaks = [SECRET_TITLE, SECRET_REPORT, "Kestrel"]
                        .into_iter()
                        // The id itself, unless the caller sent it, or the board
                        // shows the case redacted to a role that reads only the board.
                        .chain(
                            (!(uri.contains(&w.foreign)
                                || matches!(role, W | X) && uri.starts_with("/v1/board")))
                            .then_some(w.foreign.as_str()),
                        )
                        .filter(|s| text.contains(s))
                        .collect::<Vec<_>>();
                    if !leaks.is_empty() {
                        failures.push(format!("{at}: leaks {leaks:?}: {text}"));
                    }
                }
            }
            if !changed {
                world = Some(w);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} answers differ from the table:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn the_live_stream_carries_no_change_of_a_foreign_restricted_case() {
    let w = World::build().await;
    let duty = w.app.token("chief", D);
    for role in [F, H, E, W, X] {
        let token = w.app.token(&subject(role), role);
        let response = w
            .app
            .router
            .clone()
            .oneshot(
                Request::get("/v1/board/stream")
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let mut body = response.into_body();
        let mut text = String::new();
        while !text.contains("event: snapshot") {
            let frame = body.frame().await.expect("open").expect("frame");
            text.push_str(&String::from_utf8_lossy(&frame.into_data().unwrap()));
        }
        let marker = format!("Road reopened for {role}");
        for (incident, report) in [(&w.foreign, SECRET_REPORT), (&w.normal, marker.as_str())] {
            let r = w
                .app
                .post(
                    &format!("/v1/incidents/{incident}/reports"),
                    &duty,
                    json!({"text": report, "category": "situation"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED);
        }
        // The normal incident's report comes after the secret one: once it is here,
        // the secret one would have been too.
        while !text.contains(&marker) {
            let frame = body.frame().await.expect("open").expect("frame");
            if let Ok(data) = frame.into_data() {
                text.push_str(&String::from_utf8_lossy(&data));
            }
        }
        assert!(!text.contains(SECRET_REPORT), "{role}: {text}");
        assert!(!text.contains(SECRET_TITLE), "{role}: {text}");
    }
}

/// The pages outside the API document (the wall, the field page, the answer pages) take
/// no bearer token: every role, and no token at all, gets the same page, and an answer
/// page for a token that is not a link's changes nothing whoever sends it.
#[tokio::test]
async fn the_pages_outside_the_document_answer_every_role_alike() {
    let w = World::build().await;
    let before = w.app.events().await;
    let mut tokens: Vec<Option<String>> = vec![None];
    tokens.extend(
        EVERY_ROLE
            .iter()
            .map(|r| Some(w.app.token(&subject(*r), *r))),
    );
    for (n, token) in tokens.iter().enumerate() {
        // A token of its own for each caller: the answer pages are limited per link.
        let forged = format!("/answer/{n:064x}");
        // Every file of the pages (the wall display's modules among them), then these.
        let files = homeward_api::routes::ASSETS
            .iter()
            .map(|path| ("GET", *path, None, StatusCode::OK));
        for (method, uri, body, want) in files.chain([
            ("GET", "/", None, StatusCode::OK),
            ("GET", "/field", None, StatusCode::OK),
            ("GET", "/field/sw.js", None, StatusCode::OK),
            ("GET", forged.as_str(), None, StatusCode::NOT_FOUND),
            (
                "POST",
                forged.as_str(),
                Some("status=safe"),
                StatusCode::NOT_FOUND,
            ),
        ]) {
            let mut b = Request::builder().method(method).uri(uri);
            if let Some(t) = token {
                b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
            }
            if body.is_some() {
                b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            }
            let body = body.map_or_else(Body::empty, |s| Body::from(s.to_owned()));
            let r = w.app.send(b.body(body).unwrap()).await;
            assert_eq!(r.status, want, "{method} {uri} with {token:?}");
        }
    }
    assert_eq!(w.app.events().await, before);
}
