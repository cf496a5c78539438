//! Entry points for the fuzz targets (`fuzz/`) and the replay of their corpus in the
//! ordinary test run: the request parsing of every route's body, as the handlers do it.

use std::borrow::Cow;

use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use crate::extract::parse_body;
use crate::routes::{
    access, calls, countries, decisions, evacuations, incidents, persons, subscriptions,
};

/// A request body type: its schema's name in the OpenAPI document, and whether some
/// bytes parse as one.
pub type BodyType = (Cow<'static, str>, fn(&[u8]) -> bool);

fn accepts<T: DeserializeOwned>(bytes: &[u8]) -> bool {
    parse_body::<T>(bytes).is_ok()
}

fn body<T: DeserializeOwned + ToSchema>() -> BodyType {
    (T::name(), accepts::<T>)
}

/// Every request body type of the API (a test checks the list against the document).
pub fn body_types() -> Vec<BodyType> {
    vec![
        body::<incidents::OpenIncidentBody>(),
        body::<incidents::StatusBody>(),
        body::<incidents::ReasonBody>(),
        body::<incidents::SeverityBody>(),
        body::<incidents::SubjectBody>(),
        body::<incidents::AffectedPersonBody>(),
        body::<incidents::PersonStatusBody>(),
        body::<incidents::TaskBody>(),
        body::<incidents::NoteBody>(),
        body::<incidents::ReportBody>(),
        body::<incidents::CaptorContactBody>(),
        body::<incidents::DemandBody>(),
        body::<incidents::ProofOfLifeBody>(),
        body::<incidents::NegotiationBody>(),
        body::<incidents::OutcomeBody>(),
        body::<incidents::CorrectionBody>(),
        body::<decisions::DecisionBody>(),
        body::<persons::PersonBody>(),
        body::<persons::WhereaboutsBody>(),
        body::<persons::VulnerabilitiesBody>(),
        body::<persons::WelfareBody>(),
        body::<persons::MergeBody>(),
        body::<persons::PersonCorrectionBody>(),
        body::<calls::CallBody>(),
        body::<calls::LinkBody>(),
        body::<countries::RiskBody>(),
        body::<evacuations::OpenEvacuationBody>(),
        body::<evacuations::AssemblyPointBody>(),
        body::<evacuations::TransportBody>(),
        body::<evacuations::EvacueeBody>(),
        body::<evacuations::CheckInBody>(),
        body::<evacuations::AssignBody>(),
        body::<evacuations::BoardBody>(),
        body::<evacuations::MovementBody>(),
        body::<access::RevocationBody>(),
        body::<subscriptions::SubscriptionBody>(),
        body::<subscriptions::DeleteBody>(),
    ]
}

/// Parses `bytes` as the body of every route; returns how many took it. Must never
/// panic, whatever the bytes.
pub fn request_bodies(bytes: &[u8]) -> usize {
    body_types()
        .into_iter()
        .filter(|(_, accepts)| accepts(bytes))
        .count()
}
