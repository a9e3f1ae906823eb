/* Delivers a beacon while the page is going away. A string body goes out as text/plain,
 * which browsers send cross-origin without a CORS preflight. sendBeacon survives the page
 * unloading; where it is missing or refuses (queue full), a keepalive fetch does the same. */
function send(url, body) {
  try {
    if (navigator.sendBeacon(url, body)) return;
  } catch (e) {}
  fetch(url, { method: "POST", body: body, keepalive: true, credentials: "omit" }).catch(function () {});
}
