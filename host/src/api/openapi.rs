//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]`
//! annotations as the routes are registered ([`super::api_router`]): a
//! route cannot exist without its operation, nor an operation without its
//! route. Served at `GET /openapi.json`.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder};

/// The document's frame: info and the bearer security scheme; paths are
/// added by the router.
pub fn base() -> OpenApi {
    let mut doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Plancheck")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Checks building models against building codes. Errors are RFC 9457 problems \
                     (application/problem+json, type urn:plancheck:problem:<slug>). Live validation \
                     is a WebSocket at /v1/live/{project}/{building} (docs/live.md).",
                ))
                .build(),
        )
        .build();
    let mut components = doc.components.take().unwrap_or_default();
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    doc.components = Some(components);
    doc
}

/// The document as a response.
pub fn serve(doc: &OpenApi) -> Response {
    match doc.to_pretty_json() {
        Ok(s) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            s,
        )
            .into_response(),
        Err(e) => super::problem::Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            format!("cannot render the OpenAPI document: {e}"),
        )
        .into_response(),
    }
}
