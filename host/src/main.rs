//! The `plancheck` binary: a thin shell over the library ([`plancheck::cli`]).

/// mimalloc instead of the system allocator: loading a model makes and
/// frees many small strings and vectors, and glibc's malloc/free were about
/// a quarter of a cold check's CPU (docs/performance.md, issue 3).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(plancheck::cli::main());
}
