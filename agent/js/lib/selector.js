/* A short CSS selector for attribution, like web-vitals' getSelector: `tag.class.class` parts
 * from the node up, joined by ">", stopping at an id or before 100 characters. Reads only
 * attributes, never layout. */
function selector(node) {
  var sel = "", part;
  while (node && node.nodeType == 1) {
    part = node.id
      ? "#" + node.id
      : [node.nodeName.toLowerCase()].concat([].slice.call(node.classList).sort()).join(".");
    if (sel.length + part.length > 99) return sel || part;
    sel = sel ? part + ">" + sel : part;
    if (node.id) break;
    node = node.parentNode;
  }
  return sel;
}
