// Writes the agent's glue from wasm-bindgen's: after `wasm-opt
// --minify-imports-and-exports-and-modules` the wasm's import and export names are one or two
// letters, and the glue calls them by those names, so the names (wasm-bindgen's own carry random
// hex that gzip cannot compress) are not shipped twice, in the wasm and in the JS.
//
// Only what the agent uses is kept: the exported functions (numbers in, a number or boolean
// out), wasm-bindgen's import object and its start call. wasm-bindgen's loader (init
// options, `initSync`, deprecation warnings, Request/URL/Response dispatch: about 600 B gzipped)
// is replaced by `wasm_bindgen(url)`, which fetches and instantiates the wasm and resolves when
// the exports can be called. Anything in wasm-bindgen's glue this does not recognise (a string
// or object crossing the boundary, a new import) fails the build rather than shipping broken.
//
//   node agent/build/glue.mjs GLUE.js MAPPING.json MINIFIED.wasm > OUT.js
import { readFileSync } from "node:fs";

const [gluePath, mappingPath, wasmPath] = process.argv.slice(2);
const glue = readFileSync(gluePath, "utf8");
const mapping = JSON.parse(readFileSync(mappingPath, "utf8"));
const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(wasmPath)));
const modules = new Set(imports.map((i) => i.module));
if (modules.size !== 1) throw new Error(`expected one import module, found ${[...modules]}`);
const [module] = modules;
const exportName = new Map(mapping.exports);
const importName = new Map(mapping.imports.map(([, from, to]) => [from, to]));

/** The minified name of wasm-bindgen's export `name`. */
function minified(name) {
  const to = exportName.get(name);
  if (to === undefined) throw new Error(`no minified name for export ${name}`);
  return JSON.stringify(to);
}

// `function NAME(ARGS) { [const ret = ]wasm.EXPORT(ARGS); [return ret[ !== 0| >>> 0];] }`
const wrapper =
  /\n {4}function (\w+)\(([\w, ]*)\) \{\n\s*(const ret = )?wasm\.(\w+)\(\2\);\n(?:\s*return ret( !== 0| >>> 0)?;\n)?\s*\}\n {4}exports\.\1 = \1;/g;
const wrappers = [...glue.matchAll(wrapper)];
const exported = glue.match(/\n {4}exports\.\w+ = /g) || [];
if (wrappers.length === 0 || wrappers.length !== exported.length)
  throw new Error(`glue exports ${exported.length} functions, ${wrappers.length} of them only numbers`);
// The exports themselves, no wrapper: a boolean comes back as 1 or 0 and a u32 as an i32,
// which the browser layer only tests for truth or masks bits of (sequence numbers and flags
// stay far below 2^31); numbers and booleans go in as wasm-bindgen would pass them.
const functions = wrappers.map(([, name, , , wasmName]) => `        wasm_bindgen.${name} = wasm[${minified(wasmName)}];`);

// The import object: `{ __proto__: null, "MODULE": { __proto__: null, NAME: function ... } }`.
const importsBody = glue.match(/\n {4}function __wbg_get_imports\(\) \{\n {8}const import0 = (\{\n[\s\S]*?\n {8}\});\n/);
if (!importsBody) throw new Error("glue has no recognisable __wbg_get_imports");
let importObject = importsBody[1].replace(/\bwasm\.(\w+)\b/g, (_, name) => `wasm[${minified(name)}]`);
let renamed = 0;
importObject = importObject.replace(/\n {12}(\w+): function/g, (_, name) => {
  const to = importName.get(name);
  if (to === undefined) throw new Error(`no minified name for import ${name}`);
  renamed++;
  return `\n            ${JSON.stringify(to)}: function`;
});
if (renamed !== imports.length) throw new Error(`wasm has ${imports.length} imports, glue ${renamed}`);
const start = glue.match(/\n\s*wasm\.(\w+)\(\);\n\s*return wasm;/);

process.stdout.write(`var wasm_bindgen = (function () {
  var wasm;
  /** Fetches and instantiates the agent's wasm at \`url\`; resolves once its exports work. */
  function wasm_bindgen(url) {
    var imports = { ${JSON.stringify(module)}: ${importObject} };
    // Streaming compiles while the bytes arrive; a server that does not say application/wasm
    // makes it fail, and then the bytes are compiled once they are all in.
    return WebAssembly.instantiateStreaming(fetch(url), imports)
      .catch(function () {
        return fetch(url).then(function (r) {
          return r.arrayBuffer();
        }).then(function (bytes) {
          return WebAssembly.instantiate(bytes, imports);
        });
      })
      .then(function (r) {
        wasm = r.instance.exports;
${functions.join("\n")}
        ${start ? `wasm[${minified(start[1])}]();` : ""}
      });
  }
  return wasm_bindgen;
})();
`);
