//! Who may do what: the actions each role opens, and the need-to-know rule for
//! restricted incidents. Pure functions of the role and the facts.

use crate::ids::{Actor, Role};
use crate::incident::Classification;

/// Something a caller can ask the system to do or show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Action {
    OpenIncident,
    ManageIncident,
    CorrectIncident,
    FileReport,
    UpdateAffectedPersons,
    CompleteTask,
    RecordCaseFacts,
    RecordDecision,
    LogCall,
    RegisterPerson,
    UpdatePerson,
    MergePersons,
    SetCountryRisk,
    ReadIncidents,
    ReadAllRestricted,
    ReadCalls,
    ReadPersons,
    SeePersonalData,
    ReadBoard,
    ReadAudit,
    ManageEvacuations,
    ManageSubscriptions,
    ProcessEvacuees,
    ReadEvacuations,
    RevokeTokens,
    ErasePerson,
    IssueAnswerLinks,
}

/// Whether `role` may take `action` at all (need-to-know is checked separately).
pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        OpenIncident | ManageIncident | CorrectIncident | SetCountryRisk => role == DutyOfficer,
        FileReport | UpdateAffectedPersons | CompleteTask => {
            matches!(role, DutyOfficer | FieldOfficer | CaseTeam)
        }
        RecordCaseFacts | RecordDecision => matches!(role, DutyOfficer | CaseTeam),
        LogCall => matches!(role, DutyOfficer | HotlineOperator),
        RegisterPerson | UpdatePerson => matches!(
            role,
            DutyOfficer | FieldOfficer | HotlineOperator | CaseTeam | EvacuationCoordinator
        ),
        MergePersons => matches!(role, DutyOfficer | HotlineOperator),
        ReadIncidents | ReadPersons => matches!(
            role,
            DutyOfficer
                | FieldOfficer
                | HotlineOperator
                | CaseTeam
                | EvacuationCoordinator
                | Auditor
        ),
        ReadCalls => matches!(role, DutyOfficer | HotlineOperator | Auditor),
        ReadAllRestricted => matches!(role, DutyOfficer | CaseTeam | Auditor),
        SeePersonalData => matches!(
            role,
            DutyOfficer | HotlineOperator | CaseTeam | EvacuationCoordinator | Auditor
        ),
        ReadBoard => role != Citizen,
        ReadAudit => matches!(role, Auditor | DutyOfficer | Admin),
        ManageEvacuations => matches!(role, DutyOfficer | EvacuationCoordinator),
        ManageSubscriptions => matches!(role, DutyOfficer | Admin),
        IssueAnswerLinks => role == DutyOfficer,
        ProcessEvacuees => matches!(role, DutyOfficer | EvacuationCoordinator | FieldOfficer),
        RevokeTokens | ErasePerson => role == Admin,
        ReadEvacuations => matches!(
            role,
            DutyOfficer | EvacuationCoordinator | FieldOfficer | HotlineOperator | Auditor
        ),
    }
}

/// Need-to-know: a restricted incident is visible to the roles cleared for every
/// restricted case and to the incident's own lead and team; a normal incident to
/// every role that reads incidents.
pub fn may_see_incident(actor: &Actor, classification: Classification, is_member: bool) -> bool {
    if !allows(actor.role, Action::ReadIncidents) {
        return false;
    }
    match classification {
        Classification::Normal => true,
        Classification::Restricted => is_member || allows(actor.role, Action::ReadAllRestricted),
    }
}

/// Whether the actor may change an incident they may see: field officers act only on
/// incidents they are assigned to (as lead or team member); the other roles that may
/// take an action may take it on any incident they may see.
pub fn may_act_on_incident(actor: &Actor, is_member: bool) -> bool {
    actor.role != crate::ids::Role::FieldOfficer || is_member
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restricted_incidents_are_need_to_know() {
        let field = Actor::new("amira", Role::FieldOfficer);
        let case = Actor::new("li", Role::CaseTeam);
        let wall = Actor::new("wall", Role::WallDisplay);
        assert!(may_see_incident(&field, Classification::Normal, false));
        assert!(!may_see_incident(&field, Classification::Restricted, false));
        assert!(may_see_incident(&field, Classification::Restricted, true));
        assert!(may_see_incident(&case, Classification::Restricted, false));
        assert!(!may_see_incident(&wall, Classification::Normal, false));
    }

    #[test]
    fn field_officers_act_only_where_assigned() {
        let field = Actor::new("amira", Role::FieldOfficer);
        let case = Actor::new("li", Role::CaseTeam);
        assert!(may_act_on_incident(&field, true));
        assert!(!may_act_on_incident(&field, false));
        assert!(may_act_on_incident(&case, false));
    }

    #[test]
    fn only_duty_officers_open_incidents() {
        for role in Role::ALL {
            assert_eq!(
                allows(role, Action::OpenIncident),
                role == Role::DutyOfficer
            );
        }
    }

    #[test]
    fn citizens_take_no_action_and_only_duty_officers_issue_answer_links() {
        use Action::*;
        for action in [
            ReadBoard,
            ReadIncidents,
            UpdatePerson,
            FileReport,
            IssueAnswerLinks,
        ] {
            assert!(!allows(Role::Citizen, action), "{action:?}");
        }
        for role in Role::ALL {
            assert_eq!(allows(role, IssueAnswerLinks), role == Role::DutyOfficer);
        }
        assert!(!Role::ALL.contains(&Role::Citizen));
        assert!("citizen".parse::<Role>().is_err());
    }

    #[test]
    fn the_wall_display_reads_only_the_board() {
        use Action::*;
        let all = [
            OpenIncident,
            ManageIncident,
            CorrectIncident,
            FileReport,
            UpdateAffectedPersons,
            CompleteTask,
            RecordCaseFacts,
            RecordDecision,
            LogCall,
            RegisterPerson,
            UpdatePerson,
            MergePersons,
            SetCountryRisk,
            ReadIncidents,
            ReadAllRestricted,
            ReadCalls,
            ReadPersons,
            SeePersonalData,
            ReadBoard,
            ReadAudit,
            ManageEvacuations,
            ProcessEvacuees,
            ReadEvacuations,
            RevokeTokens,
            ErasePerson,
        ];
        let open: Vec<_> = all
            .into_iter()
            .filter(|a| allows(Role::WallDisplay, *a))
            .collect();
        assert_eq!(open, vec![ReadBoard]);
    }
}
