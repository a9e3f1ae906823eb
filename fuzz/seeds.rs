//! The fuzz corpus and a repeatable random source for the bounded fuzz runs in the test
//! command (the collector's corpus replay, the beacon parser's differential test); included
//! by path, like `pipeline.rs`.

/// Every file of `fuzz/corpus/beacon_body`, in name order (each one's first byte picks how
/// `pipeline::run` sends the rest).
pub fn corpus() -> Vec<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/corpus/beacon_body");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("fuzz corpus")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// xorshift64: the same mutations on every run, so a failure reproduces.
pub fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}
