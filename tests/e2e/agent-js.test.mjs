// The agent's browser layer (agent/js) on its own, in node: the helpers whose rules the
// browser tests do not reach (dimension limits, byte-exact cuts, selectors).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import vm from "node:vm";

const js = (path) => readFileSync(new URL(`../../agent/js/${path}`, import.meta.url), "utf8");

/** The agent's scripts in a fresh context with no browser: the loader finds no script tag. */
function agent(globals = {}) {
  const context = vm.createContext({ TextEncoder, TextDecoder, document: { currentScript: null }, self: {}, wasm_bindgen: {}, ...globals });
  for (const file of ["lib/beacon.js", "lib/selector.js", "lib/soft-navigation.js", "rum.js"]) vm.runInContext(js(file), context);
  return context;
}

test("a group pushed once the router changed the URL names the next soft view, not the one it ends", () => {
  const location = { href: "https://shop.example/list?page=2" };
  const soft = { PerformanceSoftNavigation: { prototype: { getLargestInteractionContentfulPaint() {} } } };
  const a = agent({ self: soft, location });
  const view = { dims: Object.create(null), url: "https://shop.example/list", group: "list" };
  a.command(view, ["group", "listing"]);
  assert.equal(view.group, "listing", "same URL (query aside): this view's group");
  location.href = "https://shop.example/product/1";
  a.command(view, ["group", "product"]);
  assert.deepEqual([view.group, view.next], ["listing", "product"]);
  // Without soft navigations a push always sets the one view's group, as before.
  const plain = agent({ location });
  const one = { dims: Object.create(null), url: "https://shop.example/list", group: "list" };
  plain.command(one, ["group", "product"]);
  assert.deepEqual([one.group, one.next], ["product", undefined]);
});

test("custom dimensions: at most five, keys cleaned, values cut to the collector's limits", () => {
  const a = agent();
  const view = { dims: Object.create(null) };
  for (let i = 0; i < 8; i++) a.command(view, ["dim", `k${i}`, "v"]);
  assert.deepEqual(Object.keys(view.dims), ["k0", "k1", "k2", "k3", "k4"]);
  a.command(view, ["dim", "k0", "é".repeat(100)]);
  assert.equal(Buffer.byteLength(view.dims.k0), 128, "cut at 128 bytes, on a character boundary");
  a.command(view, ["dim", "bad key!", "x"]);
  assert.equal(Object.keys(view.dims).length, 5, "a cleaned new key gets no room either");
  const fresh = { dims: Object.create(null) };
  a.command(fresh, ["dim", "a b!", "x"]);
  a.command(fresh, ["dim", "!!!", "y"]);
  assert.deepEqual({ ...fresh.dims }, { ab: "x" }, "an empty key after cleaning is ignored");
  a.command(fresh, ["group", undefined]);
  assert.equal(fresh.group, "");
  a.command(fresh, ["group", "checkout".repeat(20)]);
  assert.equal(fresh.group.length, 64);
});

test("cuts never split a character, and lone surrogates (refused by the collector) are replaced", () => {
  const a = agent();
  assert.equal(a.cut("a\ud800b", 10), "a\ufffdb");
  assert.equal(a.cut("x\udc00", 10), "x\ufffd");
  assert.equal(a.cut(42, 10), "42");
  assert.equal(a.cut("abc", 2), "ab");
  assert.equal(a.cut("ééé", 5), "éé");
  assert.equal(a.cut("a😀b", 3), "a", "the emoji needs 4 bytes");
  assert.equal(a.cut("😀😀", 6), "😀");
  assert.equal(a.withoutQuery("https://shop.example/p/1?email=a@b.c#top"), "https://shop.example/p/1");
});

test("selectors: tag and sorted classes up to an id, joined by >, under 100 characters", () => {
  const a = agent();
  const el = (nodeName, id, classes, parentNode) => ({ nodeType: 1, nodeName, id, classList: classes, parentNode });
  const body = el("BODY", "", [], { nodeType: 9 });
  const main = el("MAIN", "shop", [], body);
  const img = el("IMG", "", ["hero", "big"], el("DIV", "", ["media"], main));
  assert.equal(a.selector(img), "#shop>div.media>img.big.hero");
  assert.equal(a.selector(null), "");
  const long = el("SPAN", "", ["x".repeat(60)], el("DIV", "", ["y".repeat(60)], body));
  assert.equal(a.selector(long), `span.${"x".repeat(60)}`, "stops before 100 characters");
});
