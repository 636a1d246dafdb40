//! Reaching WeChat Pay the way enterprise networks do: through an HTTP proxy (a CONNECT tunnel
//! for HTTPS, with basic authentication), and through a gateway that serves WeChat Pay under a
//! path prefix.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use wechatpay::Error;
use wechatpay_sandbox::Sandbox;

mod common;

/// A CONNECT proxy on loopback that counts the tunnels it opened; with `credentials`, it asks
/// for `Proxy-Authorization: Basic <credentials>` and answers `407` without it.
async fn connect_proxy(credentials: Option<&'static str>) -> (SocketAddr, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let tunnels = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&tunnels);
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let tunnels = Arc::clone(&counted);
            tokio::spawn(async move {
                let mut head = Vec::new();
                while !head.ends_with(b"\r\n\r\n") {
                    let mut byte = [0u8; 1];
                    if client.read_exact(&mut byte).await.is_err() {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let Some(target) = head
                    .lines()
                    .next()
                    .and_then(|line| line.strip_prefix("CONNECT "))
                    .and_then(|rest| rest.split(' ').next())
                    .map(str::to_owned)
                else {
                    let _ = client
                        .write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
                        .await;
                    return;
                };
                if let Some(credentials) = credentials {
                    let expected = format!(
                        "proxy-authorization: basic {}",
                        credentials.to_ascii_lowercase()
                    );
                    if !head
                        .to_ascii_lowercase()
                        .lines()
                        .any(|line| line == expected)
                    {
                        let _ = client
                            .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n")
                            .await;
                        return;
                    }
                }
                let Ok(mut upstream) = TcpStream::connect(target.as_str()).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                tunnels.fetch_add(1, Ordering::SeqCst);
                if client
                    .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    .await
                    .is_err()
                {
                    return;
                }
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (addr, tunnels)
}

/// A sandbox serving HTTPS as `localhost`, with a certificate made here.
async fn https_sandbox() -> Sandbox {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    Sandbox::builder()
        .tls(
            certified.cert.der().to_vec(),
            certified.key_pair.serialize_der(),
        )
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn https_goes_through_the_proxy_in_one_authenticated_connect_tunnel() {
    let sandbox = https_sandbox().await;
    // "user:secret" in Base64.
    let (proxy, tunnels) = connect_proxy(Some("dXNlcjpzZWNyZXQ=")).await;
    let client = sandbox
        .client_builder()
        .unwrap()
        .proxy(format!("http://user:secret@{proxy}"))
        .build()
        .unwrap();
    for i in 0..3 {
        client
            .send(&common::pre_entrust_sign(&format!("proxied-{i}")))
            .await
            .expect("an answer through the tunnel");
    }
    assert_eq!(tunnels.load(Ordering::SeqCst), 1, "one kept-alive tunnel");
    assert_eq!(sandbox.requests_received(), 3);

    // Wrong credentials: the proxy's refusal is the root cause, and nothing was sent.
    let refused = sandbox
        .client_builder()
        .unwrap()
        .proxy(format!("http://user:wrong@{proxy}"))
        .build()
        .unwrap();
    let error = refused
        .send(&common::pre_entrust_sign("refused"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains(&format!("through the proxy http://{proxy}")),
        "{message}"
    );
    assert!(
        !message.contains("wrong"),
        "no credentials in messages: {message}"
    );
    assert!(message.to_ascii_lowercase().contains("auth"), "{message}");
    assert!(!error.outcome_unknown());
    assert_eq!(tunnels.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_proxy_url_that_cannot_work_is_refused_when_the_client_is_built() {
    let sandbox = Sandbox::start().await.unwrap();
    for url in [
        "socks5://127.0.0.1:1080",
        "https://proxy.example.com:3128",
        "not a url",
    ] {
        let error = sandbox
            .client_builder()
            .unwrap()
            .proxy(url)
            .build()
            .unwrap_err();
        assert!(matches!(error, Error::Config(_)), "{url}: {error:?}");
        assert!(error.to_string().contains("proxy"), "{error}");
    }
    // A URL that does not parse is not echoed with its password.
    let error = sandbox
        .client_builder()
        .unwrap()
        .proxy("http://user:s3cret@[::1:3128")
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("not a URL"), "{error}");
    assert!(!error.to_string().contains("s3cret"), "{error}");
}

#[tokio::test]
async fn a_base_url_never_shows_its_password() {
    let sandbox = Sandbox::start().await.unwrap();
    let builder = sandbox
        .client_builder()
        .unwrap()
        .base_url("https://user:s3cret@gateway.internal/wechatpay/");
    let shown = format!("{builder:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    // Never sent (WeChat Pay authenticates by signature), so refused rather than carried
    // into every error and log line.
    let error = builder.build().unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("user and password"), "{message}");
    assert!(!message.contains("s3cret"), "{message}");
    for url in ["https://user:s3cret@[bad/", "ftp://user:s3cret@host/"] {
        let error = sandbox
            .client_builder()
            .unwrap()
            .base_url(url)
            .build()
            .unwrap_err();
        assert!(!error.to_string().contains("s3cret"), "{error}");
    }
    let client = sandbox.client().unwrap();
    let shown = format!("{client:?}");
    assert!(shown.contains(&sandbox.base_url()), "{shown}");
}

/// A gateway that serves WeChat Pay under `/gw/`: it strips the prefix from each request line
/// and forwards the rest unchanged to `upstream`.
async fn prefix_gateway(upstream: SocketAddr) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let (mut from_client, mut to_client) = client.into_split();
                let (mut from_server, mut to_server) = server.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
                });
                let mut buffer = vec![0u8; 64 * 1024];
                loop {
                    let n = match from_client.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    let text = String::from_utf8_lossy(&buffer[..n]).replace(" /gw/v3/", " /v3/");
                    if to_server.write_all(text.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_base_url_with_a_path_prefix_signs_only_the_wechatpay_path() {
    let sandbox = Sandbox::start().await.unwrap();
    let gateway = prefix_gateway(sandbox.addr()).await;
    let client = sandbox
        .client_builder()
        .unwrap()
        .base_url(format!("http://{gateway}/gw/"))
        .build()
        .unwrap();
    // The gateway forwards `/v3/…`; WeChat Pay (here the sandbox) checks the signature over it.
    client
        .send(&common::pre_entrust_sign("behind-a-gateway"))
        .await
        .expect("the signature covers the path WeChat Pay sees");
    assert_eq!(sandbox.requests_received(), 1);
}

#[tokio::test]
async fn a_tls_failure_shows_its_root_cause() {
    let sandbox = https_sandbox().await;
    // The certificate names `localhost`; the client asks for 127.0.0.1.
    let client = sandbox
        .client_builder()
        .unwrap()
        .base_url(format!("https://127.0.0.1:{}/", sandbox.addr().port()))
        .build()
        .unwrap();
    let error = client
        .send(&common::pre_entrust_sign("wrong-name"))
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("not valid for name"), "{message}");
    assert!(!error.outcome_unknown(), "nothing was sent: {message}");
    assert_eq!(sandbox.requests_received(), 0);
}
