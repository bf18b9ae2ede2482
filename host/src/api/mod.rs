//! The HTTP and WebSocket API of `plancheck serve`: routes ([`router`]),
//! thin handlers over [`crate::service`], errors as RFC 9457 problems,
//! authentication in [`auth`], request telemetry in [`telemetry`]. The
//! OpenAPI document is generated from the handlers' annotations
//! ([`openapi`]). Documented in docs/api.md.

pub mod auth;
pub mod checks;
pub mod handlers;
pub mod openapi;
pub mod packs;
pub mod problem;
pub mod telemetry;
pub mod validations;
pub mod ws;

use std::sync::{Arc, RwLock};

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Authenticator;
use crate::metrics::Metrics;
use crate::packs::Registry;
use crate::service::{Service, ServiceError};
use problem::Problem;

/// Where pack loading stands.
#[derive(Debug, Clone)]
pub enum Packs {
    /// Compiling in the background; not ready.
    Loading,
    /// Loaded (some files may have failed; see [`Registry::failures`]).
    Ready(Arc<Registry>),
    /// The packs directory could not be read.
    Failed(String),
}

/// The registry handle: swapped whole on reload.
pub type RegistryHandle = Arc<RwLock<Packs>>;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The validation service (sandbox, packs, cache, store, metrics).
    pub service: Arc<Service>,
    /// Verifies bearer tokens.
    pub auth: Arc<Authenticator>,
    /// The metrics (also reachable through the service).
    pub metrics: Arc<Metrics>,
    /// Live sessions (WebSocket rooms, docs/live.md).
    pub live: Arc<crate::live::Hub>,
    /// Pack versions: publish, activate, roll back (docs/publishing.md).
    pub lifecycle: Arc<crate::packs::lifecycle::Lifecycle>,
}

impl FromRef<AppState> for Arc<crate::live::Hub> {
    fn from_ref(s: &AppState) -> Self {
        s.live.clone()
    }
}

impl FromRef<AppState> for Arc<Authenticator> {
    fn from_ref(s: &AppState) -> Self {
        s.auth.clone()
    }
}

impl FromRef<AppState> for Arc<Metrics> {
    fn from_ref(s: &AppState) -> Self {
        s.metrics.clone()
    }
}

/// A JSON response.
pub fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A JSON response whose body is `parts` sent in order, not joined first
/// (a stored validation: its record, then the report shared with the cache).
pub fn json_parts_response(status: StatusCode, parts: [Bytes; 3]) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        Body::new(Parts {
            remaining: parts.iter().map(|p| p.len() as u64).sum(),
            chunks: parts.into(),
        }),
    )
        .into_response()
}

/// A body of a few pieces of known total length.
struct Parts {
    chunks: std::collections::VecDeque<Bytes>,
    remaining: u64,
}

impl http_body::Body for Parts {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        let next = this.chunks.pop_front().map(|b| {
            this.remaining -= b.len() as u64;
            Ok(http_body::Frame::data(b))
        });
        std::task::Poll::Ready(next)
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.remaining)
    }
}

/// The problem for a service error.
pub fn service_problem(e: ServiceError) -> Problem {
    use crate::check::SelectionErrorKind as K;
    match e {
        ServiceError::NotReady(d) => {
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, "not-ready", "Not ready", d)
        }
        ServiceError::Selection(e) => {
            let (slug, title) = match e.kind {
                K::UnknownPack => ("unknown-pack", "Unknown pack"),
                K::UnknownJurisdiction => ("unknown-jurisdiction", "Unknown jurisdiction"),
                K::UnknownRule => ("unknown-rule", "Unknown rule"),
                K::NothingSelected => ("no-pack-selected", "No pack selected"),
            };
            let detail = e
                .message
                .replace("--pack or a --jurisdiction", "`pack` or a `jurisdiction`");
            Problem::new(StatusCode::BAD_REQUEST, slug, title, detail)
        }
        ServiceError::Model(e) => {
            let mut p = Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "model-invalid",
                "The model cannot be read",
                e.to_string(),
            )
            .with("kind", format!("{:?}", e.kind()));
            if let Some(l) = e.line() {
                p = p.with("line", l);
            }
            if let Some(c) = e.column() {
                p = p.with("column", c);
            }
            if let Some(id) = e.entity_id() {
                p = p.with("entity", format!("#{id}"));
            }
            p
        }
        ServiceError::UnknownModel(d) => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown-model",
            "Model not known",
            d,
        ),
        ServiceError::Store(e) => Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "store-error",
            "Storage error",
            format!("the validation could not be stored, so none was made: {e}"),
        ),
        ServiceError::Internal(d) => Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            d,
        ),
    }
}

/// Every documented route, with its OpenAPI operation (one source).
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(handlers::healthz))
        .routes(routes!(handlers::readyz))
        .routes(routes!(handlers::metrics))
        .routes(routes!(handlers::packs))
        .routes(routes!(handlers::reload_packs))
        .routes(routes!(packs::publish))
        .routes(routes!(packs::status))
        .routes(routes!(packs::versions))
        .routes(routes!(packs::activate))
        .routes(routes!(packs::rollback))
        .routes(routes!(packs::deactivate))
        .routes(routes!(checks::check))
        .routes(routes!(validations::get_validation))
        .routes(routes!(validations::list_validations))
        .routes(routes!(validations::audit))
}

/// Every route: the documented ones, `/openapi.json`, the fallbacks, the
/// body limit and the telemetry middleware.
pub fn router(state: AppState) -> Router {
    let limit = state.service.config().max_body_bytes;
    let (router, doc) = api_router().split_for_parts();
    let doc = Arc::new(doc);
    router
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let doc = doc.clone();
                async move { openapi::serve(&doc) }
            }),
        )
        .route(
            "/v1/live/{project}/{building}",
            axum::routing::get(ws::live),
        )
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            telemetry::track,
        ))
        .with_state(state)
}
