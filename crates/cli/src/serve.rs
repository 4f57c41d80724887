//! `deconflict serve`: runs the cell server.

use deconflict_server::Config;
use deconflict_server::ServeOptions;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of this subcommand.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Configuration file (TOML); every key has a default, see deconflict.example.toml.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Demo mode: no config or network needed. Creates parties blue (sharing full), red
    /// (sharing alerts-only), cell and monitor (observer), prints their tokens and writes them to
    /// DATA_DIR/demo-tokens.json, and runs scripted traffic over northern Syria. The data
    /// directory defaults to `deconflict-demo` under the system temp dir.
    #[arg(long)]
    demo: bool,
    /// Address to listen on (overrides the config); port 0 picks a free port. The bound address
    /// is printed and written to DATA_DIR/listen-addr.
    #[arg(long)]
    listen: Option<String>,
    /// Data directory (overrides the config).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    if args.demo && args.data_dir.is_none() && args.config.is_none() {
        config.data_dir = deconflict_server::demo_data_dir();
    }
    if let Some(l) = args.listen {
        config.listen = l;
    }
    if let Some(d) = args.data_dir {
        config.data_dir = d;
    }
    if let Some(url) = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        config.store.url = Some(url);
        config.validate()?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(deconflict_server::run(
        config,
        ServeOptions { demo: args.demo },
    ))?;
    Ok(ExitCode::SUCCESS)
}
