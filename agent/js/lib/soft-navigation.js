/* Soft navigations (web-vitals 6's reportSoftNavs): where the browser detects that an
 * interaction changed the URL and painted new content, it emits a `soft-navigation` entry,
 * and each one is a page view of its own. Detected as web-vitals does: the entry type and
 * `getLargestInteractionContentfulPaint` (Chromium 151 and later); elsewhere nothing. */
function softNavigations() {
  var s = self.PerformanceSoftNavigation;
  return !!s && typeof s.prototype.getLargestInteractionContentfulPaint == "function";
}

/* Calls `f(entry)` for each soft navigation. */
function onSoftNavigation(f) {
  if (softNavigations())
    observe("soft-navigation", function (entries) {
      entries.forEach(f);
    });
}

/* The entries queued in `po` up to the end of `e` go to `onEntries` now (the view `e` ends);
 * the later ones are returned, for the view it begins. web-vitals' observers order entries
 * of one delivery the same way: by end time. */
function takeRecordsUntil(po, e, onEntries) {
  var end = e.startTime + e.duration, later = [];
  if (po)
    onEntries(po.takeRecords().filter(function (x) {
      return x.startTime + x.duration <= end || !later.push(x);
    }));
  return later;
}
