//! A tiny HTTP/1.1 POST from a chosen loopback address: a phone on its own
//! network (127.0.N.1 is one /24 each), for the collector's tests.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// POSTs JSON `body` to `url` (`http://host:port/path`) from `local`;
/// returns the status and the answer's body.
pub fn post_from(local: std::net::IpAddr, url: &str, body: &[u8]) -> (u16, String) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let rest = url.strip_prefix("http://").expect("an http:// URL");
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.bind(std::net::SocketAddr::new(local, 0)).expect("bind the local address");
        let mut stream = socket.connect(host.parse().expect("host:port")).await.expect("connect");
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        // A server refusing an oversized body may close before reading it all.
        let _ = stream.write_all(head.as_bytes()).await;
        let _ = stream.write_all(body).await;
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        let text = String::from_utf8_lossy(&answer).into_owned();
        let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        (status, body)
    })
}
