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
}

impl Refusal {
    /// Request-level reasons, in counter order after the beacon reasons.
    pub const REQUEST_LEVEL: [Refusal; 9] = [
        Refusal::BodyTooLarge,
        Refusal::InflatedTooLarge,
        Refusal::BadEncoding,
        Refusal::UnsupportedMediaType,
        Refusal::UnknownSite,
        Refusal::ForbiddenOrigin,
        Refusal::RateLimited,
        Refusal::Overloaded,
        Refusal::StorageUnavailable,
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
        }
    }

    /// HTTP status answered for this reason.
    pub fn status(self) -> StatusCode {
        match self {
            Refusal::Beacon(_) | Refusal::BadEncoding => StatusCode::BAD_REQUEST,
            Refusal::BodyTooLarge | Refusal::InflatedTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Refusal::UnknownSite | Refusal::ForbiddenOrigin => StatusCode::FORBIDDEN,
            Refusal::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Refusal::Overloaded | Refusal::StorageUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
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
