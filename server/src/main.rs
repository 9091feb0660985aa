//! `marketplace`: parse the command line and run the command.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: rendering a page allocates and frees many
/// small strings and nodes, and glibc's malloc spent about a quarter of the server's own
/// time on them (`perf`, store home under `wrk`). README, Timings.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
