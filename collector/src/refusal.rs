//! Why the collector refused a request or a beacon, mapped to an HTTP status at the edge.

use actix_web::http::StatusCode;
use rum_beacon::Reject;
use thiserror::Error;

/// A refusal: a beacon-level [`Reject`] or a request-level reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Refusal {
    /// The beacon itself is malformed.
    #[error("{0}")]
    Beacon(Reject),
    /// Body larger than `server.max_body_bytes`.
    #[error("body_too_large")]
    BodyTooLarge,
    /// Gzip body inflates beyond `server.max_inflated_bytes`.
    #[error("inflated_too_large")]
    InflatedTooLarge,
    /// Not gzip though it says so, or an unknown `Content-Encoding`.
    #[error("bad_encoding")]
    BadEncoding,
    /// A `Content-Type` other than text/plain or application/json.
    #[error("unsupported_media_type")]
    UnsupportedMediaType,
    /// The site key is not configured.
    #[error("unknown_site")]
    UnknownSite,
    /// The `Origin` (or `Referer`) is not allowed for the site.
    #[error("forbidden_origin")]
    ForbiddenOrigin,
    /// Too many beacons from one client IP or for one site.
    #[error("rate_limited")]
    RateLimited,
    /// The write-ahead log is at its disk cap or its writer is backed up.
    #[error("overloaded")]
    Overloaded,
    /// The write-ahead log could not be written (disk error).
    #[error("storage_unavailable")]
    StorageUnavailable,
    /// The body missed `server.body_timeout_ms` or fell below
    /// `server.body_min_bytes_per_second`.
    #[error("body_timeout")]
    BodyTimeout,
    /// The client IP already has `server.max_uploads_per_ip` bodies on their way.
    #[error("too_many_uploads")]
    TooManyUploads,
    /// The client IP already holds `server.max_connections_per_ip` open connections (the
    /// connection is closed at once, before anything is read).
    #[error("too_many_connections")]
    TooManyConnections,
    /// A request the HTTP layer could not parse (answered 400 by actix before any handler).
    #[error("malformed_request")]
    MalformedRequest,
    /// Dashboard or report API request with no or wrong credentials.
    #[error("unauthorized")]
    Unauthorized,
    /// Dashboard or report API request from a client IP locked out after too many wrong
    /// passwords (`dashboard.max_failed_logins_per_minute`).
    #[error("login_locked")]
    LoginLocked,
}

impl Refusal {
    /// Request-level reasons, in counter order after the beacon reasons.
    pub const REQUEST_LEVEL: [Refusal; 15] = [
        Refusal::BodyTooLarge,
        Refusal::InflatedTooLarge,
        Refusal::BadEncoding,
        Refusal::UnsupportedMediaType,
        Refusal::UnknownSite,
        Refusal::ForbiddenOrigin,
        Refusal::RateLimited,
        Refusal::Overloaded,
        Refusal::StorageUnavailable,
        Refusal::BodyTimeout,
        Refusal::TooManyUploads,
        Refusal::TooManyConnections,
        Refusal::MalformedRequest,
        Refusal::Unauthorized,
        Refusal::LoginLocked,
    ];

    /// Number of distinct reasons (size of the counter array).
    pub const COUNT: usize = Reject::ALL.len() + Self::REQUEST_LEVEL.len();

    /// Dense index for per-reason counters.
    pub fn index(self) -> usize {
        match self {
            Refusal::Beacon(r) => r as usize,
            other => {
                Reject::ALL.len()
                    + Self::REQUEST_LEVEL
                        .iter()
                        .position(|r| *r == other)
                        .unwrap_or(0)
            }
        }
    }

    /// The reason at a dense index.
    pub fn from_index(i: usize) -> Refusal {
        match Reject::ALL.get(i) {
            Some(r) => Refusal::Beacon(*r),
            None => Self::REQUEST_LEVEL[i - Reject::ALL.len()],
        }
    }

    /// Stable reason code.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Beacon(r) => r.code(),
            Refusal::BodyTooLarge => "body_too_large",
            Refusal::InflatedTooLarge => "inflated_too_large",
            Refusal::BadEncoding => "bad_encoding",
            Refusal::UnsupportedMediaType => "unsupported_media_type",
            Refusal::UnknownSite => "unknown_site",
            Refusal::ForbiddenOrigin => "forbidden_origin",
            Refusal::RateLimited => "rate_limited",
            Refusal::Overloaded => "overloaded",
            Refusal::StorageUnavailable => "storage_unavailable",
            Refusal::BodyTimeout => "body_timeout",
            Refusal::TooManyUploads => "too_many_uploads",
            Refusal::TooManyConnections => "too_many_connections",
            Refusal::MalformedRequest => "malformed_request",
            Refusal::Unauthorized => "unauthorized",
            Refusal::LoginLocked => "login_locked",
        }
    }

    /// HTTP status answered for this reason.
    pub fn status(self) -> StatusCode {
        match self {
            Refusal::Beacon(_) | Refusal::BadEncoding | Refusal::MalformedRequest => {
                StatusCode::BAD_REQUEST
            }
            Refusal::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            Refusal::Unauthorized => StatusCode::UNAUTHORIZED,
            Refusal::BodyTooLarge | Refusal::InflatedTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Refusal::UnknownSite | Refusal::ForbiddenOrigin => StatusCode::FORBIDDEN,
            Refusal::RateLimited
            | Refusal::TooManyUploads
            | Refusal::TooManyConnections
            | Refusal::LoginLocked => StatusCode::TOO_MANY_REQUESTS,
            Refusal::Overloaded | Refusal::StorageUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// Whether the `count`-th refusal of one reason is logged: the first, then every 1000th, so a
/// flood cannot flood the logs (the counters have every one).
pub fn worth_logging(count: u64) -> bool {
    count == 1 || count.is_multiple_of(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_are_dense_and_round_trip() {
        for i in 0..Refusal::COUNT {
            assert_eq!(Refusal::from_index(i).index(), i);
        }
    }
}
