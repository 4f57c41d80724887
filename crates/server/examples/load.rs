//! Load generator for `deconflict serve` (driven by `scripts/load`).
//!
//! Plays a 1 Hz SBS-1 feed of N synthetic aircraft to the server (it listens; the server's
//! config connects to it), opens C WebSocket clients, and every few seconds injects a probe
//! pair of aircraft already inside each other's separation minima. For every client it
//! measures feed-line-to-WebSocket alert latency: from the moment the probe's lines were
//! written to the feed socket to the arrival of the `raised` alert naming the pair. It
//! also samples the server's CPU time from /proc. It stops by itself after the duration.
//!
//! Usage: load --server ADDR[,ADDR…] --token TOKEN --feed-listen ADDR [--server-pid PID[,PID…]]
//!             [--aircraft 20000] [--clients 200] [--full-clients 10] [--duration-s 60]
//!
//! With several `--server` addresses (the nodes of one cell), every node connects to the feed
//! (it waits for as many connections and sends each the same lines), the clients are spread
//! over the nodes in turn, and the report gives the latency per node as well.

use deconflict_feeds::sbs::write_line;
use deconflict_feeds::Observation;
use futures::StreamExt;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

struct Args {
    servers: Vec<String>,
    token: String,
    feed_listen: String,
    server_pids: Vec<u32>,
    aircraft: usize,
    clients: usize,
    full_clients: usize,
    duration_s: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        servers: Vec::new(),
        token: String::new(),
        feed_listen: String::new(),
        server_pids: Vec::new(),
        aircraft: 20_000,
        clients: 200,
        full_clients: 10,
        duration_s: 60,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().ok_or(format!("{k} needs a value"))?;
        let num = |v: &str| v.parse::<usize>().map_err(|e| format!("{k}: {e}"));
        match k.as_str() {
            "--server" => a.servers = v.split(',').map(str::to_owned).collect(),
            "--token" => a.token = v,
            "--feed-listen" => a.feed_listen = v,
            "--server-pid" => {
                a.server_pids = v
                    .split(',')
                    .map(|p| num(p).map(|p| p as u32))
                    .collect::<Result<_, _>>()?
            }
            "--aircraft" => a.aircraft = num(&v)?,
            "--clients" => a.clients = num(&v)?,
            "--full-clients" => a.full_clients = num(&v)?,
            "--duration-s" => a.duration_s = num(&v)? as u64,
            _ => return Err(format!("unknown argument {k}")),
        }
    }
    if a.servers.is_empty() || a.token.is_empty() || a.feed_listen.is_empty() {
        return Err("--server, --token and --feed-listen are required".into());
    }
    Ok(a)
}

fn now_s() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// CPU seconds (user + system) of a process, from /proc/PID/stat.
fn cpu_s(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

struct Plane {
    obs: Observation,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("load: {e}");
            std::process::exit(2);
        }
    };
    let feed: Arc<str> = Arc::from("load");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    // Random traffic over the North Atlantic, Europe and the Middle East, FL100-FL400.
    let mut planes: Vec<Plane> = (0..args.aircraft)
        .map(|i| {
            let mut o = Observation::new(format!("{:06X}", 0x100000 + i), 0.0, feed.clone());
            o.lat_deg = Some(rng.gen_range(25.0..65.0));
            o.lon_deg = Some(rng.gen_range(-60.0..60.0));
            o.alt_ft = Some((rng.gen_range(100..400) * 100) as f64);
            o.gs_kt = Some(rng.gen_range(250.0..500.0));
            o.trk_deg = Some(rng.gen_range(0.0..360.0));
            o.vs_fpm = Some(0.0);
            Plane { obs: o }
        })
        .collect();

    // Latency samples, keyed by probe id.
    let probes: Arc<Mutex<HashMap<String, f64>>> = Arc::new(Mutex::new(HashMap::new()));
    // Latency samples with whether the client takes the full picture.
    let samples: Arc<Mutex<Vec<(bool, usize, f64)>>> = Arc::new(Mutex::new(Vec::new()));
    let frames = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));

    let listener = tokio::net::TcpListener::bind(&args.feed_listen)
        .await
        .expect("bind the feed address");
    eprintln!(
        "load: waiting for the server to connect to the feed at {}",
        args.feed_listen
    );
    // One feed connection per node, each sent the same lines.
    let mut socks = Vec::new();
    for _ in 0..args.servers.len() {
        let (sock, _) = listener.accept().await.expect("accept");
        sock.set_nodelay(true).ok();
        socks.push(sock);
    }

    // WebSocket clients.
    let mut connected = 0usize;
    for i in 0..args.clients {
        let picture = if i < args.full_clients {
            "full"
        } else {
            "none"
        };
        let node = i % args.servers.len();
        let url = format!(
            "ws://{}/api/v1/stream?token={}&picture={picture}",
            args.servers[node], args.token
        );
        let (mut ws, _) = match tokio_tungstenite::connect_async(&url).await {
            Ok(x) => x,
            Err(e) => {
                eprintln!("load: client {i} cannot connect: {e}");
                continue;
            }
        };
        connected += 1;
        let full = i < args.full_clients;
        let (probes, samples, frames, bytes) = (
            probes.clone(),
            samples.clone(),
            frames.clone(),
            bytes.clone(),
        );
        tokio::spawn(async move {
            while let Some(Ok(m)) = ws.next().await {
                let t = now_s();
                if let tokio_tungstenite::tungstenite::Message::Text(text) = m {
                    frames.fetch_add(1, Ordering::Relaxed);
                    bytes.fetch_add(text.len() as u64, Ordering::Relaxed);
                    if text.starts_with("{\"type\":\"alert\"")
                        || text.contains("\"type\":\"alert\"")
                    {
                        let v: serde_json::Value = match serde_json::from_str(&text) {
                            Ok(v) => v,
                            Err(_) => continue,
                        };
                        if v["event"] != "raised" {
                            continue;
                        }
                        let a = v["conflict"]["a"].as_str().unwrap_or("");
                        if let Some(t0) = probes.lock().unwrap().get(a) {
                            samples.lock().unwrap().push((full, node, t - t0));
                        }
                    }
                }
            }
        });
    }
    eprintln!(
        "load: {connected} WebSocket clients connected ({} with the full picture)",
        args.full_clients.min(connected)
    );

    let cpu_all =
        |pids: &[u32]| -> Option<f64> { pids.iter().map(|p| cpu_s(*p)).sum::<Option<f64>>() };
    let cpu0 = if args.server_pids.is_empty() {
        None
    } else {
        cpu_all(&args.server_pids)
    };
    let self0 = cpu_s(std::process::id());
    let t_start = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut out = String::with_capacity(args.aircraft * 170);
    let mut probe_n = 0u32;
    let mut active_probes: Vec<(Observation, Observation, Instant)> = Vec::new();
    let mut lines_sent = 0u64;
    while t_start.elapsed() < Duration::from_secs(args.duration_s) {
        tick.tick().await;
        let now = now_s();
        out.clear();
        for p in &mut planes {
            let o = &mut p.obs;
            let d_nm = o.gs_kt.unwrap_or(0.0) / 3600.0;
            let trk = o.trk_deg.unwrap_or(0.0).to_radians();
            let lat = o.lat_deg.unwrap_or(0.0);
            o.lat_deg = Some(lat + d_nm * trk.cos() / 60.0);
            o.lon_deg =
                Some(o.lon_deg.unwrap_or(0.0) + d_nm * trk.sin() / (60.0 * lat.to_radians().cos()));
            o.time_s = now;
            write_line(&mut out, 3, o);
            out.push_str("\r\n");
            write_line(&mut out, 4, o);
            out.push_str("\r\n");
        }
        lines_sent += 2 * planes.len() as u64;
        // Keep active probes alive for 15 s.
        active_probes.retain(|(_, _, since)| since.elapsed() < Duration::from_secs(15));
        for (a, b, _) in &mut active_probes {
            for o in [a, b] {
                o.time_s = now;
                write_line(&mut out, 3, o);
                out.push_str("\r\n");
                write_line(&mut out, 4, o);
                out.push_str("\r\n");
            }
        }
        let mut closed = false;
        for sock in &mut socks {
            closed |= sock.write_all(out.as_bytes()).await.is_err();
        }
        if closed {
            eprintln!("load: a server closed the feed");
            break;
        }
        // A new probe pair every 3 s, 2 NM apart head-on at the same level over the ocean,
        // written half a cycle after the bulk so that its phase against the engine cycle varies.
        if t_start.elapsed().as_secs() % 3 == 0 && t_start.elapsed().as_secs() > 5 {
            tokio::time::sleep(Duration::from_millis(rng.gen_range(0..1000))).await;
            probe_n += 1;
            let lat = -20.0 + (probe_n % 20) as f64;
            let lon = -30.0 + (probe_n / 20) as f64;
            let mk = |id: String, lon: f64, trk: f64| {
                let mut o = Observation::new(id, now_s(), feed.clone());
                o.lat_deg = Some(lat);
                o.lon_deg = Some(lon);
                o.alt_ft = Some(20_000.0);
                o.gs_kt = Some(300.0);
                o.trk_deg = Some(trk);
                o.vs_fpm = Some(0.0);
                o
            };
            let a = mk(format!("F{:05X}", 2 * probe_n), lon, 90.0);
            let b = mk(format!("F{:05X}", 2 * probe_n + 1), lon + 2.0 / 60.0, 270.0);
            let mut s = String::new();
            for o in [&a, &b] {
                write_line(&mut s, 4, o);
                s.push_str("\r\n");
                write_line(&mut s, 3, o);
                s.push_str("\r\n");
            }
            // The alert names the pair with a < b (byte order): `a` is the key.
            probes.lock().unwrap().insert(a.id.clone(), 0.0);
            let mut closed = false;
            for sock in &mut socks {
                closed |= sock.write_all(s.as_bytes()).await.is_err();
            }
            if closed {
                break;
            }
            let t_emit = now_s();
            probes.lock().unwrap().insert(a.id.clone(), t_emit);
            active_probes.push((a, b, Instant::now()));
        }
    }
    let elapsed = t_start.elapsed().as_secs_f64();
    // Let the last alerts arrive.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let cpu1 = if args.server_pids.is_empty() {
        None
    } else {
        cpu_all(&args.server_pids)
    };
    let cpu = match (cpu0, cpu1) {
        (Some(a), Some(b)) => Some((b - a) / elapsed * 100.0),
        _ => None,
    };
    let self_cpu = match (self0, cpu_s(std::process::id())) {
        (Some(a), Some(b)) => Some((b - a) / elapsed * 100.0),
        _ => None,
    };
    let all = samples.lock().unwrap().clone();
    let sorted = |keep: &dyn Fn(bool, usize) -> bool| {
        let mut v: Vec<f64> = all.iter().filter(|x| keep(x.0, x.1)).map(|x| x.2).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let s = sorted(&|_, _| true);
    let s_full = sorted(&|f, _| f);
    let s_alerts = sorted(&|f, _| !f);
    let per_node: Vec<serde_json::Value> = args
        .servers
        .iter()
        .enumerate()
        .map(|(k, addr)| {
            let v = sorted(&|_, n| n == k);
            serde_json::json!({
                "server": addr,
                "alert_deliveries": v.len(),
                "latency_p50_ms": percentile(&v, 0.5) * 1000.0,
                "latency_p99_ms": percentile(&v, 0.99) * 1000.0,
            })
        })
        .collect();
    let probes_n = probes.lock().unwrap().len();
    let report = serde_json::json!({
        "aircraft": args.aircraft,
        "clients": connected,
        "full_picture_clients": args.full_clients.min(connected),
        "duration_s": elapsed,
        "feed_lines": lines_sent,
        "probes": probes_n,
        "alert_deliveries": s.len(),
        "expected_deliveries": probes_n * connected,
        "latency_p50_ms": percentile(&s, 0.5) * 1000.0,
        "latency_p99_ms": percentile(&s, 0.99) * 1000.0,
        "latency_max_ms": s.last().copied().unwrap_or(f64::NAN) * 1000.0,
        "full_picture_latency_p50_ms": percentile(&s_full, 0.5) * 1000.0,
        "full_picture_latency_p99_ms": percentile(&s_full, 0.99) * 1000.0,
        "alerts_only_latency_p50_ms": percentile(&s_alerts, 0.5) * 1000.0,
        "alerts_only_latency_p99_ms": percentile(&s_alerts, 0.99) * 1000.0,
        "server_cpu_percent": cpu,
        "load_generator_cpu_percent": self_cpu,
        "ws_frames": frames.load(Ordering::Relaxed),
        "ws_bytes": bytes.load(Ordering::Relaxed),
        "per_node": per_node,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    );
}
