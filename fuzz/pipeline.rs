//! What an attacker's bytes go through after the socket: the body decoder (identity or gzip,
//! inflated with the collector's cap) and the beacon parser and validator. Shared by the fuzz
//! target and the corpus replay in the collector's tests.

use rum_beacon::{Beacon, Body};
use std::io::Write;

/// The collector's defaults (`server.max_inflated_bytes`, `server.max_batch`).
const MAX_INFLATED: usize = 256 * 1024;
const MAX_BATCH: usize = 500;

/// Runs one input. The first byte picks how the rest is sent: as is, as a gzip body taken
/// literally, or gzip-compressed here first (so the inflated side sees interesting JSON).
/// Panics are the failures; every refusal is a fine answer.
pub fn run(data: &[u8]) {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    let body = match mode % 3 {
        0 => Ok(rest.to_vec()),
        1 => rum_collector::http::body::inflate(rest, MAX_INFLATED),
        _ => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(rest).unwrap();
            let gz = e.finish().unwrap();
            let out = rum_collector::http::body::inflate(&gz, MAX_INFLATED);
            if rest.len() <= MAX_INFLATED {
                assert_eq!(out.as_deref().ok(), Some(rest), "gzip round trip");
            }
            out
        }
    };
    let Ok(body) = body else { return };
    match Body::parse(&body, MAX_BATCH) {
        Ok(Body::One(mut b)) => {
            let _ = b.validate();
        }
        Ok(Body::Many(items)) => {
            assert!(items.len() <= MAX_BATCH);
            for raw in items {
                if let Ok(mut b) = Beacon::parse(raw) {
                    let _ = b.validate();
                }
            }
        }
        Err(_) => {}
    }
}
