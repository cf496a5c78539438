//! The person stream's `decide`: registration, whereabouts, vulnerabilities, welfare,
//! merges and corrections, with every rule that refuses a command.

#![allow(missing_docs)]

mod support;

use homeward_domain::person::{
    Person, PersonCommand, PersonCorrected, PersonDetails, PersonEvent, PersonRegistered,
    PersonUnmerged, VulnerabilitiesSet, Vulnerability, WelfareChecked, WelfareStatus, Whereabouts,
    WhereaboutsUpdated,
};
use homeward_domain::{PersonId, Rejection};
use support::*;

const THIS: u128 = 1;
const OTHER: u128 = 2;
const SURVIVOR: u128 = 3;

fn registered_body() -> PersonRegistered {
    match registered() {
        PersonEvent::Registered(r) => r,
        other => unreachable!("registered() is a registration, got {other:?}"),
    }
}

fn register_with(details: PersonDetails) -> PersonCommand {
    PersonCommand::Register {
        details,
        whereabouts: Whereabouts::default(),
        vulnerabilities: vec![],
        suspected_duplicates: vec![],
    }
}

fn merge(into: PersonId, target: Option<Option<PersonId>>) -> PersonCommand {
    PersonCommand::MergeInto {
        this: pid(THIS),
        into,
        reason: "same passport".into(),
        target,
    }
}

fn welfare(status: WelfareStatus) -> PersonCommand {
    PersonCommand::RecordWelfareCheck {
        status,
        note: None,
        occurred_at: None,
    }
}

fn whereabouts_in(country: &str) -> PersonCommand {
    PersonCommand::UpdateWhereabouts(Whereabouts {
        country: Some(country.into()),
        ..Whereabouts::default()
    })
}

fn correct_details(version: u64, reason: &str) -> PersonCommand {
    PersonCommand::CorrectDetails {
        corrects_version: version,
        reason: reason.into(),
        full_name: None,
        date_of_birth: None,
        nationality: None,
        passport_number: None,
        phone: None,
    }
}

fn correct_name(version: u64) -> PersonCommand {
    PersonCommand::CorrectDetails {
        corrects_version: version,
        reason: "typo in the name".into(),
        full_name: Some("Aminata Diallo".into()),
        date_of_birth: None,
        nationality: None,
        passport_number: None,
        phone: None,
    }
}

/// A command of each kind but `Register`, each valid on a registered record.
fn every_command_but_register() -> Vec<PersonCommand> {
    vec![
        whereabouts_in("SD"),
        PersonCommand::SetVulnerabilities(vec![Vulnerability::Child]),
        welfare(WelfareStatus::Safe),
        merge(pid(OTHER), Some(None)),
        PersonCommand::Unmerge {
            reason: "different people".into(),
        },
        correct_name(1),
    ]
}

// ---------------------------------------------------------------------------------
// Register

#[test]
fn register_a_person() {
    let state = given::<Person>(vec![])
        .when(register_cmd())
        .then(vec![registered()]);
    assert!(state.registered);
    assert_eq!(state.merged_into, None);
    assert_eq!(state.version, 1);
}

#[test]
fn register_with_whereabouts_and_vulnerabilities() {
    let state = given::<Person>(vec![])
        .when(PersonCommand::Register {
            details: PersonDetails {
                full_name: "  Amina Diallo ".into(),
                nationality: "fr".into(),
                passport_number: Some(" 19ab12345 ".into()),
                phone: Some("  ".into()),
                ..details()
            },
            whereabouts: Whereabouts {
                country: Some("sd".into()),
                place: Some(" Khartoum ".into()),
                lat: Some(15.5),
                lon: Some(32.56),
            },
            vulnerabilities: vec![
                Vulnerability::Pregnant,
                Vulnerability::Child,
                Vulnerability::Pregnant,
            ],
            suspected_duplicates: vec![],
        })
        .then(vec![PersonEvent::Registered(PersonRegistered {
            phone: None,
            current_country: Some(country("SD")),
            place: Some("Khartoum".into()),
            lat: Some(15.5),
            lon: Some(32.56),
            vulnerabilities: vec![Vulnerability::Child, Vulnerability::Pregnant],
            ..registered_body()
        })]);
    assert_eq!(state.current_country, Some(country("SD")));
    assert_eq!(
        state.vulnerabilities.iter().copied().collect::<Vec<_>>(),
        vec![Vulnerability::Child, Vulnerability::Pregnant]
    );
}

#[test]
fn suspected_duplicates_are_recorded_never_refused() {
    let state = given::<Person>(vec![])
        .when(PersonCommand::Register {
            details: details(),
            whereabouts: Whereabouts::default(),
            vulnerabilities: vec![],
            suspected_duplicates: vec![pid(OTHER), pid(SURVIVOR)],
        })
        .then(vec![PersonEvent::Registered(PersonRegistered {
            suspected_duplicates: vec![pid(OTHER), pid(SURVIVOR)],
            ..registered_body()
        })]);
    assert!(state.registered);
    assert_eq!(state.merged_into, None, "a suspicion is not a merge");
}

#[test]
fn a_person_is_registered_once() {
    given::<Person>(vec![registered()])
        .when(register_cmd())
        .then_rejected(Rejection::AlreadyExists { what: "person" });
}

#[test]
fn every_other_command_needs_a_registered_person() {
    for command in every_command_but_register() {
        given::<Person>(vec![])
            .when(command)
            .then_rejected(Rejection::NotFound { what: "person" });
    }
}

#[test]
fn a_name_and_a_nationality_are_required() {
    given::<Person>(vec![])
        .when(register_with(PersonDetails {
            full_name: "  ".into(),
            ..details()
        }))
        .then_rejected(Rejection::Empty { field: "full_name" });
    given::<Person>(vec![])
        .when(register_with(PersonDetails {
            nationality: "ZZ".into(),
            ..details()
        }))
        .then_rejected(Rejection::UnknownCountry { code: "ZZ".into() });
}

#[test]
fn registration_whereabouts_are_checked() {
    given::<Person>(vec![])
        .when(PersonCommand::Register {
            details: details(),
            whereabouts: Whereabouts {
                country: Some("Sudan".into()),
                ..Whereabouts::default()
            },
            vulnerabilities: vec![],
            suspected_duplicates: vec![],
        })
        .then_rejected(Rejection::UnknownCountry {
            code: "Sudan".into(),
        });
    given::<Person>(vec![])
        .when(PersonCommand::Register {
            details: details(),
            whereabouts: Whereabouts {
                lat: Some(15.5),
                ..Whereabouts::default()
            },
            vulnerabilities: vec![],
            suspected_duplicates: vec![],
        })
        .then_rejected(Rejection::InvalidCoordinates);
}

// ---------------------------------------------------------------------------------
// Date of birth, passport, phone

#[test]
fn a_date_of_birth_lies_between_1900_and_today() {
    // NOW is 2026-03-01T12:00:00Z.
    for (dob, expected) in [
        ("2026-03-01", jiff::civil::date(2026, 3, 1)),
        ("1900-01-01", jiff::civil::date(1900, 1, 1)),
        (" 1990-05-17 ", jiff::civil::date(1990, 5, 17)),
    ] {
        given::<Person>(vec![])
            .when(register_with(PersonDetails {
                date_of_birth: dob.into(),
                ..details()
            }))
            .then(vec![PersonEvent::Registered(PersonRegistered {
                date_of_birth: Some(expected),
                ..registered_body()
            })]);
    }
    for dob in [
        "2026-03-02",
        "2090-01-01",
        "1899-12-31",
        "0001-01-01",
        "17/05/1990",
        "1990-02-30",
        "1990-13-01",
        "",
        "yesterday",
    ] {
        given::<Person>(vec![])
            .when(register_with(PersonDetails {
                date_of_birth: dob.into(),
                ..details()
            }))
            .then_rejected(Rejection::InvalidDateOfBirth);
    }
}

#[test]
fn today_is_the_command_s_today() {
    given::<Person>(vec![])
        .at("2026-03-02T00:00:01Z".parse().expect("time"))
        .when(register_with(PersonDetails {
            date_of_birth: "2026-03-02".into(),
            ..details()
        }))
        .then_accepted();
}

#[test]
fn a_passport_number_is_five_to_twenty_letters_and_digits() {
    for (given_number, stored) in [
        ("AB123", Some("AB123")),
        ("ab123cd", Some("AB123CD")),
        ("12345678901234567890", Some("12345678901234567890")),
        ("", None),
        ("   ", None),
    ] {
        given::<Person>(vec![])
            .when(register_with(PersonDetails {
                passport_number: Some(given_number.into()),
                ..details()
            }))
            .then(vec![PersonEvent::Registered(PersonRegistered {
                passport_number: stored.map(Into::into),
                ..registered_body()
            })]);
    }
    for bad in [
        "AB12",
        "123456789012345678901",
        "AB 12345",
        "AB-12345",
        "ÄB12345",
        "AB12345!",
    ] {
        given::<Person>(vec![])
            .when(register_with(PersonDetails {
                passport_number: Some(bad.into()),
                ..details()
            }))
            .then_rejected(Rejection::InvalidPassportNumber);
    }
}

#[test]
fn a_phone_is_digits_with_an_optional_plus_and_separators() {
    for good in [
        "+33 6 12 34 56 78",
        "(0) 123-45",
        "12345",
        "+249-912-345-678",
    ] {
        given::<Person>(vec![])
            .when(register_with(PersonDetails {
                phone: Some(good.into()),
                ..details()
            }))
            .then(vec![PersonEvent::Registered(PersonRegistered {
                phone: Some(good.into()),
                ..registered_body()
            })]);
    }
    let too_long = "1".repeat(33);
    for bad in [
        "1234",
        "+",
        "12+345678",
        "++33612345678",
        "abc12345",
        "+33 6 12 34 56 78 ext 9",
        "0612345678.",
        too_long.as_str(),
    ] {
        given::<Person>(vec![])
            .when(register_with(PersonDetails {
                phone: Some(bad.into()),
                ..details()
            }))
            .then_rejected(Rejection::InvalidPhone);
    }
}

// ---------------------------------------------------------------------------------
// Whereabouts, vulnerabilities, welfare

#[test]
fn update_whereabouts() {
    let state = given::<Person>(vec![registered()])
        .when(PersonCommand::UpdateWhereabouts(Whereabouts {
            country: Some("td".into()),
            place: Some("Adré".into()),
            lat: Some(13.47),
            lon: Some(22.2),
        }))
        .then(vec![PersonEvent::WhereaboutsUpdated(WhereaboutsUpdated {
            country: Some(country("TD")),
            place: Some("Adré".into()),
            lat: Some(13.47),
            lon: Some(22.2),
        })]);
    assert_eq!(state.current_country, Some(country("TD")));
}

#[test]
fn whereabouts_without_a_country_keep_the_last_known_country() {
    let history = vec![
        registered(),
        PersonEvent::WhereaboutsUpdated(WhereaboutsUpdated {
            country: Some(country("SD")),
            place: None,
            lat: None,
            lon: None,
        }),
    ];
    let state = given::<Person>(history)
        .when(PersonCommand::UpdateWhereabouts(Whereabouts {
            place: Some("Port Sudan".into()),
            ..Whereabouts::default()
        }))
        .then(vec![PersonEvent::WhereaboutsUpdated(WhereaboutsUpdated {
            country: None,
            place: Some("Port Sudan".into()),
            lat: None,
            lon: None,
        })]);
    assert_eq!(state.current_country, Some(country("SD")));
}

#[test]
fn empty_whereabouts_are_rejected() {
    for w in [
        Whereabouts::default(),
        Whereabouts {
            place: Some("   ".into()),
            ..Whereabouts::default()
        },
    ] {
        given::<Person>(vec![registered()])
            .when(PersonCommand::UpdateWhereabouts(w))
            .then_rejected(Rejection::Empty {
                field: "whereabouts",
            });
    }
}

#[test]
fn whereabouts_are_checked() {
    given::<Person>(vec![registered()])
        .when(whereabouts_in("XK"))
        .then_rejected(Rejection::UnknownCountry { code: "XK".into() });
    given::<Person>(vec![registered()])
        .when(PersonCommand::UpdateWhereabouts(Whereabouts {
            lat: Some(0.0),
            lon: Some(-181.0),
            ..Whereabouts::default()
        }))
        .then_rejected(Rejection::InvalidCoordinates);
}

#[test]
fn set_vulnerabilities_replaces_the_set() {
    let state = given::<Person>(vec![registered()])
        .when(PersonCommand::SetVulnerabilities(vec![
            Vulnerability::Medical,
            Vulnerability::Elderly,
            Vulnerability::Medical,
        ]))
        .then(vec![PersonEvent::VulnerabilitiesSet(VulnerabilitiesSet {
            vulnerabilities: vec![Vulnerability::Elderly, Vulnerability::Medical],
        })]);
    assert_eq!(state.vulnerabilities.len(), 2);

    let history = vec![
        registered(),
        PersonEvent::VulnerabilitiesSet(VulnerabilitiesSet {
            vulnerabilities: vec![Vulnerability::Elderly, Vulnerability::Medical],
        }),
    ];
    let state = given::<Person>(history)
        .when(PersonCommand::SetVulnerabilities(vec![]))
        .then(vec![PersonEvent::VulnerabilitiesSet(VulnerabilitiesSet {
            vulnerabilities: vec![],
        })]);
    assert!(state.vulnerabilities.is_empty());
}

#[test]
fn set_the_same_vulnerabilities_changes_nothing() {
    given::<Person>(vec![registered()])
        .when(PersonCommand::SetVulnerabilities(vec![]))
        .then_rejected(Rejection::NoChange);
    given::<Person>(vec![
        registered(),
        PersonEvent::VulnerabilitiesSet(VulnerabilitiesSet {
            vulnerabilities: vec![Vulnerability::Elderly, Vulnerability::Medical],
        }),
    ])
    .when(PersonCommand::SetVulnerabilities(vec![
        Vulnerability::Medical,
        Vulnerability::Elderly,
    ]))
    .then_rejected(Rejection::NoChange);
}

#[test]
fn record_a_welfare_check() {
    let state = given::<Person>(vec![registered()])
        .when(PersonCommand::RecordWelfareCheck {
            status: WelfareStatus::NeedsHelp,
            note: Some(" out of insulin ".into()),
            occurred_at: Some(now_plus_secs(-600)),
        })
        .then(vec![PersonEvent::WelfareChecked(WelfareChecked {
            status: WelfareStatus::NeedsHelp,
            note: Some("out of insulin".into()),
        })]);
    assert_eq!(state.welfare, Some(WelfareStatus::NeedsHelp));
}

#[test]
fn a_welfare_check_in_the_future_is_rejected() {
    given::<Person>(vec![registered()])
        .when(PersonCommand::RecordWelfareCheck {
            status: WelfareStatus::Safe,
            note: None,
            occurred_at: Some(now_plus_secs(3_600)),
        })
        .then_rejected(Rejection::OccurredInFuture);
}

// ---------------------------------------------------------------------------------
// Merge and unmerge

#[test]
fn merge_into_another_record() {
    let state = given::<Person>(vec![registered()])
        .when(merge(pid(OTHER), Some(None)))
        .then(vec![PersonEvent::Merged(
            homeward_domain::person::PersonMerged {
                into: pid(OTHER),
                reason: "same passport".into(),
            },
        )]);
    assert_eq!(state.merged_into, Some(pid(OTHER)));
}

#[test]
fn merge_into_self_is_rejected() {
    given::<Person>(vec![registered()])
        .when(merge(pid(THIS), Some(None)))
        .then_rejected(Rejection::MergeIntoSelf);
}

#[test]
fn merge_into_an_unknown_record_is_rejected() {
    given::<Person>(vec![registered()])
        .when(merge(pid(OTHER), None))
        .then_rejected(Rejection::NotFound {
            what: "person to merge into",
        });
}

#[test]
fn merge_into_a_record_merged_elsewhere_points_at_the_survivor() {
    given::<Person>(vec![registered()])
        .when(merge(pid(OTHER), Some(Some(pid(SURVIVOR)))))
        .then_rejected(Rejection::PersonMerged {
            into: pid(SURVIVOR),
        });
}

#[test]
fn a_merge_needs_a_reason() {
    given::<Person>(vec![registered()])
        .when(PersonCommand::MergeInto {
            this: pid(THIS),
            into: pid(OTHER),
            reason: " ".into(),
            target: Some(None),
        })
        .then_rejected(Rejection::ReasonRequired);
}

#[test]
fn a_merged_record_refuses_ordinary_commands() {
    let history = vec![registered(), merged_into(pid(OTHER))];
    for command in [
        whereabouts_in("SD"),
        PersonCommand::SetVulnerabilities(vec![Vulnerability::Child]),
        welfare(WelfareStatus::Safe),
        merge(pid(SURVIVOR), Some(None)),
    ] {
        given::<Person>(history.clone())
            .when(command)
            .then_rejected(Rejection::PersonMerged { into: pid(OTHER) });
    }
    given::<Person>(history)
        .when(register_cmd())
        .then_rejected(Rejection::AlreadyExists { what: "person" });
}

#[test]
fn corrections_still_reach_a_merged_record_s_history() {
    // Like corrections on a closed incident, a correction fixes what was recorded.
    given::<Person>(vec![registered(), merged_into(pid(OTHER))])
        .when(correct_name(1))
        .then(vec![PersonEvent::Corrected(PersonCorrected {
            corrects_version: 1,
            reason: "typo in the name".into(),
            full_name: Some("Aminata Diallo".into()),
            date_of_birth: None,
            nationality: None,
            passport_number: None,
            phone: None,
        })]);
}

#[test]
fn unmerge_a_merged_record() {
    let state = given::<Person>(vec![registered(), merged_into(pid(OTHER))])
        .when(PersonCommand::Unmerge {
            reason: " different dates of birth ".into(),
        })
        .then(vec![PersonEvent::Unmerged(PersonUnmerged {
            from: pid(OTHER),
            reason: "different dates of birth".into(),
        })]);
    assert_eq!(state.merged_into, None);
}

#[test]
fn an_unmerged_record_takes_commands_again() {
    let history = vec![
        registered(),
        merged_into(pid(OTHER)),
        PersonEvent::Unmerged(PersonUnmerged {
            from: pid(OTHER),
            reason: "different people".into(),
        }),
    ];
    given::<Person>(history.clone())
        .when(welfare(WelfareStatus::Safe))
        .then(vec![PersonEvent::WelfareChecked(WelfareChecked {
            status: WelfareStatus::Safe,
            note: None,
        })]);
    given::<Person>(history)
        .when(merge(pid(SURVIVOR), Some(None)))
        .then(vec![merged_into(pid(SURVIVOR))]);
}

#[test]
fn unmerge_of_a_record_that_is_not_merged_is_rejected() {
    given::<Person>(vec![registered()])
        .when(PersonCommand::Unmerge { reason: "x".into() })
        .then_rejected(Rejection::NotMerged);
}

#[test]
fn an_unmerge_needs_a_reason() {
    given::<Person>(vec![registered(), merged_into(pid(OTHER))])
        .when(PersonCommand::Unmerge { reason: "".into() })
        .then_rejected(Rejection::ReasonRequired);
}

// ---------------------------------------------------------------------------------
// Corrections

#[test]
fn correct_personal_details() {
    given::<Person>(vec![registered()])
        .when(PersonCommand::CorrectDetails {
            corrects_version: 1,
            reason: "passport renewed".into(),
            full_name: None,
            date_of_birth: Some("1990-05-18".into()),
            nationality: Some("sn".into()),
            passport_number: Some("xy987654".into()),
            phone: Some("+221 77 123 45 67".into()),
        })
        .then(vec![PersonEvent::Corrected(PersonCorrected {
            corrects_version: 1,
            reason: "passport renewed".into(),
            full_name: None,
            date_of_birth: Some(jiff::civil::date(1990, 5, 18)),
            nationality: Some(country("SN")),
            passport_number: Some("XY987654".into()),
            phone: Some("+221 77 123 45 67".into()),
        })]);
}

#[test]
fn a_correction_names_an_existing_version() {
    let history = vec![registered(), merged_into(pid(OTHER))];
    for version in [0, 3, u64::MAX] {
        given::<Person>(history.clone())
            .when(correct_name(version))
            .then_rejected(Rejection::UnknownVersion { version, latest: 2 });
    }
    for version in [1, 2] {
        given::<Person>(history.clone())
            .when(correct_name(version))
            .then_accepted();
    }
}

#[test]
fn a_correction_needs_a_reason_and_a_change() {
    given::<Person>(vec![registered()])
        .when(PersonCommand::CorrectDetails {
            corrects_version: 1,
            reason: "  ".into(),
            full_name: Some("Aminata Diallo".into()),
            date_of_birth: None,
            nationality: None,
            passport_number: None,
            phone: None,
        })
        .then_rejected(Rejection::ReasonRequired);
    given::<Person>(vec![registered()])
        .when(correct_details(1, "nothing really"))
        .then_rejected(Rejection::NoChange);
}

#[test]
fn corrected_details_are_checked_like_the_originals() {
    let with = |dob: Option<&str>,
                nationality: Option<&str>,
                passport: Option<&str>,
                tel: Option<&str>| {
        PersonCommand::CorrectDetails {
            corrects_version: 1,
            reason: "fix".into(),
            full_name: None,
            date_of_birth: dob.map(Into::into),
            nationality: nationality.map(Into::into),
            passport_number: passport.map(Into::into),
            phone: tel.map(Into::into),
        }
    };
    for (command, rejection) in [
        (
            with(Some("2030-01-01"), None, None, None),
            Rejection::InvalidDateOfBirth,
        ),
        (
            with(Some("30.01.1990"), None, None, None),
            Rejection::InvalidDateOfBirth,
        ),
        (
            with(None, Some("QQ"), None, None),
            Rejection::UnknownCountry { code: "QQ".into() },
        ),
        (
            with(None, None, Some("A1"), None),
            Rejection::InvalidPassportNumber,
        ),
        (
            with(None, None, None, Some("call me")),
            Rejection::InvalidPhone,
        ),
    ] {
        given::<Person>(vec![registered()])
            .when(command)
            .then_rejected(rejection);
    }
}
