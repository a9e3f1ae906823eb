/* Interaction to next paint and first input delay: `event` entries of at least 40 ms and the
 * `first-input` entry go to the wasm (grouping, the p98 estimate, FID); the target and type
 * of each interaction it keeps are kept here by interaction id. */
var inpObserver, interactions = {};

/* The arguments go by position, in the order of the wasm's `event` parameters (a test in
 * agent/src/lib.rs holds the two together). */
function onEvents(entries) {
  entries.forEach(function (e) {
    var id = e.interactionId || 0;
    if (w.event(id, e.entryType == "first-input", e.startTime, e.duration, e.processingStart, e.processingEnd))
      interactions[id] = [selector(e.target), e.name];
  });
}

function observeInp() {
  inpObserver = observe("event", onEvents, { durationThreshold: 40 });
  try {
    if (inpObserver) inpObserver.observe({ type: "first-input", buffered: true });
  } catch (e) {}
}

function interactionCount() {
  return performance.interactionCount || 0;
}

function inpAttribution(body) {
  var a = interactions[w.inp_id()];
  if (a && body.inp >= 0) {
    body.inp_target = cut(a[0], 256);
    body.inp_type = cut(a[1], 32);
  }
}

function resetInp() {
  interactions = {};
}
