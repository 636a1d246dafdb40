//! `HTTPS_PROXY` and `NO_PROXY` from the environment, in a test binary of its own: the
//! environment is the process's, so no other test may run beside it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use wechatpay_sandbox::Sandbox;

mod common;

/// A CONNECT proxy on loopback that counts its tunnels.
async fn connect_proxy() -> (SocketAddr, Arc<AtomicU64>) {
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
                let target = head.split(' ').nth(1).unwrap_or_default().to_owned();
                let Ok(mut upstream) = TcpStream::connect(target.as_str()).await else {
                    return;
                };
                tunnels.fetch_add(1, Ordering::SeqCst);
                let _ = client
                    .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    .await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (addr, tunnels)
}

#[tokio::test]
async fn https_proxy_and_no_proxy_from_the_environment() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let sandbox = Sandbox::builder()
        .tls(
            certified.cert.der().to_vec(),
            certified.key_pair.serialize_der(),
        )
        .start()
        .await
        .unwrap();
    let (proxy, tunnels) = connect_proxy().await;
    // SAFETY: this binary holds this one test; nothing else reads the environment meanwhile.
    unsafe { std::env::set_var("HTTPS_PROXY", format!("http://{proxy}")) };
    let proxied = sandbox.client().unwrap();
    proxied
        .send(&common::pre_entrust_sign("env-proxy"))
        .await
        .unwrap();
    assert_eq!(tunnels.load(Ordering::SeqCst), 1, "HTTPS_PROXY is honoured");

    // SAFETY: as above.
    unsafe { std::env::set_var("NO_PROXY", "localhost") };
    let direct = sandbox.client().unwrap();
    direct
        .send(&common::pre_entrust_sign("env-no-proxy"))
        .await
        .unwrap();
    assert_eq!(tunnels.load(Ordering::SeqCst), 1, "NO_PROXY is honoured");

    // SAFETY: as above.
    unsafe { std::env::remove_var("NO_PROXY") };
    let opted_out = sandbox
        .client_builder()
        .unwrap()
        .no_proxy()
        .build()
        .unwrap();
    opted_out
        .send(&common::pre_entrust_sign("opted-out"))
        .await
        .unwrap();
    assert_eq!(
        tunnels.load(Ordering::SeqCst),
        1,
        ".no_proxy() ignores the environment"
    );
    assert_eq!(sandbox.requests_received(), 3);

    // Only http:// proxies are supported, from the environment as from `.proxy(…)`: an
    // https:// one would get the CONNECT request and its password in clear text on its TLS
    // port, a SOCKS one an HTTP request it does not speak. Both fail the build, naming the
    // variable and never the password, and nothing reaches them.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let reached = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&reached);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut first = [0u8; 1];
            if stream.read(&mut first).await.unwrap_or(0) > 0 {
                counted.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    // SAFETY: as above.
    unsafe { std::env::remove_var("HTTPS_PROXY") };
    for (name, value, scheme) in [
        (
            "HTTPS_PROXY",
            format!("https://user:s3cret@127.0.0.1:{port}"),
            "https://",
        ),
        (
            "https_proxy",
            format!("https://user:s3cret@127.0.0.1:{port}"),
            "https://",
        ),
        (
            "ALL_PROXY",
            format!("socks5://user:s3cret@127.0.0.1:{port}"),
            "socks5://",
        ),
        ("HTTPS_PROXY", "http://user:s3cret@[::1".to_owned(), "URL"),
    ] {
        // SAFETY: as above.
        unsafe { std::env::set_var(name, &value) };
        let built = sandbox.client_builder().unwrap().build();
        // SAFETY: as above.
        unsafe { std::env::remove_var(name) };
        let error = match built {
            Ok(client) => {
                let _ = client.send(&common::pre_entrust_sign("refused")).await;
                panic!("{name}={value} was accepted");
            }
            Err(error) => error,
        };
        assert!(
            matches!(error, wechatpay::Error::Config(_)),
            "{name}: {error:?}"
        );
        let message = error.to_string();
        assert!(
            message.contains(name) && message.contains(scheme),
            "{name}: {message}"
        );
        assert!(message.contains("no_proxy()"), "what to do: {message}");
        assert!(!message.contains("s3cret"), "the password shows: {message}");
    }
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "nothing reached the proxy"
    );
    // An http:// proxy without a scheme, as curl reads one, still works.
    // SAFETY: as above.
    unsafe { std::env::set_var("https_proxy", proxy.to_string()) };
    let schemeless = sandbox.client().unwrap();
    // SAFETY: as above.
    unsafe { std::env::remove_var("https_proxy") };
    schemeless
        .send(&common::pre_entrust_sign("env-schemeless"))
        .await
        .unwrap();
    assert_eq!(
        tunnels.load(Ordering::SeqCst),
        2,
        "`host:port` means http://"
    );
}
