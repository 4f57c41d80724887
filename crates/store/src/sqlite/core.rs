//! The [`Store`] implementation: parties, tokens, conflict alerts (with their
//! acknowledgements), hotline messages and the audit log. The generic documents' SQL is
//! `sqlite::strategic`'s (versioned records live there); this file only forwards to it.

use super::strategic;
use super::tx::{
    append_audit, audit_head, audited, commit, content_of, now_s, stored_ids, Obj, ALERT_ACKS,
};
use super::SqliteStore;
use crate::audit::{self, ObjectKind, StoredEntry, VerifyReport};
use crate::backend::Store;
use crate::error::{StoreError, StoreResult};
use crate::types::{
    AlertRecord, AlertState, AuditEntry, Message, NewMessage, Party, Role, Sharing, SharingMode,
    TokenRecord,
};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeMap;

fn party_from_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(String, String, String, String, f64, f64)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn make_party(t: (String, String, String, String, f64, f64)) -> Party {
    let (id, name, role, mode, range_nm, alt_ft) = t;
    Party {
        id,
        name,
        // CHECK constraints keep these parseable; fall back to the least privileged value.
        role: Role::parse(&role).unwrap_or(Role::Observer),
        sharing: Sharing {
            mode: SharingMode::parse(&mode).unwrap_or(SharingMode::AlertsOnly),
            range_nm,
            alt_ft,
        },
    }
}

const PARTY_COLS: &str = "id, name, role, sharing_mode, range_nm, alt_ft";
const TOKEN_COLS: &str = "id, party, hash, revoked, created_at";
const ALERT_COLS: &str =
    "id, a, b, a_party, b_party, level, state, raised_at, updated_at, cleared_at, detail";

fn token_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRecord> {
    Ok(TokenRecord {
        id: r.get(0)?,
        party: r.get(1)?,
        hash_hex: r.get(2)?,
        revoked: r.get::<_, i64>(3)? != 0,
        created_at: r.get(4)?,
    })
}

fn get_party_tx(c: &Connection, id: &str) -> StoreResult<Option<Party>> {
    Ok(c.query_row(
        &format!("SELECT {PARTY_COLS} FROM parties WHERE id = ?1"),
        [id],
        party_from_row,
    )
    .optional()?
    .map(make_party))
}

fn get_alert_tx(c: &Connection, id: &str) -> StoreResult<Option<AlertRecord>> {
    let row = c
        .query_row(
            &format!("SELECT {ALERT_COLS} FROM alerts WHERE id = ?1"),
            [id],
            alert_row,
        )
        .optional()?;
    match row {
        None => Ok(None),
        Some(r) => Ok(Some(finish_alert(c, r)?)),
    }
}

type AlertRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    String,
    f64,
    f64,
    Option<f64>,
    String,
);

fn alert_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AlertRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
    ))
}

fn finish_alert(c: &Connection, r: AlertRow) -> StoreResult<AlertRecord> {
    let (id, a, b, a_party, b_party, level, state, raised_at, updated_at, cleared_at, detail) = r;
    let mut acks = BTreeMap::new();
    for p in a_party.iter().chain(b_party.iter()) {
        acks.insert(p.clone(), false);
    }
    let mut stmt = c.prepare_cached("SELECT party FROM alert_acks WHERE alert_id = ?1")?;
    let parties = stmt.query_map([&id], |r| r.get::<_, String>(0))?;
    for p in parties {
        acks.insert(p?, true);
    }
    let state = AlertState::parse(&state).ok_or_else(|| StoreError::Corrupt {
        kind: "alert",
        id: id.clone(),
        what: format!("unknown state {state:?}"),
    })?;
    Ok(AlertRecord {
        id,
        a,
        b,
        a_party,
        b_party,
        level: level.clamp(0, 255) as u8,
        state,
        raised_at,
        updated_at,
        cleared_at,
        acks,
        detail: serde_json::from_str(&detail)?,
    })
}

fn get_message_tx(c: &Connection, id: i64, viewer: &str) -> StoreResult<Option<Message>> {
    let row = c
        .query_row(
            "SELECT id, sender, recipient, subject, body, sent_at FROM messages WHERE id = ?1",
            [id],
            message_row,
        )
        .optional()?;
    match row {
        None => Ok(None),
        Some(m) => Ok(Some(finish_message(c, m, viewer)?)),
    }
}

fn message_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        id: r.get(0)?,
        from: r.get(1)?,
        to: r.get(2)?,
        subject: r.get(3)?,
        body: r.get(4)?,
        sent_at: r.get(5)?,
        read: false,
        acks: Vec::new(),
        read_by: Vec::new(),
    })
}

fn finish_message(c: &Connection, mut m: Message, viewer: &str) -> StoreResult<Message> {
    m.read = m.from == viewer
        || c.query_row(
            "SELECT 1 FROM message_reads WHERE message_id = ?1 AND party = ?2",
            params![m.id, viewer],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    let mut stmt =
        c.prepare_cached("SELECT party FROM message_reads WHERE message_id = ?1 ORDER BY party")?;
    m.read_by = stmt
        .query_map([m.id], |r| r.get::<_, String>(0))?
        .collect::<Result<_, _>>()?;
    let mut stmt = c.prepare_cached(
        "SELECT party FROM message_acks WHERE message_id = ?1 ORDER BY time, party",
    )?;
    m.acks = stmt
        .query_map([m.id], |r| r.get::<_, String>(0))?
        .collect::<Result<_, _>>()?;
    Ok(m)
}

impl Store for SqliteStore {
    fn create_party(&self, actor: &str, party: &Party) -> StoreResult<()> {
        let payload = serde_json::to_value(party)?;
        audited(
            &mut *self.lock()?,
            actor,
            "party.create",
            &payload,
            |tx| {
                if get_party_tx(tx, &party.id)?.is_some() {
                    return Err(StoreError::AlreadyExists {
                        kind: "party",
                        id: party.id.clone(),
                    });
                }
                tx.execute(
                "INSERT INTO parties (id, name, role, sharing_mode, range_nm, alt_ft, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    party.id,
                    party.name,
                    party.role.as_str(),
                    party.sharing.mode.as_str(),
                    party.sharing.range_nm,
                    party.sharing.alt_ft,
                    now_s()
                ],
            )?;
                Ok(())
            },
            |_| vec![Obj::new(ObjectKind::Party, &party.id)],
        )
    }

    fn list_parties(&self) -> StoreResult<Vec<Party>> {
        let c = self.lock()?;
        let mut stmt =
            c.prepare_cached(&format!("SELECT {PARTY_COLS} FROM parties ORDER BY id"))?;
        let rows = stmt.query_map([], party_from_row)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(make_party(r?));
        }
        Ok(out)
    }

    fn get_party(&self, id: &str) -> StoreResult<Option<Party>> {
        let c = self.lock()?;
        get_party_tx(&c, id)
    }

    fn set_sharing(&self, actor: &str, party: &str, sharing: &Sharing) -> StoreResult<Party> {
        let payload = serde_json::json!({ "party": party, "sharing": sharing });
        audited(
            &mut *self.lock()?,
            actor,
            "party.sharing",
            &payload,
            |tx| {
                let n = tx.execute(
                "UPDATE parties SET sharing_mode = ?2, range_nm = ?3, alt_ft = ?4 WHERE id = ?1",
                params![
                    party,
                    sharing.mode.as_str(),
                    sharing.range_nm,
                    sharing.alt_ft
                ],
            )?;
                if n == 0 {
                    return Err(StoreError::NotFound {
                        kind: "party",
                        id: party.to_owned(),
                    });
                }
                get_party_tx(tx, party)?.ok_or_else(|| StoreError::NotFound {
                    kind: "party",
                    id: party.to_owned(),
                })
            },
            |_| vec![Obj::new(ObjectKind::Party, party)],
        )
    }

    fn create_token(
        &self,
        actor: &str,
        token_id: &str,
        party: &str,
        hash_hex: &str,
    ) -> StoreResult<TokenRecord> {
        // The hash is not put in the audit payload: the log is readable by the cell.
        let payload = serde_json::json!({ "token_id": token_id, "party": party });
        audited(
            &mut *self.lock()?,
            actor,
            "token.issue",
            &payload,
            |tx| {
                if get_party_tx(tx, party)?.is_none() {
                    return Err(StoreError::NotFound {
                        kind: "party",
                        id: party.to_owned(),
                    });
                }
                let created_at = now_s();
                let n = tx.execute(
                "INSERT OR IGNORE INTO tokens (id, party, hash, revoked, created_at) VALUES (?1, ?2, ?3, 0, ?4)",
                params![token_id, party, hash_hex, created_at],
            )?;
                if n == 0 {
                    return Err(StoreError::AlreadyExists {
                        kind: "token",
                        id: token_id.to_owned(),
                    });
                }
                Ok(TokenRecord {
                    id: token_id.to_owned(),
                    party: party.to_owned(),
                    hash_hex: hash_hex.to_owned(),
                    revoked: false,
                    created_at,
                })
            },
            |_| vec![Obj::new(ObjectKind::Token, token_id)],
        )
    }

    fn get_token(&self, token_id: &str) -> StoreResult<Option<TokenRecord>> {
        let c = self.lock()?;
        Ok(c.query_row(
            &format!("SELECT {TOKEN_COLS} FROM tokens WHERE id = ?1"),
            [token_id],
            token_from_row,
        )
        .optional()?)
    }

    fn list_tokens(&self) -> StoreResult<Vec<TokenRecord>> {
        let c = self.lock()?;
        let mut stmt = c.prepare_cached(&format!("SELECT {TOKEN_COLS} FROM tokens ORDER BY id"))?;
        let rows = stmt
            .query_map([], token_from_row)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    fn revoke_token(&self, actor: &str, token_id: &str) -> StoreResult<TokenRecord> {
        let payload = serde_json::json!({ "token_id": token_id });
        audited(
            &mut *self.lock()?,
            actor,
            "token.revoke",
            &payload,
            |tx| {
                let n = tx.execute(
                "UPDATE tokens SET revoked = 1, revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
                params![token_id, now_s()],
            )?;
                if n == 0 {
                    return Err(StoreError::NotFound {
                        kind: "token",
                        id: token_id.to_owned(),
                    });
                }
                Ok(tx.query_row(
                    &format!("SELECT {TOKEN_COLS} FROM tokens WHERE id = ?1"),
                    [token_id],
                    token_from_row,
                )?)
            },
            |_| vec![Obj::new(ObjectKind::Token, token_id)],
        )
    }

    fn upsert_alert(&self, actor: &str, action: &str, alert: &AlertRecord) -> StoreResult<()> {
        self.record_alerts(actor, &[(action.to_owned(), alert.clone())])
            .map(|_| ())
    }

    fn record_alerts(
        &self,
        actor: &str,
        events: &[(String, AlertRecord)],
    ) -> StoreResult<Vec<AlertRecord>> {
        commit(&mut *self.lock()?, |tx| {
            let mut out = Vec::with_capacity(events.len());
            for (action, alert) in events {
                let payload = serde_json::to_value(alert)?;
                let detail = serde_json::to_string(&alert.detail)?;
                let old_level = ALERT_ACKS.stored_level(tx, &alert.id)?;
                tx.execute(
                "INSERT INTO alerts (id, a, b, a_party, b_party, level, state, raised_at, updated_at, cleared_at, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT(id) DO UPDATE SET level = ?6, state = ?7, updated_at = ?9, cleared_at = ?10, detail = ?11",
                params![
                    alert.id,
                    alert.a,
                    alert.b,
                    alert.a_party,
                    alert.b_party,
                    alert.level,
                    alert.state.as_str(),
                    alert.raised_at,
                    alert.updated_at,
                    alert.cleared_at,
                    detail
                ],
            )?;
                ALERT_ACKS.reset_on_escalation(tx, &alert.id, old_level, alert.level)?;
                append_audit(
                    tx,
                    actor,
                    action,
                    &payload,
                    &[Obj::new(ObjectKind::Alert, &alert.id)],
                )?;
                out.push(
                    get_alert_tx(tx, &alert.id)?.ok_or_else(|| StoreError::NotFound {
                        kind: "alert",
                        id: alert.id.clone(),
                    })?,
                );
            }
            Ok(out)
        })
    }

    fn get_alert(&self, id: &str) -> StoreResult<Option<AlertRecord>> {
        let c = self.lock()?;
        get_alert_tx(&c, id)
    }

    fn list_alerts(&self, cleared_since: Option<f64>) -> StoreResult<Vec<AlertRecord>> {
        let c = self.lock()?;
        let mut stmt = c.prepare_cached(&format!(
            "SELECT {ALERT_COLS} FROM alerts WHERE cleared_at IS NULL OR (?1 IS NOT NULL AND cleared_at >= ?1) ORDER BY raised_at, id"
        ))?;
        let rows: Vec<AlertRow> = stmt
            .query_map([cleared_since], alert_row)?
            .collect::<Result<_, _>>()?;
        drop(stmt);
        rows.into_iter().map(|r| finish_alert(&c, r)).collect()
    }

    fn ack_alert(&self, actor: &str, alert_id: &str, party: &str) -> StoreResult<AlertRecord> {
        let payload = serde_json::json!({ "alert_id": alert_id, "party": party });
        audited(
            &mut *self.lock()?,
            actor,
            "alert.ack",
            &payload,
            |tx| {
                if get_alert_tx(tx, alert_id)?.is_none() {
                    return Err(StoreError::NotFound {
                        kind: "alert",
                        id: alert_id.to_owned(),
                    });
                }
                tx.execute(
                    "INSERT OR IGNORE INTO alert_acks (alert_id, party, time) VALUES (?1, ?2, ?3)",
                    params![alert_id, party, now_s()],
                )?;
                get_alert_tx(tx, alert_id)?.ok_or_else(|| StoreError::NotFound {
                    kind: "alert",
                    id: alert_id.to_owned(),
                })
            },
            |_| vec![Obj::new(ObjectKind::Alert, alert_id)],
        )
    }

    fn purge_alerts(&self, actor: &str, before: f64) -> StoreResult<usize> {
        // Audited only when something is deleted, so the periodic retention run does not fill
        // the log with empty purges.
        commit(&mut *self.lock()?, |tx| {
            let ids: Vec<String> = tx
                .prepare("SELECT id FROM alerts WHERE cleared_at IS NOT NULL AND cleared_at < ?1 ORDER BY id")?
                .query_map([before], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let n = tx.execute(
                "DELETE FROM alerts WHERE cleared_at IS NOT NULL AND cleared_at < ?1",
                [before],
            )?;
            if n > 0 {
                let payload = serde_json::json!({ "cleared_before": before, "deleted": n });
                let gone: Vec<Obj> = ids
                    .iter()
                    .map(|id| Obj::new(ObjectKind::Alert, id))
                    .collect();
                append_audit(tx, actor, "alert.purge", &payload, &gone)?;
            }
            Ok(n)
        })
    }

    fn send_message(&self, actor: &str, message: &NewMessage) -> StoreResult<Message> {
        let payload = serde_json::to_value(message)?;
        audited(
            &mut *self.lock()?,
            actor,
            "message.send",
            &payload,
            |tx| {
                tx.execute(
                "INSERT INTO messages (sender, recipient, subject, body, sent_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![message.from, message.to, message.subject, message.body, now_s()],
            )?;
                let id = tx.last_insert_rowid();
                get_message_tx(tx, id, &message.from)?.ok_or(StoreError::NotFound {
                    kind: "message",
                    id: id.to_string(),
                })
            },
            |m| vec![Obj::new(ObjectKind::Message, m.id.to_string())],
        )
    }

    fn get_message(&self, id: i64, viewer: &str) -> StoreResult<Option<Message>> {
        let c = self.lock()?;
        get_message_tx(&c, id, viewer)
    }

    fn list_messages(&self, viewer: Option<&str>) -> StoreResult<Vec<Message>> {
        let c = self.lock()?;
        let mut stmt = c.prepare_cached(
            "SELECT id, sender, recipient, subject, body, sent_at FROM messages
             WHERE ?1 IS NULL OR recipient IS NULL OR recipient = ?1 OR sender = ?1 ORDER BY id",
        )?;
        let rows: Vec<Message> = stmt
            .query_map([viewer], message_row)?
            .collect::<Result<_, _>>()?;
        drop(stmt);
        let who = viewer.unwrap_or("");
        rows.into_iter()
            .map(|m| finish_message(&c, m, who))
            .collect()
    }

    fn mark_message_read(&self, actor: &str, id: i64, party: &str) -> StoreResult<Message> {
        let payload = serde_json::json!({ "message_id": id, "party": party });
        audited(
            &mut *self.lock()?,
            actor,
            "message.read",
            &payload,
            |tx| {
                if get_message_tx(tx, id, party)?.is_none() {
                    return Err(StoreError::NotFound {
                        kind: "message",
                        id: id.to_string(),
                    });
                }
                tx.execute(
                "INSERT OR IGNORE INTO message_reads (message_id, party, time) VALUES (?1, ?2, ?3)",
                params![id, party, now_s()],
            )?;
                get_message_tx(tx, id, party)?.ok_or(StoreError::NotFound {
                    kind: "message",
                    id: id.to_string(),
                })
            },
            |_| vec![Obj::new(ObjectKind::Message, id.to_string())],
        )
    }

    fn ack_message(&self, actor: &str, id: i64, party: &str) -> StoreResult<Message> {
        let payload = serde_json::json!({ "message_id": id, "party": party });
        audited(
            &mut *self.lock()?,
            actor,
            "message.ack",
            &payload,
            |tx| {
                if get_message_tx(tx, id, party)?.is_none() {
                    return Err(StoreError::NotFound {
                        kind: "message",
                        id: id.to_string(),
                    });
                }
                let t = now_s();
                tx.execute(
                "INSERT OR IGNORE INTO message_acks (message_id, party, time) VALUES (?1, ?2, ?3)",
                params![id, party, t],
            )?;
                tx.execute(
                "INSERT OR IGNORE INTO message_reads (message_id, party, time) VALUES (?1, ?2, ?3)",
                params![id, party, t],
            )?;
                get_message_tx(tx, id, party)?.ok_or(StoreError::NotFound {
                    kind: "message",
                    id: id.to_string(),
                })
            },
            |_| vec![Obj::new(ObjectKind::Message, id.to_string())],
        )
    }

    fn put_document(
        &self,
        actor: &str,
        action: &str,
        collection: &str,
        id: &str,
        body: &serde_json::Value,
        expected_version: Option<i64>,
    ) -> StoreResult<i64> {
        strategic::put_document(
            &mut *self.lock()?,
            actor,
            action,
            collection,
            id,
            body,
            expected_version,
        )
    }

    fn get_document(
        &self,
        collection: &str,
        id: &str,
    ) -> StoreResult<Option<(serde_json::Value, i64)>> {
        strategic::get_document(&*self.lock()?, collection, id)
    }

    fn list_documents(
        &self,
        collection: &str,
    ) -> StoreResult<Vec<(String, serde_json::Value, i64)>> {
        strategic::list_documents(&*self.lock()?, collection)
    }

    fn append_audit(
        &self,
        actor: &str,
        action: &str,
        payload: &serde_json::Value,
    ) -> StoreResult<AuditEntry> {
        commit(&mut *self.lock()?, |tx| {
            append_audit(tx, actor, action, payload, &[])
        })
    }

    fn audit_entries(&self, after: i64, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        let c = self.lock()?;
        let mut stmt = c.prepare_cached(
            "SELECT seq, time, actor, action, digest, prev_hash, hash, payload FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![after, limit as i64], |r| {
                let payload: Option<Vec<u8>> = r.get(7)?;
                Ok(AuditEntry {
                    seq: r.get(0)?,
                    time: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    digest: r.get(4)?,
                    prev_hash: r.get(5)?,
                    hash: r.get(6)?,
                    object: payload.as_deref().and_then(audit::payload_object_of),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    fn audit_head(&self) -> StoreResult<Option<(i64, String)>> {
        audit_head(&*self.lock()?)
    }

    fn verify_audit(&self) -> StoreResult<VerifyReport> {
        let c = self.lock()?;
        let head = audit_head(&c)?;
        // Storage order (rowid), not ORDER BY seq: a reordering must not be hidden by sorting.
        let mut stmt = c.prepare("SELECT seq, time, actor, action, digest, prev_hash, hash, payload FROM audit ORDER BY rowid")?;
        let rows: Vec<StoredEntry> = stmt
            .query_map([], |r| {
                Ok(StoredEntry {
                    entry: AuditEntry {
                        seq: r.get(0)?,
                        time: r.get(1)?,
                        actor: r.get(2)?,
                        action: r.get(3)?,
                        digest: r.get(4)?,
                        prev_hash: r.get(5)?,
                        hash: r.get(6)?,
                        object: None,
                    },
                    payload: r.get(7)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        drop(stmt);
        // The content each entry vouches for, last entry per object winning.
        let mut ledger = audit::ContentLedger::new();
        for r in &rows {
            if let Some(p) = &r.payload {
                for claim in audit::content_claims(p) {
                    ledger.insert((claim.kind, claim.id), (r.entry.seq, claim.sha256));
                }
            }
        }
        let report = audit::verify_chain(rows, head);
        if !report.ok {
            return Ok(report);
        }
        let mut stored = Vec::new();
        for kind in ObjectKind::ALL {
            for id in stored_ids(&c, kind)? {
                stored.push((kind, id));
            }
        }
        let mut failed = None;
        let found = audit::check_content(&ledger, &stored, |kind, id| {
            content_of(&c, kind, id).unwrap_or_else(|e| {
                failed = Some(e);
                None
            })
        });
        if let Some(e) = failed {
            return Err(e);
        }
        Ok(match found {
            None => report,
            Some((seq, problem)) => VerifyReport {
                ok: false,
                first_bad_seq: seq,
                problem: Some(problem),
                ..report
            },
        })
    }
}
