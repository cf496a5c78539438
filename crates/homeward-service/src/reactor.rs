//! The reactor: Homeward acting on its own events.
//!
//! It carries out the reactions the read models say are owed (welfare checks opened,
//! tightened, answered, cancelled; incidents opened for people who need help) and
//! records every deadline that passed. Each reaction is a command naming its cause;
//! the streams it writes have ids derived from that cause, and `decide` does nothing
//! for a cause already applied. So a restart, a replay, or a second instance on the
//! same Kafka log never does a reaction twice, and since what is owed is itself folded
//! from the log, a crash between an event and its reaction loses nothing.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use homeward_domain::deadline::{DeadlineCommand, DeadlinePolicy, Due};
use homeward_domain::incident::{AffectedStatus, IncidentCommand, IncidentKind, OpenIncident};
use homeward_domain::person::WelfareStatus;
use homeward_domain::welfare::WelfareCommand;
use homeward_domain::{Actor, IncidentId, PersonId, Role, StreamId, Timestamp};
use homeward_projections::welfare::{HelpIncident, Pending, Reaction};
use tokio::sync::watch;
use uuid::Uuid;

use crate::{Command, CommandMeta, Homeward, Outcome, ServiceError};

/// One reaction carried out: its cause, its target, whether it wrote anything.
type Carried = (Uuid, StreamId, Result<bool, ServiceError>);

/// The subject Homeward's own commands are recorded under.
pub const SUBJECT: &str = "homeward";

/// How many reactions run at once (on different streams).
const CONCURRENCY: usize = 16;
/// How many owed reactions one round takes.
const ROUND: usize = 512;
/// How often deadlines are checked against a clock that moves by itself.
const TICK: Duration = Duration::from_secs(1);

/// The reactor's progress, for callers that want to read the effects of their command.
#[derive(Debug, Clone)]
pub struct Reacted(watch::Receiver<u64>);

impl Reacted {
    /// Waits (at most `limit`) until every reaction caused at or before `position` is done.
    pub async fn wait_for(&self, position: u64, limit: Duration) {
        let mut rx = self.0.clone();
        let _ = tokio::time::timeout(limit, rx.wait_for(|p| *p >= position)).await;
    }
}

/// The hash of an answer link's token, by the link's id (the token is derived from a
/// key the service does not hold; only its hash is recorded).
pub type LinkHashes = Arc<dyn Fn(Uuid) -> String + Send + Sync>;

/// Starts the reactor on `service`.
pub fn spawn(service: Arc<Homeward>, policy: DeadlinePolicy) -> Reacted {
    spawn_with_answer_links(service, policy, None)
}

/// Starts the reactor on `service`; when the policy asks for answer links, every check
/// it opens gets one, its token hashed by `hashes`.
pub fn spawn_with_answer_links(
    service: Arc<Homeward>,
    policy: DeadlinePolicy,
    hashes: Option<LinkHashes>,
) -> Reacted {
    let (tx, rx) = watch::channel(0);
    let reacted = Reacted(rx);
    let _ = service.reacted.set(reacted.clone());
    let hashes = hashes.filter(|_| policy.answer_links);
    tokio::spawn(run(service, policy, hashes, tx));
    reacted
}

fn actor() -> Actor {
    Actor::new(SUBJECT, Role::DutyOfficer)
}

fn meta(cause: Uuid) -> CommandMeta {
    CommandMeta {
        actor: actor(),
        correlation_id: cause,
        idempotency: None,
        expected_version: None,
        causation_id: Some(cause),
    }
}

async fn run(
    service: Arc<Homeward>,
    policy: DeadlinePolicy,
    hashes: Option<LinkHashes>,
    reacted: watch::Sender<u64>,
) {
    let mut projected = service.projected.clone();
    let mut moved = service.clock.moved();
    // Reactions that decided nothing (already done) or were refused: the log will not
    // show them settled, so they are remembered here and not tried again.
    let mut settled: HashSet<(Uuid, StreamId)> = HashSet::new();
    let mut scan = true;
    let mut last_scan = std::time::Instant::now();
    loop {
        let position = service.projected();
        let owed: Vec<Pending> = {
            let p = service.read();
            p.welfare
                .pending()
                .filter(|o| !settled.contains(&(o.cause, o.reaction.target())))
                .take(ROUND)
                .cloned()
                .collect()
        };
        // Deadlines are looked at on every tick and whenever the clock is moved by
        // hand, not on every event: under a flood of events that scan would cost more
        // than it finds.
        let due: Vec<Due> = if std::mem::take(&mut scan) || last_scan.elapsed() >= TICK {
            last_scan = std::time::Instant::now();
            let now = service.now();
            let p = service.read();
            p.deadlines.overdue(&policy, &p.incidents, &p.welfare, now)
        } else {
            Vec::new()
        };
        if owed.is_empty() {
            reacted.send_replace(position);
        } else if let Some(first) = owed.first() {
            let before = *reacted.borrow();
            reacted.send_replace(first.position.saturating_sub(1).max(before));
        }
        if owed.is_empty() && due.is_empty() {
            // Wait for news: a new event, the clock moved by hand, or a tick.
            tokio::select! {
                changed = projected.changed() => if changed.is_err() { return },
                () = moved_or_never(&mut moved) => scan = true,
                () = tokio::time::sleep(TICK) => scan = true,
            }
            continue;
        }
        let mut failed = false;
        // Reactions of one target run in order; different targets run side by side.
        let mut by_target: BTreeMap<StreamId, Vec<Pending>> = BTreeMap::new();
        for o in owed {
            by_target.entry(o.reaction.target()).or_default().push(o);
        }
        let results: Vec<Vec<Carried>> =
            futures::stream::iter(by_target.into_values().map(|group| {
                let service = Arc::clone(&service);
                let policy = policy.clone();
                let hashes = hashes.clone();
                async move {
                    let mut out = Vec::new();
                    for o in group {
                        let mut result = react(&service, &policy, &o).await;
                        if let (Some(hashes), Reaction::OpenCheck { task_id, .. }, Ok(_)) =
                            (&hashes, &o.reaction, &result)
                        {
                            let issued =
                                issue_answer_link(&service, &policy, hashes, o.cause, *task_id)
                                    .await;
                            if let Err(e) = issued {
                                result = Err(e);
                            }
                        }
                        out.push((o.cause, o.reaction.target(), result));
                    }
                    out
                }
            }))
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for (cause, target, result) in results.into_iter().flatten() {
            match result {
                Ok(true) => {}
                Ok(false) => {
                    settled.insert((cause, target));
                }
                Err(ServiceError::Rejected(rejection)) => {
                    tracing::warn!(
                        code = rejection.code(),
                        stream = target.category(),
                        "a reaction was refused"
                    );
                    settled.insert((cause, target));
                }
                Err(e) => {
                    tracing::error!(error = %e, "a reaction failed; trying again");
                    failed = true;
                }
            }
        }
        let due_results = futures::stream::iter(due.into_iter().map(|due| {
            let service = Arc::clone(&service);
            async move {
                let id = due.stream_uuid();
                let cause = id;
                service
                    .execute(
                        Command::Deadline(id, DeadlineCommand::RecordMissed(due)),
                        meta(cause),
                        Outcome::clone,
                    )
                    .await
            }
        }))
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
        for result in due_results {
            if let Err(e) = result {
                match e {
                    // Not due by the clock at the moment of deciding (a clock moved back).
                    ServiceError::Rejected(_) => {}
                    e => {
                        tracing::error!(error = %e, "a missed deadline could not be recorded; trying again");
                        failed = true;
                    }
                }
            }
        }
        if failed {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

async fn moved_or_never(moved: &mut Option<watch::Receiver<Timestamp>>) {
    match moved {
        Some(rx) => {
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending::<()>().await,
    }
}

/// Carries out one reaction. `Ok(true)` when events were written, `Ok(false)` when it
/// had already been done.
async fn react(
    service: &Homeward,
    policy: &DeadlinePolicy,
    owed: &Pending,
) -> Result<bool, ServiceError> {
    let cause = owed.cause;
    let within = |level: u8, vulnerable: bool| {
        policy
            .welfare_within(level, vulnerable)
            .unwrap_or(policy.welfare_level3.1)
    };
    let after =
        |d: jiff::SignedDuration| owed.caused_at.saturating_add(d).unwrap_or(owed.caused_at);
    let command = match &owed.reaction {
        Reaction::OpenCheck {
            task_id,
            person_id,
            country,
            level,
            vulnerabilities,
        } => Command::Welfare(
            *task_id,
            WelfareCommand::Open {
                person_id: *person_id,
                country: *country,
                risk_level: *level,
                vulnerabilities: vulnerabilities.clone(),
                due_at: after(within(*level, !vulnerabilities.is_empty())),
                cause,
            },
        ),
        Reaction::TightenCheck {
            task_id,
            level,
            vulnerable,
        } => Command::Welfare(
            *task_id,
            WelfareCommand::Tighten {
                risk_level: *level,
                due_at: after(within(*level, *vulnerable)),
                cause,
            },
        ),
        Reaction::CancelCheck { task_id, reason } => Command::Welfare(
            *task_id,
            WelfareCommand::Cancel {
                reason: format!("risk lowered: {reason}"),
                cause,
            },
        ),
        Reaction::AnswerCheck {
            task_id,
            person_id,
            status,
            help,
        } => {
            let incident_id = match help {
                Some(HelpIncident::Existing(id)) => Some(*id),
                Some(HelpIncident::New {
                    incident_id,
                    country,
                }) => {
                    open_help_incident(service, cause, *incident_id, *country, *person_id).await?;
                    Some(*incident_id)
                }
                None => None,
            };
            Command::Welfare(
                *task_id,
                WelfareCommand::RecordAnswer {
                    status: *status,
                    incident_id: incident_id.filter(|_| *status == WelfareStatus::NeedsHelp),
                    next_due_at: after(policy.welfare_retry_after),
                    max_attempts: policy.welfare_max_attempts,
                    cause,
                },
            )
        }
        Reaction::OpenHelpIncident {
            person_id,
            incident_id,
            country,
        } => {
            return open_help_incident(service, cause, *incident_id, *country, *person_id).await;
        }
    };
    let accepted = service
        .execute(command, meta(cause), Outcome::clone)
        .await?;
    Ok(accepted.reply.wrote())
}

/// Gives the check Homeward opened in answer to `cause` its answer link (once: the
/// link's id is derived from the cause and the check).
async fn issue_answer_link(
    service: &Homeward,
    policy: &DeadlinePolicy,
    hashes: &LinkHashes,
    cause: Uuid,
    task_id: homeward_domain::TaskId,
) -> Result<bool, ServiceError> {
    let link_id = homeward_domain::welfare::answer_link_id(cause, task_id);
    let now = service.now();
    let command = Command::Welfare(
        task_id,
        WelfareCommand::IssueAnswerLink {
            link_id,
            token_hash: hashes(link_id),
            expires_at: now
                .saturating_add(policy.answer_link_valid_for)
                .unwrap_or(now),
            cause: link_id,
        },
    );
    match service.execute(command, meta(cause), Outcome::clone).await {
        Ok(accepted) => Ok(accepted.reply.wrote()),
        // The check closed before it got its link: nothing to answer any more.
        Err(ServiceError::Rejected(homeward_domain::Rejection::CheckClosed)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Opens the incident for someone who needs help (once) and adds them to it (once).
async fn open_help_incident(
    service: &Homeward,
    cause: Uuid,
    incident_id: IncidentId,
    country: homeward_domain::CountryCode,
    person_id: PersonId,
) -> Result<bool, ServiceError> {
    let (exists, has_person) = {
        let p = service.read();
        let incident = p.streams.incidents.get(&incident_id);
        (
            incident.is_some_and(|i| i.exists()),
            incident.is_some_and(|i| i.persons.contains_key(&person_id)),
        )
    };
    let mut wrote_any = false;
    if !exists {
        let open = IncidentCommand::Open(OpenIncident {
            kind: IncidentKind::ConsularAssistance,
            title: "Welfare check: citizen needs help".into(),
            country: country.to_string(),
            severity: 3,
            classification: None,
            place: None,
            lat: None,
            lon: None,
            summary: Some(
                "Opened by Homeward: the answer to a welfare check was `needs_help`.".into(),
            ),
            occurred_at: None,
        });
        let accepted = service
            .execute(
                Command::Incident(incident_id, open),
                meta(cause),
                Outcome::clone,
            )
            .await?;
        wrote_any |= accepted.reply.wrote();
    }
    if !has_person {
        let add = IncidentCommand::AddPerson {
            person_id,
            status: AffectedStatus::Unaccounted,
            note: Some("answered a welfare check: needs help".into()),
            person_known: true,
        };
        let accepted = service
            .execute(
                Command::Incident(incident_id, add),
                meta(cause),
                Outcome::clone,
            )
            .await?;
        wrote_any |= accepted.reply.wrote();
    }
    Ok(wrote_any)
}

/// Carries out at most `limit` owed reactions, oldest first, one at a time, and returns
/// how many wrote anything. The reactor does the same in the background; this is for
/// tools and for tests that stop halfway through a reaction on purpose.
pub async fn carry_out(
    service: &Homeward,
    policy: &DeadlinePolicy,
    limit: usize,
) -> Result<usize, ServiceError> {
    let owed: Vec<Pending> = service
        .read()
        .welfare
        .pending()
        .take(limit)
        .cloned()
        .collect();
    let mut wrote = 0;
    for o in &owed {
        if react(service, policy, o).await? {
            wrote += 1;
        }
    }
    Ok(wrote)
}
