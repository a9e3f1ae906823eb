// Small pages a test serves itself, for behaviour the demo site does not show (yet): an
// HTTP server on a free port that answers every GET with `page(path)` ({ type, body }).
import http from "node:http";

/** Serves `page` on 127.0.0.1; `url` is its origin, `close()` stops it. */
export async function servePages(page) {
  const server = http.createServer((req, res) => {
    const { type = "text/html; charset=utf-8", body = "", status = 200 } = page(new URL(req.url, "http://x").pathname) ?? { status: 404 };
    res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, port: server.address().port, close: () => new Promise((r) => server.close(r)) };
}
