/* A buffered PerformanceObserver for one entry type (web-vitals' lib/observe): entries from
 * before the agent loaded are delivered too. Nothing where the browser lacks the type. */
function observe(type, onEntries, options) {
  try {
    if (PerformanceObserver.supportedEntryTypes.indexOf(type) >= 0) {
      var po = new PerformanceObserver(safe(function (list) {
        onEntries(list.getEntries());
      }));
      po.observe(Object.assign({ type: type, buffered: true }, options));
      return po;
    }
  } catch (e) {}
}

/* Hands entries queued in `po` but not yet delivered to `onEntries`. */
function takeRecords(po, onEntries) {
  if (po) onEntries(po.takeRecords());
}
