//! Bearer tokens, the caller of a request, and the per-token rate limit.
//!
//! A token looks like `dc_<token_id>_<secret>`. The store keeps only the SHA-256 of the whole
//! token; the server caches those records in memory, finds one by its public `token_id` and
//! compares hashes in constant time (`subtle`), so timing says nothing about the secret.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use deconflict_store::{Party, Role, TokenRecord};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Mutex, RwLock};
use std::time::Instant;
use subtle::ConstantTimeEq;

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
#[derive(Default)]
pub struct Directory {
    parties: RwLock<HashMap<String, Party>>,
    tokens: RwLock<HashMap<String, TokenRecord>>,
}

impl Directory {
    /// Replaces the parties and tokens.
    pub fn load(&self, parties: Vec<Party>, tokens: Vec<TokenRecord>) {
        *self.parties.write().unwrap_or_else(|e| e.into_inner()) =
            parties.into_iter().map(|p| (p.id.clone(), p)).collect();
        *self.tokens.write().unwrap_or_else(|e| e.into_inner()) =
            tokens.into_iter().map(|t| (t.id.clone(), t)).collect();
    }
    /// Adds or replaces a party.
    pub fn put_party(&self, p: Party) {
        self.parties
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(p.id.clone(), p);
    }
    /// Adds or replaces a token.
    pub fn put_token(&self, t: TokenRecord) {
        self.tokens
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(t.id.clone(), t);
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
    /// 401 with the reason (malformed, unknown, revoked, party gone).
    pub fn authenticate(&self, token: &str) -> Result<Caller, ApiError> {
        let id = token
            .strip_prefix("dc_")
            .and_then(|rest| rest.split_once('_'))
            .map(|(id, _)| id)
            .ok_or_else(|| ApiError::unauthorized("malformed token: expected dc_<id>_<secret>"))?;
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
            _ => return Err(ApiError::unauthorized("unknown token")),
        };
        if rec.revoked {
            return Err(ApiError::unauthorized(
                "this token was revoked; ask the cell for a new one",
            ));
        }
        let party = self.party(&rec.party).ok_or_else(|| {
            ApiError::unauthorized(format!("the token's party {} no longer exists", rec.party))
        })?;
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
    /// 403 unless the caller is the cell.
    pub fn require_cell(&self) -> Result<(), ApiError> {
        if self.role == Role::Cell {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "only the cell may do this; {} has role {}",
                self.party,
                self.role.as_str()
            )))
        }
    }
    /// 403 for observers.
    pub fn require_writer(&self) -> Result<(), ApiError> {
        if self.role == Role::Observer {
            Err(ApiError::forbidden("observers have read-only access"))
        } else {
            Ok(())
        }
    }
    /// 403 unless the caller is the cell or an observer.
    pub fn require_overview(&self) -> Result<(), ApiError> {
        if self.role == Role::Party {
            Err(ApiError::forbidden(
                "only the cell and observers may do this",
            ))
        } else {
            Ok(())
        }
    }
}

/// The bearer token of a request: the `Authorization` header, or `?token=` when `allow_query`.
pub fn presented_token(parts: &Parts, allow_query: bool) -> Result<String, ApiError> {
    if let Some(v) = parts.headers.get(header::AUTHORIZATION) {
        let v = v
            .to_str()
            .map_err(|_| ApiError::unauthorized("Authorization header is not valid text"))?;
        return v
            .strip_prefix("Bearer ")
            .map(|t| t.trim().to_owned())
            .ok_or_else(|| ApiError::unauthorized("Authorization header must be: Bearer <token>"));
    }
    if allow_query {
        if let Some(q) = parts.uri.query() {
            for pair in q.split('&') {
                if let Some(t) = pair.strip_prefix("token=") {
                    return Ok(t.to_owned());
                }
            }
        }
    }
    Err(ApiError::unauthorized(
        "missing token: send Authorization: Bearer <token>",
    ))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let allow_query = parts.uri.path() == "/api/v1/stream";
        let token = presented_token(parts, allow_query)?;
        let caller = state.directory.authenticate(&token)?;
        state.limiter.check(&caller.token_id)?;
        Ok(caller)
    }
}

/// Token-bucket rate limit per token.
pub struct RateLimiter {
    per_s: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// A limiter allowing `per_s` sustained and `burst` extra.
    pub fn new(per_s: f64, burst: f64) -> RateLimiter {
        RateLimiter {
            per_s,
            burst,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `key`'s bucket.
    ///
    /// # Errors
    /// 429 with `Retry-After` when the bucket is empty.
    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut b = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let (level, last) = b.entry(key.to_owned()).or_insert((self.burst, now));
        *level = (*level + now.duration_since(*last).as_secs_f64() * self.per_s).min(self.burst);
        *last = now;
        if *level >= 1.0 {
            *level -= 1.0;
            Ok(())
        } else {
            let wait_s = ((1.0 - *level) / self.per_s).ceil().max(1.0) as u64;
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "rate limit of {} requests/s per token exceeded; retry in {wait_s} s",
                    self.per_s
                ),
            );
            e.retry_after_s = Some(wait_s);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deconflict_store::Sharing;

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
        let mut wrong = token.clone();
        wrong.pop();
        wrong.push('x');
        assert_eq!(
            d.authenticate(&wrong).unwrap_err().status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            d.authenticate("nonsense").unwrap_err().status,
            StatusCode::UNAUTHORIZED
        );
        d.put_token(TokenRecord {
            id,
            party: "blue".into(),
            hash_hex: token_hash(&token),
            revoked: true,
            created_at: 0.0,
        });
        assert!(d
            .authenticate(&token)
            .unwrap_err()
            .detail
            .contains("revoked"));
    }

    #[test]
    fn rate_limit_allows_burst_then_refuses() {
        let l = RateLimiter::new(1.0, 3.0);
        for _ in 0..3 {
            l.check("t").unwrap();
        }
        let e = l.check("t").unwrap_err();
        assert_eq!(e.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(e.retry_after_s.is_some());
        l.check("other").unwrap();
    }
}
