//! Notifications out: every subscription gets the events that match its filter, as
//! CloudEvents (structured JSON mode) POSTed to its URL.
//!
//! - **Signed**: `Homeward-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
//!   "<t>.<body>">` with the subscription's shared secret.
//! - **In order, at least once**: one worker per subscription walks the log from the
//!   subscription's creation; an event is delivered (2xx) before the next is tried, and
//!   the cursor is stored after each delivery, so a restart resends at most the event
//!   in flight (its CloudEvent `id` is the event id: subscribers drop repeats).
//! - **Retried with backoff** while the subscriber is down, up to `max_attempts`; an
//!   event that still fails is kept in the failure list (and the worker goes on), from
//!   where `replay_failures` sends it again.
//! - **Need-to-know**: a subscription not cleared for personal data never receives the
//!   events of restricted incidents, and person and call events reach it without their
//!   payload.
//!
//! - **Answer links**: the CloudEvent of `welfare.answer_link_issued` carries the link
//!   itself (`data.answer_url`, so an SMS gateway can send it) only to subscriptions
//!   cleared for personal data; the log holds only the hash of its token.
//!
//! The cursors and failures live in `notifications.db` in the data directory.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use homeward_domain::incident::Classification;
use homeward_domain::welfare::WelfareEvent;
use homeward_domain::{CountryCode, DomainEvent, IncidentId};
use homeward_projections::Projections;
use homeward_projections::subscriptions::SubscriptionView;
use homeward_service::Homeward;
use homeward_store::{LogEntry, RecordedEvent};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// The file of cursors and failures.
pub const FILE_NAME: &str = "notifications.db";

/// How deliveries are retried.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The first wait after a failed attempt; doubled after each one.
    pub first_backoff: Duration,
    /// The longest wait between attempts.
    pub max_backoff: Duration,
    /// Attempts before an event goes to the failure list.
    pub max_attempts: u32,
    /// How long one attempt may take.
    pub timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            first_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(60),
            max_attempts: 12,
            timeout: Duration::from_secs(10),
        }
    }
}

/// Why the notifier could not work.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// Its database failed.
    #[error("notification store: {0}")]
    Store(#[from] rusqlite::Error),
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// A delivery that kept failing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    /// The event's log position.
    pub position: u64,
    /// The event's id (the CloudEvent id).
    pub event_id: String,
    /// Attempts made.
    pub attempts: u32,
    /// The last error.
    pub error: String,
    /// When it was given up.
    pub failed_at: String,
}

/// What a replay of failures did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReplayOutcome {
    /// Delivered now (and off the list).
    pub delivered: usize,
    /// Still failing (still on the list).
    pub failed: usize,
}

/// The shared secret of a subscription, by id.
pub type Secrets = Arc<dyn Fn(Uuid) -> Vec<u8> + Send + Sync>;

/// The URL of an answer link (a path from the server's root), by the link's id.
pub type AnswerUrls = Arc<dyn Fn(Uuid) -> String + Send + Sync>;

/// Delivers events to subscribers.
pub struct Notifier {
    answer_urls: std::sync::OnceLock<AnswerUrls>,
    service: Arc<Homeward>,
    db: Mutex<Connection>,
    client: reqwest::Client,
    secrets: Secrets,
    settings: Settings,
    running: Mutex<HashSet<Uuid>>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS cursors (
    subscription TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS failures (
    subscription TEXT NOT NULL,
    position INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    error TEXT NOT NULL,
    failed_at TEXT NOT NULL,
    PRIMARY KEY (subscription, position)
);
";

impl Notifier {
    /// Opens (or creates) the notification store in `data_dir`.
    pub fn open(
        data_dir: &Path,
        service: Arc<Homeward>,
        secrets: Secrets,
        settings: Settings,
    ) -> Result<Arc<Self>, NotifyError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            rusqlite::Error::InvalidPath(format!("{}: {e}", data_dir.display()).into())
        })?;
        let conn = Connection::open(data_dir.join(FILE_NAME))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Arc::new(Self {
            answer_urls: std::sync::OnceLock::new(),
            service,
            db: Mutex::new(conn),
            client,
            secrets,
            settings,
            running: Mutex::new(HashSet::new()),
        }))
    }

    /// Lets deliveries to subscriptions cleared for personal data carry answer links.
    pub fn set_answer_urls(&self, urls: AnswerUrls) {
        let _ = self.answer_urls.set(urls);
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Where a subscription's delivery stands: the last position handled.
    pub fn cursor(&self, id: Uuid) -> Result<Option<u64>, NotifyError> {
        Ok(self
            .db()
            .query_row(
                "SELECT position FROM cursors WHERE subscription = ?1",
                params![id.to_string()],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .map(|p| p as u64))
    }

    fn set_cursor(&self, id: Uuid, position: u64) -> Result<(), NotifyError> {
        self.db().execute(
            "INSERT INTO cursors (subscription, position) VALUES (?1, ?2)
             ON CONFLICT (subscription) DO UPDATE SET position = excluded.position",
            params![id.to_string(), position as i64],
        )?;
        Ok(())
    }

    /// The deliveries of a subscription that kept failing, oldest first.
    pub fn failures(&self, id: Uuid) -> Result<Vec<Failure>, NotifyError> {
        let db = self.db();
        let mut stmt = db.prepare(
            "SELECT position, event_id, attempts, error, failed_at FROM failures
             WHERE subscription = ?1 ORDER BY position",
        )?;
        let rows = stmt.query_map(params![id.to_string()], |r| {
            Ok(Failure {
                position: r.get::<_, i64>(0)? as u64,
                event_id: r.get(1)?,
                attempts: r.get::<_, i64>(2)? as u32,
                error: r.get(3)?,
                failed_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Sends every failed delivery of a subscription again, oldest first, once each.
    pub async fn replay_failures(&self, id: Uuid) -> Result<ReplayOutcome, NotifyError> {
        let mut outcome = ReplayOutcome::default();
        let Some(sub) = self.service.read().subscriptions.get(id).cloned() else {
            return Ok(outcome);
        };
        for failure in self.failures(id)? {
            let entries = self
                .service
                .log()
                .read_after(failure.position.saturating_sub(1), 1)
                .await
                .map_err(|e| rusqlite::Error::InvalidParameterName(e.to_string()))?;
            let event = entries.into_iter().find_map(|e| match e {
                LogEntry::Event(e) if e.position == failure.position => Some(e),
                _ => None,
            });
            let delivered = match event {
                Some(event) => match self.cloud_event(&sub, &event) {
                    Some(body) => self.attempt(&sub, &body).await.is_ok(),
                    None => true, // no longer for this subscriber
                },
                None => false,
            };
            if delivered {
                self.db().execute(
                    "DELETE FROM failures WHERE subscription = ?1 AND position = ?2",
                    params![id.to_string(), failure.position as i64],
                )?;
                outcome.delivered += 1;
            } else {
                outcome.failed += 1;
            }
        }
        Ok(outcome)
    }

    /// Starts delivering: one worker per live subscription, started as they appear.
    pub fn spawn(self: &Arc<Self>) {
        let this = Arc::clone(self);
        tokio::spawn(async move {
            let mut changes = this.service.changes();
            loop {
                let live: Vec<Uuid> = this
                    .service
                    .read()
                    .subscriptions
                    .iter()
                    .filter(|s| !s.deleted)
                    .map(|s| s.id)
                    .collect();
                for id in live {
                    let fresh = this
                        .running
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(id);
                    if fresh {
                        let worker = Arc::clone(&this);
                        tokio::spawn(async move {
                            worker.deliver_all(id).await;
                            worker
                                .running
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .remove(&id);
                        });
                    }
                }
                // A new subscription is an event: wake on changes, or every few seconds.
                let _ = tokio::time::timeout(Duration::from_secs(2), changes.recv()).await;
            }
        });
    }

    /// One subscription's worker: walks the log from its cursor until it is deleted.
    async fn deliver_all(&self, id: Uuid) {
        loop {
            let Some(sub) = self.service.read().subscriptions.get(id).cloned() else {
                return;
            };
            if sub.deleted {
                return;
            }
            let cursor = match self.cursor(id) {
                Ok(c) => c.unwrap_or(sub.since_position),
                Err(e) => {
                    tracing::error!(error = %e, "cannot read a delivery cursor");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if self.service.projected() <= cursor {
                // Nothing new: wait for the next event (or look again for a deletion).
                let _ =
                    tokio::time::timeout(Duration::from_secs(1), self.service.wait_for(cursor + 1))
                        .await;
                continue;
            }
            let batch = match self.service.log().read_after(cursor, 256).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the log for deliveries");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let mut last = cursor;
            for entry in batch {
                let position = entry.position();
                if let LogEntry::Event(event) = &entry
                    && let Some(body) = self.cloud_event(&sub, event)
                    && let Err((attempts, error)) = self.deliver(&sub, &body).await
                {
                    if self.still_live(id) {
                        self.record_failure(id, event, attempts, &error);
                    } else {
                        return;
                    }
                }
                last = position;
                if let Err(e) = self.set_cursor(id, last) {
                    tracing::error!(error = %e, "cannot store a delivery cursor");
                }
            }
            let _ = last;
        }
    }

    fn still_live(&self, id: Uuid) -> bool {
        self.service
            .read()
            .subscriptions
            .get(id)
            .is_some_and(|s| !s.deleted)
    }

    fn record_failure(&self, id: Uuid, event: &RecordedEvent, attempts: u32, error: &str) {
        tracing::warn!(
            attempts,
            position = event.position,
            "a delivery failed; kept for replay"
        );
        let result = self.db().execute(
            "INSERT OR REPLACE INTO failures (subscription, position, event_id, attempts, error, failed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id.to_string(),
                event.position as i64,
                event.event_id.to_string(),
                attempts as i64,
                error,
                self.service.now().to_string()
            ],
        );
        if let Err(e) = result {
            tracing::error!(error = %e, "cannot record a failed delivery");
        }
    }

    /// Delivers with retries; the attempts made and the last error when it gives up.
    async fn deliver(&self, sub: &SubscriptionView, body: &[u8]) -> Result<(), (u32, String)> {
        let mut wait = self.settings.first_backoff;
        let mut attempts = 0;
        loop {
            attempts += 1;
            match self.attempt(sub, body).await {
                Ok(()) => return Ok(()),
                Err(error) => {
                    if attempts >= self.settings.max_attempts || !self.still_live(sub.id) {
                        return Err((attempts, error));
                    }
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(self.settings.max_backoff);
                }
            }
        }
    }

    async fn attempt(&self, sub: &SubscriptionView, body: &[u8]) -> Result<(), String> {
        let t = self.service.now().as_second();
        let secret = (self.secrets)(sub.id);
        let signature = sign(&secret, t, body);
        let response = self
            .client
            .post(&sub.url)
            .header("content-type", "application/cloudevents+json")
            .header("homeward-signature", format!("t={t},v1={signature}"))
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| format!("request failed: {}", without_url(&e)))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!(
                "subscriber answered {}",
                response.status().as_u16()
            ))
        }
    }

    /// The CloudEvent for `event`, if this subscription is to receive it.
    fn cloud_event(&self, sub: &SubscriptionView, event: &RecordedEvent) -> Option<Vec<u8>> {
        let p = self.service.read();
        let facts = facts(&p, event);
        drop(p);
        if !sub.filter.wants_type(&event.event_type) {
            return None;
        }
        if !sub.filter.incident_ids.is_empty()
            && !facts
                .incident
                .is_some_and(|i| sub.filter.incident_ids.contains(&i))
        {
            return None;
        }
        if !sub.filter.countries.is_empty()
            && !facts
                .country
                .is_some_and(|c| sub.filter.countries.contains(&c))
        {
            return None;
        }
        if facts.restricted && !sub.personal_data {
            return None;
        }
        let mut data = if facts.personal && !sub.personal_data {
            json!({ "redacted": true })
        } else {
            serde_json::to_value(&event.event)
                .ok()
                .and_then(|mut v| v.get_mut("data").map(Value::take))
                .unwrap_or(Value::Null)
        };
        if let DomainEvent::Welfare(WelfareEvent::AnswerLinkIssued(link)) = &event.event
            && sub.personal_data
            && let Some(urls) = self.answer_urls.get()
            && let Some(object) = data.as_object_mut()
        {
            object.insert("answer_url".into(), Value::String(urls(link.link_id)));
        }
        let envelope = json!({
            "specversion": "1.0",
            "id": event.event_id,
            "source": "urn:homeward",
            "type": event.event_type,
            "subject": event.stream_id,
            "time": event.recorded_at,
            "datacontenttype": "application/json",
            "position": event.position,
            "data": data,
        });
        serde_json::to_vec(&envelope).ok()
    }
}

/// The hex HMAC-SHA256 of `"<t>.<body>"` under `secret`: what `Homeward-Signature`
/// carries as `v1`. Subscribers compute the same to check a delivery.
pub fn sign(secret: &[u8], t: i64, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// A subscriber's URL may carry a token; errors are logged without it.
fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "<subscriber>");
    }
    text
}

struct Facts {
    incident: Option<IncidentId>,
    country: Option<CountryCode>,
    restricted: bool,
    personal: bool,
}

fn facts(p: &Projections, event: &RecordedEvent) -> Facts {
    let mut f = Facts {
        incident: None,
        country: None,
        restricted: false,
        personal: false,
    };
    let local = event.stream_id.local_id();
    match &event.event {
        DomainEvent::Incident(_) => {
            if let Ok(id) = local.parse::<IncidentId>() {
                f.incident = Some(id);
                if let Some(file) = p.incidents.get(id) {
                    f.country = Some(file.country);
                    f.restricted = file.classification == Classification::Restricted;
                }
            }
        }
        DomainEvent::Country(_) => f.country = CountryCode::parse(local),
        DomainEvent::Welfare(_) => {
            if let Ok(id) = local.parse() {
                f.country = p.welfare.get(id).map(|c| c.country);
            }
        }
        DomainEvent::Deadline(homeward_domain::deadline::DeadlineEvent::Missed(m)) => {
            f.incident = m.incident_id;
            f.country = m.country;
            f.restricted = m.incident_id.is_some_and(|id| {
                p.incidents
                    .get(id)
                    .is_some_and(|file| file.classification == Classification::Restricted)
            });
        }
        DomainEvent::Person(_) | DomainEvent::Call(_) => f.personal = true,
        DomainEvent::Evacuation(_) | DomainEvent::Access(_) | DomainEvent::Subscription(_) => {}
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_time_and_body() {
        // RFC 4231 test case 2, with the message "<t>.<body>" spelled out.
        let sig = sign(b"Jefe", 0, b"");
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"Jefe").expect("key");
        mac.update(b"0.");
        assert_eq!(sig, hex::encode(mac.finalize().into_bytes()));
        assert_ne!(sign(b"Jefe", 1, b""), sig);
        assert_ne!(sign(b"other", 0, b""), sig);
    }
}
