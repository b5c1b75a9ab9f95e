//! One keep-alive HTTP/1.1 connection to the service, as a benchmark client
//! holds it: requests go one after another on the same socket.

use std::net::SocketAddr;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::client::conn::http1;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;

/// A connection with its bearer token.
pub struct Conn {
    sender: http1::SendRequest<http_body_util::combinators::BoxBody<Bytes, std::convert::Infallible>>,
    host: String,
    auth: String,
}

impl Conn {
    /// Connects to `addr`; every request carries `token`.
    pub async fn open(addr: SocketAddr, token: &str) -> anyhow::Result<Conn> {
        let stream = tokio::net::TcpStream::connect(addr).await.with_context(|| format!("connecting to {addr}"))?;
        // Requests are small and sent whole; no point waiting to coalesce them.
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await.context("HTTP handshake")?;
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                eprintln!("bench: connection ended with an error: {err}");
            }
        });
        Ok(Conn { sender, host: addr.to_string(), auth: format!("Bearer {token}") })
    }

    /// `GET path`; returns the status and body.
    pub async fn get(&mut self, path: &str) -> anyhow::Result<(StatusCode, Bytes)> {
        let body = Empty::new().boxed();
        self.send(Method::GET, path, None, body).await
    }

    /// `POST path` with a JSON body.
    pub async fn post_json(&mut self, path: &str, json: String) -> anyhow::Result<(StatusCode, Bytes)> {
        let body = Full::new(Bytes::from(json)).boxed();
        self.send(Method::POST, path, Some("application/json"), body).await
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: http_body_util::combinators::BoxBody<Bytes, std::convert::Infallible>,
    ) -> anyhow::Result<(StatusCode, Bytes)> {
        let mut req =
            Request::builder().method(method).uri(path).header(HOST, &self.host).header(AUTHORIZATION, &self.auth);
        if let Some(ct) = content_type {
            req = req.header(CONTENT_TYPE, ct);
        }
        let req = req.body(body).context("building a request")?;
        self.sender.ready().await.context("the connection closed")?;
        let res = self.sender.send_request(req).await.with_context(|| format!("request to {path}"))?;
        let status = res.status();
        let bytes =
            res.into_body().collect().await.with_context(|| format!("reading the response of {path}"))?.to_bytes();
        Ok((status, bytes))
    }
}
