//! The `plancheck` binary: parses arguments and hands over to the library.

use clap::Parser;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PLANCHECK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = plancheck::cli::Cli::parse();
    let code = match plancheck::cli::run(cli, &mut std::io::stdout().lock()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("plancheck: error: {e}");
            2
        }
    };
    std::process::exit(code);
}
