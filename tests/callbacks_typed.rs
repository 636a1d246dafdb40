//! Every callback kind the facts list (`codegen/notices.yaml`), end to end over HTTP on loopback:
//! the sandbox builds a resource from the same facts, encrypts, signs and POSTs it; a receiver
//! verifies it with `Notifications::verify_event`; the resource decodes into its own `Event`
//! variant with the values sent. A kind whose payload type is behind a feature this build lacks
//! arrives as `Event::Other`, its resource kept; so does an event type nobody knows.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use wechatpay::Client;
use wechatpay::notify::{Event, Notification};
use wechatpay_sandbox::{Callback, CallbackKind, Sandbox, callback_kinds};

type Verified = Result<Notification<Event>, String>;

/// A merchant endpoint that verifies every callback with the client (`verify_event`), answers
/// `204` or `400`, and hands over what it made of it.
async fn verifying_receiver(client: Client) -> (String, mpsc::UnboundedReceiver<Verified>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (tx, client) = (tx.clone(), client.clone());
            tokio::spawn(async move {
                let service = service_fn(move |request: Request<Incoming>| {
                    let (tx, client) = (tx.clone(), client.clone());
                    async move {
                        let (parts, body) = request.into_parts();
                        let body = body.collect().await.unwrap().to_bytes();
                        let verified = client
                            .notifications()
                            .verify_event(&parts.headers, &body)
                            .map_err(|error| error.to_string());
                        let status = if verified.is_ok() {
                            StatusCode::NO_CONTENT
                        } else {
                            StatusCode::BAD_REQUEST
                        };
                        let _ = tx.send(verified);
                        let mut response = Response::new(Full::new(Bytes::new()));
                        *response.status_mut() = status;
                        Ok::<_, Infallible>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (format!("http://{addr}/wechatpay/notify"), rx)
}

/// A sandbox trying each callback once, its client, and a verifying receiver.
async fn setup() -> (Sandbox, String, mpsc::UnboundedReceiver<Verified>) {
    let sandbox = Sandbox::builder()
        .callback_retry_delays(Vec::new())
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let (url, received) = verifying_receiver(client).await;
    (sandbox, url, received)
}

/// Sends `callback` and answers what the receiver made of it.
async fn send(
    sandbox: &Sandbox,
    url: &str,
    received: &mut mpsc::UnboundedReceiver<Verified>,
    callback: Callback,
) -> Notification<Event> {
    let record = sandbox.deliver(url, callback).unwrap().finished().await;
    let verified = received
        .recv()
        .await
        .expect("the receiver got the callback");
    let notification = verified.unwrap_or_else(|error| panic!("rejected: {error}"));
    assert!(record.delivered, "{record:?}");
    assert_eq!(notification.id, record.id);
    notification
}

/// Whether this build has every feature in `features`.
fn enabled(features: &[String]) -> bool {
    features.iter().all(|feature| match feature.as_str() {
        "pay" => cfg!(feature = "pay"),
        "partner" => cfg!(feature = "partner"),
        "refund" => cfg!(feature = "refund"),
        "papay" => cfg!(feature = "papay"),
        "fund-app" => cfg!(feature = "fund-app"),
        "profitsharing" => cfg!(feature = "profitsharing"),
        "merchant-service" => cfg!(feature = "merchant-service"),
        "payscore" => cfg!(feature = "payscore"),
        "combine-transactions" => cfg!(feature = "combine-transactions"),
        other => panic!("a kind needs the feature `{other}`, which this test does not know"),
    })
}

/// `value` as text, for comparing a decoded field with the JSON sent.
fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is not text"))
}

/// Asserts that a typed `event` holds the values of `sent`; answers the variant checked.
#[allow(unused_variables)]
fn assert_values(event: &Event, sent: &Value) -> &'static str {
    match event {
        #[cfg(feature = "pay")]
        Event::Transaction(payment) => {
            assert_eq!(
                payment.out_trade_no.as_deref(),
                Some(text(&sent["out_trade_no"]))
            );
            assert_eq!(
                payment.transaction_id.as_deref(),
                Some(text(&sent["transaction_id"]))
            );
            assert_eq!(
                payment.trade_state.as_ref().map(|state| state.as_str()),
                Some(text(&sent["trade_state"]))
            );
            let amount = payment.amount.as_ref().expect("the amount");
            assert_eq!(amount.total, sent["amount"]["total"].as_i64());
            // A papay deduction's notice names its contract, which the query's answer lacks.
            assert_eq!(
                payment.contract_id.as_deref(),
                Some(text(&sent["contract_id"]))
            );
        }
        #[cfg(all(feature = "pay", feature = "partner"))]
        Event::PartnerTransaction(payment) => {
            assert_eq!(payment.sp_mchid.as_deref(), Some(text(&sent["sp_mchid"])));
            assert_eq!(payment.sub_mchid.as_deref(), Some(text(&sent["sub_mchid"])));
            assert_eq!(
                payment.contract_id.as_deref(),
                Some(text(&sent["contract_id"]))
            );
            assert_eq!(
                payment.out_trade_no.as_deref(),
                Some(text(&sent["out_trade_no"]))
            );
        }
        #[cfg(feature = "combine-transactions")]
        Event::CombineTransaction(order) => {
            assert_eq!(
                order.combine_out_trade_no.as_deref(),
                Some(text(&sent["combine_out_trade_no"]))
            );
        }
        #[cfg(feature = "refund")]
        Event::Refund(refund) => {
            assert_eq!(refund.out_refund_no, text(&sent["out_refund_no"]));
            assert_eq!(refund.refund_id, text(&sent["refund_id"]));
            assert_eq!(refund.refund_status.as_str(), text(&sent["refund_status"]));
            assert_eq!(
                Some(refund.amount.refund),
                sent["amount"]["refund"].as_i64()
            );
            assert_eq!(
                refund.user_received_account,
                text(&sent["user_received_account"])
            );
        }
        #[cfg(feature = "papay")]
        Event::EntrustSign(contract) | Event::EntrustTerminate(contract) => {
            assert_eq!(contract.contract_id, text(&sent["contract_id"]));
            assert_eq!(Some(contract.plan_id), sent["plan_id"].as_i64());
            assert_eq!(
                contract.contract_state.as_str(),
                text(&sent["contract_state"])
            );
            assert_eq!(contract.mchid, text(&sent["mchid"]));
        }
        #[cfg(all(feature = "papay", feature = "partner"))]
        Event::PartnerEntrustSign(contract) | Event::PartnerEntrustTerminate(contract) => {
            assert_eq!(contract.sp_mchid, text(&sent["sp_mchid"]));
            assert_eq!(contract.sub_mchid, text(&sent["sub_mchid"]));
            assert_eq!(contract.contract_id, text(&sent["contract_id"]));
        }
        #[cfg(feature = "fund-app")]
        Event::TransferBill(bill) => {
            assert_eq!(
                bill.out_bill_no.as_deref(),
                Some(text(&sent["out_bill_no"]))
            );
            assert_eq!(bill.transfer_amount, sent["transfer_amount"].as_i64());
        }
        #[cfg(feature = "profitsharing")]
        Event::ProfitSharing(sharing) => {
            assert_eq!(sharing.order_id, text(&sent["order_id"]));
            assert_eq!(sharing.out_order_no, text(&sent["out_order_no"]));
            assert_eq!(
                Some(sharing.receiver.amount),
                sent["receiver"]["amount"].as_i64()
            );
            assert_eq!(
                sharing.receiver.r#type.as_str(),
                text(&sent["receiver"]["type"])
            );
        }
        #[cfg(feature = "merchant-service")]
        Event::Complaint(complaint) => {
            assert_eq!(complaint.complaint_id, text(&sent["complaint_id"]));
            assert_eq!(complaint.action_type.as_str(), text(&sent["action_type"]));
        }
        #[cfg(feature = "payscore")]
        Event::PayScoreOrder(order) => {
            assert_eq!(
                order.out_order_no.as_deref(),
                Some(text(&sent["out_order_no"]))
            );
            assert_eq!(order.service_id.as_deref(), Some(text(&sent["service_id"])));
        }
        #[cfg(feature = "payscore")]
        Event::PayScoreService(service) => {
            assert_eq!(
                service.authorization_code.as_deref(),
                Some(text(&sent["authorization_code"]))
            );
            assert_eq!(
                service
                    .user_service_status
                    .as_ref()
                    .map(|status| status.as_str()),
                Some(text(&sent["user_service_status"]))
            );
        }
        other => {
            let resource = other
                .json()
                .unwrap_or_else(|| panic!("{} has no check here", other.kind()));
            assert_eq!(resource, sent);
        }
    }
    event.kind()
}

#[tokio::test]
async fn every_kind_decodes_into_its_variant_with_the_values_sent() {
    let (sandbox, url, mut received) = setup().await;
    let kinds = callback_kinds();
    let mut typed = 0;
    let mut as_json = 0;
    let mut gated = 0;
    for kind in &kinds {
        for event_type in &kind.events {
            let resource = kind.example_resource();
            let notification = send(
                &sandbox,
                &url,
                &mut received,
                kind.callback(event_type, resource.clone()),
            )
            .await;
            assert_eq!(&notification.event_type, event_type);
            assert_eq!(notification.summary, kind.name);
            let event = &notification.resource;
            if kind.type_path.is_some() && !enabled(&kind.features) {
                // The payload type is not compiled in: the callback is still verified, and kept.
                let Event::Other {
                    event_type: kept,
                    resource: json,
                } = event
                else {
                    panic!("{event_type}: {} without its features", event.kind());
                };
                assert_eq!(kept, event_type);
                assert_eq!(json, &resource);
                gated += 1;
                continue;
            }
            assert_eq!(
                event.kind(),
                kind.variant,
                "{event_type} ({:?}) decoded as another kind",
                kind.when
            );
            assert_values(event, &resource);
            if kind.type_path.is_some() {
                typed += 1;
            } else {
                as_json += 1;
            }
        }
    }
    // With the default features, the direct merchant's kinds are typed.
    if cfg!(feature = "merchant-catalog") {
        assert!(typed >= 12, "{typed} typed");
    }
    assert!(as_json >= 40, "{as_json} kept as JSON");
    assert_eq!(
        typed + as_json + gated,
        kinds.iter().map(|kind| kind.events.len()).sum::<usize>()
    );
}

#[tokio::test]
async fn a_minimal_resource_of_every_typed_kind_decodes() {
    let (sandbox, url, mut received) = setup().await;
    for kind in callback_kinds()
        .iter()
        .filter(|kind| kind.type_path.is_some() && enabled(&kind.features))
    {
        let resource = kind.minimal_resource();
        let event_type = &kind.events[0];
        let notification = send(
            &sandbox,
            &url,
            &mut received,
            kind.callback(event_type, resource.clone()),
        )
        .await;
        assert_eq!(
            notification.resource.kind(),
            kind.variant,
            "{event_type} with only the required fields: {resource}"
        );
    }
}

#[tokio::test]
async fn an_unknown_event_type_is_other_with_its_resource_kept() {
    let (sandbox, url, mut received) = setup().await;
    let resource = json!({"brand_new": {"id": "X1", "amount": 7}, "list": [1, 2]});
    let notification = send(
        &sandbox,
        &url,
        &mut received,
        Callback::new("SOMETHING.NEW_NEXT_YEAR", "新通知", "new", resource.clone()),
    )
    .await;
    let Event::Other {
        event_type,
        resource: kept,
    } = &notification.resource
    else {
        panic!("{:?}", notification.resource);
    };
    assert_eq!(event_type, "SOMETHING.NEW_NEXT_YEAR");
    assert_eq!(kept, &resource);
    assert_eq!(notification.resource.json(), Some(&resource));
    assert_eq!(notification.resource.kind(), "Other");
}

#[tokio::test]
async fn a_known_kind_with_unknown_fields_and_enum_values_still_decodes() {
    let (sandbox, url, mut received) = setup().await;
    let kind = callback_kinds()
        .into_iter()
        .find(|kind| kind.variant == "Refund")
        .unwrap();
    let mut resource = kind.example_resource();
    resource["refund_status"] = json!("PARTIALLY_FROZEN");
    resource["a_field_added_later"] = json!({"nested": true});
    resource["amount"]["another_figure"] = json!(5);
    let notification = send(
        &sandbox,
        &url,
        &mut received,
        kind.callback("REFUND.SUCCESS", resource.clone()),
    )
    .await;
    #[cfg(feature = "refund")]
    {
        let Event::Refund(refund) = &notification.resource else {
            panic!("{:?}", notification.resource);
        };
        assert_eq!(refund.refund_status.as_str(), "PARTIALLY_FROZEN");
        assert_eq!(refund.out_refund_no, text(&resource["out_refund_no"]));
    }
    #[cfg(not(feature = "refund"))]
    assert_eq!(notification.resource.json(), Some(&resource));
}

/// The kinds a wrong resource would confuse: a service provider's payment is not a direct
/// merchant's, a combined payment is neither.
#[tokio::test]
async fn kinds_of_one_event_are_told_apart_by_their_resource() {
    let (sandbox, url, mut received) = setup().await;
    let kinds = callback_kinds();
    let find = |variant: &str| -> &CallbackKind {
        kinds.iter().find(|kind| kind.variant == variant).unwrap()
    };
    for (variant, expected) in [
        ("Transaction", cfg!(feature = "pay")),
        (
            "PartnerTransaction",
            cfg!(all(feature = "pay", feature = "partner")),
        ),
        ("CombineTransaction", cfg!(feature = "combine-transactions")),
        ("EntrustSign", cfg!(feature = "papay")),
        (
            "PartnerEntrustSign",
            cfg!(all(feature = "papay", feature = "partner")),
        ),
    ] {
        let kind = find(variant);
        let event_type = &kind.events[0];
        let notification = send(
            &sandbox,
            &url,
            &mut received,
            kind.callback(event_type, kind.example_resource()),
        )
        .await;
        let got = notification.resource.kind();
        if expected {
            assert_eq!(got, variant, "{event_type}");
        } else {
            assert_eq!(got, "Other", "{event_type} without the feature");
        }
    }
}
