//! Parties and their tokens: the in-memory directory, the authenticated [`Caller`] and what
//! each role may do, sharing rules' bounds.
//!
//! A token looks like `dc_<token_id>_<secret>`. The store keeps only the SHA-256 of the whole
//! token; the server caches those records in memory, finds one by its public `token_id` and
//! compares hashes in constant time (`subtle`), so timing says nothing about the secret.

use deconflict_store::{Party, Role, Sharing, SharingMode, TokenRecord};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use subtle::ConstantTimeEq;

/// Why a presented token does not authenticate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No token was presented.
    #[error("missing token: send Authorization: Bearer <token>")]
    Missing,
    /// The `Authorization` header is not `Bearer <token>`.
    #[error("Authorization header must be: Bearer <token>")]
    NotBearer,
    /// Not of the form `dc_<id>_<secret>`.
    #[error("malformed token: expected dc_<id>_<secret>")]
    Malformed,
    /// No such token (or a wrong secret).
    #[error("unknown token")]
    Unknown,
    /// Revoked by the cell.
    #[error("this token was revoked; ask the cell for a new one")]
    Revoked,
    /// The token's party was removed.
    #[error("the token's party {0} no longer exists")]
    PartyGone(String),
}

/// Why a caller may not do something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    /// Only the cell may.
    #[error("only the cell may do this; {party} has role {role}")]
    CellOnly {
        /// The caller.
        party: String,
        /// Its role.
        role: &'static str,
    },
    /// Only the cell and observers may read this.
    #[error("only the cell and observers may read this; {party} has role {role}")]
    SeesAllOnly {
        /// The caller.
        party: String,
        /// Its role.
        role: &'static str,
    },
    /// Observers only read.
    #[error("observers have read-only access")]
    ReadOnly,
    /// A party may change only its own sharing rule.
    #[error("{caller} may change only its own sharing rule, not {target}'s")]
    NotOwnSharing {
        /// The caller.
        caller: String,
        /// The party whose rule it tried to change.
        target: String,
    },
}

/// Why a sharing rule is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SharingError {
    /// `range_nm` out of bounds.
    #[error("range_nm = {0} must be in (0, {MAX_PROXIMITY_RANGE_NM}]")]
    Range(f64),
    /// `alt_ft` out of bounds.
    #[error("alt_ft = {0} must be in (0, {MAX_PROXIMITY_ALT_FT}]")]
    Altitude(f64),
}

/// Largest proximity range of a sharing rule, nautical miles.
pub const MAX_PROXIMITY_RANGE_NM: f64 = 1000.0;
/// Largest proximity height band of a sharing rule, feet.
pub const MAX_PROXIMITY_ALT_FT: f64 = 100_000.0;

/// Checks the bounds of a sharing rule (a `proximity` rule needs a positive range and band).
///
/// # Errors
/// [`SharingError`] naming the value.
pub fn check_sharing(sh: &Sharing) -> Result<(), SharingError> {
    if sh.mode == SharingMode::Proximity {
        if !(sh.range_nm.is_finite() && sh.range_nm > 0.0 && sh.range_nm <= MAX_PROXIMITY_RANGE_NM)
        {
            return Err(SharingError::Range(sh.range_nm));
        }
        if !(sh.alt_ft.is_finite() && sh.alt_ft > 0.0 && sh.alt_ft <= MAX_PROXIMITY_ALT_FT) {
            return Err(SharingError::Altitude(sh.alt_ft));
        }
    }
    Ok(())
}

/// SHA-256 of a token, lowercase hex (what the store keeps).
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A fresh random token and its id.
pub fn new_token() -> (String, String) {
    let mut id = [0u8; 8];
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut id);
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let id = hex::encode(id);
    let token = format!("dc_{id}_{}", hex::encode(secret));
    (id, token)
}

/// In-memory copy of parties and tokens, kept in step with the store by the handlers that
/// change them.
///
/// Every change bumps a generation counter ([`Directory::generation`]): a long-lived
/// connection (the stream) that authenticated once compares it, an atomic load, before each
/// frame and re-checks its token ([`Directory::still_valid`]) only when it moved — so a
/// revocation reaches open connections at once, for the price of one load per frame.
#[derive(Default)]
pub struct Directory {
    parties: RwLock<HashMap<String, Party>>,
    tokens: RwLock<HashMap<String, TokenRecord>>,
    generation: AtomicU64,
}

impl Directory {
    /// Replaces the parties and tokens.
    pub fn load(&self, parties: Vec<Party>, tokens: Vec<TokenRecord>) {
        *self.parties.write().unwrap_or_else(|e| e.into_inner()) =
            parties.into_iter().map(|p| (p.id.clone(), p)).collect();
        *self.tokens.write().unwrap_or_else(|e| e.into_inner()) =
            tokens.into_iter().map(|t| (t.id.clone(), t)).collect();
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
    /// Adds or replaces a party.
    pub fn put_party(&self, p: Party) {
        self.parties
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(p.id.clone(), p);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
    /// Adds or replaces a token (a revocation replaces it with its revoked record).
    pub fn put_token(&self, t: TokenRecord) {
        self.tokens
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(t.id.clone(), t);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
    /// How many changes the directory has had; it moves after every change, before the
    /// change's caller returns.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }
    /// Whether the token `token_id`, which authenticated earlier, still does: it exists, is
    /// not revoked and its party exists.
    ///
    /// # Errors
    /// [`AuthError::Revoked`], [`AuthError::Unknown`] or [`AuthError::PartyGone`].
    pub fn still_valid(&self, token_id: &str) -> Result<(), AuthError> {
        let party = {
            let tokens = self.tokens.read().unwrap_or_else(|e| e.into_inner());
            let rec = tokens.get(token_id).ok_or(AuthError::Unknown)?;
            if rec.revoked {
                return Err(AuthError::Revoked);
            }
            rec.party.clone()
        };
        match self.party(&party) {
            Some(_) => Ok(()),
            None => Err(AuthError::PartyGone(party)),
        }
    }
    /// One party.
    pub fn party(&self, id: &str) -> Option<Party> {
        self.parties
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }
    /// Every party.
    pub fn parties(&self) -> Vec<Party> {
        let mut v: Vec<Party> = self
            .parties
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }

    /// Resolves a presented token to its caller.
    ///
    /// # Errors
    /// [`AuthError`]: malformed, unknown, revoked, party gone.
    pub fn authenticate(&self, token: &str) -> Result<Caller, AuthError> {
        let id = token
            .strip_prefix("dc_")
            .and_then(|rest| rest.split_once('_'))
            .map(|(id, _)| id)
            .ok_or(AuthError::Malformed)?;
        let rec = self
            .tokens
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned();
        let presented = token_hash(token);
        // Compare against a dummy when the id is unknown, so both paths hash and compare.
        let stored = rec
            .as_ref()
            .map(|r| r.hash_hex.clone())
            .unwrap_or_else(|| "0".repeat(64));
        let equal: bool = presented.as_bytes().ct_eq(stored.as_bytes()).into();
        let rec = match rec {
            Some(r) if equal => r,
            _ => return Err(AuthError::Unknown),
        };
        if rec.revoked {
            return Err(AuthError::Revoked);
        }
        let party = self
            .party(&rec.party)
            .ok_or_else(|| AuthError::PartyGone(rec.party.clone()))?;
        Ok(Caller {
            party: party.id,
            role: party.role,
            token_id: rec.id,
        })
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    /// Party id.
    pub party: String,
    /// The party's role.
    pub role: Role,
    /// The token used.
    pub token_id: String,
}

impl Caller {
    /// Unless the caller is the cell.
    ///
    /// # Errors
    /// [`AccessError::CellOnly`].
    pub fn require_cell(&self) -> Result<(), AccessError> {
        if self.role == Role::Cell {
            Ok(())
        } else {
            Err(AccessError::CellOnly {
                party: self.party.clone(),
                role: self.role.as_str(),
            })
        }
    }

    /// Unless the caller sees everything: the cell, or an observer (which reads all and
    /// changes nothing). The audit log is read this way.
    ///
    /// # Errors
    /// [`AccessError::SeesAllOnly`].
    pub fn require_sees_all(&self) -> Result<(), AccessError> {
        if matches!(self.role, Role::Cell | Role::Observer) {
            Ok(())
        } else {
            Err(AccessError::SeesAllOnly {
                party: self.party.clone(),
                role: self.role.as_str(),
            })
        }
    }

    /// Unless the caller may write (observers only read).
    ///
    /// # Errors
    /// [`AccessError::ReadOnly`].
    pub fn require_writer(&self) -> Result<(), AccessError> {
        if self.role == Role::Observer {
            Err(AccessError::ReadOnly)
        } else {
            Ok(())
        }
    }

    /// Unless the caller may change `target`'s sharing rule: the cell any, a party its own.
    ///
    /// # Errors
    /// [`AccessError`].
    pub fn may_set_sharing(&self, target: &str) -> Result<(), AccessError> {
        self.require_writer()?;
        if self.role != Role::Cell && self.party != target {
            return Err(AccessError::NotOwnSharing {
                caller: self.party.clone(),
                target: target.to_owned(),
            });
        }
        Ok(())
    }

    /// Whether the caller sees everything (the cell and observers).
    pub fn sees_all(&self) -> bool {
        self.role != Role::Party
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_authenticate_until_revoked() {
        let d = Directory::default();
        let (id, token) = new_token();
        d.load(
            vec![Party::new("blue", "Blue", Role::Party, Sharing::full())],
            vec![TokenRecord {
                id: id.clone(),
                party: "blue".into(),
                hash_hex: token_hash(&token),
                revoked: false,
                created_at: 0.0,
            }],
        );
        assert_eq!(d.authenticate(&token).unwrap().party, "blue");
        assert_eq!(d.still_valid(&id), Ok(()));
        let before = d.generation();
        let mut wrong = token.clone();
        wrong.pop();
        wrong.push('x');
        assert_eq!(d.authenticate(&wrong).unwrap_err(), AuthError::Unknown);
        assert_eq!(
            d.authenticate("nonsense").unwrap_err(),
            AuthError::Malformed
        );
        assert_eq!(
            d.authenticate("dc_0000000000000000_x").unwrap_err(),
            AuthError::Unknown
        );
        d.put_token(TokenRecord {
            id: id.clone(),
            party: "blue".into(),
            hash_hex: token_hash(&token),
            revoked: true,
            created_at: 0.0,
        });
        assert_eq!(d.authenticate(&token).unwrap_err(), AuthError::Revoked);
        // An open connection sees the revocation: the generation moved, the token is refused.
        assert!(d.generation() > before);
        assert_eq!(d.still_valid(&id), Err(AuthError::Revoked));
        assert_eq!(d.still_valid("0000000000000000"), Err(AuthError::Unknown));
    }
}
