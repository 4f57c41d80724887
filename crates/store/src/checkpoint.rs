//! Signed checkpoints of the audit log: the cell's signature (Ed25519) over a sequence number
//! and the hash of the entry at that number. A party that keeps a checkpoint can later ask
//! whether the log still extends it: whoever rewrites or shortens the log behind the cell
//! (even recomputing every hash, which an intact chain alone cannot reveal) no longer has an
//! entry with the signed hash at the signed number. Certificate Transparency's signed tree
//! heads (RFC 6962 §3.5) are the model; a hash chain needs no Merkle proof, since the entries
//! between two checkpoints are themselves the proof.
//!
//! The signed message is `"deconflict audit checkpoint v1\n" seq "\n" head_hash "\n" time`,
//! `seq` in decimal and `time` as the shortest decimal that round-trips the `f64` (as in the
//! entries' own hashes). The key is a 32-byte Ed25519 seed in [`KEY_FILE`] in the data
//! directory, created (mode 0600) on first use.

use crate::audit::VerifyReport;
use crate::error::{StoreError, StoreResult};
use crate::types::AuditEntry;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The signing key's file in the data directory.
pub const KEY_FILE: &str = "audit-signing.key";

/// The first line of every signed message (its version).
const DOMAIN: &str = "deconflict audit checkpoint v1";

/// A signed statement that the log held `seq` entries, the last with hash `head_hash`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Checkpoint {
    /// Entries in the log (the sequence number of the last one); 0 for an empty log.
    pub seq: i64,
    /// Hash of entry `seq` (the genesis hash for an empty log).
    pub head_hash: String,
    /// When it was signed, UNIX seconds.
    pub time: f64,
    /// The cell's Ed25519 public key, lowercase hex (32 bytes).
    pub public_key: String,
    /// Ed25519 signature of the message above, lowercase hex (64 bytes).
    pub signature: String,
}

/// Why a checkpoint is not good, or not extended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// A field does not decode.
    #[error("malformed checkpoint: {0}")]
    Malformed(String),
    /// The signature does not verify with the checkpoint's key.
    #[error("the checkpoint's signature does not verify")]
    BadSignature,
    /// Signed by another key than the one expected.
    #[error("signed by key {found}, not by this cell's key {expected}")]
    OtherKey {
        /// The checkpoint's key.
        found: String,
        /// The key expected.
        expected: String,
    },
    /// The log does not extend the checkpoint.
    #[error("the log does not extend checkpoint {seq}: {why}")]
    NotExtended {
        /// The checkpoint's sequence number.
        seq: i64,
        /// What differs.
        why: String,
    },
}

fn message(seq: i64, head_hash: &str, time: f64) -> Vec<u8> {
    format!("{DOMAIN}\n{seq}\n{head_hash}\n{time:?}").into_bytes()
}

impl Checkpoint {
    /// Checks the signature against the checkpoint's own key.
    pub fn verify_signature(&self) -> Result<(), CheckpointError> {
        let key: [u8; 32] = hex::decode(&self.public_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                CheckpointError::Malformed("public_key is not 32 bytes of hex".into())
            })?;
        let key = VerifyingKey::from_bytes(&key)
            .map_err(|_| CheckpointError::Malformed("public_key is not an Ed25519 key".into()))?;
        let sig: [u8; 64] = hex::decode(&self.signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| CheckpointError::Malformed("signature is not 64 bytes of hex".into()))?;
        key.verify(
            &message(self.seq, &self.head_hash, self.time),
            &Signature::from_bytes(&sig),
        )
        .map_err(|_| CheckpointError::BadSignature)
    }

    /// Whether the log, as `entry` (the one now stored at `self.seq`, `None` if there is none)
    /// and `report` (a verification of the whole log) describe it, extends this checkpoint:
    /// the chain is intact, it reaches `seq`, and entry `seq` still has the signed hash.
    /// The signature is not checked here ([`Checkpoint::verify_signature`]).
    pub fn extended_by(
        &self,
        entry: Option<&AuditEntry>,
        report: &VerifyReport,
    ) -> Result<(), CheckpointError> {
        log_extends(self.seq, &self.head_hash, entry, report)
    }
}

/// Whether the log extends the statement "`seq` entries, the last with hash `head_hash`"
/// (a checkpoint's, signed or kept): see [`Checkpoint::extended_by`].
pub fn log_extends(
    seq: i64,
    head_hash: &str,
    entry: Option<&AuditEntry>,
    report: &VerifyReport,
) -> Result<(), CheckpointError> {
    let not = |why: String| CheckpointError::NotExtended { seq, why };
    if !report.ok {
        return Err(not(format!(
            "the log does not verify ({})",
            report.problem.as_deref().unwrap_or("unknown problem")
        )));
    }
    if seq == 0 {
        return Ok(());
    }
    match entry {
        None => Err(not(format!(
            "the log has {} entries, fewer than the {seq} signed",
            report.entries
        ))),
        Some(e) if e.hash != head_hash => Err(not(format!(
            "entry {seq} has hash {}, not the signed {head_hash}: the log was rewritten",
            e.hash
        ))),
        Some(_) => Ok(()),
    }
}

/// The cell's signing key.
pub struct CheckpointSigner {
    key: SigningKey,
}

impl CheckpointSigner {
    /// Loads the key from `data_dir/KEY_FILE`, creating it (mode 0600) when absent.
    ///
    /// # Errors
    /// The file cannot be read or written, or does not hold 32 bytes.
    pub fn load_or_create(data_dir: &Path) -> StoreResult<CheckpointSigner> {
        let path = data_dir.join(KEY_FILE);
        let io = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
        match std::fs::read(&path) {
            Ok(bytes) => {
                let seed: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
                    io(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("the audit signing key holds {} bytes, not 32", b.len()),
                    ))
                })?;
                Ok(CheckpointSigner {
                    key: SigningKey::from_bytes(&seed),
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = SigningKey::generate(&mut rand::rngs::OsRng);
                write_private(&path, &key.to_bytes()).map_err(io)?;
                Ok(CheckpointSigner { key })
            }
            Err(e) => Err(io(e)),
        }
    }

    /// A signer with a given seed (tests and tools).
    pub fn from_seed(seed: [u8; 32]) -> CheckpointSigner {
        CheckpointSigner {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// The public key, lowercase hex.
    pub fn public_key(&self) -> String {
        hex::encode(self.key.verifying_key().to_bytes())
    }

    /// Signs `(seq, head_hash)` at `time`.
    pub fn sign(&self, seq: i64, head_hash: &str, time: f64) -> Checkpoint {
        let sig = self.key.sign(&message(seq, head_hash, time));
        Checkpoint {
            seq,
            head_hash: head_hash.to_owned(),
            time,
            public_key: self.public_key(),
            signature: hex::encode(sig.to_bytes()),
        }
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(ok: bool, entries: usize) -> VerifyReport {
        VerifyReport {
            ok,
            entries,
            first_bad_seq: None,
            problem: (!ok).then(|| "hash mismatch at seq 3".into()),
            head_problem: false,
        }
    }

    fn entry(seq: i64, hash: &str) -> AuditEntry {
        AuditEntry {
            seq,
            time: 1.0,
            actor: "blue".into(),
            action: "x".into(),
            digest: String::new(),
            prev_hash: String::new(),
            hash: hash.into(),
            object: None,
        }
    }

    #[test]
    fn a_checkpoint_verifies_and_any_changed_field_does_not() {
        let s = CheckpointSigner::from_seed([7; 32]);
        let cp = s.sign(12, "ab".repeat(32).as_str(), 1.7e9 + 0.25);
        assert_eq!(cp.verify_signature(), Ok(()));
        let mut c = cp.clone();
        c.seq = 11;
        assert_eq!(c.verify_signature(), Err(CheckpointError::BadSignature));
        let mut c = cp.clone();
        c.head_hash = "cd".repeat(32);
        assert_eq!(c.verify_signature(), Err(CheckpointError::BadSignature));
        let mut c = cp.clone();
        c.time += 1.0;
        assert_eq!(c.verify_signature(), Err(CheckpointError::BadSignature));
        let mut c = cp.clone();
        c.public_key = CheckpointSigner::from_seed([8; 32]).public_key();
        assert_eq!(c.verify_signature(), Err(CheckpointError::BadSignature));
        let mut c = cp;
        c.signature = "00".into();
        assert!(matches!(
            c.verify_signature(),
            Err(CheckpointError::Malformed(_))
        ));
    }

    #[test]
    fn a_log_extends_a_checkpoint_only_through_the_signed_entry() {
        let s = CheckpointSigner::from_seed([7; 32]);
        let cp = s.sign(3, "h3", 1.0);
        assert_eq!(
            cp.extended_by(Some(&entry(3, "h3")), &report(true, 9)),
            Ok(())
        );
        let rewritten = cp.extended_by(Some(&entry(3, "x3")), &report(true, 9));
        assert!(
            matches!(&rewritten, Err(CheckpointError::NotExtended { seq: 3, why }) if why.contains("rewritten")),
            "{rewritten:?}"
        );
        let short = cp.extended_by(None, &report(true, 2));
        assert!(
            matches!(&short, Err(CheckpointError::NotExtended { why, .. }) if why.contains("fewer")),
            "{short:?}"
        );
        assert!(cp
            .extended_by(Some(&entry(3, "h3")), &report(false, 9))
            .is_err());
        assert_eq!(
            s.sign(0, "g", 1.0).extended_by(None, &report(true, 0)),
            Ok(())
        );
    }

    #[test]
    fn the_key_is_created_once_private_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let a = CheckpointSigner::load_or_create(dir.path()).unwrap();
        let b = CheckpointSigner::load_or_create(dir.path()).unwrap();
        assert_eq!(a.public_key(), b.public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(dir.path().join(KEY_FILE), b"short").unwrap();
        let e = CheckpointSigner::load_or_create(dir.path()).err().unwrap();
        assert!(e.to_string().contains("audit-signing.key"), "{e}");
    }
}
