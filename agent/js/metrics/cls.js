/* Cumulative layout shift: every `layout-shift` entry goes to the wasm (session windows);
 * the source of the largest shift of the current window, and of the CLS window, are kept as
 * the wasm says. */
var clsObserver, windowSource, clsSource;

/* The bits of the wasm's `shift` answer, as agent/src/shared/layout_shifts.rs declares them
 * (a Rust test holds the two together). */
var LARGEST_IN_WINDOW = 1, WINDOW_IS_MAX = 2;

function onShifts(entries) {
  entries.forEach(function (e) {
    var answer = w.shift(e.startTime, e.value, e.hadRecentInput), node;
    if (answer & LARGEST_IN_WINDOW) {
      (e.sources || []).some(function (s) {
        return (node = s.node);
      });
      windowSource = selector(node);
    }
    if (answer & WINDOW_IS_MAX) clsSource = windowSource;
  });
}

function observeCls() {
  clsObserver = observe("layout-shift", onShifts);
  return !!clsObserver;
}

function clsAttribution(body) {
  if (clsSource && body.cls >= 0) body.cls_target = cut(clsSource, 256);
}

function resetCls() {
  windowSource = clsSource = "";
}
