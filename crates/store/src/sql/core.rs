//! [`Store`] for every [`Backend`]: parties, tokens, conflict alerts (with their
//! acknowledgements), hotline messages, the generic documents and the audit log.

use super::strategic::{check_version, not_found};
use super::tx::{
    append_audit, audit_head, audited, content_of, fenced, now_s, stored_ids, Obj, ALERT_ACKS,
};
use super::{vals, Backend, Row, Tx};
use crate::audit::{self, ObjectKind, StoredEntry, VerifyReport};
use crate::backend::Store;
use crate::error::{StoreError, StoreResult};
use crate::types::{
    AlertRecord, AlertState, AuditEntry, Lease, Message, NewMessage, Party, RelayBatch, Role,
    Sharing, SharingMode, TokenRecord,
};
use std::collections::BTreeMap;

const PARTY_COLS: &str = "id, name, role, sharing_mode, range_nm, alt_ft";
const TOKEN_COLS: &str = "id, party, hash, revoked, created_at";
const ALERT_COLS: &str =
    "id, a, b, a_party, b_party, level, state, raised_at, updated_at, cleared_at, detail";
const MESSAGE_COLS: &str = "id, sender, recipient, subject, body, sent_at";
const AUDIT_COLS: &str = "seq, time, actor, action, digest, prev_hash, hash, payload";

fn party_of(r: &Row) -> StoreResult<Party> {
    Ok(Party {
        id: r.text(0)?,
        name: r.text(1)?,
        // CHECK constraints keep these parseable; fall back to the least privileged value.
        role: Role::parse(&r.text(2)?).unwrap_or(Role::Observer),
        sharing: Sharing {
            mode: SharingMode::parse(&r.text(3)?).unwrap_or(SharingMode::AlertsOnly),
            range_nm: r.real(4)?,
            alt_ft: r.real(5)?,
        },
    })
}

fn token_of(r: &Row) -> StoreResult<TokenRecord> {
    Ok(TokenRecord {
        id: r.text(0)?,
        party: r.text(1)?,
        hash_hex: r.text(2)?,
        revoked: r.int(3)? != 0,
        created_at: r.real(4)?,
    })
}

fn get_party_tx(tx: &mut dyn Tx, id: &str) -> StoreResult<Option<Party>> {
    tx.query_opt(
        &format!("SELECT {PARTY_COLS} FROM parties WHERE id = ?1"),
        vals![id],
    )?
    .map(|r| party_of(&r))
    .transpose()
}

fn get_token_tx(tx: &mut dyn Tx, id: &str) -> StoreResult<Option<TokenRecord>> {
    tx.query_opt(
        &format!("SELECT {TOKEN_COLS} FROM tokens WHERE id = ?1"),
        vals![id],
    )?
    .map(|r| token_of(&r))
    .transpose()
}

fn alert_of(tx: &mut dyn Tx, r: &Row) -> StoreResult<AlertRecord> {
    let id = r.text(0)?;
    let (a_party, b_party) = (r.opt_text(3)?, r.opt_text(4)?);
    let mut acks = BTreeMap::new();
    for p in a_party.iter().chain(b_party.iter()) {
        acks.insert(p.clone(), false);
    }
    for p in tx.query(
        "SELECT party FROM alert_acks WHERE alert_id = ?1",
        vals![&id],
    )? {
        acks.insert(p.text(0)?, true);
    }
    let state = r.text(6)?;
    let state = AlertState::parse(&state).ok_or_else(|| StoreError::Corrupt {
        kind: "alert",
        id: id.clone(),
        what: format!("unknown state {state:?}"),
    })?;
    Ok(AlertRecord {
        a: r.text(1)?,
        b: r.text(2)?,
        a_party,
        b_party,
        level: r.int(5)?.clamp(0, 255) as u8,
        state,
        raised_at: r.real(7)?,
        updated_at: r.real(8)?,
        cleared_at: r.opt_real(9)?,
        acks,
        detail: serde_json::from_str(&r.text(10)?)?,
        id,
    })
}

fn get_alert_tx(tx: &mut dyn Tx, id: &str) -> StoreResult<Option<AlertRecord>> {
    match tx.query_opt(
        &format!("SELECT {ALERT_COLS} FROM alerts WHERE id = ?1"),
        vals![id],
    )? {
        None => Ok(None),
        Some(r) => alert_of(tx, &r).map(Some),
    }
}

fn message_of(tx: &mut dyn Tx, r: &Row, viewer: &str) -> StoreResult<Message> {
    let id = r.int(0)?;
    let from = r.text(1)?;
    let read_by: Vec<String> = tx
        .query(
            "SELECT party FROM message_reads WHERE message_id = ?1 ORDER BY party",
            vals![id],
        )?
        .iter()
        .map(|r| r.text(0))
        .collect::<StoreResult<_>>()?;
    let acks = tx
        .query(
            "SELECT party FROM message_acks WHERE message_id = ?1 ORDER BY time, party",
            vals![id],
        )?
        .iter()
        .map(|r| r.text(0))
        .collect::<StoreResult<_>>()?;
    Ok(Message {
        id,
        read: from == viewer || read_by.iter().any(|p| p == viewer),
        from,
        to: r.opt_text(2)?,
        subject: r.text(3)?,
        body: r.text(4)?,
        sent_at: r.real(5)?,
        acks,
        read_by,
    })
}

fn get_message_tx(tx: &mut dyn Tx, id: i64, viewer: &str) -> StoreResult<Option<Message>> {
    match tx.query_opt(
        &format!("SELECT {MESSAGE_COLS} FROM messages WHERE id = ?1"),
        vals![id],
    )? {
        None => Ok(None),
        Some(r) => message_of(tx, &r, viewer).map(Some),
    }
}

fn entry_of(r: &Row) -> StoreResult<AuditEntry> {
    Ok(AuditEntry {
        seq: r.int(0)?,
        time: r.real(1)?,
        actor: r.text(2)?,
        action: r.text(3)?,
        digest: r.text(4)?,
        prev_hash: r.text(5)?,
        hash: r.text(6)?,
        object: None,
    })
}

/// Records a message's read (and, with `ack`, its acknowledgement) by `party`.
fn mark_message<B: Backend>(
    db: &B,
    actor: &str,
    id: i64,
    party: &str,
    ack: bool,
) -> StoreResult<Message> {
    let payload = serde_json::json!({ "message_id": id, "party": party });
    let action = if ack { "message.ack" } else { "message.read" };
    let missing = || StoreError::NotFound {
        kind: "message",
        id: id.to_string(),
    };
    audited(
        db,
        actor,
        action,
        &payload,
        |tx| {
            if get_message_tx(tx, id, party)?.is_none() {
                return Err(missing());
            }
            let t = now_s();
            if ack {
                tx.execute(
                    "INSERT INTO message_acks (message_id, party, time) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                    vals![id, party, t],
                )?;
            }
            tx.execute(
                "INSERT INTO message_reads (message_id, party, time) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                vals![id, party, t],
            )?;
            get_message_tx(tx, id, party)?.ok_or_else(missing)
        },
        |_| vec![Obj::new(ObjectKind::Message, id.to_string())],
    )
}

impl<B: Backend> Store for B {
    fn create_party(&self, actor: &str, party: &Party) -> StoreResult<()> {
        let payload = serde_json::to_value(party)?;
        audited(
            self,
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
                    vals![
                        &party.id,
                        &party.name,
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
        self.read(&mut |tx| {
            tx.query(
                &format!("SELECT {PARTY_COLS} FROM parties ORDER BY id"),
                &[],
            )?
            .iter()
            .map(party_of)
            .collect()
        })
    }

    fn get_party(&self, id: &str) -> StoreResult<Option<Party>> {
        self.read(&mut |tx| get_party_tx(tx, id))
    }

    fn set_sharing(&self, actor: &str, party: &str, sharing: &Sharing) -> StoreResult<Party> {
        let payload = serde_json::json!({ "party": party, "sharing": sharing });
        let missing = || StoreError::NotFound {
            kind: "party",
            id: party.to_owned(),
        };
        audited(
            self,
            actor,
            "party.sharing",
            &payload,
            |tx| {
                let n = tx.execute(
                    "UPDATE parties SET sharing_mode = ?2, range_nm = ?3, alt_ft = ?4 WHERE id = ?1",
                    vals![party, sharing.mode.as_str(), sharing.range_nm, sharing.alt_ft],
                )?;
                if n == 0 {
                    return Err(missing());
                }
                get_party_tx(tx, party)?.ok_or_else(missing)
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
            self,
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
                    "INSERT INTO tokens (id, party, hash, revoked, created_at) VALUES (?1, ?2, ?3, 0, ?4) ON CONFLICT DO NOTHING",
                    vals![token_id, party, hash_hex, created_at],
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
        self.read(&mut |tx| get_token_tx(tx, token_id))
    }

    fn list_tokens(&self) -> StoreResult<Vec<TokenRecord>> {
        self.read(&mut |tx| {
            tx.query(&format!("SELECT {TOKEN_COLS} FROM tokens ORDER BY id"), &[])?
                .iter()
                .map(token_of)
                .collect()
        })
    }

    fn revoke_token(&self, actor: &str, token_id: &str) -> StoreResult<TokenRecord> {
        let payload = serde_json::json!({ "token_id": token_id });
        let missing = || StoreError::NotFound {
            kind: "token",
            id: token_id.to_owned(),
        };
        audited(
            self,
            actor,
            "token.revoke",
            &payload,
            |tx| {
                let n = tx.execute(
                    "UPDATE tokens SET revoked = 1, revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
                    vals![token_id, now_s()],
                )?;
                if n == 0 {
                    return Err(missing());
                }
                get_token_tx(tx, token_id)?.ok_or_else(missing)
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
        fenced(self, |tx| {
            let mut out = Vec::with_capacity(events.len());
            for (action, alert) in events {
                let payload = serde_json::to_value(alert)?;
                let detail = serde_json::to_string(&alert.detail)?;
                let old_level = ALERT_ACKS.stored_level(tx, &alert.id)?;
                tx.execute(
                    "INSERT INTO alerts (id, a, b, a_party, b_party, level, state, raised_at, updated_at, cleared_at, detail)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                     ON CONFLICT (id) DO UPDATE SET level = excluded.level, state = excluded.state, updated_at = excluded.updated_at, cleared_at = excluded.cleared_at, detail = excluded.detail",
                    vals![
                        &alert.id,
                        &alert.a,
                        &alert.b,
                        &alert.a_party,
                        &alert.b_party,
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
        self.read(&mut |tx| get_alert_tx(tx, id))
    }

    fn list_alerts(&self, cleared_since: Option<f64>) -> StoreResult<Vec<AlertRecord>> {
        let since = cleared_since.unwrap_or(f64::INFINITY);
        self.read(&mut |tx| {
            let rows = tx.query(
                &format!("SELECT {ALERT_COLS} FROM alerts WHERE cleared_at IS NULL OR cleared_at >= ?1 ORDER BY raised_at, id"),
                vals![since],
            )?;
            rows.iter().map(|r| alert_of(tx, r)).collect()
        })
    }

    fn ack_alert(&self, actor: &str, alert_id: &str, party: &str) -> StoreResult<AlertRecord> {
        let payload = serde_json::json!({ "alert_id": alert_id, "party": party });
        let missing = || StoreError::NotFound {
            kind: "alert",
            id: alert_id.to_owned(),
        };
        audited(
            self,
            actor,
            "alert.ack",
            &payload,
            |tx| {
                if get_alert_tx(tx, alert_id)?.is_none() {
                    return Err(missing());
                }
                tx.execute(
                    "INSERT INTO alert_acks (alert_id, party, time) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                    vals![alert_id, party, now_s()],
                )?;
                get_alert_tx(tx, alert_id)?.ok_or_else(missing)
            },
            |_| vec![Obj::new(ObjectKind::Alert, alert_id)],
        )
    }

    fn purge_alerts(&self, actor: &str, before: f64) -> StoreResult<usize> {
        // Audited only when something is deleted, so the periodic retention run does not fill
        // the log with empty purges.
        fenced(self, |tx| {
            let ids: Vec<String> = tx
                .query(
                    "SELECT id FROM alerts WHERE cleared_at IS NOT NULL AND cleared_at < ?1 ORDER BY id",
                    vals![before],
                )?
                .iter()
                .map(|r| r.text(0))
                .collect::<StoreResult<_>>()?;
            if ids.is_empty() {
                return Ok(0);
            }
            tx.execute(
                "DELETE FROM alert_acks WHERE alert_id IN (SELECT id FROM alerts WHERE cleared_at IS NOT NULL AND cleared_at < ?1)",
                vals![before],
            )?;
            let n = tx.execute(
                "DELETE FROM alerts WHERE cleared_at IS NOT NULL AND cleared_at < ?1",
                vals![before],
            )? as usize;
            let payload = serde_json::json!({ "cleared_before": before, "deleted": n });
            let gone: Vec<Obj> = ids
                .iter()
                .map(|id| Obj::new(ObjectKind::Alert, id))
                .collect();
            append_audit(tx, actor, "alert.purge", &payload, &gone)?;
            Ok(n)
        })
    }

    fn send_message(&self, actor: &str, message: &NewMessage) -> StoreResult<Message> {
        let payload = serde_json::to_value(message)?;
        audited(
            self,
            actor,
            "message.send",
            &payload,
            |tx| {
                let id = tx
                    .query_one(
                        "INSERT INTO messages (sender, recipient, subject, body, sent_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                        vals![&message.from, &message.to, &message.subject, &message.body, now_s()],
                    )?
                    .int(0)?;
                get_message_tx(tx, id, &message.from)?.ok_or(StoreError::NotFound {
                    kind: "message",
                    id: id.to_string(),
                })
            },
            |m| vec![Obj::new(ObjectKind::Message, m.id.to_string())],
        )
    }

    fn get_message(&self, id: i64, viewer: &str) -> StoreResult<Option<Message>> {
        self.read(&mut |tx| get_message_tx(tx, id, viewer))
    }

    fn list_messages(&self, viewer: Option<&str>) -> StoreResult<Vec<Message>> {
        self.read(&mut |tx| {
            let rows = match viewer {
                None => tx.query(
                    &format!("SELECT {MESSAGE_COLS} FROM messages ORDER BY id"),
                    &[],
                )?,
                Some(v) => tx.query(
                    &format!("SELECT {MESSAGE_COLS} FROM messages WHERE recipient IS NULL OR recipient = ?1 OR sender = ?1 ORDER BY id"),
                    vals![v],
                )?,
            };
            let who = viewer.unwrap_or("");
            rows.iter().map(|r| message_of(tx, r, who)).collect()
        })
    }

    fn messages_after(&self, after: i64, limit: usize) -> StoreResult<Vec<Message>> {
        self.read(&mut |tx| {
            let rows = tx.query(
                &format!("SELECT {MESSAGE_COLS} FROM messages WHERE id > ?1 ORDER BY id LIMIT ?2"),
                vals![after, limit as i64],
            )?;
            rows.iter().map(|r| message_of(tx, r, "")).collect()
        })
    }

    fn mark_message_read(&self, actor: &str, id: i64, party: &str) -> StoreResult<Message> {
        mark_message(self, actor, id, party, false)
    }

    fn ack_message(&self, actor: &str, id: i64, party: &str) -> StoreResult<Message> {
        mark_message(self, actor, id, party, true)
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
        let payload = serde_json::json!({ "collection": collection, "id": id, "body": body });
        let text = serde_json::to_string(body)?;
        audited(
            self,
            actor,
            action,
            &payload,
            |tx| {
                let current = tx
                    .query_opt(
                        "SELECT version FROM documents WHERE collection = ?1 AND id = ?2",
                        vals![collection, id],
                    )?
                    .map(|r| r.int(0))
                    .transpose()?;
                let next = match (current, expected_version) {
                    (None, None) => 1,
                    (Some(_), None) => {
                        return Err(StoreError::AlreadyExists {
                            kind: "document",
                            id: id.to_owned(),
                        })
                    }
                    (None, Some(_)) => return Err(not_found("document", id)),
                    (Some(cur), Some(exp)) => {
                        check_version("document", id, cur, exp)?;
                        cur + 1
                    }
                };
                tx.execute(
                    "INSERT INTO documents (collection, id, version, body, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (collection, id) DO UPDATE SET version = excluded.version, body = excluded.body, updated_at = excluded.updated_at",
                    vals![collection, id, next, &text, now_s()],
                )?;
                Ok(next)
            },
            |_| vec![Obj::new(ObjectKind::Document, format!("{collection}/{id}"))],
        )
    }

    fn get_document(
        &self,
        collection: &str,
        id: &str,
    ) -> StoreResult<Option<(serde_json::Value, i64)>> {
        self.read(&mut |tx| {
            tx.query_opt(
                "SELECT body, version FROM documents WHERE collection = ?1 AND id = ?2",
                vals![collection, id],
            )?
            .map(|r| Ok((serde_json::from_str(&r.text(0)?)?, r.int(1)?)))
            .transpose()
        })
    }

    fn list_documents(
        &self,
        collection: &str,
    ) -> StoreResult<Vec<(String, serde_json::Value, i64)>> {
        self.read(&mut |tx| {
            tx.query(
                "SELECT id, body, version FROM documents WHERE collection = ?1 ORDER BY id",
                vals![collection],
            )?
            .iter()
            .map(|r| Ok((r.text(0)?, serde_json::from_str(&r.text(1)?)?, r.int(2)?)))
            .collect()
        })
    }

    fn append_audit(
        &self,
        actor: &str,
        action: &str,
        payload: &serde_json::Value,
    ) -> StoreResult<AuditEntry> {
        self.write(&mut |tx| append_audit(tx, actor, action, payload, &[]))
    }

    fn audit_entries(&self, after: i64, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        self.read(&mut |tx| {
            tx.query(
                &format!("SELECT {AUDIT_COLS} FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2"),
                vals![after, limit as i64],
            )?
            .iter()
            .map(|r| {
                let mut e = entry_of(r)?;
                e.object = r.opt_blob(7)?.as_deref().and_then(audit::payload_object_of);
                Ok(e)
            })
            .collect()
        })
    }

    fn audit_head(&self) -> StoreResult<Option<(i64, String)>> {
        self.read(&mut |tx| audit_head(tx))
    }

    fn verify_audit(&self) -> StoreResult<VerifyReport> {
        self.read(&mut |tx| verify_in(tx))
    }

    fn claim_lease(&self, node: &str, now: f64, ttl_s: f64) -> StoreResult<Lease> {
        let until = now + ttl_s;
        self.write(&mut |tx| {
            let held = lease_tx(tx)?;
            let taken = match &held {
                Some(l) if l.holder == node => {
                    tx.execute(
                        "UPDATE deconflict_lease SET expires_at = ?1 WHERE id = 1",
                        vals![until],
                    )?;
                    return Ok(Lease {
                        expires_at: until,
                        ..l.clone()
                    });
                }
                Some(l) if l.expires_at > now => return Ok(l.clone()),
                Some(l) => {
                    let epoch = l.epoch + 1;
                    tx.execute(
                        "UPDATE deconflict_lease SET holder = ?1, epoch = ?2, expires_at = ?3 WHERE id = 1",
                        vals![node, epoch, until],
                    )?;
                    epoch
                }
                None => {
                    tx.execute(
                        "INSERT INTO deconflict_lease (id, holder, epoch, expires_at) VALUES (1, ?1, 1, ?2)",
                        vals![node, until],
                    )?;
                    1
                }
            };
            let payload = serde_json::json!({
                "node": node,
                "epoch": taken,
                "previous": held.as_ref().map(|l| &l.holder),
            });
            append_audit(tx, "system", "cell.leader", &payload, &[])?;
            Ok(Lease {
                holder: node.to_owned(),
                epoch: taken,
                expires_at: until,
            })
        })
    }

    fn release_lease(&self, node: &str) -> StoreResult<()> {
        self.write(&mut |tx| {
            tx.execute(
                "UPDATE deconflict_lease SET expires_at = 0 WHERE id = 1 AND holder = ?1",
                vals![node],
            )?;
            Ok(())
        })
    }

    fn lease(&self) -> StoreResult<Option<Lease>> {
        self.read(&mut |tx| lease_tx(tx))
    }

    fn set_fence(&self, fence: Option<(String, i64)>) {
        self.fence().set(fence);
    }

    fn relay_put(&self, node: &str, time_s: f64, states: &str) -> StoreResult<i64> {
        self.write(&mut |tx| {
            tx.query_one(
                "INSERT INTO deconflict_relay (node, time, states) VALUES (?1, ?2, ?3) RETURNING id",
                vals![node, time_s, states],
            )?
            .int(0)
        })
    }

    fn relay_after(&self, after: i64, node: &str, limit: usize) -> StoreResult<Vec<RelayBatch>> {
        self.read(&mut |tx| {
            tx.query(
                "SELECT id, node, time, states FROM deconflict_relay WHERE id > ?1 AND node <> ?2 ORDER BY id LIMIT ?3",
                vals![after, node, limit as i64],
            )?
            .iter()
            .map(|r| {
                Ok(RelayBatch {
                    id: r.int(0)?,
                    node: r.text(1)?,
                    time_s: r.real(2)?,
                    states: r.text(3)?,
                })
            })
            .collect()
        })
    }

    fn relay_head(&self) -> StoreResult<i64> {
        self.read(&mut |tx| {
            tx.query_one("SELECT COALESCE(MAX(id), 0) FROM deconflict_relay", &[])?
                .int(0)
        })
    }

    fn relay_prune(&self, before_s: f64) -> StoreResult<u64> {
        self.write(&mut |tx| {
            tx.execute(
                "DELETE FROM deconflict_relay WHERE time < ?1",
                vals![before_s],
            )
        })
    }
}

fn lease_tx(tx: &mut dyn Tx) -> StoreResult<Option<Lease>> {
    tx.query_opt(
        "SELECT holder, epoch, expires_at FROM deconflict_lease WHERE id = 1",
        &[],
    )?
    .map(|r| {
        Ok(Lease {
            holder: r.text(0)?,
            epoch: r.int(1)?,
            expires_at: r.real(2)?,
        })
    })
    .transpose()
}

/// Recomputes the chain, then every stored object's content against the last entry that
/// vouched for it.
pub(crate) fn verify_in(tx: &mut dyn Tx) -> StoreResult<VerifyReport> {
    let head = audit_head(tx)?;
    let order = tx.dialect().audit_order();
    let rows: Vec<StoredEntry> = tx
        .query(
            &format!("SELECT {AUDIT_COLS} FROM audit ORDER BY {order}"),
            &[],
        )?
        .iter()
        .map(|r| {
            Ok(StoredEntry {
                entry: entry_of(r)?,
                payload: r.opt_blob(7)?,
            })
        })
        .collect::<StoreResult<_>>()?;
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
        for id in stored_ids(tx, kind)? {
            stored.push((kind, id));
        }
    }
    let mut failed = None;
    let found = audit::check_content(&ledger, &stored, |kind, id| {
        content_of(tx, kind, id).unwrap_or_else(|e| {
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
