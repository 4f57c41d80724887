//! How a request proves who it is: the bearer token (the `Authorization` header, or
//! `?token=` on the stream, since browsers cannot set headers on a WebSocket), resolved by the
//! directory into a [`Caller`], and the per-token rate limit.

use crate::domain::parties::{AuthError, Caller};
use crate::error::ApiError;
use crate::http::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

/// The path whose token may come in the query string.
pub const STREAM_PATH: &str = "/api/v1/stream";

/// The bearer token of a request: the `Authorization` header, or `?token=` when `allow_query`.
///
/// # Errors
/// [`AuthError::Missing`] or [`AuthError::NotBearer`].
pub fn presented_token(parts: &Parts, allow_query: bool) -> Result<String, AuthError> {
    if let Some(v) = parts.headers.get(header::AUTHORIZATION) {
        return v
            .to_str()
            .ok()
            .and_then(bearer_credentials)
            .map(|t| t.trim().to_owned())
            .ok_or(AuthError::NotBearer);
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
    Err(AuthError::Missing)
}

/// The credentials of an `Authorization` value of the `Bearer` scheme. The scheme name is
/// case-insensitive (RFC 7235 §2.1; RFC 6750 §2.1), so `bearer` and `BEARER` are `Bearer`;
/// one or more spaces separate it from the token.
fn bearer_credentials(value: &str) -> Option<&str> {
    let (scheme, rest) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("Bearer")
        .then(|| rest.trim_start_matches(' '))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let allow_query = parts.uri.path() == STREAM_PATH;
        let token = presented_token(parts, allow_query)?;
        let caller = state.directory.authenticate(&token)?;
        state.limiter.check(&caller.token_id)?;
        Ok(caller)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str, auth: Option<&str>) -> Parts {
        let mut b = axum::http::Request::builder().uri(uri);
        if let Some(a) = auth {
            b = b.header(header::AUTHORIZATION, a);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn tokens_come_from_the_header_or_the_stream_query() {
        assert_eq!(
            presented_token(&parts("/x", Some("Bearer abc ")), false),
            Ok("abc".into())
        );
        assert_eq!(
            presented_token(&parts("/x", Some("Basic abc")), false),
            Err(AuthError::NotBearer)
        );
        // The scheme is case-insensitive (RFC 7235 §2.1).
        for scheme in ["bearer", "BEARER", "bEaReR"] {
            assert_eq!(
                presented_token(&parts("/x", Some(&format!("{scheme}  abc"))), false),
                Ok("abc".into()),
                "{scheme}"
            );
        }
        for bad in ["Bearerabc", "Bearer", "Bearer-x abc", "Token abc"] {
            assert_eq!(
                presented_token(&parts("/x", Some(bad)), false),
                Err(AuthError::NotBearer),
                "{bad}"
            );
        }
        assert_eq!(
            presented_token(&parts("/x?token=t1", None), false),
            Err(AuthError::Missing)
        );
        assert_eq!(
            presented_token(&parts("/s?a=1&token=t1", None), true),
            Ok("t1".into())
        );
    }
}
