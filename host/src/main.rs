//! The `plancheck` binary: a thin shell over the library ([`plancheck::cli`]).

fn main() {
    std::process::exit(plancheck::cli::main());
}
