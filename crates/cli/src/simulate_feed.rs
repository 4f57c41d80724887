//! `deconflict simulate feed`: serves seeded synthetic traffic as live SBS-1 (and optionally
//! Beast) feeds in real time, so demos and load tests need no receiver.
//!
//! Every connected client receives the same stream from the moment it connects: once per
//! `--interval-s`, an `MSG,3` and an `MSG,4` line per aircraft (plus `MSG,1`/`MSG,6` every
//! tenth interval) on the SBS port, and DF17 position/velocity (plus identification) frames on
//! the Beast port. With `--record FILE` the SBS stream is also written to a file, and with
//! `--duration-s` the simulator stops (or, with no listener, just writes the recording as fast
//! as it can — a synthetic recording for `deconflict replay`).

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use deconflict_feeds::connect::now_s;
use deconflict_feeds::sim::{Scenario, Simulator};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::broadcast;

/// Arguments of this subcommand.
#[derive(clap::Args)]
pub struct FeedArgs {
    /// Address to serve SBS-1 lines on, e.g. 127.0.0.1:30003.
    #[arg(long)]
    pub sbs_listen: Option<String>,
    /// Address to serve Beast frames on, e.g. 127.0.0.1:30005.
    #[arg(long)]
    pub beast_listen: Option<String>,
    /// Number of aircraft.
    #[arg(long, default_value_t = 100)]
    pub aircraft: usize,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Scenario: europe, global, dense, encounter, syria.
    #[arg(long, default_value = "europe")]
    pub scenario: String,
    /// Seconds between updates of each aircraft.
    #[arg(long, default_value_t = 1.0)]
    pub interval_s: f64,
    /// Also write the SBS-1 stream to this file.
    #[arg(long)]
    pub record: Option<std::path::PathBuf>,
    /// Stop after this many simulated seconds.
    #[arg(long)]
    pub duration_s: Option<f64>,
    /// UNIX start time of the simulation [default: now].
    #[arg(long)]
    pub start_time: Option<f64>,
}

pub fn run(args: FeedArgs) -> anyhow::Result<ExitCode> {
    let scenario: Scenario = args.scenario.parse().map_err(anyhow::Error::msg)?;
    if !(args.interval_s.is_finite() && args.interval_s > 0.0) {
        bail!("--interval-s must be positive");
    }
    if args.sbs_listen.is_none() && args.beast_listen.is_none() {
        // Offline: write a recording as fast as possible.
        let (Some(path), Some(duration_s)) = (&args.record, args.duration_s) else {
            bail!("give --sbs-listen and/or --beast-listen, or --record FILE with --duration-s to write a recording");
        };
        let start = args.start_time.unwrap_or_else(now_s);
        let mut sim = Simulator::new(args.aircraft, args.seed, scenario, start);
        let f = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        let mut t = start;
        let mut text = String::new();
        while t <= start + duration_s {
            text.clear();
            sim.step_sbs(t, &mut text);
            w.write_all(text.as_bytes())?;
            t += args.interval_s;
        }
        w.flush()?;
        eprintln!(
            "wrote {} s of {} aircraft to {}",
            duration_s,
            sim.aircraft().len(),
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(serve(args, scenario))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve_clients(
    listener: TcpListener,
    tx: broadcast::Sender<std::sync::Arc<Vec<u8>>>,
    kind: &'static str,
) {
    loop {
        let Ok((mut sock, peer)) = listener.accept().await else {
            continue;
        };
        tracing::info!(%peer, kind, "client connected");
        let mut rx = tx.subscribe();
        tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(chunk) => {
                        if sock.write_all(&chunk).await.is_err() {
                            break;
                        }
                    }
                    // A slow client misses updates rather than slowing everyone down.
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(%peer, skipped = n, "client lagging")
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
            tracing::info!(%peer, kind, "client disconnected");
        });
    }
}

async fn serve(args: FeedArgs, scenario: Scenario) -> anyhow::Result<()> {
    let start = args.start_time.unwrap_or_else(now_s);
    let mut sim = Simulator::new(args.aircraft, args.seed, scenario, start);
    let (sbs_tx, _) = broadcast::channel::<std::sync::Arc<Vec<u8>>>(64);
    let (beast_tx, _) = broadcast::channel::<std::sync::Arc<Vec<u8>>>(64);
    if let Some(addr) = &args.sbs_listen {
        let l = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        eprintln!("serving SBS-1 on {}", l.local_addr()?);
        tokio::spawn(serve_clients(l, sbs_tx.clone(), "sbs"));
    }
    if let Some(addr) = &args.beast_listen {
        let l = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        eprintln!("serving Beast on {}", l.local_addr()?);
        tokio::spawn(serve_clients(l, beast_tx.clone(), "beast"));
    }
    let mut record = match &args.record {
        Some(p) => Some(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => None,
    };
    eprintln!(
        "{} aircraft, scenario {}, seed {}",
        sim.aircraft().len(),
        args.scenario,
        args.seed
    );
    let mut tick = tokio::time::interval(Duration::from_secs_f64(args.interval_s));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut t = start;
    let mut text = String::new();
    let mut bin = Vec::new();
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = tokio::signal::ctrl_c() => break,
        }
        if let Some(d) = args.duration_s {
            if t > start + d {
                break;
            }
        }
        text.clear();
        sim.step_sbs(t, &mut text);
        if let Some(w) = record.as_mut() {
            w.write_all(text.as_bytes())?;
        }
        let _ = sbs_tx.send(std::sync::Arc::new(text.as_bytes().to_vec()));
        if args.beast_listen.is_some() {
            bin.clear();
            sim.step_beast(t, &mut bin);
            let _ = beast_tx.send(std::sync::Arc::new(bin.clone()));
        }
        t += args.interval_s;
    }
    if let Some(mut w) = record {
        w.flush()?;
    }
    Ok(())
}
