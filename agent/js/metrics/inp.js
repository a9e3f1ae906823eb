/* Interaction to next paint and first input delay: `event` entries of at least 40 ms and the
 * `first-input` entry go to the wasm (grouping, the p98 estimate, FID); the target, type and
 * timing of each interaction it keeps are kept here by interaction id, and Long Animation
 * Frames for the INP's script attribution (web-vitals 6's attribution build). */
var inpObserver, interactions = {}, frames = [];

/* The arguments go by position, in the order of the wasm's `event` parameters (a test in
 * agent/src/lib.rs holds the two together). An interaction's time is the start of its
 * longest entry, as web-vitals takes it. */
function onEvents(entries) {
  entries.forEach(function (e) {
    var id = e.interactionId || 0, a = interactions[id];
    if (w.event(id, e.entryType == "first-input", e.startTime, e.duration, e.processingStart, e.processingEnd))
      interactions[id] = [selector(e.target), e.name, e.startTime, e.duration];
    else if (a && e.duration > a[3]) (a[2] = e.startTime), (a[3] = e.duration);
  });
}

/* Long Animation Frames: the last 10, and any that overlaps a kept interaction. */
function onFrames(entries) {
  frames = frames.concat(entries).filter(function (f, i, all) {
    return i >= all.length - 10 || Object.keys(interactions).some(function (id) {
      var t = interactions[id][2];
      return f.startTime + f.duration >= t && f.startTime <= t + interactions[id][3];
    });
  });
}

function observeInp() {
  inpObserver = observe("event", onEvents, { durationThreshold: 40 });
  try {
    if (inpObserver) inpObserver.observe({ type: "first-input", buffered: true });
  } catch (e) {}
  observe("long-animation-frame", onFrames);
}

function interactionCount() {
  return performance.interactionCount || 0;
}

function inpAttribution(body) {
  var a = interactions[w.inp_id()];
  if (a && body.inp >= 0) {
    body.inp_target = cut(a[0], 256);
    body.inp_type = cut(a[1], 32);
    scriptAttribution(body, a[2]);
  }
}

/* Where the INP's time went in its Long Animation Frames, as web-vitals' attribution build
 * computes it: the frames overlapping the interaction until the end of its processing, the
 * script that overlapped it longest and the phase it began in, and the totals. */
function scriptAttribution(body, start) {
  var delay = start + body.inp_delay, processed = delay + body.inp_proc, paint = start + body.inp, scripts = 0, layout = 0, drawn = 0, longest = 0, last;
  frames.forEach(function (f) {
    if (f.startTime + f.duration < start || f.startTime > processed) return;
    last = f;
    layout += f.startTime + f.duration - f.styleAndLayoutStart;
    f.scripts.forEach(function (s) {
      var end = s.startTime + s.duration, overlap = end - Math.max(start, s.startTime), forced = s.duration ? (overlap / s.duration) * s.forcedStyleAndLayoutDuration : 0;
      if (end < start) return;
      scripts += overlap - forced;
      layout += forced;
      if (overlap > longest) {
        longest = overlap;
        body.inp_script_url = withoutQuery(s.sourceURL);
        body.inp_script_type = cut(s.invokerType, 32);
        body.inp_script_invoker = cut(s.invoker, 256);
        body.inp_script_ms = overlap;
        body.inp_script_phase = s.startTime < delay ? "input-delay" : s.startTime >= processed ? "presentation-delay" : "processing-duration";
      }
    });
  });
  if (!last) return;
  /* INP's duration is rounded to 8 ms, so the paint can come out a little before the frame's
   * end; clamped at 0, since the collector drops (and counts) a negative value. */
  if (last.startTime + last.duration >= processed) drawn = Math.max(0, paint - last.startTime - last.duration);
  body.inp_script_total = scripts;
  body.inp_style_layout = layout;
  body.inp_paint = drawn;
  body.inp_unattributed = Math.max(0, paint - start - scripts - layout - drawn);
}

function resetInp() {
  interactions = {};
}
