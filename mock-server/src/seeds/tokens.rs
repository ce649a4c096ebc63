//! Short-lived bearer tokens for the demo's authenticated stream: issued by
//! `POST /demo/token`, checked by `GET /demo/secure`, forgotten once expired.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use thiserror::Error;

/// Tokens kept at most; expired ones are dropped first, then the oldest.
pub const MAX_TOKENS: usize = 10_000;

/// Why a token is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TokenError {
    /// No `Authorization: Bearer` header.
    #[error("this stream needs Authorization: Bearer <token> (POST /demo/token issues one)")]
    Missing,
    /// A token this server never issued (or forgot).
    #[error("unknown token")]
    Unknown,
    /// The token's time is up.
    #[error("the token expired")]
    Expired,
}

/// The issued tokens and when each expires.
#[derive(Default)]
pub struct TokenStore {
    tokens: Mutex<HashMap<String, Instant>>,
}

impl TokenStore {
    /// A new random token valid for `ttl`.
    pub fn issue(&self, ttl: Duration) -> String {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let now = Instant::now();
        if let Ok(mut tokens) = self.tokens.lock() {
            if tokens.len() >= MAX_TOKENS {
                tokens.retain(|_, expires| *expires > now);
            }
            if tokens.len() >= MAX_TOKENS {
                if let Some(oldest) = tokens
                    .iter()
                    .min_by_key(|(_, expires)| **expires)
                    .map(|(token, _)| token.clone())
                {
                    tokens.remove(&oldest);
                }
            }
            tokens.insert(token.clone(), now + ttl);
        }
        token
    }

    /// When the token in `authorization` (the header's value) expires.
    pub fn check(&self, authorization: Option<&str>) -> Result<Instant, TokenError> {
        let token = authorization
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or(TokenError::Missing)?;
        let tokens = self.tokens.lock().map_err(|_| TokenError::Unknown)?;
        let expires = *tokens.get(token).ok_or(TokenError::Unknown)?;
        if expires <= Instant::now() {
            return Err(TokenError::Expired);
        }
        Ok(expires)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_and_expire() {
        let store = TokenStore::default();
        let token = store.issue(Duration::from_millis(30));
        assert!(store.check(Some(&format!("Bearer {token}"))).is_ok());
        assert_eq!(store.check(None), Err(TokenError::Missing));
        assert_eq!(store.check(Some("Basic x")), Err(TokenError::Missing));
        assert_eq!(store.check(Some("Bearer nope")), Err(TokenError::Unknown));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(
            store.check(Some(&format!("Bearer {token}"))),
            Err(TokenError::Expired)
        );
    }
}
