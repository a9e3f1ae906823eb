//! A bounded run of the fuzz target `fuzz/fuzz_targets/beacon_body.rs` in the test command:
//! its corpus replayed, then 20 000 deterministic mutations of it (byte flips, truncations,
//! splices, repeats) through the same decoder and parser. The long runs are cargo-fuzz's
//! (BENCHMARKS.md, Fuzzing).

#[path = "../../fuzz/pipeline.rs"]
mod pipeline;
#[path = "../../fuzz/seeds.rs"]
mod seeds;

#[test]
fn the_fuzz_corpus_and_its_mutations_parse_without_panicking() {
    let seeds = seeds::corpus();
    assert!(seeds.len() >= 20, "the corpus is there: {}", seeds.len());
    for s in &seeds {
        pipeline::run(s);
    }
    let mut next = seeds::rng(0x2545_f491_4f6c_dd1d);
    for _ in 0..20_000 {
        let mut input = seeds[next() as usize % seeds.len()].clone();
        for _ in 0..1 + next() % 4 {
            let at = if input.is_empty() {
                0
            } else {
                next() as usize % input.len()
            };
            match next() % 4 {
                0 if !input.is_empty() => input[at] ^= 1 << (next() % 8),
                1 => input.truncate(at.max(1)),
                2 => {
                    let other = &seeds[next() as usize % seeds.len()];
                    let from = next() as usize % other.len().max(1);
                    input.splice(at..at, other[from..].iter().copied());
                }
                _ => {
                    let byte = *b"[{\"\\:,]}0-e".get(next() as usize % 11).unwrap();
                    input.splice(at..at, std::iter::repeat_n(byte, (next() % 64) as usize));
                }
            }
        }
        pipeline::run(&input);
    }
}
