//! Fuzzes the collector's body decoder and the beacon parser/validator with arbitrary bytes.
#![no_main]

#[path = "../pipeline.rs"]
mod pipeline;

libfuzzer_sys::fuzz_target!(|data: &[u8]| pipeline::run(data));
