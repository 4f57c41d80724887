//! Signed checkpoints of the audit log: the cell signs its log's head every
//! `audit.checkpoint_interval_s` and on demand, keeps the latest, and pushes each on the
//! stream, so that every party holds a recent one. Whether the log still extends a checkpoint
//! a party kept is answered from one verification of the whole log per head (cached).

use crate::clock::Clock;
use crate::live::Live;
use crate::wire;
use deconflict_store::audit::GENESIS_HASH;
use deconflict_store::checkpoint::log_extends;
use deconflict_store::{
    Checkpoint, CheckpointError, CheckpointSigner, Store, StoreResult, VerifyReport,
};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// The cell's checkpoint signer and its latest checkpoint.
pub struct Checkpoints {
    signer: CheckpointSigner,
    latest: RwLock<Option<Checkpoint>>,
    /// The last verification of the log, with the head it verified and when.
    verified: Mutex<Option<Verified>>,
}

/// A verification: the head it verified, when, and the report.
type Verified = ((i64, String), std::time::Instant, VerifyReport);

/// A verification of the whole log is reused for consistency answers for this long even when
/// the log has grown since (the entry a party asks about is always read afresh), so that many
/// consoles asking after each checkpoint cost one verification, seconds.
pub const VERIFY_REUSE_S: f64 = 10.0;

impl Checkpoints {
    /// Checkpoints signed with `signer`.
    pub fn new(signer: CheckpointSigner) -> Checkpoints {
        Checkpoints {
            signer,
            latest: RwLock::new(None),
            verified: Mutex::new(None),
        }
    }

    /// The cell's public key, lowercase hex.
    pub fn public_key(&self) -> String {
        self.signer.public_key()
    }

    /// The latest checkpoint signed.
    pub fn latest(&self) -> Option<Checkpoint> {
        self.latest
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Signs the log's head now and keeps it as the latest.
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn sign_now(&self, store: &dyn Store, now: f64) -> StoreResult<Checkpoint> {
        let (seq, hash) = store.audit_head()?.unwrap_or((0, GENESIS_HASH.to_owned()));
        let cp = self.signer.sign(seq, &hash, now);
        *self.latest.write().unwrap_or_else(|e| e.into_inner()) = Some(cp.clone());
        Ok(cp)
    }

    /// The whole log's verification, recomputed only when the head has moved since the last
    /// and that one is older than [`VERIFY_REUSE_S`].
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn verification(&self, store: &dyn Store) -> StoreResult<VerifyReport> {
        let head = store.audit_head()?.unwrap_or((0, GENESIS_HASH.to_owned()));
        let mut cached = self.verified.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((h, at, r)) = cached.as_ref() {
            if *h == head || at.elapsed().as_secs_f64() < VERIFY_REUSE_S {
                return Ok(r.clone());
            }
        }
        let r = store.verify_audit()?;
        *cached = Some((head, std::time::Instant::now(), r.clone()));
        Ok(r)
    }

    /// Whether the log now extends the checkpoint `(seq, head_hash)` a party kept.
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn extends(
        &self,
        store: &dyn Store,
        seq: i64,
        head_hash: &str,
    ) -> StoreResult<Result<(), CheckpointError>> {
        let report = self.verification(store)?;
        let entry = if seq > 0 {
            store
                .audit_entries(seq - 1, 1)?
                .into_iter()
                .find(|e| e.seq == seq)
        } else {
            None
        };
        Ok(log_extends(seq, head_hash, entry.as_ref(), &report))
    }

    /// Signs now and pushes the checkpoint to every stream client.
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn sign_and_publish(
        &self,
        store: &dyn Store,
        live: &Live,
        now: f64,
    ) -> StoreResult<Checkpoint> {
        let cp = self.sign_now(store, now)?;
        live.publish_frame(wire::checkpoint_frame(&cp), None);
        Ok(cp)
    }
}

/// Signs and publishes a checkpoint every `interval_s`, the first at once.
pub async fn run(
    checkpoints: Arc<Checkpoints>,
    live: Arc<Live>,
    store: Arc<dyn Store>,
    interval_s: f64,
    clock: Clock,
) {
    let mut tick = tokio::time::interval(Duration::from_secs_f64(interval_s));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let (cp, live, store, now) = (
            checkpoints.clone(),
            live.clone(),
            store.clone(),
            clock.now_s(),
        );
        match tokio::task::spawn_blocking(move || cp.sign_and_publish(store.as_ref(), &live, now))
            .await
        {
            Ok(Ok(c)) => tracing::debug!(seq = c.seq, "audit checkpoint signed"),
            Ok(Err(e)) => tracing::warn!(error = %e, "cannot sign an audit checkpoint"),
            Err(e) => tracing::warn!(error = %e, "audit checkpoint task failed"),
        }
    }
}
