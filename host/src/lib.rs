//! The Plancheck host: loads building models, runs rule packs in a sandbox,
//! and reports findings. The `plancheck` binary is a thin shell over this
//! library.
//!
//! Modules, one concern each:
//! * [`input`]: IFC and JSON models → [`plancheck_model::Model`].
//! * [`sandbox`]: the wasmtime engine, limits and per-call stores.
//! * [`bindings`]: the contract's host bindings and conversions.
//! * [`packs`]: the compile cache and the registry of installed packs.
//! * [`check`]: running packs over a model.
//! * [`cache`]: the in-process result cache (moka).
//! * [`report`]: tables and JSON.
//! * [`config`]: the server's configuration.
//! * [`server`], [`api`]: `plancheck serve`, HTTP handlers over [`check`].
//! * [`auth`]: tokens, roles and the permission matrix.
//! * [`cli`]: the command line.
//! * [`store`]: validations and the audit log, persisted (sled).
//! * [`workers`]: the threads checks run on, last idle first.

#![warn(missing_docs)]

pub mod api;
pub mod auth;
pub mod bindings;
pub mod cache;
pub mod check;
pub mod cli;
pub mod config;
pub mod input;
pub mod live;
pub mod metrics;
pub mod packs;
pub mod report;
pub mod sandbox;
pub mod server;
pub mod service;
pub mod store;
pub mod telemetry;
pub mod workers;

/// Locks `m`, taking over a lock poisoned by a panic elsewhere: the
/// crate's shared state stays whole between statements, so a panic (which
/// the server survives) must not make every later caller panic too.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
