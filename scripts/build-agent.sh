#!/usr/bin/env bash
# Builds the browser agent into agent/dist: rum.js (loader + wasm-bindgen glue) and
# rum_agent_bg.wasm (size-optimised). Incremental: cargo and wasm-bindgen only redo changed work.
set -euo pipefail
cd "$(dirname "$0")/.."

out=agent/dist
target=${CARGO_TARGET_DIR:-target}
work=$target/agent-bindgen
mkdir -p "$out" "$work"

cargo build --quiet -p rum-agent --target wasm32-unknown-unknown --profile wasm
wasm-bindgen --target no-modules --no-typescript --out-dir "$work" \
  "$target/wasm32-unknown-unknown/wasm/rum_agent.wasm"

# binaryen from npm (agent/package.json): Debian's 108 points wasm-bindgen's externref table
# export at the function table, which browsers reject. Import and export names are minified
# (the mapping goes to the glue below): wasm-bindgen's hashed names were 5 KB of the wasm.
# agent/build/glue.mjs writes the glue with those names.
features=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types --enable-multivalue)
# The target_features section only informs tools; browsers ignore it (150 B).
agent/node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers --strip-target-features \
  "${features[@]}" \
  --minify-imports-and-exports-and-modules \
  "$work/rum_agent_bg.wasm" -o "$work/rum_agent_bg.opt.wasm" >"$work/names.json"
# Optimising again until nothing changes: the renaming pass above prints its mapping on every
# round it runs, so rounds go in a pass of their own. What it may assume holds for Rust's
# output: the stack grows down from 64 KiB and stays far above the first 1 KiB, memory starts
# zeroed, and safe Rust never reads out of bounds (its own checks trap explicitly, and those
# traps are kept). Flattening and re-looping first lets -Oz find smaller control flow (50 B).
agent/node_modules/.bin/wasm-opt --flatten --rereloop -Oz -Oz --converge "${features[@]}" \
  --zero-filled-memory --low-memory-unused --ignore-implicit-traps \
  "$work/rum_agent_bg.opt.wasm" -o "$work/rum_agent_bg.opt.wasm"
node agent/build/glue.mjs "$work/rum_agent.js" "$work/names.json" \
  "$work/rum_agent_bg.opt.wasm" >"$work/glue.js"

# The browser layer (helpers, then one file per metric), the glue, then the loader, which
# reads `wasm_bindgen` from the glue.
{
  printf '(function () {\n'
  cat agent/js/lib/*.js agent/js/metrics/*.js "$work/glue.js" agent/js/rum.js
  printf '})();\n'
} >"$work/rum.full.js"
# Minified like any script a merchant's page loads; property names are kept (the glue and
# the loader talk through them). Arrow functions: every browser with WebAssembly has them.
agent/node_modules/.bin/terser "$work/rum.full.js" --ecma 2020 --compress passes=3,unsafe_arrows \
  --mangle -o "$work/rum.min.js"
# V8's explicit compile hint: compile every function up front, on the thread that streams
# the script in, instead of lazily on the page's main thread at each first call.
{ printf '//# allFunctionsCalledOnLoad\n'; cat "$work/rum.min.js"; } >"$work/rum.js"

# Replace atomically so a running collector never serves half a file.
mv "$work/rum.js" "$out/rum.js.tmp" && mv "$out/rum.js.tmp" "$out/rum.js"
cp "$work/rum_agent_bg.opt.wasm" "$out/rum_agent_bg.wasm.tmp" && mv "$out/rum_agent_bg.wasm.tmp" "$out/rum_agent_bg.wasm"
echo "agent: $(wc -c <"$out/rum.js") B rum.js, $(wc -c <"$out/rum_agent_bg.wasm") B wasm" \
  "($(gzip -9c "$out/rum.js" | wc -c) + $(gzip -9c "$out/rum_agent_bg.wasm" | wc -c) B gzipped)"
