//! Citizens answer for themselves: one-time answer links of welfare checks.
//!
//! A duty officer (or Homeward itself, when `homeward.toml` says
//! `[welfare] answer_links = true`) gives an open check a link, `POST
//! /v1/tasks/{id}/answer-link`. The URL carries a token and nothing else: 64 hex digits
//! derived from the server's key and a random link id; the log keeps only the token's
//! SHA-256, so whoever reads the log cannot answer. `/answer/{token}` is a minimal page
//! (Chinese or English, no script needed) with two buttons; the answer is the ordinary
//! welfare answer on the person's record, recorded with the actor `citizen` (subject:
//! the link's id), and the link is used up. A used, expired or unknown token gets a plain
//! page and changes nothing. The page names nobody. Requests are limited per link and
//! per client address.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::PathRejection;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use homeward_domain::person::{PersonCommand, WelfareStatus};
use homeward_domain::policy::Action;
use homeward_domain::welfare::WelfareCommand;
use homeward_domain::{Actor, PersonId, Rejection, Role, StreamId, TaskId, Timestamp};
use homeward_service::{Command, CommandMeta, ServiceError};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{Reader, authorize};
use crate::AppState;
use crate::auth::answer_token_hash;
use crate::error::AppError;
use crate::error::Result;
use crate::error::problems::{BadRequest, NotFound, Rejected};
use crate::extract::ApiPath;

/// Where the answer page lives; a link is this followed by its token.
pub const ANSWER_PATH: &str = "/answer/";

/// A new answer link.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AnswerLink {
    /// The link, as a path from the server's root (`/answer/<token>`). It works once.
    pub url: String,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// Give an open welfare check a one-time answer link for the citizen (duty officers).
/// The link is shown only in this answer (and sent to subscriptions cleared for
/// personal data), never stored; a retry makes another link.
#[utoipa::path(post, path = "/v1/tasks/{id}/answer-link", params(("id" = TaskId, Path)),
    responses((status = 201, body = AnswerLink), BadRequest, NotFound, Rejected))]
pub async fn issue(reader: Reader, ApiPath(id): ApiPath<TaskId>) -> Result<Response> {
    authorize(
        &reader.state,
        &reader.caller,
        Action::IssueAnswerLinks,
        "issue_answer_link",
        Some(StreamId::welfare(id)),
    )
    .await?;
    let link_id = reader.state.service.new_id();
    let token = reader.state.tokens.answer_token(link_id);
    let now = reader.state.service.now();
    let expires_at = now
        .saturating_add(reader.state.answer_link_valid_for)
        .unwrap_or(now);
    let meta = CommandMeta {
        actor: reader.caller.actor.clone(),
        correlation_id: reader.state.service.new_id(),
        // No idempotency record: it would keep the answer, and with it the token.
        idempotency: None,
        expected_version: None,
        causation_id: None,
    };
    let command = Command::Welfare(
        id,
        WelfareCommand::IssueAnswerLink {
            link_id,
            token_hash: answer_token_hash(&token),
            expires_at,
            cause: link_id,
        },
    );
    reader
        .state
        .service
        .execute(command, meta, homeward_service::Outcome::clone)
        .await?;
    let mut response = (
        StatusCode::CREATED,
        axum::Json(AnswerLink {
            url: format!("{ANSWER_PATH}{token}"),
            expires_at,
        }),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The client's address, when the server knows it.
pub struct PeerAddr(Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
                .await
                .ok()
                .map(|c| c.0.ip()),
        ))
    }
}

/// A visit to an answer link: where the visitor comes from, the link's token, and the
/// language to answer in (`?lang=`, else `Accept-Language`).
pub struct Visit {
    peer: PeerAddr,
    token: String,
    lang: Lang,
}

impl<S: Send + Sync> FromRequestParts<S> for Visit {
    type Rejection = PathRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PathRejection> {
        let Ok(peer) = PeerAddr::from_request_parts(parts, state).await;
        let Path(token) = Path::<String>::from_request_parts(parts, state).await?;
        let query = Query::<LangQuery>::from_request_parts(parts, state).await;
        let lang = Lang::pick(
            query.as_ref().ok().and_then(|q| q.lang.as_deref()),
            &parts.headers,
        );
        Ok(Self { peer, token, lang })
    }
}

/// `?lang=zh` or `?lang=en`.
#[derive(Debug, Default, Deserialize)]
pub struct LangQuery {
    /// The language of the page.
    pub lang: Option<String>,
}

/// The two languages the pages speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 中文
    Zh,
    /// English
    En,
}

impl Lang {
    /// `?lang=` first, then the browser's first language, then English.
    pub fn pick(query: Option<&str>, headers: &HeaderMap) -> Self {
        match query {
            Some(q) if q.starts_with("zh") => return Self::Zh,
            Some(q) if q.starts_with("en") => return Self::En,
            _ => {}
        }
        let accepted = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let first = accepted
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if first.starts_with("zh") {
            Self::Zh
        } else {
            Self::En
        }
    }

    fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }

    fn t(self, key: &str) -> &'static str {
        let zh = self == Self::Zh;
        match key {
            "title" => {
                if zh {
                    "领事保护：您平安吗？"
                } else {
                    "Consular service: are you safe?"
                }
            }
            "ask" => {
                if zh {
                    "外交部领事服务正在确认您是否平安。请选择一项作答。此链接只能使用一次。"
                } else {
                    "The consular service of the foreign ministry is checking that you are safe. Please answer once; this link works only once."
                }
            }
            "safe" => {
                if zh {
                    "我平安"
                } else {
                    "I am safe"
                }
            }
            "needs_help" => {
                if zh {
                    "我需要帮助"
                } else {
                    "I need help"
                }
            }
            "message" => {
                if zh {
                    "留言（可选）"
                } else {
                    "Message (optional)"
                }
            }
            "position" => {
                if zh {
                    "附上我的位置（可选）"
                } else {
                    "Add my position (optional)"
                }
            }
            "thanks_title" => {
                if zh {
                    "谢谢，已收到您的回答"
                } else {
                    "Thank you, your answer was received"
                }
            }
            "thanks_safe" => {
                if zh {
                    "我们已记录：您平安。"
                } else {
                    "We recorded that you are safe."
                }
            }
            "thanks_help" => {
                if zh {
                    "我们已记录：您需要帮助。领事官员会尽快与您联系。"
                } else {
                    "We recorded that you need help. A consular officer will contact you as soon as possible."
                }
            }
            "invalid_title" => {
                if zh {
                    "此链接无效"
                } else {
                    "This link does not work"
                }
            }
            "invalid" => {
                if zh {
                    "此链接无效、已使用或已过期。如需帮助，请拨打领事保护热线。"
                } else {
                    "This link is not valid, was used already, or has expired. If you need help, call the consular hotline."
                }
            }
            "busy_title" => {
                if zh {
                    "请稍后再试"
                } else {
                    "Please try again later"
                }
            }
            "busy" => {
                if zh {
                    "请求过多，请稍后再试。"
                } else {
                    "Too many attempts. Please wait a minute and try again."
                }
            }
            "bad_title" => {
                if zh {
                    "无法记录您的回答"
                } else {
                    "Your answer could not be recorded"
                }
            }
            "other" => {
                if zh {
                    "English"
                } else {
                    "中文"
                }
            }
            _ => "",
        }
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:18px/1.5 system-ui,sans-serif;margin:0;padding:1.2rem;max-width:32rem}\
h1{font-size:1.3rem}button{display:block;width:100%;font-size:1.2rem;padding:1rem;margin:.8rem 0;border-radius:.5rem;border:0}\
button[value=safe]{background:#1b7f3b;color:#fff}button[value=needs_help]{background:#b3261e;color:#fff}\
textarea{width:100%;min-height:4rem;font:inherit}label{display:block;margin-top:.8rem}";

fn page(status: StatusCode, lang: Lang, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"{code}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
<link rel=\"stylesheet\" href=\"/answer-assets/style.css\"></head><body>\
<h1>{title}</h1>{body}</body></html>",
        code = lang.code(),
        title = escape(title),
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        html,
    )
        .into_response()
}

fn plain(status: StatusCode, lang: Lang, title: &str, text: &str) -> Response {
    page(status, lang, title, &format!("<p>{}</p>", escape(text)))
}

fn invalid(lang: Lang) -> Response {
    plain(
        StatusCode::NOT_FOUND,
        lang,
        lang.t("invalid_title"),
        lang.t("invalid"),
    )
}

fn busy(lang: Lang, retry_after: u64) -> Response {
    let mut r = plain(
        StatusCode::TOO_MANY_REQUESTS,
        lang,
        lang.t("busy_title"),
        lang.t("busy"),
    );
    if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// What a token leads to, if it may be answered through now.
struct Usable {
    token_hash: String,
    link_id: Uuid,
    person_id: PersonId,
}

/// Limits first (per address, then per link), then the link's rule.
fn admit(state: &AppState, peer: &PeerAddr, token: &str) -> Result<Usable, Option<u64>> {
    let wait = |e: AppError| match e {
        AppError::TooManyRequests { retry_after, .. } => Some(retry_after),
        _ => None,
    };
    if let Some(ip) = peer.0 {
        state
            .answer_limits
            .per_address
            .check(&ip.to_string())
            .map_err(wait)?;
    }
    // A token is 64 hex digits; anything else is not one (and costs no bucket).
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(None);
    }
    let token_hash = answer_token_hash(token);
    state
        .answer_limits
        .per_link
        .check(&token_hash)
        .map_err(wait)?;
    let now = state.service.now();
    let p = state.service.read();
    let task = p.welfare.check_of_link(&token_hash).ok_or(None)?;
    let check = p.streams.welfare.get(&task).ok_or(None)?;
    let link = check.answer_link(&token_hash, now).map_err(|_| None)?;
    let person_id = check.person_id.ok_or(None)?;
    Ok(Usable {
        link_id: link.link_id,
        token_hash,
        person_id,
    })
}

fn refused(lang: Lang, why: Option<u64>) -> Response {
    match why {
        Some(wait) => busy(lang, wait),
        None => invalid(lang),
    }
}

/// The answer page: two buttons, an optional message and position.
pub async fn page_get(State(state): State<AppState>, visit: Visit) -> Response {
    let Visit { peer, token, lang } = visit;
    if let Err(why) = admit(&state, &peer, &token) {
        return refused(lang, why);
    }
    let other = match lang {
        Lang::Zh => "en",
        Lang::En => "zh",
    };
    let body = format!(
        "<p>{ask}</p>\
<form method=\"post\" action=\"{ANSWER_PATH}{token}?lang={code}\">\
<label for=\"message\">{message}</label><textarea id=\"message\" name=\"message\" maxlength=\"2000\"></textarea>\
<label><input type=\"checkbox\" id=\"share-position\"> {position}</label>\
<input type=\"hidden\" name=\"lat\" id=\"lat\"><input type=\"hidden\" name=\"lon\" id=\"lon\">\
<button type=\"submit\" name=\"status\" value=\"safe\">{safe}</button>\
<button type=\"submit\" name=\"status\" value=\"needs_help\">{help}</button>\
</form><p><a href=\"{ANSWER_PATH}{token}?lang={other}\" lang=\"{other}\">{other_name}</a></p>\
<script src=\"/answer-assets/answer.js\"></script>",
        ask = escape(lang.t("ask")),
        code = lang.code(),
        message = escape(lang.t("message")),
        position = escape(lang.t("position")),
        safe = escape(lang.t("safe")),
        help = escape(lang.t("needs_help")),
        other_name = escape(lang.t("other")),
    );
    page(StatusCode::OK, lang, lang.t("title"), &body)
}

/// The citizen's answer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerForm {
    /// `safe` or `needs_help`.
    pub status: String,
    /// Anything they want to say.
    pub message: Option<String>,
    /// Their position, if they shared it.
    pub lat: Option<String>,
    /// With `lat`.
    pub lon: Option<String>,
}

/// Longest message a citizen may leave.
const MAX_MESSAGE: usize = 2_000;

fn note_of(form: &AnswerForm) -> Result<Option<String>, &'static str> {
    let message = form
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty());
    if message.is_some_and(|m| m.chars().count() > MAX_MESSAGE) {
        return Err("the message is too long");
    }
    let coordinate = |v: &Option<String>| -> Result<Option<f64>, &'static str> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => s
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or("the position is not a number"),
        }
    };
    let position = match (coordinate(&form.lat)?, coordinate(&form.lon)?) {
        (None, None) => None,
        (Some(lat), Some(lon))
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
        {
            Some(format!("position {lat:.5}, {lon:.5}"))
        }
        _ => return Err("the position needs a latitude and a longitude on the globe"),
    };
    let note = match (message, position) {
        (None, None) => None,
        (Some(m), None) => Some(format!("answered through the link: {m}")),
        (None, Some(p)) => Some(format!("answered through the link ({p})")),
        (Some(m), Some(p)) => Some(format!("answered through the link ({p}): {m}")),
    };
    Ok(note)
}

/// Records the citizen's answer, once.
pub async fn page_post(
    State(state): State<AppState>,
    visit: Visit,
    form: Result<Form<AnswerForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Visit { peer, token, lang } = visit;
    let usable = match admit(&state, &peer, &token) {
        Ok(u) => u,
        Err(why) => return refused(lang, why),
    };
    let bad = |text: &str| plain(StatusCode::BAD_REQUEST, lang, lang.t("bad_title"), text);
    let Ok(Form(form)) = form else {
        return bad("the form could not be read");
    };
    let status = match form.status.as_str() {
        "safe" => WelfareStatus::Safe,
        "needs_help" => WelfareStatus::NeedsHelp,
        _ => return bad("the answer must be `safe` or `needs_help`"),
    };
    let note = match note_of(&form) {
        Ok(n) => n,
        Err(why) => return bad(why),
    };
    let actor = Actor::new(usable.link_id.to_string(), Role::Citizen);
    let mut hash = sha2::Sha256::new();
    hash.update(form.status.as_bytes());
    hash.update([0]);
    hash.update(note.as_deref().unwrap_or("").as_bytes());
    let request_hash: [u8; 32] = hash.finalize().into();
    let meta = |idempotency| CommandMeta {
        actor: actor.clone(),
        correlation_id: state.service.new_id(),
        idempotency,
        expected_version: None,
        causation_id: None,
    };
    // The ordinary welfare answer, once per link: a second answer through the same link
    // (two taps racing) meets the idempotency record and changes nothing.
    let answer = PersonCommand::RecordWelfareCheck {
        status,
        note,
        occurred_at: None,
    };
    let scope = format!("{}\u{0}answer", usable.link_id);
    match state
        .service
        .execute(
            Command::Person(usable.person_id, answer),
            meta(Some((scope, request_hash))),
            homeward_service::Outcome::clone,
        )
        .await
    {
        Ok(accepted) if accepted.replayed => return invalid(lang),
        Ok(_) => {}
        Err(ServiceError::IdempotencyKeyReused) => return invalid(lang),
        Err(ServiceError::Rejected(r)) => return bad(&r.to_string()),
        Err(e) => {
            tracing::error!(error = %e, "a citizen's answer could not be recorded");
            return plain(
                StatusCode::SERVICE_UNAVAILABLE,
                lang,
                lang.t("busy_title"),
                lang.t("busy"),
            );
        }
    }
    let used = WelfareCommand::UseAnswerLink {
        token_hash: usable.token_hash,
        status,
        cause: state.service.new_id(),
    };
    let task = state
        .service
        .read()
        .welfare
        .check_of_link(&answer_token_hash(&token));
    if let Some(task) = task {
        match state
            .service
            .execute(
                Command::Welfare(task, used),
                meta(None),
                homeward_service::Outcome::clone,
            )
            .await
        {
            Ok(_) | Err(ServiceError::Rejected(Rejection::AnswerLinkUsed)) => {}
            Err(e) => tracing::warn!(error = %e, "an answer link could not be marked used"),
        }
    }
    // The answer closes or escalates the check as an officer's would.
    state.service.wait_for_reactions().await;
    let text = match status {
        WelfareStatus::NeedsHelp => lang.t("thanks_help"),
        _ => lang.t("thanks_safe"),
    };
    plain(StatusCode::OK, lang, lang.t("thanks_title"), text)
}

/// The answer page's style sheet.
pub async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        STYLE,
    )
}

const SCRIPT: &str = "document.getElementById('share-position').addEventListener('change',function(e){\
if(!e.target.checked||!navigator.geolocation){document.getElementById('lat').value='';document.getElementById('lon').value='';return;}\
navigator.geolocation.getCurrentPosition(function(p){document.getElementById('lat').value=p.coords.latitude;\
document.getElementById('lon').value=p.coords.longitude;},function(){e.target.checked=false;},{timeout:15000});});\n";

/// Fills in the position when the citizen ticks the box (the page works without it).
pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        SCRIPT,
    )
}

/// Adds this module's routes to the API.
pub(super) fn add_routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(issue))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_comes_from_the_query_then_the_browser() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::pick(None, &h), Lang::En);
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("zh-CN,zh;q=0.9,en;q=0.8"),
        );
        assert_eq!(Lang::pick(None, &h), Lang::Zh);
        assert_eq!(Lang::pick(Some("en"), &h), Lang::En);
        assert_eq!(Lang::pick(Some("zh"), &HeaderMap::new()), Lang::Zh);
    }

    #[test]
    fn messages_and_positions_become_the_note() {
        let form = |m: &str, lat: &str, lon: &str| AnswerForm {
            status: "safe".into(),
            message: Some(m.into()),
            lat: Some(lat.into()),
            lon: Some(lon.into()),
        };
        assert_eq!(note_of(&form("", "", "")), Ok(None));
        assert_eq!(
            note_of(&form("at the hotel", "", "")),
            Ok(Some("answered through the link: at the hotel".into()))
        );
        assert!(note_of(&form("", "91", "0")).is_err());
        assert!(note_of(&form("", "10", "")).is_err());
        assert!(note_of(&form("", "ten", "3")).is_err());
        assert!(note_of(&form(&"x".repeat(MAX_MESSAGE + 1), "", "")).is_err());
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
