//! A merchant's callback endpoint: verifies, decrypts and prints WeChat Pay callbacks.
//!
//! ```text
//! cargo run --example notify_server -- --listen 127.0.0.1:8080
//! ```
//!
//! Keys come from the environment ([`wechatpay::Client::from_env`]; `WECHATPAY_APIV3_KEY` is needed
//! to decrypt). When no `WECHATPAY_*` variable is set, an embedded sandbox is started instead and
//! the endpoint receives the sandbox's callbacks: type an event type (`ENTRUST.SIGN`,
//! `ENTRUST.TERMINATE`, `TRANSACTION.SUCCESS` …) or `probe` / `tamper` on standard input to have
//! it send one.
//!
//! Every accepted callback is printed as one JSON line on standard output
//! (`{"id":…,"event_type":…,"resource":…}`) and answered `204`. Anything forged or malformed is
//! answered `401`/`400` with `{"code":"FAIL","message":…}`, logged on standard error, and never
//! printed on standard output. The body is read as raw bytes: verification covers them exactly.
//! Stops on Ctrl-C.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use wechatpay::notify::{Notifications, Rejection};
use wechatpay::{Client, Error};
use wechatpay_sandbox::{Callback, Fault, Sandbox};

/// WeChat Pay's callbacks are a few kilobytes; anything larger is not one.
const MAX_BODY_BYTES: usize = 1024 * 1024;

fn parse_args() -> Result<SocketAddr, String> {
    let mut listen = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => {
                let text = args.next().ok_or("--listen needs a value")?;
                listen = text.parse().map_err(|e| {
                    format!("--listen {text}: not an address like 127.0.0.1:8080 ({e})")
                })?;
            }
            "-h" | "--help" => return Err("usage: notify_server [--listen 127.0.0.1:PORT]".into()),
            other => return Err(format!("unknown argument `{other}`; try --help")),
        }
    }
    Ok(listen)
}

/// Answers one request: `204` for a verified callback (printed), `401`/`400` otherwise.
async fn handle(notifications: Notifications, request: Request<Incoming>) -> Response<Full<Bytes>> {
    if request.method() != Method::POST {
        return reply(StatusCode::METHOD_NOT_ALLOWED, Bytes::new());
    }
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(body) => body.to_bytes(),
        Err(e) => {
            eprintln!("rejected: the body cannot be read: {e}");
            let message = json!({ "code": "FAIL", "message": "the body cannot be read" });
            return reply(StatusCode::BAD_REQUEST, Bytes::from(message.to_string()));
        }
    };
    match notifications.verify::<Value>(&parts.headers, &body) {
        Ok(notification) => {
            let line = json!({
                "id": notification.id,
                "event_type": notification.event_type,
                "resource": notification.resource,
            });
            println!("{line}");
            reply(StatusCode::NO_CONTENT, Bytes::new())
        }
        Err(error) => {
            let rejection = Rejection::from(error);
            eprintln!("rejected ({}): {}", rejection.status(), rejection.error());
            reply(rejection.status(), Bytes::from(rejection.body()))
        }
    }
}

fn reply(status: StatusCode, body: Bytes) -> Response<Full<Bytes>> {
    let json = !body.is_empty();
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    if json {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json"),
        );
    }
    response
}

/// Serves callbacks on `listener` until the task is dropped.
async fn serve(listener: tokio::net::TcpListener, notifications: Notifications) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let notifications = notifications.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let notifications = notifications.clone();
                async move { Ok::<_, Infallible>(handle(notifications, request).await) }
            });
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                eprintln!("connection error: {e}");
            }
        });
    }
}

/// A sample resource for `event_type`, as WeChat Pay would encrypt it.
fn sample(event_type: &str) -> Callback {
    let contract = json!({
        "mchid": "1900000001", "appid": "wxd678efh567hg6787",
        "contract_id": "Wx15463511252015071056489715", "plan_id": 12535,
        "out_contract_code": "wxwtdk20200910100000", "contract_display_account": "微信代扣用户A",
        "contract_state": if event_type == "ENTRUST.TERMINATE" { "TERMINATED" } else { "SIGNED" },
        "openid": "oYobu0MVnQfWpSMOYJz2AHPG_gQw", "out_user_code": "user-1001",
    });
    match event_type {
        "ENTRUST.SIGN" | "ENTRUST.TERMINATE" => {
            Callback::new(event_type, "签约结果通知", "entrust", contract)
        }
        t if t.starts_with("TRANSACTION.") => Callback::new(
            t,
            "支付成功",
            "transaction",
            json!({
                "appid": "wxd678efh567hg6787", "mchid": "1900000001",
                "out_trade_no": "1217752501201407033233368018",
                "transaction_id": "4200000985202103031441826014", "trade_type": "PAP",
                "trade_state": "SUCCESS", "contract_id": "Wx15463511252015071056489715",
                "amount": {"total": 1500, "payer_total": 1500, "currency": "CNY"},
            }),
        ),
        other => Callback::new(other, "", "", json!({})),
    }
}

/// Sends a sandbox callback for every line typed on standard input.
async fn trigger_from_stdin(sandbox: &Sandbox, url: &str) {
    let (tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    while let Some(line) = lines.recv().await {
        let callback = match line.trim() {
            "" => continue,
            "probe" => sample("ENTRUST.SIGN").fault(Fault::ProbeSignature),
            "tamper" => sample("ENTRUST.SIGN").fault(Fault::TamperBody),
            event_type => sample(event_type),
        };
        if let Err(e) = sandbox.deliver(url, callback) {
            eprintln!("cannot send: {e}");
        }
    }
    // Standard input closed: keep serving until Ctrl-C.
    std::future::pending::<()>().await;
}

async fn run(listen: SocketAddr) -> Result<(), Error> {
    let configured = std::env::vars().any(|(name, _)| name.starts_with("WECHATPAY_"));
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| Error::Io {
            what: format!("binding {listen}"),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| Error::Io {
        what: "reading the listening address".into(),
        source,
    })?;
    let url = format!("http://{addr}/wechatpay/notify");
    let (client, sandbox) = if configured {
        (Client::from_env()?, None)
    } else {
        let sandbox = Sandbox::start().await?;
        (sandbox.client()?, Some(sandbox))
    };
    tokio::spawn(serve(listener, client.notifications()));
    eprintln!("callback endpoint listening on {url}");
    let triggers = async {
        match &sandbox {
            Some(sandbox) => {
                eprintln!(
                    "no WECHATPAY_* variable is set: an embedded sandbox ({}) sends the callbacks.\n\
                     Type an event type (ENTRUST.SIGN, ENTRUST.TERMINATE, TRANSACTION.SUCCESS …),\n\
                     or `probe` / `tamper` for a forged one, and press Enter.",
                    sandbox.base_url()
                );
                trigger_from_stdin(sandbox, &url).await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = triggers => Ok(()),
        signal = tokio::signal::ctrl_c() => signal.map_err(|source| Error::Io {
            what: "waiting for Ctrl-C".into(),
            source,
        }),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let listen = match parse_args() {
        Ok(listen) => listen,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(listen).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
