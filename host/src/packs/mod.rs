//! Rule packs: the on-disk compile cache and the registry of installed packs.

pub mod compile_cache;
pub mod registry;

pub use registry::{Pack, Registry};
