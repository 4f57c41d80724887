//! The audit log's hash chain: how an entry's hash is computed and how a chain is verified.
//!
//! `hash = SHA-256(seq "\n" time "\n" actor "\n" action "\n" digest "\n" prev_hash)` with `seq` in
//! decimal, `time` as the shortest decimal that round-trips the `f64`, and hashes in lowercase
//! hex. `digest = SHA-256(payload)`, where the payload is the canonical JSON of the change.

use crate::types::AuditEntry;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 of a payload, lowercase hex.
pub fn payload_digest(payload: &[u8]) -> String {
    hex::encode(Sha256::digest(payload))
}

/// The object an audit payload concerns: its `id`, else the first of `token_id`,
/// `alert_id`, `reservation_id`, `request_id`, `message_id` and `party` that is a non-empty
/// string or a number. `None` for a payload that is not a JSON object or names none.
pub fn payload_object(payload: &serde_json::Value) -> Option<String> {
    const FIELDS: [&str; 7] = [
        "id",
        "token_id",
        "alert_id",
        "reservation_id",
        "request_id",
        "message_id",
        "party",
    ];
    let obj = payload.as_object()?;
    FIELDS.iter().find_map(|k| match obj.get(*k)? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// [`payload_object`] of stored payload bytes.
pub fn payload_object_of(bytes: &[u8]) -> Option<String> {
    payload_object(&serde_json::from_slice(bytes).ok()?)
}

/// The kinds of stored object whose content the log vouches for. Every audited change to one
/// of them carries, in its payload's `content` list, the SHA-256 of the object's stored content
/// after the change ([`content_sha256`]), or `null` when the change deleted it. Verify
/// recomputes each object's content and compares it with the last entry that named it, so a
/// row edited, added or deleted behind the log is found even though the chain itself is intact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    /// A party (`parties`).
    Party,
    /// An API token (`tokens`; only its hash is stored).
    Token,
    /// A conflict alert and its acknowledgements.
    Alert,
    /// A hotline message, its reads and acknowledgements.
    Message,
    /// A versioned document; its id is `collection/id`.
    Document,
    /// A reservation.
    Reservation,
    /// A request (a demarche).
    Request,
    /// An intrusion alert and its acknowledgements.
    Intrusion,
}

impl ObjectKind {
    /// Every kind, in the order verify checks them.
    pub const ALL: [ObjectKind; 8] = [
        ObjectKind::Party,
        ObjectKind::Token,
        ObjectKind::Alert,
        ObjectKind::Message,
        ObjectKind::Document,
        ObjectKind::Reservation,
        ObjectKind::Request,
        ObjectKind::Intrusion,
    ];

    /// The name written in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Party => "party",
            ObjectKind::Token => "token",
            ObjectKind::Alert => "alert",
            ObjectKind::Message => "message",
            ObjectKind::Document => "document",
            ObjectKind::Reservation => "reservation",
            ObjectKind::Request => "request",
            ObjectKind::Intrusion => "intrusion",
        }
    }

    /// The kind written as `name`.
    pub fn parse(name: &str) -> Option<ObjectKind> {
        ObjectKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// SHA-256 (lowercase hex) of an object's stored content: the canonical JSON of its rows, each
/// a JSON object of its table's columns (`"table"` naming the table), the object's own row
/// first and then its dependent rows in key order. Integers and reals are JSON numbers, text
/// strings, blobs lowercase hex, NULL `null`; keys sorted.
pub fn content_sha256(rows: &[serde_json::Value]) -> String {
    let bytes = serde_json::to_vec(rows).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

/// One object a change vouches for: `{ "kind", "id", "sha256" }` in an entry's `content` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentClaim {
    /// Its kind.
    pub kind: ObjectKind,
    /// Its id.
    pub id: String,
    /// Its content after the change; `None` when the change deleted it.
    pub sha256: Option<String>,
}

impl ContentClaim {
    /// The claim as written in a payload.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "kind": self.kind.as_str(), "id": self.id, "sha256": self.sha256 })
    }
}

/// The content claims of a stored payload (its `content` list); none for a payload without.
pub fn content_claims(payload: &[u8]) -> Vec<ContentClaim> {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(payload) else {
        return Vec::new();
    };
    let Some(list) = v.get("content").and_then(|c| c.as_array()) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|c| {
            Some(ContentClaim {
                kind: ObjectKind::parse(c.get("kind")?.as_str()?)?,
                id: c.get("id")?.as_str()?.to_owned(),
                sha256: c.get("sha256").and_then(|h| h.as_str()).map(str::to_owned),
            })
        })
        .collect()
}

/// `payload` with the `content` list of `claims` added (a payload that is not a JSON object is
/// kept under `change`).
pub fn with_content(payload: &serde_json::Value, claims: &[ContentClaim]) -> serde_json::Value {
    if claims.is_empty() {
        return payload.clone();
    }
    let mut obj = match payload {
        serde_json::Value::Object(m) => m.clone(),
        other => {
            let mut m = serde_json::Map::new();
            m.insert("change".into(), other.clone());
            m
        }
    };
    obj.insert(
        "content".into(),
        serde_json::Value::Array(claims.iter().map(ContentClaim::to_json).collect()),
    );
    serde_json::Value::Object(obj)
}

/// The last content the log vouches for, per object: `(kind, id) -> (seq, sha256)`.
pub type ContentLedger = std::collections::BTreeMap<(ObjectKind, String), (i64, Option<String>)>;

/// Checks the stored objects against the ledger built from the log. `current(kind, id)` is an
/// object's content hash as stored now (`None` when absent); `stored` lists every object now
/// stored. The first disagreement is returned as `(seq, problem)`: an object whose content
/// differs from (or which is missing against) the last entry naming it (with that entry's
/// seq), or one no entry names.
pub fn check_content(
    ledger: &ContentLedger,
    stored: &[(ObjectKind, String)],
    mut current: impl FnMut(ObjectKind, &str) -> Option<String>,
) -> Option<(Option<i64>, String)> {
    for ((kind, id), (seq, sha)) in ledger {
        let now = current(*kind, id);
        if &now != sha {
            let what = match (sha, &now) {
                (None, Some(_)) => "exists although the log deleted it",
                (Some(_), None) => "is missing although the log never deleted it",
                _ => "differs from its audited content",
            };
            return Some((
                Some(*seq),
                format!(
                    "{} {id} {what} (entry {seq}): it was changed outside the log",
                    kind.as_str()
                ),
            ));
        }
    }
    for (kind, id) in stored {
        if !ledger.contains_key(&(*kind, id.clone())) {
            return Some((
                None,
                format!(
                    "{} {id} is in the database but no audit entry records it: it was added outside the log",
                    kind.as_str()
                ),
            ));
        }
    }
    None
}

/// An entry's chained hash.
pub fn entry_hash(
    seq: i64,
    time: f64,
    actor: &str,
    action: &str,
    digest: &str,
    prev_hash: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(format!("{seq}\n{time:?}\n{actor}\n{action}\n{digest}\n{prev_hash}").as_bytes());
    hex::encode(h.finalize())
}

/// Outcome of verifying the chain.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct VerifyReport {
    /// Whether the whole chain is intact.
    pub ok: bool,
    /// How many entries were checked.
    pub entries: usize,
    /// The first entry found bad (or the sequence number where one is missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_bad_seq: Option<i64>,
    /// What is wrong, for a person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// The problem is with the recorded head (missing, or not the last entry written): the
    /// log may have been shortened, and a write cannot be chained to it.
    #[serde(skip)]
    pub head_problem: bool,
}

/// One stored row as the verifier sees it: the entry and, when the payload is kept, its bytes.
pub struct StoredEntry {
    /// The entry.
    pub entry: AuditEntry,
    /// The payload, when stored alongside.
    pub payload: Option<Vec<u8>>,
}

/// Verifies entries given in storage order (ascending rowid), against the recorded head
/// (`(seq, hash)` of the last entry written) when there is one.
pub fn verify_chain(
    rows: impl IntoIterator<Item = StoredEntry>,
    head: Option<(i64, String)>,
) -> VerifyReport {
    let mut prev = GENESIS_HASH.to_owned();
    let mut expected_seq = 1i64;
    let mut n = 0usize;
    let bad = |n: usize, seq: i64, problem: String| VerifyReport {
        ok: false,
        entries: n,
        first_bad_seq: Some(seq),
        problem: Some(problem),
        head_problem: false,
    };
    for row in rows {
        let e = &row.entry;
        n += 1;
        if e.seq != expected_seq {
            let problem = if e.seq > expected_seq {
                format!(
                    "entry {expected_seq} is missing (next entry found is {})",
                    e.seq
                )
            } else {
                format!("entry {} is out of order (expected {expected_seq})", e.seq)
            };
            return bad(n, expected_seq.min(e.seq), problem);
        }
        if let Some(p) = &row.payload {
            if payload_digest(p) != e.digest {
                return bad(
                    n,
                    e.seq,
                    format!("payload of entry {} does not match its digest", e.seq),
                );
            }
        }
        if e.prev_hash != prev {
            return bad(
                n,
                e.seq,
                format!("entry {} does not link to the previous entry", e.seq),
            );
        }
        let h = entry_hash(e.seq, e.time, &e.actor, &e.action, &e.digest, &e.prev_hash);
        if h != e.hash {
            return bad(n, e.seq, format!("hash mismatch at seq {}", e.seq));
        }
        prev = h;
        expected_seq += 1;
    }
    if head.is_none() && n > 0 {
        // Every write records the head in the same transaction; without it nothing shows
        // whether entries were cut from the end.
        return VerifyReport {
            head_problem: true,
            ..bad(
                n,
                expected_seq - 1,
                "audit head missing: the log may have been shortened".into(),
            )
        };
    }
    if let Some((head_seq, head_hash)) = head {
        let last = expected_seq - 1;
        if head_seq != last {
            return VerifyReport {
                head_problem: true,
                ..bad(
                    n,
                    last + 1,
                    format!("log ends at entry {last} but {head_seq} entries were written"),
                )
            };
        }
        if head_hash != prev {
            return VerifyReport {
                head_problem: true,
                ..bad(
                    n,
                    last,
                    format!("last entry {last} differs from the one written"),
                )
            };
        }
    }
    VerifyReport {
        ok: true,
        entries: n,
        first_bad_seq: None,
        problem: None,
        head_problem: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<StoredEntry> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let payload = format!("{{\"n\":{seq}}}").into_bytes();
                let digest = payload_digest(&payload);
                let time = 1.7e9 + seq as f64 * 0.25;
                let hash = entry_hash(seq, time, "blue", "x", &digest, &prev);
                let e = AuditEntry {
                    seq,
                    time,
                    actor: "blue".into(),
                    action: "x".into(),
                    digest,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                    object: None,
                };
                prev = hash;
                StoredEntry {
                    entry: e,
                    payload: Some(payload),
                }
            })
            .collect()
    }

    fn head(rows: &[StoredEntry]) -> Option<(i64, String)> {
        rows.last().map(|r| (r.entry.seq, r.entry.hash.clone()))
    }

    #[test]
    fn intact_chain_verifies() {
        let rows = chain(5);
        let h = head(&rows);
        let r = verify_chain(rows, h);
        assert!(r.ok, "{r:?}");
        assert_eq!(r.entries, 5);
    }

    #[test]
    fn altered_actor_is_found() {
        let mut rows = chain(5);
        let h = head(&rows);
        rows[2].entry.actor = "red".into();
        let r = verify_chain(rows, h);
        assert_eq!(r.first_bad_seq, Some(3));
    }

    #[test]
    fn altered_payload_is_found() {
        let mut rows = chain(5);
        let h = head(&rows);
        rows[1].payload = Some(b"{}".to_vec());
        assert_eq!(verify_chain(rows, h).first_bad_seq, Some(2));
    }

    #[test]
    fn removed_entry_is_found() {
        let mut rows = chain(5);
        let h = head(&rows);
        rows.remove(3);
        let r = verify_chain(rows, h);
        assert_eq!(r.first_bad_seq, Some(4));
    }

    #[test]
    fn truncated_tail_is_found_through_the_head() {
        let mut rows = chain(5);
        let h = head(&rows);
        rows.pop();
        let r = verify_chain(rows, h);
        assert!(!r.ok);
        assert_eq!(r.first_bad_seq, Some(5));
    }

    #[test]
    fn swapped_entries_are_found() {
        let mut rows = chain(5);
        let h = head(&rows);
        rows.swap(1, 2);
        let r = verify_chain(rows, h);
        assert_eq!(r.first_bad_seq, Some(2));
    }

    #[test]
    fn renumbered_swap_is_found() {
        // Swap the contents of entries 2 and 3 but keep seq numbers in order.
        let mut rows = chain(5);
        let h = head(&rows);
        let (a, b) = (rows[1].entry.clone(), rows[2].entry.clone());
        rows[1].entry = AuditEntry { seq: 2, ..b };
        rows[2].entry = AuditEntry { seq: 3, ..a };
        let p1 = rows[1].payload.take();
        rows[1].payload = std::mem::replace(&mut rows[2].payload, p1);
        let r = verify_chain(rows, h);
        assert_eq!(r.first_bad_seq, Some(2));
    }

    #[test]
    fn an_entry_names_the_object_its_payload_concerns() {
        use serde_json::json;
        assert_eq!(
            payload_object(&json!({"id": "r-2", "party": "blue"})).as_deref(),
            Some("r-2")
        );
        assert_eq!(
            payload_object(&json!({"party": "blue", "token_id": "5aaa"})).as_deref(),
            Some("5aaa")
        );
        assert_eq!(
            payload_object(&json!({"id": "", "party": "red"})).as_deref(),
            Some("red")
        );
        assert_eq!(payload_object(&json!({"id": 42})).as_deref(), Some("42"));
        assert_eq!(payload_object(&json!({"body": {"id": "x"}})), None);
        assert_eq!(payload_object(&json!([1, 2])), None);
        assert_eq!(payload_object_of(b"not json"), None);
    }
}
