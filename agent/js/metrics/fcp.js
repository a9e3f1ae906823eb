/* First contentful paint: the `first-contentful-paint` paint entry. */
function observeFcp() {
  var po = observe("paint", function (entries) {
    entries.forEach(function (e) {
      if (e.name == "first-contentful-paint") {
        po.disconnect();
        w.paint(e.startTime, activationStart());
      }
    });
  });
}
