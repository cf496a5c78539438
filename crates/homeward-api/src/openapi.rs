//! The OpenAPI 3.1 document: its title, security scheme and tags here, its operations
//! from the routes' own declarations (`routes::api`), and the touches the served
//! document gets (problem media type, header patterns, 429 and 503).

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};

use crate::error::Problem;
use crate::error::problems::{Forbidden, Unauthorized};
use crate::routes::command::CommandResult;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.bearer_format = Some("JWT".into());
        http.description =
            Some("A token from `homeward token issue`, naming a subject and a role".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(http));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Homeward",
        description = "Event-sourced crisis response coordination for consular protection: incidents, \
                       kidnapping cases, persons, hotline calls, country risk, the live board and the audit trail. \
                       Errors are RFC 9457 problem documents (`application/problem+json`).",
        version = env!("CARGO_PKG_VERSION"),
    ),
    modifiers(&BearerAuth),
    components(schemas(CommandResult, Problem)),
    tags(
        (name = "incidents", description = "Incidents, their persons, tasks, reports, case facts and corrections"),
        (name = "persons", description = "Citizens and the person locator"),
        (name = "calls", description = "The 24-hour hotline"),
        (name = "countries", description = "Country risk levels"),
        (name = "evacuations", description = "Evacuations, transports, evacuees and manifests"),
        (name = "board", description = "The crisis room's board, live"),
        (name = "subscriptions", description = "Events delivered to outside endpoints as signed CloudEvents"),
        (name = "tasks", description = "Tasks and welfare checks, and the deadlines missed"),
        (name = "audit", description = "The tamper-evident audit trail"),
        (name = "system", description = "Health, metrics, this document"),
    )
)]
struct ApiDoc;

/// What the document says besides its operations: the title, the security scheme,
/// the tags. The operations come from the routes ([`crate::routes::api`]).
pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: health, metrics, this document.
    Public,
    /// A caller with a bearer token; without a valid one it answers 401, and 403 when
    /// the caller's role may not do what it asks.
    Bearer,
}

/// Gives every operation of `openapi` (one module's) its tag and, for [`Access::Bearer`],
/// the bearer security requirement and its 401 and 403 problems.
pub fn describe(openapi: &mut utoipa::openapi::OpenApi, tag: &str, access: Access) {
    let problems: Vec<_> = match access {
        Access::Public => Vec::new(),
        Access::Bearer => Unauthorized::responses()
            .into_iter()
            .chain(Forbidden::responses())
            .collect(),
    };
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            describe_operation(operation, tag, &problems);
        }
    }
}

fn describe_operation(
    operation: &mut Operation,
    tag: &str,
    problems: &[(String, utoipa::openapi::RefOr<utoipa::openapi::Response>)],
) {
    operation.tags.get_or_insert_with(|| vec![tag.to_owned()]);
    if problems.is_empty() {
        return;
    }
    let no_scopes: [&str; 0] = [];
    operation.security = Some(vec![SecurityRequirement::new("bearer", no_scopes)]);
    for (status, response) in problems {
        operation
            .responses
            .responses
            .entry(status.clone())
            .or_insert_with(|| response.clone());
    }
}

/// The document: [`base`] with every route's operation.
pub fn document() -> utoipa::openapi::OpenApi {
    crate::routes::api().split_for_parts().1
}

/// The pattern every `Idempotency-Key` value must match (see `extract`).
pub const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]{1,200}$";

/// The document as served: [`document`], with every problem response under its real
/// media type (`application/problem+json`) and the header parameters' patterns.
pub fn document_json() -> serde_json::Value {
    use serde_json::Value;
    let mut doc = serde_json::to_value(document()).unwrap_or(Value::Null);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return doc;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for operation in item.values_mut().filter_map(Value::as_object_mut) {
            if let Some(params) = operation
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
            {
                for param in params.iter_mut().filter_map(Value::as_object_mut) {
                    let pattern = match param.get("name").and_then(Value::as_str) {
                        Some("Idempotency-Key") => IDEMPOTENCY_KEY_PATTERN,
                        Some("If-Match") => "^(\"[0-9]{1,19}\"|[0-9]{1,19})$",
                        _ => continue,
                    };
                    if let Some(schema) = param.get_mut("schema").and_then(Value::as_object_mut) {
                        schema.insert("pattern".into(), Value::String(pattern.into()));
                    }
                }
            }
            let authenticated = operation.contains_key("security");
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            // Every authenticated route may answer 429 (rate limit per subject) and
            // every route 503 (overloaded, too slow, shutting down).
            let problem = serde_json::json!({
                "description": "Problem details",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
            });
            if authenticated {
                responses.entry("429").or_insert_with(|| problem.clone());
            }
            responses.entry("503").or_insert(problem);
            for response in responses.values_mut() {
                let Some(content) = response.get_mut("content").and_then(Value::as_object_mut)
                else {
                    continue;
                };
                let is_problem = content
                    .get("application/json")
                    .and_then(|c| c.pointer("/schema/$ref"))
                    .and_then(Value::as_str)
                    == Some("#/components/schemas/Problem");
                if is_problem && let Some(json) = content.remove("application/json") {
                    content.insert(crate::error::PROBLEM_JSON.into(), json);
                }
            }
        }
    }
    doc
}
