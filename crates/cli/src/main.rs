//! The `deconflict` binary: parses arguments, starts tracing, calls the library crates and turns
//! the result into an exit code. Each subcommand lives in its own module.

use clap::{Parser, Subcommand};

/// mimalloc as the process allocator: it returns freed memory to the system and keeps
/// per-thread heaps without the glibc allocator's arena growth, so a cell's resident memory
/// follows what it holds (100,000 reservations loaded over HTTP: see the README).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod audit;
mod bench;
mod detect;
mod replay;
mod report_html;
mod safety_net;
mod separation;
mod serve;
mod simulate_feed;
mod simulate_traffic;
mod store;

/// Deconflict: a neutral airspace deconfliction cell.
#[derive(Parser)]
#[command(name = "deconflict", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Detect every predicted loss of separation in a snapshot CSV.
    Detect(detect::DetectArgs),
    /// Generate synthetic traffic or serve it as a live feed.
    #[command(subcommand)]
    Simulate(SimulateCommand),
    /// Measure detection cycle times on synthetic traffic.
    Bench(bench::BenchArgs),
    /// Run recorded traffic through the track table, engine and alerting in fast time.
    Replay(Box<replay::ReplayArgs>),
    /// Run the cell server.
    Serve(serve::ServeArgs),
    /// Audit log tools.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Store tools: move a cell's data from SQLite to PostgreSQL.
    #[command(subcommand)]
    Store(store::StoreCommand),
}

#[derive(Subcommand)]
enum SimulateCommand {
    /// Write a snapshot CSV of seeded synthetic traffic.
    Traffic(simulate_traffic::TrafficArgs),
    /// Serve synthetic traffic as a live SBS-1 / Beast feed in real time.
    Feed(simulate_feed::FeedArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Detect(args) => detect::run(args),
        Command::Simulate(SimulateCommand::Traffic(args)) => simulate_traffic::run(args),
        Command::Simulate(SimulateCommand::Feed(args)) => simulate_feed::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Replay(args) => replay::run(*args),
        Command::Serve(args) => serve::run(args),
        Command::Audit(cmd) => audit::run(cmd),
        Command::Store(cmd) => store::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::from(2)
        }
    }
}
