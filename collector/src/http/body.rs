//! Reads a beacon request body within limits: size on the wire, a deadline and a minimum
//! transfer rate, the memory budget of [`Admission`] for bodies that keep it waiting, and the
//! inflated size of gzip.

use super::admission::{Admission, Denied};
use crate::refusal::Refusal;
use actix_web::error::PayloadError;
use actix_web::http::header::HeaderMap;
use bytes::Bytes;
use futures_util::{FutureExt, Stream, StreamExt};
use rum_beacon::Reject;
use std::io::Read;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Slack before the minimum rate applies, and at any moment after: a client may pause this
/// long (a mobile radio waking up) as long as it averages the rate.
pub const RATE_GRACE: Duration = Duration::from_secs(2);

/// How long the first bytes of a body may be waited for without a ticket from [`Admission`]
/// (nothing is held meanwhile); bodies sent with their headers are there long before.
pub const ADMIT_AFTER: Duration = Duration::from_millis(100);

/// The limits a body is read within (from `[server]`).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// Largest body on the wire, bytes.
    pub max_body_bytes: usize,
    /// Largest body after inflation, bytes.
    pub max_inflated_bytes: usize,
    /// The whole body must have arrived this long after the handler starts reading it.
    pub timeout: Duration,
    /// Bytes per second the body must average (after [`RATE_GRACE`]); 0: no minimum.
    pub min_bytes_per_second: u32,
}

/// How the body is framed, from its headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framing {
    /// `Content-Encoding: gzip`.
    pub gzip: bool,
    /// `Content-Length`, when given.
    pub declared: Option<usize>,
}

/// Checks the headers before any of the body is read: media type, encoding, declared length.
pub fn framing(headers: &HeaderMap, limits: &BodyLimits) -> Result<Framing, Refusal> {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let ct = text("content-type").unwrap_or("text/plain");
    let mime = ct.split(';').next().unwrap_or("").trim();
    if !(mime.eq_ignore_ascii_case("text/plain")
        || mime.eq_ignore_ascii_case("application/json")
        || mime.is_empty())
    {
        return Err(Refusal::UnsupportedMediaType);
    }
    let gzip = match text("content-encoding").map(str::trim) {
        None | Some("") | Some("identity") => false,
        Some(e) if e.eq_ignore_ascii_case("gzip") => true,
        Some(_) => return Err(Refusal::BadEncoding),
    };
    let declared = text("content-length").and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limits.max_body_bytes) {
        return Err(Refusal::BodyTooLarge);
    }
    Ok(Framing { gzip, declared })
}

/// Reads the body, refusing it as soon as it passes the size limit, falls behind the minimum
/// rate or misses the deadline, then inflates gzip. Waiting for the rest of a body (or for its
/// first bytes past [`ADMIT_AFTER`]) needs a ticket from `admission`: a beacon arrives with its
/// headers and never needs one, so stalled uploads cannot crowd out normal traffic.
pub async fn read(
    headers: &HeaderMap,
    mut payload: impl Stream<Item = Result<Bytes, PayloadError>> + Unpin,
    limits: &BodyLimits,
    admission: &Admission,
    ip: Option<IpAddr>,
) -> Result<Vec<u8>, Refusal> {
    let framing = framing(headers, limits)?;
    let start = Instant::now();
    let deadline = start + limits.timeout;
    let mut ticket = None;
    let mut raw = Vec::new();
    let mut looked_again = false;
    loop {
        // What has arrived already costs no timer and no ticket.
        let next = match payload.next().now_or_never() {
            Some(next) => next,
            // actix polls the handler before it hands over the body bytes it has already
            // read, in the same pass: look once more before arming a timer. Each timer armed
            // per request made the worker write its own eventfd (0.7 syscalls a beacon).
            None if !looked_again => {
                looked_again = true;
                PollAgain(false).await;
                continue;
            }
            None => {
                let due =
                    next_byte_due(start, raw.len(), limits.min_bytes_per_second).min(deadline);
                // Waiting for the first bytes holds no body yet: allowed briefly without a
                // ticket. Waiting with part of a body in hand needs one.
                if ticket.is_none() && raw.is_empty() && Instant::now() < start + ADMIT_AFTER {
                    let admit_at = (start + ADMIT_AFTER).min(due);
                    match tokio::time::timeout_at(admit_at.into(), payload.next()).await {
                        Ok(next) => next,
                        Err(_) => continue,
                    }
                } else {
                    if ticket.is_none() {
                        // A body of unknown length may grow to the limit: reserve that.
                        let reserve = framing.declared.unwrap_or(limits.max_body_bytes);
                        ticket = Some(admission.admit(ip, reserve).map_err(denied)?);
                    }
                    tokio::time::timeout_at(due.into(), payload.next())
                        .await
                        .map_err(|_| Refusal::BodyTimeout)?
                }
            }
        };
        let Some(chunk) = next else { break };
        let chunk = chunk.map_err(|_| Refusal::Beacon(Reject::InvalidJson))?;
        if raw.len() + chunk.len() > limits.max_body_bytes {
            return Err(Refusal::BodyTooLarge);
        }
        if raw.is_empty() {
            let declared = framing.declared.unwrap_or(0);
            // More is announced than came: this body will be waited for. Admit it before
            // copying anything, so a refused one costs nothing but its connection.
            if declared > chunk.len() && ticket.is_none() {
                ticket = Some(admission.admit(ip, declared).map_err(denied)?);
            }
            raw.reserve_exact(declared.max(chunk.len()));
        }
        raw.extend_from_slice(&chunk);
    }
    drop(ticket);
    if framing.gzip {
        inflate(&raw, limits.max_inflated_bytes)
    } else {
        Ok(raw)
    }
}

/// Pending once, asking to be polled again at once: the wake-up goes to the worker's own run
/// queue (it is running), which costs no syscall, unlike a timer or `tokio::task::yield_now`
/// (whose deferred wake-up comes from outside the task set and writes the eventfd).
struct PollAgain(bool);

impl std::future::Future for PollAgain {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

/// When the next byte must have arrived for the body to keep up with the minimum rate.
fn next_byte_due(start: Instant, received: usize, min_rate: u32) -> Instant {
    if min_rate == 0 {
        return start + Duration::from_secs(86_400);
    }
    start + RATE_GRACE + Duration::from_secs_f64(received as f64 / min_rate as f64)
}

fn denied(d: Denied) -> Refusal {
    match d {
        Denied::TooManyUploads => Refusal::TooManyUploads,
        Denied::BudgetSpent => Refusal::Overloaded,
    }
}

/// Inflates a gzip body with a cap on the inflated size, so a small bomb is cut off while
/// inflating. Concatenated gzip members are one stream (RFC 1952) and are all inflated; bytes
/// after the last member that are not another member refuse the body (`bad_encoding`)
/// instead of being dropped unseen.
pub fn inflate(raw: &[u8], limit: usize) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::with_capacity((raw.len() * 4).min(limit + 1));
    let limit = limit as u64;
    flate2::read::MultiGzDecoder::new(raw)
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|_| Refusal::BadEncoding)?;
    if out.len() as u64 > limit {
        return Err(Refusal::InflatedTooLarge);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{write::GzEncoder, Compression};
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn every_gzip_member_is_inflated_and_trailing_garbage_refused() {
        let mut two = gzip(b"[1,");
        two.extend(gzip(b"2]"));
        assert_eq!(inflate(&two, 100).unwrap(), b"[1,2]");
        let mut trailing = gzip(b"[1]");
        trailing.extend_from_slice(b"garbage");
        assert_eq!(inflate(&trailing, 100), Err(Refusal::BadEncoding));
        assert_eq!(
            inflate(&gzip(&[b' '; 1000]), 999),
            Err(Refusal::InflatedTooLarge)
        );
        assert_eq!(inflate(b"not gzip", 100), Err(Refusal::BadEncoding));
    }

    /// Like actix's payload: empty at the handler's first poll, filled (and the handler woken)
    /// in the same pass of the dispatcher.
    struct FedAfterFirstPoll(Option<Bytes>, bool);

    impl Stream for FedAfterFirstPoll {
        type Item = Result<Bytes, PayloadError>;

        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            if !self.1 {
                self.1 = true;
                cx.waker().wake_by_ref();
                return std::task::Poll::Pending;
            }
            std::task::Poll::Ready(self.0.take().map(Ok))
        }
    }

    #[test]
    fn a_body_handed_over_after_the_first_poll_is_read_without_arming_a_timer() {
        // No time driver: arming a timer panics, as a timer per beacon cost a syscall.
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let limits = BodyLimits {
            max_body_bytes: 1024,
            max_inflated_bytes: 1024,
            timeout: Duration::from_secs(10),
            min_bytes_per_second: 100,
        };
        let admission = Admission::new(1 << 20, 8);
        let headers = HeaderMap::new();
        let payload = FedAfterFirstPoll(Some(Bytes::from_static(b"{}")), false);
        let body = rt.block_on(read(&headers, payload, &limits, &admission, None));
        assert_eq!(body.unwrap(), b"{}");
    }

    #[test]
    fn the_minimum_rate_leaves_a_grace_then_asks_for_the_average() {
        let t0 = Instant::now();
        assert_eq!(next_byte_due(t0, 0, 1000), t0 + RATE_GRACE);
        assert_eq!(
            next_byte_due(t0, 3000, 1000),
            t0 + RATE_GRACE + Duration::from_secs(3)
        );
    }
}
