//! The `plancheck` binary: a thin shell over the library ([`plancheck::cli`]).

/// mimalloc instead of the system allocator: loading a model makes and
/// frees many small strings and vectors, and glibc's malloc/free were about
/// a quarter of a cold check's CPU (docs/performance.md, issue 3).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(target_os = "linux")]
mod alloc_options {
    use std::os::raw::{c_int, c_long};

    extern "C" {
        /// mimalloc's `mi_option_set` (in the static library the
        /// `mimalloc` crate links).
        fn mi_option_set(option: c_int, value: c_long);
    }

    /// `mi_option_arena_eager_commit` (mimalloc.h, v2 and v3 alike).
    const ARENA_EAGER_COMMIT: c_int = 4;

    /// Turns off mimalloc's eager commit of arenas before anything
    /// allocates (an `.init_array` constructor runs before Rust's runtime
    /// starts). By default mimalloc commits whole arenas on Linux and
    /// advises transparent huge pages on them, so every touched 4 KiB page
    /// brings in 2 MiB: the server's resident memory doubled (a warm
    /// server with three packs: 90 → 180 MiB) for no speed gain
    /// (docs/performance.md, issue 3). `MIMALLOC_ARENA_EAGER_COMMIT` in the
    /// environment still overrides this.
    extern "C" fn configure() {
        if std::env::var_os("MIMALLOC_ARENA_EAGER_COMMIT").is_none() {
            // SAFETY: sets an integer option; mimalloc allows it at any time.
            unsafe { mi_option_set(ARENA_EAGER_COMMIT, 0) }
        }
    }

    #[used]
    #[link_section = ".init_array"]
    static CONFIGURE: extern "C" fn() = configure;
}

fn main() {
    std::process::exit(plancheck::cli::main());
}
