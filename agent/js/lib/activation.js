/* The navigation entry once the response has started (web-vitals' getNavigationEntry), and
 * the activation start of prerendered pages (0 otherwise). */
function navigationEntry() {
  var e = performance.getEntriesByType("navigation")[0];
  if (e && e.responseStart > 0 && e.responseStart < performance.now()) return e;
}

function activationStart() {
  var e = navigationEntry();
  return (e && e.activationStart) || 0;
}
