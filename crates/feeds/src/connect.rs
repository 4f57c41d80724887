//! Tokio connectors: a TCP client with reconnect and back-off, a TCP listener that feeders
//! push to, and a file reader. Each is a thin loop around [`StreamDecoder`]: bytes in,
//! [`Observation`]s out into a `tokio::sync::mpsc` channel, counters in an `Arc<FeedStats>`.
//!
//! Every connector returns when the receiving side of the channel is dropped, so stopping
//! a feed is dropping its receiver (or aborting its task). Bad input is counted and skipped
//! by the decoder; it never stalls the loop.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::Rng;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::counters::{ConnectionState, FeedStats};
use crate::observation::Observation;
use crate::source::{Format, StreamDecoder, TimeMode};

/// What a connector needs to know about its feed.
#[derive(Debug, Clone)]
pub struct FeedSpec {
    /// Feed id (appears in tracks' `sources`).
    pub id: String,
    /// The party the feed belongs to.
    pub party: Option<String>,
    /// Wire format.
    pub format: Format,
    /// Receiver location (lat, lon degrees) for Mode S position decoding.
    pub reference: Option<(f64, f64)>,
    /// A connection that delivers no byte for this long is dropped (and, for a client,
    /// reconnected): a frozen sender keeps its socket open but says nothing. `None`: never.
    pub silent_after_s: Option<f64>,
}

impl FeedSpec {
    fn decoder(&self, time: TimeMode) -> StreamDecoder {
        StreamDecoder::new(
            self.format,
            Arc::from(self.id.as_str()),
            self.party.as_deref().map(Arc::from),
            time,
            self.reference,
        )
    }
}

/// Reconnection back-off: exponential from `initial_s`, times `factor`, capped at `max_s`,
/// with up to ±`jitter` (a fraction) of random spread so that many clients don't reconnect
/// in lockstep.
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    /// First delay, seconds. Default 1.
    pub initial_s: f64,
    /// Largest delay, seconds. Default 60.
    pub max_s: f64,
    /// Growth factor per failed attempt. Default 2.
    pub factor: f64,
    /// Random spread as a fraction of the delay, in [0, 1). Default 0.2.
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial_s: 1.0,
            max_s: 60.0,
            factor: 2.0,
            jitter: 0.2,
        }
    }
}

impl Backoff {
    /// The delay before attempt `attempt` (0 = first retry), given a uniform sample `u` in
    /// [0, 1) for the jitter. Pure, for testing.
    pub fn delay_s(&self, attempt: u32, u: f64) -> f64 {
        let base = (self.initial_s * self.factor.powi(attempt.min(64) as i32)).min(self.max_s);
        let spread = self.jitter.clamp(0.0, 0.99) * (2.0 * u - 1.0);
        (base * (1.0 + spread)).clamp(0.0, self.max_s)
    }
}

/// Wall-clock time, UNIX seconds.
pub fn now_s() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Reads one stream until EOF or error; `Err(())` when the receiver is gone.
async fn pump<R: tokio::io::AsyncRead + Unpin>(
    mut reader: R,
    decoder: &mut StreamDecoder,
    stats: &FeedStats,
    tx: &mpsc::Sender<Observation>,
    silent_after_s: Option<f64>,
) -> Result<(), ()> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut out = Vec::new();
    let silent = silent_after_s
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64);
    loop {
        let read = reader.read(&mut buf);
        let got = match silent {
            Some(d) => match tokio::time::timeout(d, read).await {
                Ok(r) => r,
                Err(_) => {
                    let s = d.as_secs_f64();
                    stats.disconnected(format!("silent for {s} s (silent_after_s); dropped"), true);
                    tracing::warn!(feed = %stats.id, silent_s = s, "feed connection silent; dropping it");
                    break;
                }
            },
            None => read.await,
        };
        let n = match got {
            Ok(0) => {
                stats.disconnected("closed by the sender", false);
                break;
            }
            Err(e) => {
                stats.disconnected(format!("read error: {e}"), false);
                break;
            }
            Ok(n) => n,
        };
        decoder.push(&buf[..n], now_s(), stats, &mut out);
        for o in out.drain(..) {
            tx.send(o).await.map_err(|_| ())?;
        }
    }
    decoder.finish(now_s(), stats, &mut out);
    for o in out.drain(..) {
        tx.send(o).await.map_err(|_| ())?;
    }
    Ok(())
}

/// Connects to `addr` and reads the feed, reconnecting with `backoff` after every failure or
/// disconnection. Returns only when `tx`'s receiver is dropped.
pub async fn run_tcp_client(
    spec: FeedSpec,
    addr: String,
    backoff: Backoff,
    stats: Arc<FeedStats>,
    tx: mpsc::Sender<Observation>,
) {
    let mut attempt = 0u32;
    loop {
        if tx.is_closed() {
            break;
        }
        stats.set_state(ConnectionState::Connecting);
        match TcpStream::connect(&addr).await {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                stats.set_state(ConnectionState::Connected);
                tracing::info!(feed = %spec.id, %addr, "feed connected");
                attempt = 0;
                let mut decoder = spec.decoder(TimeMode::Receipt);
                if pump(stream, &mut decoder, &stats, &tx, spec.silent_after_s)
                    .await
                    .is_err()
                {
                    break;
                }
                tracing::warn!(feed = %spec.id, %addr, "feed disconnected");
            }
            Err(e) => tracing::warn!(feed = %spec.id, %addr, error = %e, "feed connection failed"),
        }
        stats.set_state(ConnectionState::Backoff);
        let u: f64 = rand::thread_rng().gen();
        let delay = backoff.delay_s(attempt, u);
        attempt = attempt.saturating_add(1);
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs_f64(delay)) => {}
            _ = tx.closed() => break,
        }
    }
    stats.set_state(ConnectionState::Ended);
}

/// Accepts feeders on `listener`; each connection gets its own decoder (and Mode S state).
/// Returns only when `tx`'s receiver is dropped.
pub async fn run_tcp_listener(
    spec: FeedSpec,
    listener: TcpListener,
    stats: Arc<FeedStats>,
    tx: mpsc::Sender<Observation>,
) {
    stats.set_state(ConnectionState::Listening);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    stats.add_connection();
                    tracing::info!(feed = %spec.id, %peer, "feeder connected");
                    let (spec, stats, tx) = (spec.clone(), stats.clone(), tx.clone());
                    tokio::spawn(async move {
                        let mut decoder = spec.decoder(TimeMode::Receipt);
                        let _ = pump(stream, &mut decoder, &stats, &tx, spec.silent_after_s).await;
                        tracing::info!(feed = %spec.id, %peer, "feeder disconnected");
                    });
                }
                Err(e) => {
                    tracing::warn!(feed = %spec.id, error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            _ = tx.closed() => break,
        }
    }
    stats.set_state(ConnectionState::Ended);
}

/// Reads a file (plain or gzip) through the decoder on a blocking thread. Frames without
/// UNIX time are timed by `time`. Returns when the file is read or the receiver is dropped.
///
/// # Errors
/// The I/O error when the file cannot be opened.
pub async fn run_file(
    spec: FeedSpec,
    path: PathBuf,
    time: TimeMode,
    stats: Arc<FeedStats>,
    tx: mpsc::Sender<Observation>,
) -> std::io::Result<()> {
    let mut reader = crate::source::open_file(&path)?;
    stats.set_state(ConnectionState::Connected);
    let st = stats.clone();
    let res = tokio::task::spawn_blocking(move || {
        let mut decoder = spec.decoder(time);
        let mut buf = vec![0u8; 256 * 1024];
        let mut out = Vec::new();
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(feed = %spec.id, error = %e, "file read failed");
                    st.add_rejected("io_error");
                    break;
                }
            };
            decoder.push(&buf[..n], now_s(), &st, &mut out);
            for o in out.drain(..) {
                if tx.blocking_send(o).is_err() {
                    return;
                }
            }
        }
        decoder.finish(now_s(), &st, &mut out);
        for o in out.drain(..) {
            if tx.blocking_send(o).is_err() {
                return;
            }
        }
    })
    .await;
    if res.is_err() {
        stats.add_rejected("io_error");
    }
    stats.set_state(ConnectionState::Ended);
    Ok(())
}

use std::io::Read as _;

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[test]
    fn backoff_grows_caps_and_jitters() {
        let b = Backoff::default();
        assert_eq!(b.delay_s(0, 0.5), 1.0);
        assert_eq!(b.delay_s(3, 0.5), 8.0);
        assert_eq!(b.delay_s(20, 0.5), 60.0);
        assert!((b.delay_s(2, 0.0) - 3.2).abs() < 1e-12);
        assert!((b.delay_s(2, 0.999_999) - 4.8).abs() < 1e-4);
        assert!(b.delay_s(30, 0.999) <= 60.0);
    }

    /// Reconnects within a tenth of a second, so the tests do not wait.
    fn fast_backoff() -> Backoff {
        Backoff {
            initial_s: 0.05,
            max_s: 0.1,
            factor: 2.0,
            jitter: 0.1,
        }
    }

    fn spec(format: Format) -> FeedSpec {
        FeedSpec {
            id: "test".into(),
            party: Some("blue".into()),
            format,
            reference: None,
            silent_after_s: None,
        }
    }

    #[tokio::test]
    async fn a_silent_sender_is_dropped_and_reconnected() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stats = Arc::new(FeedStats::new("test", "sbs", addr.clone(), None));
        let (tx, mut rx) = mpsc::channel(64);
        let backoff = fast_backoff();
        let spec = FeedSpec {
            silent_after_s: Some(0.3),
            ..spec(Format::Sbs)
        };
        let task = tokio::spawn(run_tcp_client(spec, addr, backoff, stats.clone(), tx));
        let line =
            b"MSG,3,1,1,484411,1,2016/02/05,04:51:22.903,,,,12525,,,52.58052,5.29031,,,,,,0\n";
        // A frozen sender: it sends one line, then keeps the socket open and says nothing.
        let (mut first, _) = listener.accept().await.unwrap();
        first.write_all(line).await.unwrap();
        assert_eq!(rx.recv().await.unwrap().id, "484411");
        // Dropped after 0.3 s of silence and reconnected, although the socket stays open.
        let (mut second, _) = tokio::time::timeout(Duration::from_secs(5), listener.accept())
            .await
            .expect("reconnected after the silence")
            .unwrap();
        let snap = stats.snapshot();
        assert_eq!(snap.silent_drops, 1);
        assert!(
            snap.last_disconnect
                .as_deref()
                .unwrap()
                .starts_with("silent for 0.3 s"),
            "{snap:?}"
        );
        second.write_all(line).await.unwrap();
        assert_eq!(rx.recv().await.unwrap().id, "484411");
        assert_eq!(stats.snapshot().connections, 2);
        drop((first, rx));
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }

    #[tokio::test]
    async fn client_reconnects_and_survives_garbage() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stats = Arc::new(FeedStats::new(
            "test",
            "sbs",
            addr.clone(),
            Some("blue".into()),
        ));
        let (tx, mut rx) = mpsc::channel(64);
        let backoff = fast_backoff();
        let task = tokio::spawn(run_tcp_client(
            spec(Format::Sbs),
            addr,
            backoff,
            stats.clone(),
            tx,
        ));
        let line =
            b"MSG,3,1,1,484411,1,2016/02/05,04:51:22.903,,,,12525,,,52.58052,5.29031,,,,,,0\n";
        for round in 0..2 {
            let (mut s, _) = listener.accept().await.unwrap();
            s.write_all(b"\xff\xfe garbage \x00\n").await.unwrap();
            s.write_all(&vec![b'x'; 100_000]).await.unwrap();
            s.write_all(b"\n").await.unwrap();
            s.write_all(line).await.unwrap();
            let o = rx.recv().await.unwrap();
            assert_eq!(o.id, "484411", "round {round}");
            assert_eq!(o.party.as_deref(), Some("blue"));
            drop(s);
        }
        let snap = stats.snapshot();
        assert_eq!(snap.connections, 2);
        assert_eq!(snap.rejected.get("line_too_long"), Some(&2));
        drop(rx);
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stats.state(), ConnectionState::Ended);
    }

    #[tokio::test]
    async fn listener_serves_several_feeders() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stats = Arc::new(FeedStats::new("test", "avr", addr.to_string(), None));
        let (tx, mut rx) = mpsc::channel(64);
        let task = tokio::spawn(run_tcp_listener(
            spec(Format::Avr),
            listener,
            stats.clone(),
            tx,
        ));
        let mut a = TcpStream::connect(addr).await.unwrap();
        let mut b = TcpStream::connect(addr).await.unwrap();
        a.write_all(b"*8D4840D6202CC371C32CE0576098;\n")
            .await
            .unwrap();
        b.write_all(b"*8D4840D6202CC371C32CE0576099;\n*8D4840D6202CC371C32CE0576098;\n")
            .await
            .unwrap();
        let o1 = rx.recv().await.unwrap();
        let o2 = rx.recv().await.unwrap();
        assert_eq!(o1.callsign.as_deref(), Some("KLM1023"));
        assert_eq!(o2.callsign.as_deref(), Some("KLM1023"));
        assert_eq!(stats.snapshot().rejected.get("bad_crc_or_format"), Some(&1));
        drop(rx);
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap();
    }
}
