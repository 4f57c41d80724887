//! The records the store keeps: parties, tokens, alerts, messages and audit entries.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a party may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A participant: sees what sharing rules allow, reports and acknowledges its own.
    Party,
    /// The cell operator: sees everything and administers parties, tokens and feeds.
    Cell,
    /// Read-only view of everything.
    Observer,
}

impl Role {
    /// The role's name as used in JSON and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Party => "party",
            Role::Cell => "cell",
            Role::Observer => "observer",
        }
    }

    /// Parses a role name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "party" => Some(Role::Party),
            "cell" => Some(Role::Cell),
            "observer" => Some(Role::Observer),
            _ => None,
        }
    }
}

/// How much of a party's own aircraft other parties see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SharingMode {
    /// Everyone sees every aircraft of this party.
    Full,
    /// Others see an aircraft only while it is within `range_nm` and `alt_ft` of one of theirs.
    Proximity,
    /// Others learn of an aircraft only through a conflict with one of theirs, as its state at
    /// alert time.
    AlertsOnly,
}

impl SharingMode {
    /// The mode's name as used in JSON and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SharingMode::Full => "full",
            SharingMode::Proximity => "proximity",
            SharingMode::AlertsOnly => "alerts-only",
        }
    }

    /// Parses a mode name.
    pub fn parse(s: &str) -> Option<SharingMode> {
        match s {
            "full" => Some(SharingMode::Full),
            "proximity" => Some(SharingMode::Proximity),
            "alerts-only" => Some(SharingMode::AlertsOnly),
            _ => None,
        }
    }
}

/// Default horizontal range of the proximity rule, nautical miles.
pub const DEFAULT_PROXIMITY_RANGE_NM: f64 = 20.0;
/// Default vertical range of the proximity rule, feet.
pub const DEFAULT_PROXIMITY_ALT_FT: f64 = 5_000.0;

/// A party's sharing rule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sharing {
    /// The mode.
    pub mode: SharingMode,
    /// Horizontal range of the proximity rule, nautical miles (ignored by other modes).
    #[serde(default = "default_range_nm")]
    pub range_nm: f64,
    /// Vertical range of the proximity rule, feet (ignored by other modes).
    #[serde(default = "default_alt_ft")]
    pub alt_ft: f64,
}

fn default_range_nm() -> f64 {
    DEFAULT_PROXIMITY_RANGE_NM
}
fn default_alt_ft() -> f64 {
    DEFAULT_PROXIMITY_ALT_FT
}

impl Sharing {
    /// Full sharing.
    pub fn full() -> Sharing {
        Sharing {
            mode: SharingMode::Full,
            range_nm: DEFAULT_PROXIMITY_RANGE_NM,
            alt_ft: DEFAULT_PROXIMITY_ALT_FT,
        }
    }
    /// Alerts-only sharing.
    pub fn alerts_only() -> Sharing {
        Sharing {
            mode: SharingMode::AlertsOnly,
            ..Sharing::full()
        }
    }
    /// Proximity sharing with the given ranges.
    pub fn proximity(range_nm: f64, alt_ft: f64) -> Sharing {
        Sharing {
            mode: SharingMode::Proximity,
            range_nm,
            alt_ft,
        }
    }
}

impl Default for Sharing {
    fn default() -> Self {
        Sharing::full()
    }
}

/// A participant of the cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Party {
    /// Short identifier (`blue`), also the owner name on tracks.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// What others see of this party's aircraft.
    pub sharing: Sharing,
}

/// Why a party id is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("id {0:?} must be 1-32 characters of a-z, 0-9, '-', '_' starting with a letter")]
pub struct InvalidPartyId(pub String);

/// Checks a party id: 1–32 of `a-z 0-9 - _`, starting with a letter (ids name parties in
/// tokens, tracks, audit entries and URLs, so they are kept plain).
///
/// # Errors
/// [`InvalidPartyId`] naming the id.
pub fn validate_party_id(id: &str) -> Result<(), InvalidPartyId> {
    let ok = !id.is_empty()
        && id.len() <= 32
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(InvalidPartyId(id.to_owned()))
    }
}

impl Party {
    /// Builds a party.
    pub fn new(id: &str, name: &str, role: Role, sharing: Sharing) -> Party {
        Party {
            id: id.to_owned(),
            name: name.to_owned(),
            role,
            sharing,
        }
    }
}

/// A bearer token as stored: only its SHA-256 hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Public identifier of the token (also its prefix).
    pub id: String,
    /// The party it authenticates.
    pub party: String,
    /// SHA-256 of the whole token, lowercase hex.
    pub hash_hex: String,
    /// Whether it was revoked.
    pub revoked: bool,
    /// When it was issued, UNIX seconds.
    pub created_at: f64,
}

/// Where a conflict alert is in its life: the last event recorded for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    /// First published.
    Raised,
    /// Level or geometry changed.
    Updated,
    /// No longer predicted (after the hold time).
    Cleared,
}

impl AlertState {
    /// The lowercase word stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Raised => "raised",
            AlertState::Updated => "updated",
            AlertState::Cleared => "cleared",
        }
    }

    /// The audit action recording this event: `alert.raised`, …
    pub fn audit_action(self) -> &'static str {
        match self {
            AlertState::Raised => "alert.raised",
            AlertState::Updated => "alert.updated",
            AlertState::Cleared => "alert.cleared",
        }
    }

    /// Parses the stored word.
    pub fn parse(s: &str) -> Option<AlertState> {
        match s {
            "raised" => Some(AlertState::Raised),
            "updated" => Some(AlertState::Updated),
            "cleared" => Some(AlertState::Cleared),
            _ => None,
        }
    }
}

impl std::fmt::Display for AlertState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One conflict's lifecycle record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRecord {
    /// Identifier (`c-42`).
    pub id: String,
    /// First aircraft's track id.
    pub a: String,
    /// Second aircraft's track id.
    pub b: String,
    /// First aircraft's owner.
    pub a_party: Option<String>,
    /// Second aircraft's owner.
    pub b_party: Option<String>,
    /// Alert level (higher is more urgent).
    pub level: u8,
    /// The last lifecycle event.
    pub state: AlertState,
    /// When it was raised, UNIX seconds.
    pub raised_at: f64,
    /// Last change, UNIX seconds.
    pub updated_at: f64,
    /// When it cleared, UNIX seconds.
    pub cleared_at: Option<f64>,
    /// Acknowledgement per involved party.
    pub acks: BTreeMap<String, bool>,
    /// Everything else about the conflict (geometry, states at alert time), as JSON.
    pub detail: serde_json::Value,
}

impl AlertRecord {
    /// Whether `party` owns one of the two aircraft.
    pub fn involves(&self, party: &str) -> bool {
        self.a_party.as_deref() == Some(party) || self.b_party.as_deref() == Some(party)
    }
}

/// A hotline message to send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMessage {
    /// Sender party.
    pub from: String,
    /// Addressee, or `None` for everyone.
    pub to: Option<String>,
    /// Subject line.
    pub subject: String,
    /// Text.
    pub body: String,
}

/// A stored hotline message, as seen by one viewer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Message {
    /// Identifier.
    pub id: i64,
    /// Sender.
    pub from: String,
    /// Addressee, or `None` for everyone.
    pub to: Option<String>,
    /// Subject line.
    pub subject: String,
    /// Text.
    pub body: String,
    /// When it was sent, UNIX seconds.
    pub sent_at: f64,
    /// Whether the viewer has read it.
    pub read: bool,
    /// Parties that acknowledged it.
    pub acks: Vec<String>,
    /// Parties that have read it (not sent: each viewer is told only its own `read`).
    #[serde(skip)]
    pub read_by: Vec<String>,
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Sequence number, from 1, without gaps.
    pub seq: i64,
    /// When, UNIX seconds.
    pub time: f64,
    /// Who (a party id, `system` or `engine`).
    pub actor: String,
    /// What (`party.create`, `token.revoke`, `alert.raised`, …).
    pub action: String,
    /// SHA-256 of the payload, hex.
    pub digest: String,
    /// Hash of the previous entry (64 zeros for the first).
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
    /// The object the entry concerns (an alert, reservation, request, party, token … id), read
    /// from its payload ([`crate::audit::payload_object`]); not part of the hash, which covers
    /// the payload's digest it comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
}

/// One batch of observations a node relayed to the cell's other nodes (see
/// [`Store::relay_put`](crate::Store::relay_put)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelayBatch {
    /// Its id, growing in commit order.
    pub id: i64,
    /// The node that wrote it.
    pub node: String,
    /// When it was written, UNIX seconds (the writer's clock).
    pub time_s: f64,
    /// The observations, JSON as the writer encoded them.
    pub states: String,
}

/// The cell's leadership lease: which node runs the alert and strategic cycles and writes
/// alert and intrusion lifecycles. Taken with a conditional update when free or expired,
/// renewed by its holder; every change of holder bumps `epoch`, which fences the old holder's
/// writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lease {
    /// The node holding it.
    pub holder: String,
    /// Bumped at every change of holder (1 for the first).
    pub epoch: i64,
    /// When it lapses unless renewed, UNIX seconds (the holder's clock).
    pub expires_at: f64,
}
