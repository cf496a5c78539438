//! What the API shows of the read models to one caller: need-to-know on incidents and
//! masking of personal data (passport numbers, phones, dates of birth).

use homeward_domain::Timestamp;
use homeward_domain::incident::AffectedStatus;
use homeward_domain::person::Vulnerability;
use homeward_domain::policy::{self, Action};
use homeward_domain::{CountryCode, PersonId, Role};
use homeward_projections::Projections;
use homeward_projections::board::Visibility;
use homeward_projections::incidents::IncidentFile;
use homeward_projections::locator::{PersonIncident, PersonRecord, Welfare};
use serde::Serialize;

use crate::auth::Caller;

/// Whether the caller may see this incident at all.
pub fn may_see(caller: &Caller, file: &IncidentFile) -> bool {
    policy::may_see_incident(
        &caller.actor,
        file.classification,
        file.is_member(&caller.actor.subject),
    )
}

/// What the caller sees of an incident on the board.
pub fn board_visibility(caller: &Caller, file: &IncidentFile) -> Visibility {
    if may_see(caller, file) {
        Visibility::Full
    } else if caller.actor.role == Role::WallDisplay
        || (caller.may(Action::ReadBoard) && !caller.may(Action::ReadIncidents))
    {
        // Screens and roles that only read the board see that a restricted case
        // exists, where and how grave, never who or what.
        if file.classification == homeward_domain::incident::Classification::Normal {
            Visibility::Full
        } else {
            Visibility::Redacted
        }
    } else {
        Visibility::Hidden
    }
}

/// Masks all but the last three characters.
pub fn mask(value: &str) -> String {
    let n = value.chars().count();
    value
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i + 3 < n && c.is_alphanumeric() {
                '•'
            } else {
                c
            }
        })
        .collect()
}

/// A person as one caller may see them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonView {
    /// Id.
    pub id: PersonId,
    /// The stream's version.
    pub version: u64,
    /// Full name.
    pub full_name: String,
    /// Date of birth; absent when the caller may not see personal data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    /// Nationality.
    pub nationality: CountryCode,
    /// Passport number, masked unless the caller may see personal data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passport_number: Option<String>,
    /// Phone, masked unless the caller may see personal data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Whether personal data was masked for this caller.
    pub personal_data_masked: bool,
    /// Whether the personal data was erased (passport number, phone and date of birth
    /// are then absent, and the full name empty, for every caller).
    pub personal_data_erased: bool,
    /// Where they are now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_country: Option<CountryCode>,
    /// Last known place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Latitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// When the whereabouts were last reported.
    pub whereabouts_at: Timestamp,
    /// Vulnerabilities.
    pub vulnerabilities: Vec<Vulnerability>,
    /// Latest welfare check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub welfare: Option<Welfare>,
    /// Most recent status across the incidents the caller may see.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<AffectedStatus>,
    /// The surviving record, if merged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<PersonId>,
    /// Records merged into this one.
    pub merged_from: Vec<PersonId>,
    /// Records that looked like the same person at registration.
    pub suspected_duplicates: Vec<PersonId>,
    /// Incidents the caller may see that affect them.
    pub incidents: Vec<PersonIncident>,
    /// Hotline calls about them.
    pub calls: Vec<homeward_domain::CallId>,
    /// Their part in evacuations: status, and the transport they hold a seat on or took.
    pub evacuations: Vec<EvacuationLeg>,
    /// When they were registered.
    pub registered_at: Timestamp,
}

/// A person's part in one evacuation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvacuationLeg {
    /// The evacuation.
    pub evacuation_id: homeward_domain::EvacuationId,
    /// Its country.
    pub country: CountryCode,
    /// Where they stand.
    pub status: homeward_domain::evacuation::EvacueeStatus,
    /// Their seat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seat: Option<u32>,
    /// The transport.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport: Option<homeward_projections::evacuations::TransportRecord>,
}

/// A person record as `caller` may see it.
pub fn person_view(
    caller: &Caller,
    record: &PersonRecord,
    projections: &Projections,
) -> PersonView {
    let clear = caller.may(Action::SeePersonalData);
    let incidents: Vec<PersonIncident> = record
        .incidents
        .iter()
        .filter(|i| {
            projections
                .incidents
                .get(i.incident_id)
                .is_some_and(|file| may_see(caller, file))
        })
        .cloned()
        .collect();
    PersonView {
        id: record.id,
        version: record.version,
        full_name: record.full_name.clone(),
        date_of_birth: record
            .date_of_birth
            .filter(|_| clear)
            .map(|d| d.to_string()),
        nationality: record.nationality,
        passport_number: record
            .passport_number
            .as_deref()
            .map(|p| if clear { p.to_owned() } else { mask(p) }),
        phone: record
            .phone
            .as_deref()
            .map(|p| if clear { p.to_owned() } else { mask(p) }),
        personal_data_masked: !clear,
        personal_data_erased: record.erased,
        current_country: record.current_country,
        place: record.place.clone(),
        lat: record.lat,
        lon: record.lon,
        whereabouts_at: record.whereabouts_at,
        vulnerabilities: record.vulnerabilities.clone(),
        welfare: record.welfare.clone(),
        status: incidents.iter().max_by_key(|i| i.since).map(|i| i.status),
        merged_into: record.merged_into,
        merged_from: record.merged_from.clone(),
        suspected_duplicates: record.suspected_duplicates.clone(),
        incidents,
        calls: if caller.may(Action::ReadCalls) {
            record.calls.clone()
        } else {
            Vec::new()
        },
        evacuations: projections
            .evacuations
            .of_person(record.id)
            .filter_map(|e| {
                let evacuee = e.evacuees.get(&record.id)?;
                Some(EvacuationLeg {
                    evacuation_id: e.id,
                    country: e.country,
                    status: evacuee.status,
                    seat: evacuee.seat,
                    transport: evacuee.transport_id.and_then(|t| e.transport(t)).cloned(),
                })
            })
            .collect(),
        registered_at: record.registered_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_keeps_only_the_last_three() {
        assert_eq!(mask("E12345678"), "••••••678");
        assert_eq!(mask("+86 138 0013 8000"), "+•• ••• •••• •000");
        assert_eq!(mask("AB"), "AB");
    }
}
