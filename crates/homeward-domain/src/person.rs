//! The person stream: a citizen with personal data, whereabouts, vulnerabilities,
//! welfare checks, and merges of duplicate records (undone by an unmerge).

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::aggregate::{Aggregate, Context};
use crate::ids::{CountryCode, PersonId};
use crate::rejection::Rejection;
use crate::validate::{self, MAX_NOTE, MAX_TITLE};

/// A reason to look after someone first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[allow(missing_docs)]
pub enum Vulnerability {
    Child,
    Elderly,
    Medical,
    Pregnant,
    Disability,
}

/// The answer to a welfare check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema, utoipa::ToSchema))]
#[allow(missing_docs)]
pub enum WelfareStatus {
    Safe,
    NeedsHelp,
    NoAnswer,
}

/// Personal details as a caller gave them, before checking.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PersonDetails {
    /// Full name as in the passport.
    pub full_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// ISO 3166-1 alpha-2.
    pub nationality: String,
    /// Personal data.
    pub passport_number: Option<String>,
    /// Personal data.
    pub phone: Option<String>,
}

/// Where a person is now.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Whereabouts {
    /// ISO 3166-1 alpha-2, as the caller wrote it.
    pub country: Option<String>,
    /// A place name.
    pub place: Option<String>,
    /// Latitude, with `lon`.
    pub lat: Option<f64>,
    /// Longitude, with `lat`.
    pub lon: Option<f64>,
}

/// Everything that can be asked of a person record.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum PersonCommand {
    Register {
        details: PersonDetails,
        whereabouts: Whereabouts,
        vulnerabilities: Vec<Vulnerability>,
        /// Looked up by the edge: records that look like the same person. They are
        /// recorded as a warning; the registration is never refused for them.
        suspected_duplicates: Vec<PersonId>,
    },
    UpdateWhereabouts(Whereabouts),
    SetVulnerabilities(Vec<Vulnerability>),
    RecordWelfareCheck {
        status: WelfareStatus,
        note: Option<String>,
        occurred_at: Option<Timestamp>,
    },
    MergeInto {
        /// This record's own id (streams do not know their ids).
        this: PersonId,
        into: PersonId,
        reason: String,
        /// Looked up by the edge: the survivor record, if it exists: `Some(None)` when it
        /// exists and is not itself merged, `Some(Some(x))` when it was merged into `x`.
        target: Option<Option<PersonId>>,
    },
    Unmerge {
        reason: String,
    },
    /// Erase the personal data (full name, passport number, phone, date of birth) for good: the
    /// store destroys the record's key, so every copy of them reads as erased.
    Erase {
        reason: String,
    },
    CorrectDetails {
        corrects_version: u64,
        reason: String,
        full_name: Option<String>,
        date_of_birth: Option<String>,
        nationality: Option<String>,
        passport_number: Option<String>,
        phone: Option<String>,
    },
}

impl PersonCommand {
    /// The time the command says it happened in the field, if it names one.
    pub fn field_time(&self) -> Option<Timestamp> {
        match self {
            Self::RecordWelfareCheck { occurred_at, .. } => *occurred_at,
            _ => None,
        }
    }

    /// A stable name for the command, for the audit trail of rejections.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Register { .. } => "register_person",
            Self::UpdateWhereabouts(_) => "update_whereabouts",
            Self::SetVulnerabilities(_) => "set_vulnerabilities",
            Self::RecordWelfareCheck { .. } => "record_welfare_check",
            Self::MergeInto { .. } => "merge_person",
            Self::Unmerge { .. } => "unmerge_person",
            Self::CorrectDetails { .. } => "correct_person",
            Self::Erase { .. } => "erase_person",
        }
    }
}

/// A person was registered. Full name, passport number, phone and date of birth are
/// personal data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct PersonRegistered {
    /// Empty once the person was erased (v3; sealed at rest).
    #[serde(default)]
    pub full_name: String,
    /// Absent once the person was erased (v2; v1 always had it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<Date>,
    pub nationality: CountryCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passport_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_country: Option<CountryCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vulnerabilities: Vec<Vulnerability>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suspected_duplicates: Vec<PersonId>,
}

/// Where the person is now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct WhereaboutsUpdated {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<CountryCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

/// The person's vulnerabilities, replacing the previous set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct VulnerabilitiesSet {
    pub vulnerabilities: Vec<Vulnerability>,
}

/// A welfare check was answered (or not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct WelfareChecked {
    pub status: WelfareStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// This record was found to be the same person as `into`; `into` survives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct PersonMerged {
    pub into: PersonId,
    pub reason: String,
}

/// A merge was undone: this record stands on its own again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct PersonUnmerged {
    pub from: PersonId,
    pub reason: String,
}

/// Personal details were corrected; only the fields named changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct PersonCorrected {
    pub corrects_version: u64,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<CountryCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passport_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// The person's personal data was erased: their key is destroyed, and the full name,
/// passport number, phone and date of birth of every earlier event read as absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[allow(missing_docs)]
pub struct PersonErased {
    pub reason: String,
}

crate::event::events! {
    /// Everything that can happen to a person record.
    pub enum PersonEvent {
        // v1 always had a date of birth; v2 may lack it (erased); v3 seals the full
        // name too, which is absent once erased.
        Registered(PersonRegistered) = ("person.registered", 3),
        WhereaboutsUpdated(WhereaboutsUpdated) = ("person.whereabouts_updated", 1),
        VulnerabilitiesSet(VulnerabilitiesSet) = ("person.vulnerabilities_set", 1),
        WelfareChecked(WelfareChecked) = ("person.welfare_checked", 1),
        Merged(PersonMerged) = ("person.merged", 1),
        Unmerged(PersonUnmerged) = ("person.unmerged", 1),
        // v2 seals a corrected full name.
        Corrected(PersonCorrected) = ("person.corrected", 2),
        Erased(PersonErased) = ("person.erased", 1),
    }
}

/// What `decide` needs to know about a person record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// Events folded so far.
    pub version: u64,
    /// Set once registered.
    pub registered: bool,
    /// The survivor this record was merged into, while merged.
    pub merged_into: Option<PersonId>,
    /// Where they are now.
    pub current_country: Option<CountryCode>,
    /// Reasons to look after them first.
    pub vulnerabilities: BTreeSet<Vulnerability>,
    /// The latest welfare check.
    pub welfare: Option<WelfareStatus>,
    /// Whether the personal data was erased.
    pub erased: bool,
}

/// Checks a date of birth: a real date, not in the future, not before 1900.
pub fn date_of_birth(value: &str, now: Timestamp) -> Result<Date, Rejection> {
    let value = value.trim();
    let shape_ok = value.len() == 10
        && value.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shape_ok {
        return Err(Rejection::InvalidDateOfBirth);
    }
    let date: Date = value.parse().map_err(|_| Rejection::InvalidDateOfBirth)?;
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    if date > today || date.year() < 1900 {
        return Err(Rejection::InvalidDateOfBirth);
    }
    Ok(date)
}

/// Checks a passport number: 5 to 20 letters and digits.
pub fn passport_number(value: Option<&str>) -> Result<Option<String>, Rejection> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) if (5..=20).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric()) => {
            Ok(Some(v.to_ascii_uppercase()))
        }
        Some(_) => Err(Rejection::InvalidPassportNumber),
    }
}

/// Checks a phone number: digits with an optional leading `+`, spaces, dashes and brackets.
pub fn phone(value: Option<&str>) -> Result<Option<String>, Rejection> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v)
            if v.len() <= 32
                && v.chars().filter(char::is_ascii_digit).count() >= 5
                && v.char_indices().all(|(i, c)| {
                    c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')') || (c == '+' && i == 0)
                }) =>
        {
            Ok(Some(v.to_owned()))
        }
        Some(_) => Err(Rejection::InvalidPhone),
    }
}

fn whereabouts(w: &Whereabouts) -> Result<WhereaboutsUpdated, Rejection> {
    let coords = validate::coordinates(w.lat, w.lon)?;
    Ok(WhereaboutsUpdated {
        country: w.country.as_deref().map(validate::country).transpose()?,
        place: validate::optional("place", w.place.as_deref(), MAX_TITLE)?,
        lat: coords.map(|c| c.0),
        lon: coords.map(|c| c.1),
    })
}

fn vulnerability_list(list: &[Vulnerability]) -> Vec<Vulnerability> {
    list.iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

impl Person {
    fn active(&self) -> Result<(), Rejection> {
        if !self.registered {
            return Err(Rejection::NotFound { what: "person" });
        }
        if let Some(into) = self.merged_into {
            return Err(Rejection::PersonMerged { into });
        }
        Ok(())
    }
}

impl Aggregate for Person {
    type Command = PersonCommand;
    type Event = PersonEvent;

    fn decide(
        &self,
        command: &PersonCommand,
        ctx: &Context,
    ) -> Result<Vec<PersonEvent>, Rejection> {
        use PersonCommand as C;
        use PersonEvent as E;
        let event = match command {
            C::Register {
                details,
                whereabouts: w,
                vulnerabilities,
                suspected_duplicates,
            } => {
                if self.registered {
                    return Err(Rejection::AlreadyExists { what: "person" });
                }
                let w = whereabouts(w)?;
                E::Registered(PersonRegistered {
                    full_name: validate::required("full_name", &details.full_name, MAX_TITLE)?,
                    date_of_birth: Some(date_of_birth(&details.date_of_birth, ctx.now)?),
                    nationality: validate::country(&details.nationality)?,
                    passport_number: passport_number(details.passport_number.as_deref())?,
                    phone: phone(details.phone.as_deref())?,
                    current_country: w.country,
                    place: w.place,
                    lat: w.lat,
                    lon: w.lon,
                    vulnerabilities: vulnerability_list(vulnerabilities),
                    suspected_duplicates: suspected_duplicates.clone(),
                })
            }
            C::UpdateWhereabouts(w) => {
                self.active()?;
                let w = whereabouts(w)?;
                if w.country.is_none() && w.place.is_none() && w.lat.is_none() {
                    return Err(Rejection::Empty {
                        field: "whereabouts",
                    });
                }
                E::WhereaboutsUpdated(w)
            }
            C::SetVulnerabilities(list) => {
                self.active()?;
                let list = vulnerability_list(list);
                if list.iter().copied().collect::<BTreeSet<_>>() == self.vulnerabilities {
                    return Err(Rejection::NoChange);
                }
                E::VulnerabilitiesSet(VulnerabilitiesSet {
                    vulnerabilities: list,
                })
            }
            C::RecordWelfareCheck {
                status,
                note,
                occurred_at,
            } => {
                self.active()?;
                validate::field_time(*occurred_at, ctx.now)?;
                E::WelfareChecked(WelfareChecked {
                    status: *status,
                    note: validate::optional("note", note.as_deref(), MAX_NOTE)?,
                })
            }
            C::MergeInto {
                this,
                into,
                reason,
                target,
            } => {
                self.active()?;
                if this == into {
                    return Err(Rejection::MergeIntoSelf);
                }
                match target {
                    None => {
                        return Err(Rejection::NotFound {
                            what: "person to merge into",
                        });
                    }
                    Some(Some(survivor)) => {
                        return Err(Rejection::PersonMerged { into: *survivor });
                    }
                    Some(None) => {}
                }
                E::Merged(PersonMerged {
                    into: *into,
                    reason: validate::reason(reason)?,
                })
            }
            C::Unmerge { reason } => {
                if !self.registered {
                    return Err(Rejection::NotFound { what: "person" });
                }
                let from = self.merged_into.ok_or(Rejection::NotMerged)?;
                E::Unmerged(PersonUnmerged {
                    from,
                    reason: validate::reason(reason)?,
                })
            }
            C::Erase { reason } => {
                if !self.registered {
                    return Err(Rejection::NotFound { what: "person" });
                }
                if self.erased {
                    return Err(Rejection::NoChange);
                }
                E::Erased(PersonErased {
                    reason: validate::reason(reason)?,
                })
            }
            C::CorrectDetails {
                corrects_version,
                reason,
                full_name,
                date_of_birth: dob,
                nationality,
                passport_number: passport,
                phone: tel,
            } => {
                if !self.registered {
                    return Err(Rejection::NotFound { what: "person" });
                }
                if self.erased
                    && (full_name.is_some() || dob.is_some() || passport.is_some() || tel.is_some())
                {
                    return Err(Rejection::PersonErased);
                }
                if *corrects_version == 0 || *corrects_version > self.version {
                    return Err(Rejection::UnknownVersion {
                        version: *corrects_version,
                        latest: self.version,
                    });
                }
                let corrected = PersonCorrected {
                    corrects_version: *corrects_version,
                    reason: validate::reason(reason)?,
                    full_name: validate::optional("full_name", full_name.as_deref(), MAX_TITLE)?,
                    date_of_birth: dob
                        .as_deref()
                        .map(|d| date_of_birth(d, ctx.now))
                        .transpose()?,
                    nationality: nationality.as_deref().map(validate::country).transpose()?,
                    passport_number: passport_number(passport.as_deref())?,
                    phone: phone(tel.as_deref())?,
                };
                if corrected.full_name.is_none()
                    && corrected.date_of_birth.is_none()
                    && corrected.nationality.is_none()
                    && corrected.passport_number.is_none()
                    && corrected.phone.is_none()
                {
                    return Err(Rejection::NoChange);
                }
                E::Corrected(corrected)
            }
        };
        Ok(vec![event])
    }

    fn evolve(mut self, event: &PersonEvent) -> Self {
        self.version += 1;
        match event {
            PersonEvent::Registered(r) => {
                self.registered = true;
                self.current_country = r.current_country;
                self.vulnerabilities = r.vulnerabilities.iter().copied().collect();
            }
            PersonEvent::WhereaboutsUpdated(w) => {
                if w.country.is_some() {
                    self.current_country = w.country;
                }
            }
            PersonEvent::VulnerabilitiesSet(v) => {
                self.vulnerabilities = v.vulnerabilities.iter().copied().collect();
            }
            PersonEvent::WelfareChecked(w) => self.welfare = Some(w.status),
            PersonEvent::Merged(m) => self.merged_into = Some(m.into),
            PersonEvent::Unmerged(_) => self.merged_into = None,
            PersonEvent::Corrected(_) => {}
            PersonEvent::Erased(_) => self.erased = true,
        }
        self
    }

    fn version(&self) -> u64 {
        self.version
    }
}
