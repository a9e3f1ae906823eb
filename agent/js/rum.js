/* RUM agent loader. The build wraps this file and wasm-bindgen's glue (which defines
 * `wasm_bindgen`) in one closure, so nothing leaks into the merchant's page.
 *
 *   <script async src="https://rum.example.com/rum.js" data-site="KEY"
 *           data-page-group="product" data-sample="0.5"
 *           data-endpoint="https://rum.example.com/v1/beacon"></script>
 *   <script>window.rum = window.rum || []; rum.push(["dim", "ab_test", "B"]);</script>
 */
var script = document.currentScript;
if (script && self.WebAssembly && self.PerformanceObserver && self.fetch) {
  var data = script.dataset;
  var src = new URL(script.src, location.href);
  var sample = data.sample ? +data.sample : 1;
  // Sampling is decided before the wasm is fetched: unsampled shoppers pay for nothing more.
  if (sample > 0 && Math.random() < sample) {
    wasm_bindgen({ module_or_path: new URL("rum_agent_bg.wasm", src) })
      .then(function () {
        wasm_bindgen.start(
          data.site || "",
          data.endpoint || src.origin + "/v1/beacon",
          Math.min(sample, 1),
          data.pageGroup || ""
        );
        // The page's command queue: `window.rum = window.rum || []; rum.push(['dim', k, v])`
        // works before and after the agent loads.
        var queue = (self.rum = self.rum || []);
        var run = function (c) {
          try {
            if (c && c.length) wasm_bindgen.command(String(c[0]), String(c[1] == null ? "" : c[1]), String(c[2] == null ? "" : c[2]));
          } catch (e) {}
        };
        for (var i = 0; i < queue.length; i++) run(queue[i]);
        queue.push = function () {
          for (var j = 0; j < arguments.length; j++) run(arguments[j]);
          return 0;
        };
        // Lets people (and tests) see that the agent runs, without any global variable.
        script.setAttribute("data-rum-state", "running");
      })
      // A failed agent must never surface as an error on the merchant's page.
      .catch(function () {});
  }
}
