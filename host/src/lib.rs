//! The Plancheck host: loads building models, runs rule packs in a sandbox,
//! and reports findings. The `plancheck` binary is a thin shell over this
//! library.

#![warn(missing_docs)]

pub mod input;
