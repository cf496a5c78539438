//! Entry points for the fuzz targets (`fuzz/`) and the replay of their corpus in the
//! ordinary test run: the request parsing of every route's body, as the handlers do it.

use serde::de::DeserializeOwned;

use crate::extract::parse_body;
use crate::routes::{access, calls, countries, evacuations, incidents, persons};

fn accepts<T: DeserializeOwned>(bytes: &[u8]) -> bool {
    parse_body::<T>(bytes).is_ok()
}

/// Parses `bytes` as the body of every route; returns how many took it. Must never
/// panic, whatever the bytes.
pub fn request_bodies(bytes: &[u8]) -> usize {
    [
        accepts::<incidents::OpenIncidentBody>(bytes),
        accepts::<incidents::StatusBody>(bytes),
        accepts::<incidents::ReasonBody>(bytes),
        accepts::<incidents::SeverityBody>(bytes),
        accepts::<incidents::SubjectBody>(bytes),
        accepts::<incidents::AffectedPersonBody>(bytes),
        accepts::<incidents::TaskBody>(bytes),
        accepts::<incidents::ReportBody>(bytes),
        accepts::<incidents::DemandBody>(bytes),
        accepts::<incidents::OutcomeBody>(bytes),
        accepts::<incidents::CorrectionBody>(bytes),
        accepts::<persons::PersonBody>(bytes),
        accepts::<persons::PersonCorrectionBody>(bytes),
        accepts::<persons::MergeBody>(bytes),
        accepts::<calls::CallBody>(bytes),
        accepts::<countries::RiskBody>(bytes),
        accepts::<evacuations::OpenEvacuationBody>(bytes),
        accepts::<evacuations::TransportBody>(bytes),
        accepts::<evacuations::EvacueeBody>(bytes),
        accepts::<access::RevocationBody>(bytes),
    ]
    .into_iter()
    .filter(|ok| *ok)
    .count()
}
