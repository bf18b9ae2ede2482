//! The HTTP API of `plancheck serve`: routes ([`router`]), thin handlers
//! over [`crate::check`] and [`crate::report`], errors as RFC 9457 problems.
//! Documented in docs/api.md.

pub mod auth;
pub mod handlers;
pub mod problem;
pub mod telemetry;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::packs::Registry;
use crate::sandbox::Sandbox;

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

/// The registry handle: swapped whole, so a later step can hot-reload.
pub type RegistryHandle = Arc<RwLock<Packs>>;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The sandbox (one engine for every pack).
    pub sandbox: Arc<Sandbox>,
    /// The packs, once loaded.
    pub packs: RegistryHandle,
    /// Bounds concurrent checks.
    pub checks: Arc<Semaphore>,
    /// The configuration.
    pub config: Arc<Config>,
}

impl AppState {
    /// The registry, if loaded.
    pub fn registry(&self) -> Option<Arc<Registry>> {
        match &*self.packs.read().unwrap_or_else(|e| e.into_inner()) {
            Packs::Ready(r) => Some(r.clone()),
            _ => None,
        }
    }

    /// The packs directory.
    pub fn packs_dir(&self) -> &PathBuf {
        &self.config.packs_dir
    }
}

/// Every route.
pub fn router(state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    Router::new()
        .route("/healthz", get(handlers::healthz))
        .route("/readyz", get(handlers::readyz))
        .route("/v1/packs", get(handlers::packs))
        .route("/v1/checks", post(handlers::check))
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}
