//! `plancheck` itself, built inside this crate so its end-to-end tests can
//! start the real server (`CARGO_BIN_EXE_plancheck-e2e-server`): cargo only
//! hands a package's tests the binaries of that same package.

fn main() {
    std::process::exit(plancheck::cli::main());
}
