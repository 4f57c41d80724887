//! Spawns the real `deconflict serve` binary on loopback for the server tests.
#![allow(dead_code)]

pub mod strategic;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub child: Child,
    pub addr: String,
    pub dir: PathBuf,
    pub tokens: HashMap<String, String>,
}

/// The `deconflict` binary the servers run: this build's, or `DECONFLICT_TEST_SERVER_BIN` (an
/// older build, for measurements that compare two builds side by side).
fn server_binary() -> std::path::PathBuf {
    std::env::var_os("DECONFLICT_TEST_SERVER_BIN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_deconflict").into())
}

impl Server {
    /// Starts `serve` with `args` in `dir`, waiting for `listen-addr`.
    pub fn start(dir: &Path, args: &[&str]) -> Server {
        Server::start_with_env(dir, args, &[])
    }

    /// [`Server::start`] with environment variables set (`DATABASE_URL`); without them the
    /// server never inherits a `DATABASE_URL` from the test's environment.
    pub fn start_with_env(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Server {
        let _ = std::fs::remove_file(dir.join("listen-addr"));
        let child = Command::new(server_binary())
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .args(args)
            .env_remove("DATABASE_URL")
            .envs(envs.iter().copied())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn deconflict serve");
        let t0 = Instant::now();
        let addr = loop {
            if let Ok(a) = std::fs::read_to_string(dir.join("listen-addr")) {
                if !a.is_empty() {
                    break a;
                }
            }
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut tokens = HashMap::new();
        if let Ok(t) = std::fs::read_to_string(dir.join("demo-tokens.json")) {
            tokens = serde_json::from_str(&t).unwrap();
        }
        if let Ok(t) = std::fs::read_to_string(dir.join("cell-token")) {
            tokens.entry("cell".into()).or_insert(t);
        }
        let s = Server {
            child,
            addr,
            dir: dir.to_owned(),
            tokens,
        };
        // Wait until it answers.
        while s.get(None, "/api/v1/health").status() != 200 {
            std::thread::sleep(Duration::from_millis(50));
        }
        s
    }

    pub fn demo(dir: &Path) -> Server {
        Server::start(dir, &["--demo"])
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn token(&self, who: &str) -> String {
        self.tokens
            .get(who)
            .cloned()
            .unwrap_or_else(|| panic!("no token for {who}"))
    }

    pub fn req(
        &self,
        method: &str,
        token: Option<&str>,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> reqwest::blocking::Response {
        let c = reqwest::blocking::Client::new();
        let mut r = c
            .request(method.parse().unwrap(), self.url(path))
            .timeout(Duration::from_secs(20));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        r.send().unwrap()
    }

    pub fn get(&self, token: Option<&str>, path: &str) -> reqwest::blocking::Response {
        self.req("GET", token, path, None)
    }

    pub fn json(
        &self,
        method: &str,
        token: Option<&str>,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let r = self.req(method, token, path, body);
        let status = r.status().as_u16();
        let text = r.text().unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }

    /// Waits until `f` holds, polling every 200 ms, at most `secs`.
    pub fn wait_for(&self, secs: u64, mut f: impl FnMut(&Server) -> bool) -> bool {
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(secs) {
            if f(self) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }

    pub fn kill9(&mut self) {
        // std's Child::kill sends SIGKILL on Unix.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `deconflict audit verify --data-dir DIR`: its exit code and what it printed (stdout
/// then stderr).
pub fn audit_verify(dir: &Path) -> (i32, String) {
    audit_verify_with(dir, &[])
}

/// [`audit_verify`] with more arguments (`--checkpoint FILE`).
pub fn audit_verify_with(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_deconflict"))
        .args(["audit", "verify", "--data-dir"])
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// A new, empty database on the test PostgreSQL server (`DECONFLICT_TEST_PG`, set by
/// scripts/test, which starts a throwaway cluster); returns its URL.
pub fn fresh_pg_database() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let base = std::env::var("DECONFLICT_TEST_PG").unwrap_or_else(|_| {
        panic!("DECONFLICT_TEST_PG is not set: run scripts/test, or start a server with `scripts/pg-cluster start DIR` and export DECONFLICT_TEST_PG=postgres://postgres@127.0.0.1:PORT")
    });
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!(
        "c_{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    psql(
        &format!("{base}/postgres"),
        &format!("CREATE DATABASE {name}"),
    );
    format!("{base}/{name}")
}

/// Runs one SQL command with psql against `url`; panics when it fails.
pub fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([url, "-q", "-t", "-A", "-c", sql])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Runs `deconflict` with `args`: its exit code and what it printed (stdout then stderr).
pub fn deconflict(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_deconflict"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}
