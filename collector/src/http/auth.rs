//! Access to the dashboard and the report API: HTTP basic auth or a bearer token, both
//! checked against `[dashboard]` in the configuration, with wrong passwords rate-limited per
//! client IP. Beacons never pass through here.

use super::{client_ip::client_ip, AppState};
use crate::refusal::{worth_logging, Refusal};
use actix_web::http::{header, StatusCode};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use base64::Engine;
use std::future::{ready, Ready};
use std::time::Instant;
use thiserror::Error;

/// The credentials the dashboard accepts.
#[derive(Debug, Clone)]
pub struct Credentials {
    user: String,
    password: String,
}

impl Credentials {
    /// `None` when no password is configured: the dashboard is then off.
    pub fn new(user: &str, password: &str) -> Option<Credentials> {
        (!password.is_empty()).then(|| Credentials {
            user: user.into(),
            password: password.into(),
        })
    }

    /// Whether an `Authorization` header value carries these credentials.
    pub fn admits(&self, authorization: &[u8]) -> bool {
        if let Some(token) = authorization.strip_prefix(b"Bearer ") {
            return same(token, self.password.as_bytes());
        }
        let Some(encoded) = authorization.strip_prefix(b"Basic ") else {
            return false;
        };
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
            return false;
        };
        let Some(colon) = decoded.iter().position(|b| *b == b':') else {
            return false;
        };
        // Both halves are compared, so the time taken does not tell which one was wrong.
        let user_ok = same(&decoded[..colon], self.user.as_bytes());
        let password_ok = same(&decoded[colon + 1..], self.password.as_bytes());
        user_ok & password_ok
    }
}

/// Compares without an early exit on the first differing byte.
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    let diff = a
        .iter()
        .zip(b)
        .fold(a.len() ^ b.len(), |acc, (x, y)| acc | usize::from(x ^ y));
    diff == 0
}

/// Why a request was not let in.
#[derive(Debug, Error)]
pub enum AuthError {
    /// No password is configured.
    #[error("the dashboard is off: set dashboard.password (RUM__DASHBOARD__PASSWORD)")]
    Off,
    /// No or wrong credentials.
    #[error("authentication required: basic auth or Authorization: Bearer <dashboard.password>")]
    Unauthorized,
    /// Too many wrong passwords from this client IP.
    #[error("too many wrong passwords from this address; try again in a minute")]
    Locked,
}

impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        match self {
            AuthError::Off => StatusCode::NOT_FOUND,
            AuthError::Unauthorized => StatusCode::UNAUTHORIZED,
            AuthError::Locked => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        if matches!(self, AuthError::Unauthorized) {
            res.insert_header((
                header::WWW_AUTHENTICATE,
                "Basic realm=\"rum dashboard\", charset=\"UTF-8\"",
            ));
        }
        if matches!(self, AuthError::Locked) {
            res.insert_header((header::RETRY_AFTER, "60"));
        }
        res.json(serde_json::json!({ "error": self.to_string() }))
    }
}

/// An extractor that only succeeds for requests with the dashboard's credentials.
pub struct Authorized;

impl FromRequest for Authorized {
    type Error = AuthError;
    type Future = Ready<Result<Authorized, AuthError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let creds = req
            .app_data::<web::Data<Option<Credentials>>>()
            .and_then(|c| c.as_ref().as_ref());
        let Some(creds) = creds else {
            return ready(Err(AuthError::Off));
        };
        let st = req.app_data::<web::Data<AppState>>();
        let now = Instant::now();
        // Wrong passwords cost a token of the client IP's bucket; with none left, even the
        // right one is not checked until it refills, so guessing runs at the configured rate.
        let bucket = st.and_then(|st| {
            let ip = client_ip(
                req.peer_addr().map(|a| a.ip()),
                req.headers(),
                &st.trusted_proxies,
            );
            st.login_failures.as_ref().zip(ip)
        });
        if bucket.is_some_and(|(b, ip)| !b.has_token(ip, now)) {
            count(st, Refusal::LoginLocked);
            return ready(Err(AuthError::Locked));
        }
        let given = req.headers().get(header::AUTHORIZATION);
        if given.is_some_and(|v| creds.admits(v.as_bytes())) {
            return ready(Ok(Authorized));
        }
        // Asking without credentials is how a browser learns to prompt: that costs nothing.
        if let (Some((b, ip)), Some(_)) = (bucket, given) {
            b.allow(ip, 1, now);
        }
        count(st, Refusal::Unauthorized);
        ready(Err(AuthError::Unauthorized))
    }
}

/// Counts a refused dashboard request and logs it sampled, like refused beacons.
fn count(st: Option<&web::Data<AppState>>, r: Refusal) {
    let Some(st) = st else { return };
    let n = st.telemetry.refuse(r);
    if worth_logging(n) {
        tracing::info!(reason = r.code(), count = n, "dashboard request refused");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(s: &str) -> Vec<u8> {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(s)
        )
        .into_bytes()
    }

    #[test]
    fn admits_only_the_configured_credentials() {
        let c = Credentials::new("rum", "s3cret-pass-word").unwrap();
        assert!(c.admits(&basic("rum:s3cret-pass-word")));
        assert!(c.admits(b"Bearer s3cret-pass-word"));
        assert!(!c.admits(&basic("rum:s3cret-pass-wor")));
        assert!(!c.admits(&basic("admin:s3cret-pass-word")));
        assert!(!c.admits(&basic("rum")));
        assert!(!c.admits(b"Bearer "));
        assert!(!c.admits(b"Basic !!!"));
        assert!(!c.admits(b"s3cret-pass-word"));
        assert!(Credentials::new("rum", "").is_none(), "no password: off");
    }
}
