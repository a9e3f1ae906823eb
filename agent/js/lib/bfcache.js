/* Back/forward cache restores (web-vitals' onBFCacheRestore): `f(restore time)`. */
function onRestore(f) {
  listen(self, "pageshow", function (e) {
    if (e.persisted) f(e.timeStamp);
  });
}

/* Runs `f` in the second animation frame: the first frame after a restore is when the
 * restored page is painted. */
function doubleRaf(f) {
  requestAnimationFrame(safe(function () {
    requestAnimationFrame(safe(f));
  }));
}
