//! What the page tests share: a sandbox with a client, the merchant's web server (callbacks and
//! the pages the user returns to), plain HTTP for the pages, and the requests that lead to them.

#![allow(dead_code)] // each test file uses part of it

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::mpsc;
use wechatpay::Client;
use wechatpay::notify::{Event, Notification};
use wechatpay::v3::fund_app::{
    TransferSceneId, TransferSceneReportInfos, TransferToUser, TransferToUserResponse,
};
use wechatpay::v3::papay::{
    DaysSinceFirstLogin, DeviceInfo, DeviceType, PreEntrustSign, PreEntrustSignResponse, SignScene,
};
use wechatpay::v3::pay::{
    Amount, H5Info, H5Prepay, JsapiPrepay, NativePrepay, PartnerSceneInfo, Payer,
};
use wechatpay_sandbox::{Sandbox, SandboxBuilder};

pub const APPID: &str = "wxd678efh567hg6787";
pub const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

/// A sandbox, a client for it, and the merchant's web server.
pub struct World {
    pub sandbox: Sandbox,
    pub client: Client,
    /// `http://127.0.0.1:PORT/`: the merchant's site.
    pub merchant: String,
    pub notify_url: String,
    callbacks: mpsc::UnboundedReceiver<Notification<Event>>,
    visits: mpsc::UnboundedReceiver<String>,
}

pub async fn world() -> World {
    world_from(Sandbox::builder()).await
}

/// The merchant's site: `POST /notify` takes callbacks (verified and decrypted by the client;
/// `204`), any `GET` answers a small page whose path and query the test can read back. A `GET
/// /start?to=URL` answers a page that links to `URL` and lets the browser send the full referrer,
/// as WeChat Pay asks of the page that opens its signing page.
pub async fn world_from(builder: SandboxBuilder) -> World {
    let sandbox = builder.start().await.unwrap();
    let client = sandbox.client().unwrap();
    let (callback_tx, callbacks) = mpsc::unbounded_channel();
    let (visit_tx, visits) = mpsc::unbounded_channel();
    let notifications = client.notifications();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let merchant = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (callback_tx, visit_tx, notifications) =
                (callback_tx.clone(), visit_tx.clone(), notifications.clone());
            let service = service_fn(move |request: Request<Incoming>| {
                let (callback_tx, visit_tx, notifications) =
                    (callback_tx.clone(), visit_tx.clone(), notifications.clone());
                async move {
                    let (parts, body) = request.into_parts();
                    let body = body.collect().await.unwrap().to_bytes();
                    let mut response = Response::new(Full::new(Bytes::new()));
                    if parts.method == Method::POST {
                        *response.status_mut() =
                            match notifications.verify_event(&parts.headers, &body) {
                                Ok(notification) => {
                                    let _ = callback_tx.send(notification);
                                    StatusCode::NO_CONTENT
                                }
                                Err(_) => StatusCode::UNAUTHORIZED,
                            };
                    } else {
                        let target = parts
                            .uri
                            .path_and_query()
                            .map_or_else(String::new, ToString::to_string);
                        let html = if parts.uri.path() == "/start" {
                            let to = parts
                                .uri
                                .query()
                                .and_then(|q| {
                                    serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok()
                                })
                                .and_then(|pairs| {
                                    pairs.into_iter().find(|(k, _)| k == "to").map(|(_, v)| v)
                                })
                                .unwrap_or_default();
                            format!(
                                "<!DOCTYPE html><html><head><meta charset=\"utf-8\">\
                                 <meta name=\"referrer\" content=\"no-referrer-when-downgrade\">\
                                 </head><body><a id=\"go\" href=\"{}\">sign</a></body></html>",
                                to.replace('&', "&amp;").replace('"', "&quot;")
                            )
                        } else {
                            let _ = visit_tx.send(target.clone());
                            format!(
                                "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>\
                                 <body><h1 id=\"merchant\">merchant page</h1><p>{}</p></body></html>",
                                target.replace('&', "&amp;").replace('<', "&lt;")
                            )
                        };
                        response = Response::new(Full::new(Bytes::from(html)));
                        response.headers_mut().insert(
                            http::header::CONTENT_TYPE,
                            http::HeaderValue::from_static("text/html; charset=utf-8"),
                        );
                    }
                    Ok::<_, Infallible>(response)
                }
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    let notify_url = format!("{merchant}notify");
    World {
        sandbox,
        client,
        merchant,
        notify_url,
        callbacks,
        visits,
    }
}

impl World {
    /// The next callback, which must be of `event_type`.
    pub async fn callback(&mut self, event_type: &str) -> Notification<Event> {
        let notification = tokio::time::timeout(Duration::from_secs(10), self.callbacks.recv())
            .await
            .unwrap_or_else(|_| panic!("no {event_type} callback within 10 s"))
            .unwrap();
        assert_eq!(notification.event_type, event_type);
        notification
    }

    /// No callback arrives within a short wait.
    pub async fn no_callback(&mut self) {
        let extra = tokio::time::timeout(Duration::from_millis(300), self.callbacks.recv()).await;
        assert!(extra.is_err(), "an unexpected callback arrived: {extra:?}");
    }

    /// The path and query of the next page of the merchant's site the browser opened.
    pub async fn visit(&mut self) -> String {
        tokio::time::timeout(Duration::from_secs(10), self.visits.recv())
            .await
            .expect("the browser reached no merchant page within 10 s")
            .unwrap()
    }

    /// `total` fen in CNY.
    pub fn amount(total: i64) -> Amount {
        Amount {
            total,
            currency: Some("CNY".into()),
        }
    }

    /// A QR-scene pre-sign returning to `return_url`.
    pub async fn pre_sign(
        &self,
        out_contract_code: &str,
        display: &str,
        return_url: Option<String>,
    ) -> PreEntrustSignResponse {
        self.client
            .send(&PreEntrustSign {
                sign_scene: SignScene::Qrcode,
                appid: APPID.into(),
                openid: Some(OPENID.into()),
                plan_id: 12535,
                out_contract_code: out_contract_code.into(),
                contract_display_account: display.into(),
                contract_notify_url: self.notify_url.clone(),
                out_user_code: "user-1001".into(),
                return_url,
                device_info: DeviceInfo {
                    device_type: DeviceType::Phone,
                    device_os: "iOS 18.1".into(),
                    device_id: "5B7E2A31-9C4D".into(),
                    device_running_as_root: false,
                    device_ip: "203.0.113.7".into(),
                    weixin_installed: true,
                    weixin_version: "8.0.54".into(),
                    days_since_first_login: DaysSinceFirstLogin::Within30Days,
                },
            })
            .await
            .unwrap()
    }

    /// An H5 order; its `h5_url`.
    pub async fn h5_order(&self, out_trade_no: &str, description: &str, total: i64) -> String {
        self.client
            .send(&H5Prepay {
                appid: APPID.into(),
                mchid: self.sandbox.mchid().into(),
                description: description.into(),
                attach: None,
                out_trade_no: out_trade_no.into(),
                amount: Self::amount(total),
                time_expire: None,
                notify_url: self.notify_url.clone(),
                goods_tag: None,
                limit_pay: None,
                support_fapiao: None,
                detail: None,
                scene_info: PartnerSceneInfo {
                    h5_info: H5Info {
                        r#type: "Wap".into(),
                        app_name: None,
                        app_url: None,
                        bundle_id: None,
                        package_name: None,
                    },
                    payer_client_ip: "203.0.113.7".into(),
                    device_id: None,
                    store_info: None,
                },
                payer: None,
                settle_info: None,
            })
            .await
            .unwrap()
            .h5_url
            .expect("the H5 prepay answer carries h5_url")
    }

    /// A Native order; its `code_url`.
    pub async fn native_order(&self, out_trade_no: &str, total: i64) -> String {
        self.client
            .send(&NativePrepay {
                appid: APPID.into(),
                mchid: self.sandbox.mchid().into(),
                description: "扫码商品".into(),
                attach: None,
                out_trade_no: out_trade_no.into(),
                amount: Self::amount(total),
                time_expire: None,
                notify_url: self.notify_url.clone(),
                goods_tag: None,
                limit_pay: None,
                support_fapiao: None,
                detail: None,
                scene_info: None,
                payer: None,
                settle_info: None,
            })
            .await
            .unwrap()
            .code_url
            .expect("the Native prepay answer carries code_url")
    }

    /// A JSAPI order; its `prepay_id`.
    pub async fn jsapi_order(&self, out_trade_no: &str, total: i64) -> String {
        self.client
            .send(&JsapiPrepay {
                appid: APPID.into(),
                mchid: self.sandbox.mchid().into(),
                description: "小程序商品".into(),
                attach: None,
                out_trade_no: out_trade_no.into(),
                amount: Self::amount(total),
                time_expire: None,
                notify_url: self.notify_url.clone(),
                goods_tag: None,
                limit_pay: None,
                support_fapiao: None,
                detail: None,
                scene_info: None,
                payer: Payer {
                    openid: Some(OPENID.into()),
                    identity: None,
                },
                settle_info: None,
                subsidy_info: None,
            })
            .await
            .unwrap()
            .prepay_id
            .expect("the JSAPI prepay answer carries prepay_id")
    }

    /// A merchant transfer of `amount` fen waiting for the user.
    pub async fn transfer(&self, out_bill_no: &str, amount: i64) -> TransferToUserResponse {
        self.client
            .send(&TransferToUser {
                appid: APPID.into(),
                out_bill_no: out_bill_no.into(),
                openid: OPENID.into(),
                user_name: None,
                transfer_amount: amount,
                transfer_remark: "新会员开通有礼".into(),
                notify_url: Some(self.notify_url.clone()),
                user_recv_perception: Some("现金奖励".into()),
                transfer_scene_id: TransferSceneId::V1000,
                transfer_scene_report_infos: vec![
                    TransferSceneReportInfos {
                        info_type: "活动名称".into(),
                        info_content: "新会员有礼".into(),
                    },
                    TransferSceneReportInfos {
                        info_type: "奖励说明".into(),
                        info_content: "注册会员抽奖一等奖".into(),
                    },
                ],
                user_recv_style: None,
            })
            .await
            .unwrap()
    }

    /// The URL of the transfer confirmation page for `package`, returning to `back`.
    pub fn transfer_page(&self, package: &str, back: &str) -> String {
        format!(
            "{}sandbox/mch-transfer/requestMerchantTransfer?{}",
            self.sandbox.base_url(),
            serde_urlencoded::to_string([
                ("mchId", self.sandbox.mchid()),
                ("appId", APPID),
                ("package", package),
                ("return", back),
            ])
            .unwrap()
        )
    }

    /// The URL of the JSAPI stand-in for JSAPI parameters, returning to `back`.
    pub fn jsapi_page(&self, params: &wechatpay::paysign::JsapiPayParams, back: &str) -> String {
        format!(
            "{}sandbox/jsapi/requestPayment?{}",
            self.sandbox.base_url(),
            serde_urlencoded::to_string([
                ("appId", params.app_id.as_str()),
                ("timeStamp", &params.time_stamp),
                ("nonceStr", &params.nonce_str),
                ("package", &params.package),
                ("signType", &params.sign_type),
                ("paySign", &params.pay_sign),
                ("return", back),
            ])
            .unwrap()
        )
    }
}

/// A page as plain HTTP sees it.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn location(&self) -> &str {
        self.headers
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// One request to a page (no redirect followed).
pub async fn fetch(
    method: Method,
    url: &str,
    form: Option<&[(&str, &str)]>,
    headers: &[(&str, &str)],
) -> Answer {
    let uri: http::Uri = url.parse().unwrap();
    let authority = uri.authority().unwrap().to_string();
    let stream = tokio::net::TcpStream::connect(&authority).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let body = form.map_or_else(String::new, |form| {
        serde_urlencoded::to_string(form).unwrap()
    });
    let mut request = Request::builder().method(method);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .uri(uri.path_and_query().map_or("/", |pq| pq.as_str()))
        .header(http::header::HOST, authority)
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

pub async fn get(url: &str) -> Answer {
    fetch(Method::GET, url, None, &[]).await
}

pub async fn post(url: &str, form: &[(&str, &str)]) -> Answer {
    fetch(Method::POST, url, Some(form), &[]).await
}

/// The `pre_entrustweb_id` of a signing page URL.
pub fn pre_sign_id(url: &str) -> String {
    query_value(url, "pre_entrustweb_id")
}

/// A query parameter of `url` (empty when absent).
pub fn query_value(url: &str, name: &str) -> String {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap()
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .unwrap_or_default()
}
