//! `deconflict simulate traffic`: writes a snapshot CSV of seeded synthetic traffic
//! (see `deconflict_engine::traffic`) in the format `deconflict detect` reads.

use anyhow::Context;
use deconflict_engine::traffic::{generate, Region};
use deconflict_engine::AircraftState;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Where synthetic traffic flies (command-line form of `traffic::Region`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RegionArg {
    /// The whole world, between major airports.
    Global,
    /// Europe only.
    Europe,
    /// N aircraft uniform in a 240 x 222 NM box at FL200-FL400 (stress case).
    DenseBox,
}

impl From<RegionArg> for Region {
    fn from(r: RegionArg) -> Self {
        match r {
            RegionArg::Global => Region::Global,
            RegionArg::Europe => Region::Europe,
            RegionArg::DenseBox => Region::DenseBox,
        }
    }
}

/// Arguments of this subcommand.
#[derive(clap::Args)]
pub struct TrafficArgs {
    /// Number of aircraft.
    #[arg(long)]
    pub aircraft: usize,
    /// Random seed; the same seed gives the same traffic.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Region.
    #[arg(long, value_enum, default_value_t = RegionArg::Global)]
    pub region: RegionArg,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Writes states as a snapshot CSV (header `id,lat_deg,lon_deg,alt_ft,gs_kt,trk_deg,vs_fpm,party`).
pub fn write_csv<W: Write>(w: W, states: &[AircraftState]) -> anyhow::Result<()> {
    let mut wr = csv::Writer::from_writer(w);
    wr.write_record([
        "id", "lat_deg", "lon_deg", "alt_ft", "gs_kt", "trk_deg", "vs_fpm", "party",
    ])?;
    for s in states {
        wr.write_record([
            s.id.clone(),
            format!("{:.7}", s.lat_deg),
            format!("{:.7}", s.lon_deg),
            format!("{:.1}", s.alt_ft),
            format!("{:.2}", s.gs_kt),
            format!("{:.3}", s.trk_deg),
            format!("{:.1}", s.vs_fpm),
            s.party.clone().unwrap_or_default(),
        ])?;
    }
    wr.flush()?;
    Ok(())
}

pub fn run(args: TrafficArgs) -> anyhow::Result<ExitCode> {
    let states = generate(args.aircraft, args.seed, args.region.into());
    match &args.out {
        Some(path) => {
            let f = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            write_csv(std::io::BufWriter::new(f), &states)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        None => {
            let out = std::io::stdout().lock();
            match write_csv(std::io::BufWriter::new(out), &states) {
                Ok(()) => {}
                // A closed pipe (e.g. `| head`) is not an error.
                Err(e) if is_broken_pipe(&e) => {}
                Err(e) => return Err(e.context("writing standard output")),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<csv::Error>().is_some_and(|ce| {
                matches!(ce.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
            })
    })
}
