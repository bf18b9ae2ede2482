//! Rule packs: signed artifacts and trust roots, verification and smoke
//! tests, the compile cache, the registry of served packs, and their
//! lifecycle on a live server (publish, activate, roll back, pin).
//!
//! * [`artifact`]: the signed artifact format, sign and verify.
//! * [`trust`]: trust roots (`[trust]`).
//! * [`prepare`]: verify → compile → smoke-test, or a [`prepare::Refusal`].
//! * [`compile_cache`]: compiled components on disk by content digest.
//! * [`registry`]: the served snapshot (active versions and pins).
//! * [`lifecycle`]: versions in the store, activation, rollback, swaps.
//! * [`watch`]: a watched directory for file-based deploys.

pub mod artifact;
pub mod compile_cache;
pub mod lifecycle;
pub mod prepare;
pub mod registry;
pub mod trust;
pub mod watch;

pub use registry::{Pack, Registry};
