//! A minimal HTTP/1.1 client for prepared requests: writes bytes built before the clock
//! started and reads just the status line, headers and body length. A general client
//! (reqwest) spent more CPU per request than the collector under test on a shared 2-core
//! machine, so the generator, not the server, set the ceiling; wrk works the same way.

use std::net::SocketAddr;
use std::sync::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Why a request got no status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The connection could not be opened.
    Connect,
    /// The connection broke while writing or reading.
    Io,
    /// The reply was not HTTP/1.x as expected.
    Malformed,
}

impl Failure {
    /// Name used in the summary's status counts.
    pub fn name(self) -> &'static str {
        match self {
            Failure::Connect => "connect_error",
            Failure::Io => "io_error",
            Failure::Malformed => "malformed_reply",
        }
    }
}

/// Kept-alive connections to one server, reused last in, first out.
pub struct Pool {
    addr: SocketAddr,
    idle: Mutex<Vec<TcpStream>>,
}

impl Pool {
    /// A pool for `addr`, empty until the first request.
    pub fn new(addr: SocketAddr) -> Self {
        Pool {
            addr,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Sends `request` (complete bytes, headers and body) and returns the status code. With
    /// `keep_alive` the connection comes from and goes back to the pool; a pooled
    /// connection the server closed while idle is replaced once, as browsers do.
    pub async fn send(&self, request: &[u8], keep_alive: bool) -> Result<u16, Failure> {
        if keep_alive {
            let pooled = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
            if let Some(mut conn) = pooled {
                match exchange(&mut conn, request).await {
                    Ok(reply) => return Ok(self.finish(conn, reply)),
                    Err(Exchange::Failed(f)) => return Err(f),
                    Err(Exchange::ClosedBeforeReply) => {}
                }
            }
        }
        let mut conn = TcpStream::connect(self.addr)
            .await
            .map_err(|_| Failure::Connect)?;
        let _ = conn.set_nodelay(true);
        match exchange(&mut conn, request).await {
            Ok(reply) if keep_alive => Ok(self.finish(conn, reply)),
            Ok(reply) => Ok(reply.status),
            Err(Exchange::Failed(f)) => Err(f),
            Err(Exchange::ClosedBeforeReply) => Err(Failure::Io),
        }
    }

    fn finish(&self, conn: TcpStream, reply: Reply) -> u16 {
        if reply.reusable {
            self.idle
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(conn);
        }
        reply.status
    }
}

struct Reply {
    status: u16,
    reusable: bool,
}

enum Exchange {
    /// Nothing came back and nothing broke mid-reply: a stale kept-alive connection.
    ClosedBeforeReply,
    Failed(Failure),
}

async fn exchange(conn: &mut TcpStream, request: &[u8]) -> Result<Reply, Exchange> {
    if conn.write_all(request).await.is_err() {
        return Err(Exchange::ClosedBeforeReply);
    }
    let mut buf = [0u8; 4096];
    let mut len = 0;
    let head_end = loop {
        if len == buf.len() {
            return Err(Exchange::Failed(Failure::Malformed));
        }
        match conn.read(&mut buf[len..]).await {
            Ok(0) | Err(_) if len == 0 => return Err(Exchange::ClosedBeforeReply),
            Ok(0) | Err(_) => return Err(Exchange::Failed(Failure::Io)),
            Ok(n) => len += n,
        }
        if let Some(i) = find(&buf[..len], b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = parse_head(&buf[..head_end]).ok_or(Exchange::Failed(Failure::Malformed))?;
    // Drain the body so the next request on this connection starts at a reply boundary.
    let mut remaining = head.content_length.saturating_sub(len - head_end);
    while remaining > 0 {
        let n = match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return Err(Exchange::Failed(Failure::Io)),
            Ok(n) => n,
        };
        remaining = remaining.saturating_sub(n);
    }
    Ok(Reply {
        status: head.status,
        reusable: !head.close,
    })
}

/// What the generator needs from a reply's head.
#[derive(Debug, PartialEq, Eq)]
struct Head {
    status: u16,
    content_length: usize,
    close: bool,
}

/// Parses a reply's status line and headers (up to and including the blank line). A reply
/// without Content-Length has no body here: the collector and nginx always send one.
fn parse_head(head: &[u8]) -> Option<Head> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next()?;
    let rest = status_line.strip_prefix("HTTP/1.")?;
    let status = rest.get(2..5)?.parse().ok()?;
    let http10 = rest.starts_with('0');
    let mut h = Head {
        status,
        content_length: 0,
        close: http10,
    };
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            h.content_length = value.parse().ok()?;
        } else if name.eq_ignore_ascii_case("connection") {
            h.close = value.eq_ignore_ascii_case("close");
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            // Chunked bodies are not expected from either server; refuse rather than desync.
            return None;
        }
    }
    Some(h)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The bytes of a POST of `body` to `path` with the given extra headers.
pub fn post(
    host: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    keep_alive: bool,
) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::with_capacity(body.len() + 256);
    let _ = write!(
        out,
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !keep_alive {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    for (name, value) in headers {
        let _ = write!(out, "{name}: {value}\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_status_length_and_connection() {
        let h = parse_head(
            b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: 57\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(
            h,
            Some(Head {
                status: 413,
                content_length: 57,
                close: true
            })
        );
        let h = parse_head(b"HTTP/1.1 204 No Content\r\ndate: x\r\n\r\n").unwrap();
        assert_eq!((h.status, h.content_length, h.close), (204, 0, false));
        assert!(parse_head(b"HTTP/1.0 200 OK\r\n\r\n").unwrap().close);
    }

    #[test]
    fn refuses_what_it_cannot_frame() {
        assert_eq!(parse_head(b"SSH-2.0-OpenSSH\r\n\r\n"), None);
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"),
            None
        );
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\ncontent-length: lots\r\n\r\n"),
            None
        );
    }

    #[test]
    fn builds_a_request_a_server_can_frame() {
        let r = post("h:1", "/v1/beacon", &[("user-agent", "x")], b"{}", false);
        assert_eq!(
            r,
            b"POST /v1/beacon HTTP/1.1\r\nHost: h:1\r\nContent-Length: 2\r\nConnection: close\r\nuser-agent: x\r\n\r\n{}"
        );
    }

    #[tokio::test]
    async fn talks_to_a_real_socket_and_reuses_the_connection() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 1024];
            for reply in [
                &b"HTTP/1.1 204 No Content\r\n\r\n"[..],
                b"HTTP/1.1 400 Bad Request\r\ncontent-length: 3\r\n\r\nbad",
            ] {
                let mut got = 0;
                while find(&buf[..got], b"{}").is_none() {
                    got += s.read(&mut buf[got..]).await.unwrap();
                }
                s.write_all(reply).await.unwrap();
            }
            1 // connections accepted
        });
        let pool = Pool::new(addr);
        let req = post("h", "/", &[], b"{}", true);
        assert_eq!(pool.send(&req, true).await, Ok(204));
        assert_eq!(pool.send(&req, true).await, Ok(400));
        assert_eq!(accepted.await.unwrap(), 1);
        // The server is gone: a stale pooled connection is replaced, and that fails to connect.
        assert_eq!(pool.send(&req, true).await, Err(Failure::Connect));
    }
}
