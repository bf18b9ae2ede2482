//! Authentication on the HTTP side (docs/auth.md): the [`Caller`]
//! extractor (`Authorization: Bearer <token>`), [`WsCaller`] for WebSocket
//! upgrades (which may pass `?access_token=`), and [`require`] /
//! [`require_publish`] for permissions. Every denial is a [`Problem`] with
//! a stable `reason` (also attached as
//! [`ProblemReason`](super::problem::ProblemReason) for metrics): 401
//! `unauthorized` for a missing or invalid token, 403 `forbidden` for a
//! valid token without the permission.
//!
//! The extractors find the [`Authenticator`] in the router state through
//! `Arc<Authenticator>: FromRef<S>`; with `AppState` that is one
//! `impl FromRef<AppState> for Arc<Authenticator>`.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};

use super::problem::Problem;
use crate::auth::{AuthFailure, Authenticator, Caller, Permission, FORBIDDEN};

/// Title of the 401 problem.
pub const UNAUTHORIZED_TITLE: &str = "Unauthorized";
/// Title of the 403 problem.
pub const FORBIDDEN_TITLE: &str = "Forbidden";
/// The query parameter that may carry the token on WebSocket upgrades.
pub const ACCESS_TOKEN_PARAM: &str = "access_token";

/// The 401 problem for `failure`: slug `unauthorized`, `reason` member and
/// label, and a `WWW-Authenticate: Bearer` challenge (RFC 6750) carrying
/// `error="invalid_token"` unless the token was missing.
pub fn unauthorized(failure: &AuthFailure) -> Problem {
    let challenge = match failure {
        AuthFailure::Missing => "Bearer realm=\"plancheck\"".to_string(),
        f => format!(
            "Bearer realm=\"plancheck\", error=\"invalid_token\", error_description=\"{f}\""
        ),
    };
    Problem::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        UNAUTHORIZED_TITLE,
        format!("{failure} (reason: {})", failure.reason()),
    )
    .with_reason(failure.reason())
    .with_header(header::WWW_AUTHENTICATE, header_value(challenge))
}

/// The 403 problem: slug `forbidden`, `reason` `forbidden`, the role and
/// the missing permission named in `detail` and as members `role` and
/// `permission`.
pub fn forbidden(caller: &Caller, perm: Permission, detail: String) -> Problem {
    Problem::new(StatusCode::FORBIDDEN, FORBIDDEN, FORBIDDEN_TITLE, detail)
        .with_reason(FORBIDDEN)
        .with("role", caller.role.as_str())
        .with("permission", perm.as_str())
        .with_header(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"plancheck\", error=\"insufficient_scope\""),
        )
}

fn header_value(s: String) -> HeaderValue {
    // Failure messages are fixed ASCII text; the fallback never triggers.
    HeaderValue::from_str(&s)
        .unwrap_or_else(|_| HeaderValue::from_static("Bearer realm=\"plancheck\""))
}

/// `Ok` if `caller`'s role has `perm` ([`crate::auth::allows`]), else a 403
/// problem naming the role and the permission. For publishing a given
/// pack use [`require_publish`].
pub fn require(caller: &Caller, perm: Permission) -> Result<(), Problem> {
    if caller.can(perm) {
        Ok(())
    } else {
        Err(forbidden(
            caller,
            perm,
            format!(
                "role `{}` does not have permission `{perm}` ({})",
                caller.role,
                perm.description()
            ),
        ))
    }
}

/// `Ok` if `caller` may publish a pack for `jurisdiction`
/// ([`crate::auth::may_publish`]), else 403 naming the role, the caller's
/// jurisdiction and the pack's.
pub fn require_publish(caller: &Caller, jurisdiction: &str) -> Result<(), Problem> {
    require(caller, Permission::PublishPacks)?;
    if crate::auth::may_publish(caller, jurisdiction) {
        return Ok(());
    }
    let own = caller.jurisdiction.as_deref().unwrap_or("none");
    Err(forbidden(
        caller,
        Permission::PublishPacks,
        format!(
            "role `{}` may publish packs only for its own jurisdiction `{own}`, not `{jurisdiction}`",
            caller.role
        ),
    )
    .with("jurisdiction", jurisdiction))
}

/// The bearer token of `Authorization: Bearer <token>` (scheme
/// case-insensitive): `Ok(None)` without the header, an error if the header
/// is something else.
pub fn bearer(headers: &HeaderMap) -> Result<Option<&str>, AuthFailure> {
    let Some(v) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let v = v
        .to_str()
        .map_err(|_| AuthFailure::Malformed("the Authorization header is not ASCII"))?;
    match v.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => Ok(Some(token.trim())),
        _ => Err(AuthFailure::Malformed(
            "the Authorization header is not `Bearer <token>`",
        )),
    }
}

/// The token for a WebSocket upgrade: `Authorization: Bearer` if present,
/// else the `access_token` query parameter (browsers cannot set headers on
/// WebSocket requests). `query` is the raw query string; the value is used
/// as-is (JWTs need no percent-encoding).
pub fn token_from_query_or_header<'a>(
    headers: &'a HeaderMap,
    query: Option<&'a str>,
) -> Option<&'a str> {
    if let Ok(Some(t)) = bearer(headers) {
        return Some(t);
    }
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == ACCESS_TOKEN_PARAM)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// Verifies `token` (`None`: missing) into a caller, or the 401 problem.
pub fn authenticate(auth: &Authenticator, token: Option<&str>) -> Result<Caller, Problem> {
    let token = token.ok_or(AuthFailure::Missing);
    match token.and_then(|t| auth.verify(t)) {
        Ok(c) => Ok(c),
        Err(f) => {
            tracing::debug!(reason = f.reason(), "authentication failed: {f}");
            Err(unauthorized(&f))
        }
    }
}

/// Extracts the caller from `Authorization: Bearer <token>`; rejects with
/// 401 `unauthorized`. The caller is also left in the request extensions.
impl<S> FromRequestParts<S> for Caller
where
    Arc<Authenticator>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Arc::<Authenticator>::from_ref(state);
        let caller = bearer(&parts.headers)
            .map_err(|f| unauthorized(&f))
            .and_then(|t| authenticate(&auth, t))
            .map_err(|p| p.at(parts.uri.path()))?;
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// The caller of a WebSocket upgrade: like [`Caller`]'s extractor, but the
/// token may also come as `?access_token=` ([`token_from_query_or_header`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsCaller(pub Caller);

impl<S> FromRequestParts<S> for WsCaller
where
    Arc<Authenticator>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Arc::<Authenticator>::from_ref(state);
        let token = token_from_query_or_header(&parts.headers, parts.uri.query());
        // A malformed Authorization header with no query token is reported
        // as such, not as missing.
        let caller = match (token, bearer(&parts.headers)) {
            (None, Err(f)) => Err(unauthorized(&f)),
            (t, _) => authenticate(&auth, t),
        }
        .map_err(|p| p.at(parts.uri.path()))?;
        parts.extensions.insert(caller.clone());
        Ok(WsCaller(caller))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::problem::{ProblemReason, ProblemSlug};
    use crate::auth::{AuthConfig, Role};
    use axum::http::Request;
    use axum::response::IntoResponse;
    use std::time::Duration;

    fn setup() -> (tempfile::TempDir, Arc<Authenticator>) {
        let d = tempfile::tempdir().unwrap();
        let a = Authenticator::new(&AuthConfig::default(), d.path()).unwrap();
        (d, Arc::new(a))
    }

    fn parts(uri: &str, auth: Option<&str>) -> Parts {
        let mut b = Request::builder().uri(uri);
        if let Some(a) = auth {
            b = b.header(header::AUTHORIZATION, a);
        }
        b.body(()).unwrap().into_parts().0
    }

    async fn body_json(p: Problem) -> (axum::response::Response, serde_json::Value) {
        let r = p.into_response();
        let (parts, body) = r.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
        (
            axum::response::Response::from_parts(parts, axum::body::Body::empty()),
            serde_json::from_slice(&bytes).unwrap(),
        )
    }

    #[tokio::test]
    async fn extractor_yields_the_caller() {
        let (_d, a) = setup();
        let t = a
            .mint("acme", Role::Client, None, Duration::from_secs(60))
            .unwrap();
        let mut p = parts("/v1/checks", Some(&format!("Bearer {t}")));
        let c = Caller::from_request_parts(&mut p, &a).await.unwrap();
        assert_eq!((c.sub.as_str(), c.role), ("acme", Role::Client));
        assert_eq!(p.extensions.get::<Caller>(), Some(&c));
        let mut p = parts("/v1/checks", Some(&format!("bearer  {t}")));
        assert!(Caller::from_request_parts(&mut p, &a).await.is_ok());
    }

    #[tokio::test]
    async fn missing_token_is_401_without_error_param() {
        let (_d, a) = setup();
        let mut p = parts("/v1/packs", None);
        let e = Caller::from_request_parts(&mut p, &a).await.unwrap_err();
        let (r, body) = body_json(e).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            r.headers()[header::WWW_AUTHENTICATE],
            "Bearer realm=\"plancheck\""
        );
        assert_eq!(r.extensions().get(), Some(&ProblemSlug("unauthorized")));
        assert_eq!(r.extensions().get(), Some(&ProblemReason("missing")));
        assert_eq!(body["type"], "urn:plancheck:problem:unauthorized");
        assert_eq!(body["reason"], "missing");
        assert_eq!(body["instance"], "/v1/packs");
    }

    #[tokio::test]
    async fn invalid_tokens_are_401_with_reason() {
        let (_d, a) = setup();
        let (_d2, other) = setup();
        let forged = other
            .mint("acme", Role::Admin, None, Duration::from_secs(60))
            .unwrap();
        for (auth, reason) in [
            (format!("Bearer {forged}"), "bad_signature"),
            ("Bearer abc".to_string(), "malformed"),
            ("Basic dXNlcjpwYXNz".to_string(), "malformed"),
            ("Bearer".to_string(), "malformed"),
        ] {
            let mut p = parts("/v1/packs", Some(&auth));
            let e = Caller::from_request_parts(&mut p, &a).await.unwrap_err();
            let (r, body) = body_json(e).await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{auth}");
            assert_eq!(body["reason"], reason, "{auth}");
            assert!(body["detail"].as_str().unwrap().contains(reason), "{body}");
            let www = r.headers()[header::WWW_AUTHENTICATE].to_str().unwrap();
            assert!(
                www.starts_with(
                    "Bearer realm=\"plancheck\", error=\"invalid_token\", error_description=\""
                ),
                "{www}"
            );
            assert!(!body.to_string().contains(&forged), "token echoed: {body}");
            assert_eq!(r.extensions().get(), Some(&ProblemReason(reason)));
        }
    }

    #[tokio::test]
    async fn require_gives_403_naming_role_and_permission() {
        let c = Caller {
            sub: "v".into(),
            role: Role::Viewer,
            jurisdiction: None,
        };
        assert!(require(&c, Permission::ReadPacks).is_ok());
        let e = require(&c, Permission::ManagePacks).unwrap_err();
        let (r, body) = body_json(e).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(body["type"], "urn:plancheck:problem:forbidden");
        assert_eq!(body["reason"], "forbidden");
        assert_eq!(body["role"], "viewer");
        assert_eq!(body["permission"], "manage_packs");
        let d = body["detail"].as_str().unwrap();
        assert!(
            d.contains("`viewer`") && d.contains("`manage_packs`"),
            "{d}"
        );
        assert_eq!(r.extensions().get(), Some(&ProblemReason("forbidden")));

        let p = Caller {
            sub: "p".into(),
            role: Role::Publisher,
            jurisdiction: Some("US".into()),
        };
        assert!(require_publish(&p, "US-CA").is_ok());
        let (r, body) = body_json(require_publish(&p, "GB").unwrap_err()).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(body["detail"].as_str().unwrap().contains("`GB`"), "{body}");
        assert!(require_publish(&c, "US").is_err());
    }

    #[tokio::test]
    async fn websocket_token_from_query_or_header() {
        let (_d, a) = setup();
        let t = a
            .mint("acme", Role::Viewer, None, Duration::from_secs(60))
            .unwrap();
        let h = HeaderMap::new();
        assert_eq!(
            token_from_query_or_header(&h, Some(&format!("x=1&access_token={t}"))),
            Some(t.as_str())
        );
        assert_eq!(token_from_query_or_header(&h, Some("access_token=")), None);
        assert_eq!(token_from_query_or_header(&h, None), None);
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            format!("Bearer {t}").parse().unwrap(),
        );
        assert_eq!(
            token_from_query_or_header(&h, Some("access_token=other")),
            Some(t.as_str())
        );

        let mut p = parts(&format!("/v1/live/1?access_token={t}"), None);
        let WsCaller(c) = WsCaller::from_request_parts(&mut p, &a).await.unwrap();
        assert_eq!(c.role, Role::Viewer);
        // The plain extractor does not read the query.
        let mut p = parts(&format!("/v1/live/1?access_token={t}"), None);
        assert!(Caller::from_request_parts(&mut p, &a).await.is_err());
        let mut p = parts("/v1/live/1", None);
        let e = WsCaller::from_request_parts(&mut p, &a).await.unwrap_err();
        assert_eq!(e.reason(), Some("missing"));
        let mut p = parts("/v1/live/1", Some("Basic x"));
        let e = WsCaller::from_request_parts(&mut p, &a).await.unwrap_err();
        assert_eq!(e.reason(), Some("malformed"));
    }
}
