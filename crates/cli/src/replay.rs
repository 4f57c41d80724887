//! `deconflict replay`: runs recorded traffic through the track table, the detector and the
//! alerting layer in fast time (or paced at 1x / 10x), then prints a summary and optionally
//! writes a JSON report (`--report`) and a CSV of conflicts and losses (`--csv`).
//!
//! Several files are merged by message time. Gzip is detected from the magic bytes. With
//! `--format auto` each file's format is sniffed from its first bytes. Beast and `@` AVR
//! timestamps are receiver counters: the first one is mapped to `--start-time` (default: the
//! file's modification time); state-vector files (CSV, JSON) are read whole and sorted by
//! time, since they are often grouped by aircraft; `*` AVR lines have no time at all and are spaced
//! `--untimed-step-s` apart (an assumption stated in the summary).

use std::collections::{BTreeMap, VecDeque};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use anyhow::{bail, Context};
use deconflict_engine::DetectOptions;
use deconflict_feeds::counters::FeedStats;
use deconflict_feeds::replay::{Replay, ReplayConfig, ReplayReport};
use deconflict_feeds::source::{open_file, sniff_file, Format, StreamDecoder, TimeMode};
use deconflict_feeds::Observation;

/// Arguments of this subcommand.
#[derive(clap::Args)]
pub struct ReplayArgs {
    /// Recorded files (plain or gzip).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Input format: auto, sbs, beast, avr, states-csv, states-json (also aircraft-json,
    /// telemetry).
    #[arg(long, default_value = "auto")]
    pub format: String,
    /// Pace: `fast` (as fast as possible), or a multiple of real time such as `1x`, `10x`.
    #[arg(long, default_value = "fast")]
    pub speed: String,
    /// Write the JSON report here.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Write conflicts and losses as CSV here.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// UNIX time of the first receiver-counter timestamp (Beast, `@` AVR) [default: the file's
    /// modification time].
    #[arg(long)]
    pub start_time: Option<f64>,
    /// Spacing of messages without any timestamp (`*` AVR lines), seconds.
    #[arg(long, default_value_t = 0.001)]
    pub untimed_step_s: f64,
    /// Receiver location `LAT,LON` for Mode S surface and single-message position decoding.
    #[arg(long)]
    pub reference: Option<String>,
    /// Detection cadence in message time, seconds.
    #[arg(long, default_value_t = 1.0)]
    pub cadence_s: f64,
    #[command(flatten)]
    pub separation: crate::separation::SeparationArgs,
    /// Worker threads for detection.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Include aircraft on the ground in detection.
    #[arg(long)]
    pub include_ground: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub safety: crate::safety_net::SafetyArgs,
    /// Write a self-contained HTML report (map of losses and alerts, warning-time and
    /// alerts-per-hour plots) here.
    #[arg(long)]
    pub html: Option<PathBuf>,
}

fn parse_speed(s: &str) -> anyhow::Result<Option<f64>> {
    if s == "fast" {
        return Ok(None);
    }
    let Some(n) = s.strip_suffix('x') else {
        bail!("--speed must be `fast` or like `1x`, `10x`, got {s:?}")
    };
    let v: f64 = n.parse().with_context(|| format!("--speed {s:?}"))?;
    if !(v.is_finite() && v > 0.0) {
        bail!("--speed must be positive, got {s:?}");
    }
    Ok(Some(v))
}

/// One file being decoded lazily.
struct FileStream {
    reader: Box<dyn Read + Send>,
    decoder: StreamDecoder,
    stats: FeedStats,
    queue: VecDeque<Observation>,
    buf: Vec<u8>,
    done: bool,
    sort_whole: bool,
}

impl FileStream {
    fn fill(&mut self) -> anyhow::Result<()> {
        let mut out = Vec::new();
        if self.sort_whole && !self.done {
            // Recorded state vectors are often grouped by aircraft, not by time: decode the
            // whole file and replay it in time order.
            loop {
                let n = self.reader.read(&mut self.buf).context("reading input")?;
                if n == 0 {
                    break;
                }
                self.decoder
                    .push(&self.buf[..n], 0.0, &self.stats, &mut out);
            }
            self.decoder.finish(0.0, &self.stats, &mut out);
            out.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
            self.queue.extend(out);
            self.done = true;
            return Ok(());
        }
        while self.queue.is_empty() && !self.done {
            let n = self.reader.read(&mut self.buf).context("reading input")?;
            if n == 0 {
                self.decoder.finish(0.0, &self.stats, &mut out);
                self.done = true;
            } else {
                self.decoder
                    .push(&self.buf[..n], 0.0, &self.stats, &mut out);
            }
            self.queue.extend(out.drain(..));
        }
        Ok(())
    }
}

fn file_mtime_s(p: &Path) -> Option<f64> {
    std::fs::metadata(p)
        .ok()?
        .modified()
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs_f64())
}

pub fn run(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let speed = parse_speed(&args.speed)?;
    let reference = match &args.reference {
        None => None,
        Some(s) => {
            let (a, b) = s.split_once(',').context("--reference must be LAT,LON")?;
            let (lat, lon): (f64, f64) = (a.trim().parse()?, b.trim().parse()?);
            if !(lat.abs() <= 90.0 && lon.abs() <= 180.0) {
                bail!("--reference out of range: {s}");
            }
            Some((lat, lon))
        }
    };
    let standard = args.separation.standard()?;
    if !(args.cadence_s.is_finite() && args.cadence_s > 0.0) {
        bail!("--cadence-s must be positive");
    }
    let mut config = ReplayConfig {
        detect: DetectOptions {
            standard,
            threads: args.threads,
            ..Default::default()
        },
        cadence_s: args.cadence_s,
        safety: args.safety.config(),
        regions: args.safety.locator()?,
        ..Default::default()
    };
    config.tracks.exclude_on_ground = !args.include_ground;

    let mut streams = Vec::new();
    let mut untimed = false;
    for path in &args.files {
        let format = if args.format == "auto" {
            sniff_file(path)
                .with_context(|| format!("cannot read {}", path.display()))?
                .with_context(|| {
                    format!(
                        "cannot tell the format of {}; pass --format",
                        path.display()
                    )
                })?
        } else {
            args.format.parse::<Format>().map_err(anyhow::Error::msg)?
        };
        untimed |= matches!(format, Format::Avr | Format::Beast);
        let epoch_s = args
            .start_time
            .or_else(|| file_mtime_s(path))
            .unwrap_or(0.0);
        let feed: Arc<str> = Arc::from(
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "file".into()),
        );
        let reader = open_file(path).with_context(|| format!("cannot open {}", path.display()))?;
        eprintln!("{}: {}", path.display(), format.name());
        streams.push(FileStream {
            reader,
            decoder: StreamDecoder::new(
                format,
                feed.clone(),
                None,
                TimeMode::Counter {
                    epoch_s,
                    step_s: args.untimed_step_s,
                },
                reference,
            ),
            stats: FeedStats::new(
                feed.to_string(),
                format.name(),
                path.display().to_string(),
                None,
            ),
            queue: VecDeque::new(),
            buf: vec![0u8; 256 * 1024],
            done: false,
            sort_whole: matches!(
                format,
                Format::StatesCsv | Format::StatesJson | Format::AircraftJson
            ),
        });
    }

    let progress = if args.quiet {
        indicatif::ProgressBar::hidden()
    } else {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {elapsed_precise} {human_pos} msgs ({per_sec}) {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        pb.enable_steady_tick(Duration::from_millis(200));
        pb
    };
    let wall_start = Instant::now();
    let mut replay = Replay::new(config);
    let mut first_time: Option<f64> = None;
    let mut count: u64 = 0;
    loop {
        // Merge by time: the stream whose next observation is earliest.
        let mut best: Option<(usize, f64)> = None;
        for (i, s) in streams.iter_mut().enumerate() {
            s.fill()?;
            if let Some(o) = s.queue.front() {
                if best.is_none_or(|(_, t)| o.time_s < t) {
                    best = Some((i, o.time_s));
                }
            }
        }
        let Some((i, t)) = best else { break };
        let Some(obs) = streams[i].queue.pop_front() else {
            break;
        };
        if let Some(speed) = speed {
            let t0 = *first_time.get_or_insert(t);
            let due = Duration::from_secs_f64(((t - t0) / speed).max(0.0));
            let elapsed = wall_start.elapsed();
            if due > elapsed {
                std::thread::sleep(due - elapsed);
            }
        }
        replay.ingest(obs);
        count += 1;
        if count % 4096 == 0 {
            progress.set_position(count);
            progress.set_message(format!("{} tracks", replay.table().len()));
        }
    }
    let mut decode_rejects: BTreeMap<&'static str, u64> = BTreeMap::new();
    for s in &streams {
        for (reason, n) in s.stats.snapshot().rejected {
            // Header lines of CSV files are not messages.
            if reason == "unsupported" && s.decoder.format() == Format::StatesCsv {
                continue;
            }
            *decode_rejects.entry(leak_reason(&reason)).or_insert(0) += n;
        }
    }
    for (reason, n) in decode_rejects {
        replay.count_rejects(reason, n);
    }
    progress.finish_and_clear();
    let wall_s = wall_start.elapsed().as_secs_f64();
    let report = replay.finish();
    print_summary(&report, wall_s, untimed, args.untimed_step_s);
    if let Some(p) = &args.report {
        let f =
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?;
        serde_json::to_writer_pretty(std::io::BufWriter::new(f), &report)
            .context("writing the report")?;
    }
    if let Some(p) = &args.csv {
        write_csv(p, &report).with_context(|| format!("writing {}", p.display()))?;
    }
    if let Some(p) = &args.html {
        std::fs::write(p, crate::report_html::render(&report))
            .with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn leak_reason(s: &str) -> &'static str {
    // Reasons are a small fixed set of static strings in the decoders; map back to them.
    const KNOWN: &[&str] = &[
        "invalid_utf8",
        "line_too_long",
        "malformed",
        "bad_field",
        "bad_length",
        "bad_crc_or_format",
        "unknown_address",
        "unsupported",
        "garbage",
        "truncated",
        "document_too_large",
        "io_error",
    ];
    KNOWN.iter().copied().find(|k| *k == s).unwrap_or("other")
}

fn party_pair(a: &Option<String>, b: &Option<String>) -> String {
    let mut p = [a.as_deref().unwrap_or("-"), b.as_deref().unwrap_or("-")];
    p.sort_unstable();
    format!("{}/{}", p[0], p[1])
}

fn print_summary(r: &ReplayReport, wall_s: f64, untimed: bool, step_s: f64) {
    let mut out = String::new();
    use std::fmt::Write as _;
    let span = match (r.start_time, r.end_time) {
        (Some(a), Some(b)) => b - a,
        _ => 0.0,
    };
    let _ = writeln!(
        out,
        "replayed {:.0} s of traffic in {:.2} s ({:.0} msgs/s), {} detection cycles",
        span,
        wall_s,
        r.messages as f64 / wall_s.max(1e-9),
        r.cycles
    );
    if untimed {
        let _ = writeln!(out, "note: Beast/AVR receiver counters are mapped onto --start-time; untimed AVR lines are spaced {step_s} s apart");
    }
    let _ = writeln!(out, "{:<28}{:>12}", "aircraft", r.aircraft);
    let _ = writeln!(out, "{:<28}{:>12}", "messages", r.messages);
    for (k, v) in &r.rejected {
        let _ = writeln!(out, "{:<28}{:>12}", format!("rejected: {k}"), v);
    }
    let mut by_level: BTreeMap<u8, usize> = BTreeMap::new();
    for c in &r.conflicts {
        *by_level.entry(c.max_level).or_insert(0) += 1;
    }
    for (l, n) in &by_level {
        let _ = writeln!(out, "{:<28}{:>12}", format!("conflicts at level {l}"), n);
    }
    let _ = writeln!(
        out,
        "{:<28}{:>12}",
        "cross-party conflicts",
        r.conflicts.iter().filter(|c| c.cross_party).count()
    );
    let _ = writeln!(out, "{:<28}{:>12}", "losses of separation", r.losses.len());
    let sn = &r.safety_net;
    let _ = writeln!(out, "{:<28}{:>12.1}", "flight hours", sn.flight_hours);
    let _ = writeln!(
        out,
        "{:<28}{:>12.2}",
        "losses per flight hour", sn.losses_per_flight_hour
    );
    for (l, v) in &sn.alerts_per_flight_hour {
        let _ = writeln!(
            out,
            "{:<28}{:>12.2}",
            format!("level {l} alerts per fl. hour"),
            v
        );
    }
    let _ = writeln!(
        out,
        "{:<28}{:>12}",
        "alerts with no loss after",
        sn.alerts_without_loss.values().sum::<usize>()
    );
    if let (Some(p50), Some(min)) = (sn.warning_time_s.p50, sn.warning_time_s.min) {
        let _ = writeln!(
            out,
            "{:<28}{:>12}",
            "warning time before loss",
            format!("min {min:.0} / median {p50:.0} s")
        );
    }
    let _ = writeln!(
        out,
        "{:<28}{:>12}",
        "losses without warning", sn.losses_without_warning
    );
    let _ = writeln!(
        out,
        "{:<28}{:>12}",
        "raw-threshold losses",
        format!("{} ({} removed)", sn.raw_losses, sn.raw_losses_removed)
    );
    let _ = writeln!(
        out,
        "{:<28}{:>12}",
        "raw-threshold alerts",
        format!("{} ({} warnings)", sn.raw_alerts, sn.raw_warnings)
    );
    for (f, n) in &sn.raw_alerts_removed_by {
        let _ = writeln!(out, "{:<28}{:>12}", format!("  removed by {f}"), n);
    }
    // Per party pair.
    #[derive(Default)]
    struct Pair {
        conflicts: usize,
        losses: usize,
        alerted: usize,
        leads: Vec<f64>,
    }
    let mut pairs: BTreeMap<String, Pair> = BTreeMap::new();
    for c in &r.conflicts {
        pairs
            .entry(party_pair(&c.a_party, &c.b_party))
            .or_default()
            .conflicts += 1;
    }
    for l in &r.losses {
        let p = pairs.entry(party_pair(&l.a_party, &l.b_party)).or_default();
        p.losses += 1;
        if let Some(t) = l.lead_time_s {
            p.alerted += 1;
            p.leads.push(t);
        }
    }
    if !pairs.is_empty() {
        let _ = writeln!(
            out,
            "\n{:<20}{:>10}{:>8}{:>14}{:>12}{:>12}",
            "parties", "conflicts", "losses", "alerted first", "min lead s", "mean lead s"
        );
        for (k, p) in &pairs {
            let (min, mean) = if p.leads.is_empty() {
                ("-".to_string(), "-".to_string())
            } else {
                let min = p.leads.iter().copied().fold(f64::INFINITY, f64::min);
                let mean = p.leads.iter().sum::<f64>() / p.leads.len() as f64;
                (format!("{min:.0}"), format!("{mean:.0}"))
            };
            let _ = writeln!(
                out,
                "{:<20}{:>10}{:>8}{:>14}{:>12}{:>12}",
                k, p.conflicts, p.losses, p.alerted, min, mean
            );
        }
    }
    if !r.losses.is_empty() {
        let _ = writeln!(
            out,
            "\n{:<8}{:<8}{:>16}{:>10}{:>14}{:>10}",
            "a", "b", "start", "dur s", "min dist m", "lead s"
        );
        for l in r.losses.iter().take(50) {
            let lead = l.lead_time_s.map_or("-".to_string(), |t| format!("{t:.0}"));
            let _ = writeln!(
                out,
                "{:<8}{:<8}{:>16.0}{:>10.0}{:>14.0}{:>10}",
                l.a,
                l.b,
                l.start_time,
                l.end_time - l.start_time,
                l.min_distance_m,
                lead
            );
        }
        if r.losses.len() > 50 {
            let _ = writeln!(out, "... {} more in the report", r.losses.len() - 50);
        }
    }
    let _ = std::io::stdout().write_all(out.as_bytes());
}

fn write_csv(p: &Path, r: &ReplayReport) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_path(p)?;
    w.write_record([
        "kind",
        "a",
        "b",
        "a_party",
        "b_party",
        "start_time",
        "end_time",
        "max_level",
        "min_distance_m",
        "lead_time_s",
        "cross_party",
    ])?;
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.3}"));
    for c in &r.conflicts {
        w.write_record([
            "conflict".to_string(),
            c.a.clone(),
            c.b.clone(),
            c.a_party.clone().unwrap_or_default(),
            c.b_party.clone().unwrap_or_default(),
            format!("{:.3}", c.first_alert_time),
            opt(c.cleared_time),
            c.max_level.to_string(),
            String::new(),
            String::new(),
            c.cross_party.to_string(),
        ])?;
    }
    for l in &r.losses {
        w.write_record([
            "loss".to_string(),
            l.a.clone(),
            l.b.clone(),
            l.a_party.clone().unwrap_or_default(),
            l.b_party.clone().unwrap_or_default(),
            format!("{:.3}", l.start_time),
            format!("{:.3}", l.end_time),
            String::new(),
            format!("{:.1}", l.min_distance_m),
            opt(l.lead_time_s),
            l.cross_party.to_string(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds() {
        assert_eq!(parse_speed("fast").unwrap(), None);
        assert_eq!(parse_speed("10x").unwrap(), Some(10.0));
        assert!(parse_speed("0x").is_err());
        assert!(parse_speed("ten").is_err());
    }
}
