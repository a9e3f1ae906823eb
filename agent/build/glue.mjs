// Adapts wasm-bindgen's glue to what the build does after it: after `wasm-opt
// --minify-imports-and-exports-and-modules` the wasm's import and export names are one or two
// letters, and they are renamed here to match, so the names (wasm-bindgen's own carry random
// hex that gzip cannot compress) are not shipped twice, in the wasm and in the JS.
//
//   node agent/build/glue.mjs GLUE.js MAPPING.json MINIFIED.wasm > OUT.js
import { readFileSync } from "node:fs";

const [gluePath, mappingPath, wasmPath] = process.argv.slice(2);
let glue = readFileSync(gluePath, "utf8");
const mapping = JSON.parse(readFileSync(mappingPath, "utf8"));
const modules = new Set(WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(wasmPath))).map((i) => i.module));
if (modules.size !== 1) throw new Error(`expected one import module, found ${[...modules]}`);
const [module] = modules;

const escape = (s) => s.replace(/[$]/g, "\\$&");
/** Replaces every match of `pattern` with `what`, failing loudly when nothing matches. */
function rename(pattern, what) {
  const before = glue;
  glue = glue.replace(pattern, what);
  if (glue === before) throw new Error(`glue does not contain ${pattern}`);
}

const oldModules = new Set(mapping.imports.map(([m]) => m));
for (const m of oldModules) rename(new RegExp(`"${escape(m)}":`, "g"), `${JSON.stringify(module)}:`);
// Imports are keys of the import object: `name: function(...)`.
for (const [, from, to] of mapping.imports) rename(new RegExp(`\\b${escape(from)}:`, "g"), `${JSON.stringify(to)}:`);
// Exports are read as `wasm.name`.
for (const [from, to] of mapping.exports) {
  const pattern = new RegExp(`\\bwasm\\.${escape(from)}\\b`, "g");
  if (pattern.test(glue)) rename(pattern, `wasm[${JSON.stringify(to)}]`);
}
process.stdout.write(glue);
