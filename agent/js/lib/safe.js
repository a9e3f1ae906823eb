/* Containment: nothing the agent does may surface on the merchant's page. Every callback the
 * agent hands the browser (observers, listeners, animation frames) runs through `safe`. */
function safe(f) {
  return function (x) {
    try {
      f(x);
    } catch (e) {}
  };
}

/* A capturing listener for the life of the page. */
function listen(target, type, f) {
  target.addEventListener(type, safe(f), true);
}
