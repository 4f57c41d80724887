//! The per-token rate limit: a token bucket per token id (`limits.rate_limit_per_s`
//! sustained, `limits.rate_limit_burst` extra).

use crate::error::ApiError;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

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
        self.take(key, 1.0, "requests/s per token")
    }

    /// Takes `n` units (e.g. telemetry states) from `key`'s bucket, all or none; `what` names
    /// the unit in the 429's message ("states/s per party"). A request larger than the burst
    /// can never pass and says so.
    ///
    /// # Errors
    /// 429 with `Retry-After` when the bucket holds fewer than `n`.
    pub fn take(&self, key: &str, n: f64, what: &str) -> Result<(), ApiError> {
        if n > self.burst {
            return Err(ApiError::too_many_requests(
                format!(
                    "{n} at once is more than the burst of {} allowed (rate limit {} {what}); send smaller requests",
                    self.burst, self.per_s
                ),
                1,
            ));
        }
        let now = Instant::now();
        let mut b = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let (level, last) = b.entry(key.to_owned()).or_insert((self.burst, now));
        *level = (*level + now.duration_since(*last).as_secs_f64() * self.per_s).min(self.burst);
        *last = now;
        if *level >= n {
            *level -= n;
            Ok(())
        } else {
            let wait_s = ((n - *level) / self.per_s).ceil().max(1.0) as u64;
            Err(ApiError::too_many_requests(
                format!(
                    "rate limit of {} {what} exceeded; retry in {wait_s} s",
                    self.per_s
                ),
                wait_s,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

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

    #[test]
    fn units_are_taken_all_or_none() {
        let l = RateLimiter::new(100.0, 1000.0);
        l.take("red", 800.0, "states/s").unwrap();
        let e = l.take("red", 300.0, "states/s").unwrap_err();
        assert!(e.detail.contains("states/s"), "{}", e.detail);
        // Nothing was taken by the refused request: 200 still fit.
        l.take("red", 150.0, "states/s").unwrap();
        assert!(l
            .take("blue", 1001.0, "states/s")
            .unwrap_err()
            .detail
            .contains("burst"));
    }
}
