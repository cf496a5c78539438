//! The board: as JSON (now or as of a moment) and as a live server-sent event stream
//! (a snapshot, then every change as it is folded in).

use std::convert::Infallible;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use homeward_domain::incident::IncidentEvent;
use homeward_domain::policy::Action;
use homeward_domain::{CountryCode, DomainEvent, IncidentId, StreamKind, Timestamp};
use homeward_projections::Projections;
use homeward_projections::board::{BoardView, FeedItem, Visibility, board_incident};
use homeward_service::Change;
use homeward_store::LogEntry;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Reader;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::error::Result;
use crate::error::problems::BadRequest;
use crate::extract::ApiQuery;
use crate::routes::incidents::AsOf;
use crate::views;

/// The board as `p` shows it at `at` to this caller, naming the exercise this server
/// runs, if any.
fn render_at(state: &AppState, caller: &Caller, p: &Projections, at: Timestamp) -> BoardView {
    let mut view = p.render_board(at, &|f| views::board_visibility(caller, f));
    view.exercise = state.exercise.as_deref().map(str::to_owned);
    view
}

/// The board now.
fn render(state: &AppState, caller: &Caller) -> BoardView {
    let now = state.service.now();
    render_at(state, caller, &state.service.read(), now)
}

/// The board: open incidents, totals, risk levels and the latest field reports, now
/// or as they stood at `as_of`.
#[utoipa::path(get, path = "/v1/board", params(AsOf),
    responses((status = 200, body = BoardView), BadRequest))]
pub async fn board(reader: Reader, ApiQuery(q): ApiQuery<AsOf>) -> Result<Json<BoardView>> {
    reader.require(Action::ReadBoard)?;
    match q.as_of {
        None => Ok(Json(render(&reader.state, &reader.caller))),
        Some(at) => {
            let p = reader.state.service.projections_as_of(at).await?;
            Ok(Json(render_at(&reader.state, &reader.caller, &p, at)))
        }
    }
}

/// What one change looks like to this caller, if anything.
fn frame(state: &AppState, caller: &Caller, change: &Change) -> Option<Event> {
    let p = state.service.read();
    let now = state.service.now();
    let mut body = json!({
        "position": change.position,
        "event_type": change.event_type,
        "recorded_at": change.recorded_at,
    });
    match change.stream_id.kind()? {
        StreamKind::Incident => {
            let id: IncidentId = change.stream_id.local_id().parse().ok()?;
            let file = p.incidents.get(id)?;
            let vis = views::board_visibility(caller, file);
            if vis == Visibility::Hidden {
                return None;
            }
            body["incident"] = json!(board_incident(file, now, vis == Visibility::Redacted));
            // The report this event filed (not the latest: two folded together give
            // two frames, each with its own).
            if let DomainEvent::Incident(IncidentEvent::ReportFiled(filed)) = &change.event
                && vis == Visibility::Full
                && let Some(r) = file
                    .reports
                    .iter()
                    .rev()
                    .find(|r| r.report_id == filed.report_id && !r.retracted)
            {
                body["report"] = json!(FeedItem {
                    incident_id: id,
                    incident_title: file.title.clone(),
                    country: file.country,
                    report_id: r.report_id,
                    text: r.text.clone(),
                    category: r.category,
                    place: r.place.clone(),
                    occurred_at: r.occurred_at,
                    recorded_at: r.recorded_at,
                    filed_by: r.filed_by.clone(),
                });
            }
        }
        StreamKind::Country => {
            let code = CountryCode::parse(change.stream_id.local_id())?;
            body["risk"] = json!(p.board.risk(code)?);
        }
        StreamKind::Evacuation => {
            let id = change.stream_id.local_id().parse().ok()?;
            body["evacuation"] = json!(p.evacuations.get(id)?.progress());
        }
        StreamKind::Welfare => body["welfare_checks"] = json!(p.welfare.progress(now)),
        StreamKind::Deadline => {
            let missed = p.missed_deadlines(&|f| views::board_visibility(caller, f));
            let key = missed.first().map(|m| m.missed.key.as_str());
            // Only when the newest miss this viewer may see is this one.
            if key.map(homeward_domain::deadline::deadline_id)
                != change.stream_id.local_id().parse().ok()
            {
                return None;
            }
            body["deadlines_missed"] = json!(missed);
            body["deadlines_missed_total"] = json!(p.deadlines.total());
        }
        StreamKind::Person | StreamKind::Call | StreamKind::Access | StreamKind::Subscription => {
            return None;
        }
    }
    Event::default()
        .event("change")
        .id(change.position.to_string())
        .json_data(body)
        .ok()
}

fn snapshot(state: &AppState, caller: &Caller) -> (u64, Event) {
    let view = render(state, caller);
    let position = view.position;
    let event = Event::default()
        .event("snapshot")
        .id(position.to_string())
        .json_data(&view)
        .unwrap_or_else(|_| Event::default().event("snapshot").data("{}"));
    (position, event)
}

/// How far back a reconnecting client is sent the changes it missed; further back, it
/// gets a fresh snapshot.
const REPLAY_MAX: u64 = 10_000;

/// The frames of the changes after `after` up to `until`, read back from the log.
async fn missed(
    state: &AppState,
    caller: &Caller,
    after: u64,
    until: u64,
) -> Result<Vec<Event>, AppError> {
    let mut frames = Vec::new();
    let mut position = after;
    while position < until {
        let batch = state.service.log().read_after(position, 512).await?;
        let Some(last) = batch.last() else { break };
        position = last.position();
        for entry in batch {
            if let LogEntry::Event(e) = entry
                && e.position <= until
                && let Some(frame) = frame(state, caller, &Change::of(*e))
            {
                frames.push(frame);
            }
        }
    }
    Ok(frames)
}

/// The live board: a `snapshot` event with the whole board, then a `change` event for
/// each change to an incident or risk level the caller may see. A client that falls
/// behind gets a fresh `snapshot`. A client that reconnects with `Last-Event-ID` gets
/// the changes it missed instead (or a fresh `snapshot` when that is too far back).
/// Ends when the server shuts down.
#[utoipa::path(get, path = "/v1/board/stream",
    params(("Last-Event-ID" = Option<u64>, Header, description = "The id of the last event received before reconnecting")),
    responses((status = 200, description = "text/event-stream of `snapshot` and `change` events", content_type = "text/event-stream", body = String)))]
pub async fn stream(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    caller.require(Action::ReadBoard)?;
    let last_seen = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    // Subscribe before the snapshot (or the replay) so that no change falls between them.
    let rx = state.service.changes();
    let projected = state.service.projected();
    let (seen, first) = match last_seen {
        Some(n) if n <= projected && projected - n <= REPLAY_MAX => {
            (projected, missed(&state, &caller, n, projected).await?)
        }
        _ => {
            let (seen, event) = snapshot(&state, &caller);
            (seen, vec![event])
        }
    };
    let mut shutdown = state.shutdown.clone();
    let changes = futures::stream::unfold(
        (rx, state, caller, seen),
        |(mut rx, state, caller, seen)| async move {
            loop {
                match rx.recv().await {
                    Ok(change) if change.position <= seen => continue,
                    Ok(change) => {
                        if let Some(event) = frame(&state, &caller, &change) {
                            return Some((event, (rx, state, caller, change.position)));
                        }
                    }
                    Err(RecvError::Lagged(_)) => {
                        let (seen, event) = snapshot(&state, &caller);
                        return Some((event, (rx, state, caller, seen)));
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        },
    );
    let events = futures::stream::iter(first)
        .chain(changes)
        .map(Ok::<Event, Infallible>)
        .take_until(async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

/// Adds this module's routes to the API.
pub(super) fn add_routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(board)).routes(routes!(stream))
}
