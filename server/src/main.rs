//! `marketplace`: parse the command line and run the command.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    // A `.env` in the working directory may hold DATABASE_URL and friends.
    let _ = dotenvy::dotenv();
    let cli = server::cli::Cli::parse();
    server::cli::init_tracing(&cli);
    match server::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
