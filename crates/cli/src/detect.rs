//! `deconflict detect`: reads a snapshot CSV, runs one detection cycle and prints every
//! conflict, as a table or (`--json`) as one JSON object.
//!
//! CSV: header row with at least `id,lat_deg,lon_deg,alt_ft,gs_kt,trk_deg,vs_fpm`, an optional
//! `party` column, any other columns ignored, in any order. A bad row (missing or non-numeric
//! field, out-of-range value, duplicate id) stops with an error naming its line, unless
//! `--skip-bad` is given, in which case bad rows are counted, reported on stderr and skipped.
//!
//! `--guidance ID[,ID…]` adds, for each of those aircraft, the engine's guidance against every
//! other aircraft of the snapshot: track, ground-speed, vertical-speed and altitude bands and
//! the resolution advice ([`deconflict_engine::guidance`], `docs/guidance.md`). An optional
//! `category` column (`airliner`, `fighter`, `helicopter`, `drone`, or an ADS-B emitter
//! category such as `A3`, `A7`, `B6`) chooses the aircraft's manoeuvre performance; otherwise
//! the default model applies. `--kinematics instant` flies the manoeuvres at once (the
//! reference instantaneous bands). Without `--guidance` the output is the detection alone.

use anyhow::{bail, Context};
use deconflict_engine::guidance::{
    guidance, BandLevel, Category, Dynamics, Guidance, GuidanceConfig, ManoeuvreModel, Report,
};
use deconflict_engine::units::M_PER_NM;
use deconflict_engine::{AircraftState, Conflict, DetectOptions, Detector};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of this subcommand.
#[derive(clap::Args)]
pub struct DetectArgs {
    /// Snapshot CSV (`-` for standard input).
    pub snapshot: PathBuf,
    #[command(flatten)]
    pub separation: crate::separation::SeparationArgs,
    /// Worker threads for detection.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Skip bad rows (counted on stderr) instead of stopping at the first.
    #[arg(long)]
    pub skip_bad: bool,
    /// Print guidance (bands and resolution advice) for these aircraft.
    #[arg(long, value_delimiter = ',', value_name = "ID[,ID…]")]
    pub guidance: Vec<String>,
    /// How guidance flies manoeuvres: `default` (turn rate or bank angle, accelerations,
    /// level-change rate) or `instant` (at once).
    #[arg(long, value_enum, default_value_t = KinematicsArg::Default, requires = "guidance")]
    pub kinematics: KinematicsArg,
}

/// `--kinematics`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub enum KinematicsArg {
    /// Kinematic manoeuvres.
    Default,
    /// Instantaneous manoeuvres.
    Instant,
}

impl KinematicsArg {
    fn dynamics(self) -> Dynamics {
        match self {
            KinematicsArg::Default => Dynamics::Kinematic,
            KinematicsArg::Instant => Dynamics::Instantaneous,
        }
    }
}

const REQUIRED: [&str; 7] = [
    "id", "lat_deg", "lon_deg", "alt_ft", "gs_kt", "trk_deg", "vs_fpm",
];

/// A snapshot read from CSV.
pub struct Snapshot {
    /// The valid states, in file order.
    pub states: Vec<AircraftState>,
    /// The `category` column of each state (same order), when present and not empty.
    pub categories: Vec<Option<String>>,
    /// Bad rows skipped: (line, problem).
    pub skipped: Vec<(u64, String)>,
}

/// Reads a snapshot CSV. With `skip_bad` false the first bad row is an error naming its line.
pub fn read_snapshot<R: std::io::Read>(input: R, skip_bad: bool) -> anyhow::Result<Snapshot> {
    let mut rd = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = rd.headers().context("reading the CSV header")?.clone();
    let mut cols = [0usize; 7];
    for (slot, name) in cols.iter_mut().zip(REQUIRED) {
        *slot = headers.iter().position(|h| h == name).with_context(|| {
            format!(
                "CSV header lacks column {name:?} (need {})",
                REQUIRED.join(",")
            )
        })?;
    }
    let party_col = headers.iter().position(|h| h == "party");
    let category_col = headers.iter().position(|h| h == "category");
    let mut states = Vec::new();
    let mut categories = Vec::new();
    let mut skipped = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line_before = rd.position().line();
        let row = match rd.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(line_before, |p| p.line());
                parse_row(&record, &cols, party_col)
                    .and_then(|s| match first_line.get(&s.id) {
                        Some(first) => {
                            Err(format!("duplicate id {:?} (first on line {first})", s.id))
                        }
                        None => Ok(s),
                    })
                    .map_err(|e| (line, e))
            }
            Err(e) => {
                let line = e.position().map_or(line_before, |p| p.line());
                Err((line, e.to_string()))
            }
        };
        match row {
            Ok(s) => {
                first_line.insert(s.id.clone(), record.position().map_or(0, |p| p.line()));
                states.push(s);
                categories.push(
                    category_col
                        .and_then(|c| record.get(c))
                        .filter(|c| !c.is_empty())
                        .map(str::to_string),
                );
            }
            Err((line, problem)) if skip_bad => skipped.push((line, problem)),
            Err((line, problem)) => bail!("line {line}: {problem}"),
        }
    }
    Ok(Snapshot {
        states,
        categories,
        skipped,
    })
}

fn parse_row(
    r: &csv::StringRecord,
    cols: &[usize; 7],
    party_col: Option<usize>,
) -> Result<AircraftState, String> {
    let field = |i: usize| -> Result<&str, String> {
        match r.get(cols[i]) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(format!("missing value for {}", REQUIRED[i])),
        }
    };
    let num = |i: usize| -> Result<f64, String> {
        let v = field(i)?;
        v.parse::<f64>()
            .map_err(|_| format!("{} = {v:?} is not a number", REQUIRED[i]))
    };
    let s = AircraftState {
        id: field(0)?.to_string(),
        party: party_col
            .and_then(|c| r.get(c))
            .filter(|p| !p.is_empty())
            .map(str::to_string),
        lat_deg: num(1)?,
        lon_deg: num(2)?,
        alt_ft: num(3)?,
        gs_kt: num(4)?,
        trk_deg: num(5)?,
        vs_fpm: num(6)?,
    };
    s.validate().map_err(|e| e.to_string())?;
    Ok(s)
}

pub(crate) fn open(path: &Path) -> anyhow::Result<Box<dyn std::io::Read>> {
    if path == Path::new("-") {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(Box::new(std::io::BufReader::new(f)))
}

#[derive(Serialize)]
struct JsonOut<'a> {
    conflicts: &'a [Conflict],
    stats: JsonStats,
    #[serde(skip_serializing_if = "Option::is_none")]
    guidance: Option<Vec<Report<'a>>>,
}

/// Guidance for one requested aircraft, with the name of its model.
struct Guided {
    guidance: Guidance,
    category: Option<Category>,
}

/// Runs guidance for every requested id.
fn run_guidance(
    snap: &Snapshot,
    opts: &DetectOptions,
    ids: &[String],
    kinematics: KinematicsArg,
) -> anyhow::Result<Vec<Guided>> {
    ids.iter()
        .map(|id| {
            let i = snap
                .states
                .iter()
                .position(|s| &s.id == id)
                .with_context(|| {
                    format!("--guidance: no aircraft with id {id:?} in the snapshot")
                })?;
            let category = snap.categories[i].as_deref().and_then(Category::parse);
            let config = GuidanceConfig {
                model: category.map_or_else(ManoeuvreModel::default, Category::model),
                dynamics: kinematics.dynamics(),
                ..GuidanceConfig::default()
            };
            let g = guidance(
                &snap.states[i],
                &snap.states,
                &opts.standard,
                &opts.levels,
                &config,
            )
            .with_context(|| format!("guidance for {id:?}"))?;
            Ok(Guided {
                guidance: g,
                category,
            })
        })
        .collect()
}

fn level_name(l: BandLevel) -> &'static str {
    l.name()
}

/// `lo to hi level | ...` with `digits` decimals.
fn linear_line(bands: impl Iterator<Item = (f64, f64, BandLevel)>, digits: usize) -> String {
    bands
        .map(|(lo, hi, l)| format!("{lo:.digits$} to {hi:.digits$} {}", level_name(l)))
        .collect::<Vec<_>>()
        .join(" | ")
}

fn write_guidance(
    out: &mut impl Write,
    g: &Guided,
    kinematics: KinematicsArg,
) -> anyhow::Result<()> {
    let gd = &g.guidance;
    writeln!(
        out,
        "guidance for {} ({} model, {} kinematics): {}",
        gd.id,
        g.category.map_or("default", Category::name),
        kinematics.dynamics().label(),
        level_name(gd.advice.level)
    )?;
    let track = gd
        .track_bands
        .iter()
        .map(|b| {
            format!(
                "{:05.1} to {:05.1} {}",
                b.from_deg,
                b.to_deg,
                level_name(b.level)
            )
        })
        .collect::<Vec<_>>()
        .join(" | ");
    writeln!(out, "  track_deg  {track}")?;
    let gs = linear_line(gd.gs_bands.iter().map(|b| (b.from_kt, b.to_kt, b.level)), 1);
    writeln!(out, "  gs_kt      {gs}")?;
    let vs = linear_line(
        gd.vs_bands.iter().map(|b| (b.from_fpm, b.to_fpm, b.level)),
        0,
    );
    writeln!(out, "  vs_fpm     {vs}")?;
    let alt = linear_line(
        gd.alt_bands.iter().map(|b| (b.from_ft, b.to_ft, b.level)),
        0,
    );
    writeln!(out, "  alt_ft     {alt}")?;
    writeln!(out, "  advice     {}", gd.advice.text)?;
    Ok(())
}

#[derive(Serialize)]
struct JsonStats {
    aircraft: usize,
    candidate_pairs: u64,
    elapsed_ms: f64,
}

pub fn run(args: DetectArgs) -> anyhow::Result<ExitCode> {
    let opts = DetectOptions {
        standard: args.separation.standard()?,
        threads: args.threads,
        ..DetectOptions::default()
    };
    let snap = read_snapshot(open(&args.snapshot)?, args.skip_bad)
        .with_context(|| format!("reading {}", args.snapshot.display()))?;
    if !snap.skipped.is_empty() {
        for (line, problem) in snap.skipped.iter().take(10) {
            eprintln!("skipped line {line}: {problem}");
        }
        eprintln!("skipped {} bad row(s)", snap.skipped.len());
    }
    // The worker threads start before the clock: `elapsed_ms` is detection time only.
    let mut detector = Detector::new(opts)?;
    let t0 = Instant::now();
    let det = detector.detect(&snap.states)?;
    let elapsed_ms = t0.elapsed().as_secs_f64() * 1e3;
    let guided = if args.guidance.is_empty() {
        None
    } else {
        Some(run_guidance(
            &snap,
            detector.options(),
            &args.guidance,
            args.kinematics,
        )?)
    };

    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        let j = JsonOut {
            conflicts: &det.conflicts,
            stats: JsonStats {
                aircraft: det.stats.aircraft,
                candidate_pairs: det.stats.candidate_pairs,
                elapsed_ms,
            },
            guidance: guided.as_ref().map(|gs| {
                gs.iter()
                    .map(|g| Report::new(&g.guidance, g.category, args.kinematics.dynamics()))
                    .collect()
            }),
        };
        serde_json::to_writer(&mut out, &j)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{:<10} {:<10} {:>5} {:>8} {:>8} {:>8} {:>9} {:>10} {:>5}",
            "a", "b", "level", "t_in_s", "t_out_s", "tcpa_s", "dcpa_nm", "vsep_ft", "cross"
        )?;
        for c in &det.conflicts {
            writeln!(
                out,
                "{:<10} {:<10} {:>5} {:>8.1} {:>8.1} {:>8.1} {:>9.3} {:>10.0} {:>5}",
                c.a,
                c.b,
                c.level,
                c.t_in_s,
                c.t_out_s,
                c.tcpa_s,
                c.dcpa_m / M_PER_NM,
                c.vsep_cpa_ft,
                if c.cross_party { "yes" } else { "no" }
            )?;
        }
        writeln!(
            out,
            "{} conflict(s) among {} aircraft; {} candidate pairs; detection {:.3} ms",
            det.conflicts.len(),
            det.stats.aircraft,
            det.stats.candidate_pairs,
            elapsed_ms
        )?;
        for g in guided.iter().flatten() {
            write_guidance(&mut out, g, args.kinematics)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
