//! Link settings of the wasm build.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        // Rust's default 1 MiB stack made every page allocate 1.1 MB of wasm memory up front;
        // the agent's deepest call chain needs a few KiB. The stack sits below the data
        // (lld's --stack-first), so an overflow traps instead of overwriting anything.
        println!("cargo:rustc-link-arg-cdylib=-zstack-size=65536");
    }
}
