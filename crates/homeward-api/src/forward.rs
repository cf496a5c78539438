//! A command for a stream another instance is writing is sent to that instance.
//!
//! When two instances take commands for one hot stream (an incident taking reports,
//! an evacuation checking people in), they race for its versions and the losses cost
//! round trips. The log tells an instance that meets another's turn on a stream where
//! that instance serves ([`homeward_service::writers`]); from then on this middleware
//! sends the stream's commands there, as they came (token, `Idempotency-Key`,
//! `If-Match`, body), and answers with what that instance answered, once this one's read
//! models hold what it wrote (so the caller reads its own writes here too). One
//! instance then decides every command of the stream, in one queue.
//!
//! A command sent on is marked (`Homeward-Forwarded`) and never sent on again; the
//! instance that receives one writes the stream itself from then on. An instance that
//! cannot be reached (the connection is refused: nothing was sent) is forgotten and the
//! command is taken here. One that took the command and did not answer gets a 503 back
//! to the caller, whose retry with the same `Idempotency-Key` has one effect.

use std::sync::OnceLock;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use homeward_domain::{EvacuationId, IncidentId, StreamId};
use uuid::Uuid;

use crate::error::AppError;
use crate::{AppState, extract};

/// The header that marks a command sent on by another instance.
pub const FORWARDED: HeaderName = HeaderName::from_static("homeward-forwarded");

/// How long the other instance may take to answer (less than the request timeout, so
/// the caller hears why).
const ANSWER_WITHIN: Duration = Duration::from_secs(25);

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(1))
            .timeout(ANSWER_WITHIN)
            .no_proxy()
            .build()
            .unwrap_or_default()
    })
}

/// The stream a command route acts on, from its template and path: the incident's or
/// the evacuation's (the streams commands crowd onto). None for every other route.
fn stream_of(method: &Method, route: &str, path: &str) -> Option<StreamId> {
    if method != Method::POST {
        return None;
    }
    let id = || path.split('/').nth(3).and_then(|s| Uuid::parse_str(s).ok());
    if route.starts_with("/v1/incidents/{id}/") {
        id().map(|id| StreamId::incident(IncidentId(id)))
    } else if route.starts_with("/v1/evacuations/{id}/") {
        id().map(|id| StreamId::evacuation(EvacuationId(id)))
    } else {
        None
    }
}

/// Hop-by-hop headers, which are not sent on.
fn end_to_end(name: &HeaderName) -> bool {
    !matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "transfer-encoding"
            | "upgrade"
            | "te"
            | "trailer"
            | "host"
            | "content-length"
    )
}

/// Middleware: sends a command on to the instance that writes its stream, if another
/// does; takes it here otherwise.
pub async fn forward(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str());
    let Some(stream) = route.and_then(|r| stream_of(req.method(), r, req.uri().path())) else {
        return next.run(req).await;
    };
    let writers = state.service.writers();
    if req.headers().contains_key(&FORWARDED) {
        // Another instance counts on this one to write the stream.
        writers.here(&stream);
        state.metrics.forwarded("received");
        return next.run(req).await;
    }
    let Some(url) = writers.elsewhere(&stream) else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, extract::MAX_BODY).await {
        Ok(body) => body,
        Err(_) => return AppError::PayloadTooLarge(extract::MAX_BODY).into_response(),
    };
    let target = format!(
        "{url}{}",
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    );
    match send(&target, &parts.method, &parts.headers, body.clone()).await {
        Ok(response) => {
            writers.used(&stream);
            state.metrics.forwarded("sent");
            // The caller reads its own writes from this instance: answer once its read
            // models hold the version the other instance wrote (a few seconds at most).
            if let Some(version) = written_version(&response) {
                state.service.wait_for_version(&stream, version).await;
            }
            response
        }
        Err(e) if e.is_connect() => {
            // Nothing was sent: the command is taken here.
            tracing::info!(error = %e, "the stream's writer cannot be reached; writing it here");
            writers.here(&stream);
            state.metrics.forwarded("unreachable");
            next.run(Request::from_parts(parts, Body::from(body))).await
        }
        Err(e) => {
            tracing::warn!(error = %e, "the stream's writer took a command and did not answer");
            writers.here(&stream);
            state.metrics.forwarded("unanswered");
            AppError::Unavailable(
                "the instance writing this stream did not answer; retry with the same \
                 Idempotency-Key"
                    .into(),
            )
            .into_response()
        }
    }
}

/// The stream's version after a command that took effect: the `ETag` of a 2xx answer.
fn written_version(response: &Response) -> Option<u64> {
    if !response.status().is_success() {
        return None;
    }
    let etag = response.headers().get(header::ETAG)?.to_str().ok()?;
    etag.trim_matches('"').parse().ok()
}

async fn send(
    target: &str,
    method: &Method,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, reqwest::Error> {
    let mut sent = reqwest::header::HeaderMap::new();
    for (name, value) in headers.iter().filter(|(name, _)| end_to_end(name)) {
        sent.append(name.clone(), value.clone());
    }
    sent.insert(FORWARDED, HeaderValue::from_static("1"));
    let answer = client()
        .request(method.clone(), target)
        .headers(sent)
        .body(body)
        .send()
        .await?;
    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers().iter().filter(|(name, _)| end_to_end(name)) {
        response = response.header(name, value);
    }
    let body = answer.bytes().await?;
    Ok(response
        .body(Body::from(body))
        .unwrap_or_else(|_| AppError::Unavailable("unreadable answer".into()).into_response()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_commands_on_an_incident_or_an_evacuation_are_sent_on() {
        let id = Uuid::from_u128(5);
        let incident = format!("/v1/incidents/{id}/reports");
        let route = "/v1/incidents/{id}/reports";
        assert_eq!(
            stream_of(&Method::POST, route, &incident),
            Some(StreamId::incident(IncidentId(id)))
        );
        assert_eq!(stream_of(&Method::GET, route, &incident), None);
        let evacuation = format!("/v1/evacuations/{id}/evacuees");
        assert_eq!(
            stream_of(&Method::POST, "/v1/evacuations/{id}/evacuees", &evacuation),
            Some(StreamId::evacuation(EvacuationId(id)))
        );
        assert_eq!(
            stream_of(&Method::POST, "/v1/incidents", "/v1/incidents"),
            None
        );
        assert_eq!(
            stream_of(
                &Method::POST,
                "/v1/persons/{id}/status",
                &format!("/v1/persons/{id}/status")
            ),
            None
        );
    }
}
