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
# export at the function table, which browsers reject.
agent/node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$work/rum_agent_bg.wasm" -o "$work/rum_agent_bg.opt.wasm"

{
  printf '/* RUM agent: see README.md and docs/beacon.md */\n(function () {\n'
  cat "$work/rum_agent.js"
  cat agent/js/rum.js
  printf '})();\n'
} >"$work/rum.js"

# Replace atomically so a running collector never serves half a file.
mv "$work/rum.js" "$out/rum.js.tmp" && mv "$out/rum.js.tmp" "$out/rum.js"
cp "$work/rum_agent_bg.opt.wasm" "$out/rum_agent_bg.wasm.tmp" && mv "$out/rum_agent_bg.wasm.tmp" "$out/rum_agent_bg.wasm"
echo "agent: $(wc -c <"$out/rum.js") B rum.js, $(wc -c <"$out/rum_agent_bg.wasm") B wasm" \
  "($(gzip -9c "$out/rum.js" | wc -c) + $(gzip -9c "$out/rum_agent_bg.wasm" | wc -c) B gzipped)"
