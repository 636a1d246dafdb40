//! API v2 through the call loop every protocol shares, over HTTP against the sandbox: the
//! operations WeChat Pay answers without `sign` (企业付款 and its query) decoded and reported as
//! unsigned; a forged or stripped `sign` refused with the outcome unknown; the `err_code`s WeChat
//! Pay documents as "query before retrying" (`SYSTEMERROR`, `USERPAYING`, `BANKERROR`) reported
//! with the outcome unknown and their code kept; deadlines, retries, failover and attempts as
//! for API v3.

#![cfg(all(
    feature = "v2-mmpaymkttransfers",
    feature = "v2-papay",
    feature = "v2-pay",
    feature = "v2-tools"
))]

use std::time::{Duration, Instant};

use wechatpay::v2::V2Error;
use wechatpay::v2::catalog::{mmpaymkttransfers, papay, pay, tools};
use wechatpay::{CallOptions, Endpoint, Error};
use wechatpay_sandbox::{DEFAULT_APPID, Fault, Sandbox};

/// A sandbox over TLS, so that the operations that need mutual TLS can be sent.
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

fn client_with_certificate(sandbox: &Sandbox) -> wechatpay::Client {
    sandbox
        .client_builder()
        .unwrap()
        .client_certificate(sandbox.client_certificate().unwrap())
        .build()
        .unwrap()
}

fn transfer(sandbox: &Sandbox, partner_trade_no: &str) -> mmpaymkttransfers::Transfer {
    mmpaymkttransfers::Transfer {
        mch_appid: DEFAULT_APPID.into(),
        mchid: sandbox.mchid().into(),
        device_info: None,
        partner_trade_no: partner_trade_no.into(),
        openid: "oxTWIuGaIt6gTKsQRLau2M0yL16E".into(),
        check_name: "NO_CHECK".into(),
        re_user_name: None,
        amount: 10_099,
        desc: "理赔".into(),
        spbill_create_ip: "192.168.0.1".into(),
        scene: None,
        brand_id: None,
        finder_template_id: None,
    }
}

fn micropay(out_trade_no: &str) -> pay::Micropay {
    pay::Micropay {
        version: None,
        profit_sharing: None,
        deposit: None,
        sub_appid: None,
        sub_mch_id: None,
        device_info: None,
        body: "image形象店-深圳腾大-QQ公仔".into(),
        detail: None,
        attach: None,
        out_trade_no: out_trade_no.into(),
        total_fee: 888,
        fee_type: None,
        spbill_create_ip: "8.8.8.8".into(),
        goods_tag: None,
        limit_pay: None,
        time_start: None,
        time_expire: None,
        receipt: None,
        auth_code: "120061098828009406".into(),
        scene_info: None,
    }
}

/// An operation named by nothing of the merchant's own: sending it again could act twice.
fn shorturl() -> tools::PostShorturl {
    tools::PostShorturl {
        long_url: "weixin://wxpay/bizpayurl?sign=XXXXX".into(),
    }
}

#[tokio::test]
async fn a_transfer_and_its_query_are_answered_without_sign_and_decoded_as_unsigned() {
    // What the generated catalog declares, checked when the test compiles.
    const {
        assert!(!mmpaymkttransfers::Transfer::SIGNED_RESPONSE);
        assert!(!mmpaymkttransfers::GetTransferInfo::SIGNED_RESPONSE);
        assert!(pay::Micropay::SIGNED_RESPONSE);
    }
    let sandbox = https_sandbox().await;
    let client = client_with_certificate(&sandbox);
    let paid = client
        .send_with_meta(&transfer(&sandbox, "T20261206001"))
        .await
        .expect("a paid transfer is a success, not a forgery");
    assert!(!paid.signed(), "the transfer's answer carries no sign");
    assert_eq!(paid.partner_trade_no.as_deref(), Some("T20261206001"));
    assert!(paid.payment_no.is_some(), "{paid:?}");
    assert!(paid.request_id().is_some());
    let query = client
        .send_with_meta(&mmpaymkttransfers::GetTransferInfo {
            partner_trade_no: "T20261206001".into(),
        })
        .await
        .unwrap();
    assert!(!query.signed());
    assert_eq!(query.partner_trade_no.as_deref(), Some("T20261206001"));
    // A signed operation says so.
    let charged = client.send_with_meta(&micropay("M-signed")).await.unwrap();
    assert!(charged.signed());
}

#[tokio::test]
async fn a_forged_sign_on_a_transfer_answer_is_refused_with_the_outcome_unknown() {
    let sandbox = https_sandbox().await;
    let client = client_with_certificate(&sandbox);
    for fault in [Fault::ForeignSignature, Fault::WrongSignType] {
        sandbox.inject(fault.clone());
        let error = client
            .send(&transfer(&sandbox, "T-forged"))
            .await
            .unwrap_err();
        assert!(error.is_verification_failure(), "{fault:?}: {error}");
        assert!(
            error.outcome_unknown(),
            "{fault:?}: the transfer may have been paid: {error}"
        );
        assert_eq!(error.attempts(), 1, "{error}");
    }
}

#[tokio::test]
async fn a_signed_answer_without_or_with_an_altered_sign_is_refused_with_the_outcome_unknown() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    for (fault, stripped) in [(Fault::StripSignature, true), (Fault::TamperBody, false)] {
        sandbox.inject(fault.clone());
        let error = client.send(&micropay("M-forged")).await.unwrap_err();
        match &error {
            Error::V2(V2Error::Unsigned { endpoint, .. }) if stripped => {
                assert_eq!(endpoint, "pay/micropay");
            }
            Error::V2(V2Error::BadSignature { endpoint, .. }) if !stripped => {
                assert_eq!(endpoint, "pay/micropay");
            }
            other => panic!("{fault:?}: expected a verification failure, got {other:?}"),
        }
        // The charge may have been made: never "safe to resend under a new out_trade_no".
        assert!(error.outcome_unknown(), "{fault:?}: {error}");
        assert_eq!(error.attempts(), 1, "{fault:?}: {error}");
        assert!(error.request_id().is_some(), "{fault:?}: {error}");
        assert_eq!(
            error.code(),
            None,
            "a forged answer's code is not used: {error}"
        );
    }
}

#[tokio::test]
async fn systemerror_on_a_transfer_leaves_the_outcome_unknown_and_keeps_err_code() {
    let sandbox = https_sandbox().await;
    let client = client_with_certificate(&sandbox);
    sandbox.inject(Fault::V2ErrCode("SYSTEMERROR".into()));
    let error = client
        .send(&transfer(&sandbox, "T-systemerror"))
        .await
        .unwrap_err();
    match &error {
        Error::V2(V2Error::Business {
            err_code,
            err_code_des,
            endpoint,
            ..
        }) => {
            assert_eq!(err_code, "SYSTEMERROR");
            assert!(!err_code_des.is_empty());
            assert_eq!(endpoint, "mmpaymkttransfers/promotion/transfers");
        }
        other => panic!("expected SYSTEMERROR, got {other:?}"),
    }
    assert_eq!(error.code(), Some("SYSTEMERROR"));
    assert!(error.outcome_unknown(), "{error}");
    assert!(!error.is_verification_failure());
    assert_eq!(error.attempts(), 1);
    assert!(error.request_id().is_some());
    assert!(error.to_string().contains("query"), "{error}");
    // A definite refusal of the business operation (a missing `openid`) says nothing happened.
    let error = client
        .send(&mmpaymkttransfers::Transfer {
            openid: String::new(),
            ..transfer(&sandbox, "T-refused")
        })
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("PARAM_ERROR"), "{error}");
    assert!(!error.outcome_unknown(), "{error}");
    assert_eq!(error.attempts(), 1);
}

#[tokio::test]
async fn userpaying_and_bankerror_on_micropay_leave_the_outcome_unknown() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    for code in ["USERPAYING", "BANKERROR"] {
        sandbox.inject(Fault::V2ErrCode(code.into()));
        let error = client.send(&micropay("M-paying")).await.unwrap_err();
        assert_eq!(error.code(), Some(code), "{error}");
        let Error::V2(v2) = &error else {
            panic!("expected a v2 error, got {error:?}");
        };
        assert_eq!(v2.err_code(), Some(code));
        assert!(v2.err_code_des().is_some_and(|d| !d.is_empty()), "{v2}");
        assert!(
            error.outcome_unknown(),
            "{code}: query before retrying: {error}"
        );
        assert_eq!(error.attempts(), 1);
    }
}

#[tokio::test]
async fn a_v2_call_ends_at_its_deadline_with_the_outcome_unknown() {
    let sandbox = Sandbox::start().await.unwrap();
    let deadline = Duration::from_secs(1);
    let client_wide = sandbox
        .client_builder()
        .unwrap()
        .deadline(deadline)
        .build()
        .unwrap();
    let per_call = sandbox.client().unwrap();
    for (name, client, options) in [
        ("client-wide", &client_wide, CallOptions::new()),
        ("per call", &per_call, CallOptions::new().deadline(deadline)),
    ] {
        sandbox.inject(Fault::Delay(Duration::from_secs(6)));
        let started = Instant::now();
        let error = client
            .send_with_options(&micropay("M-slow"), &options)
            .await
            .unwrap_err();
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_secs(3), "{name}: {elapsed:?}");
        assert!(elapsed >= deadline, "{name}: {elapsed:?}");
        assert!(
            matches!(&error, Error::Timeout { timeout_ms: 1000, url, .. } if url.ends_with("/pay/micropay")),
            "{name}: {error:?}"
        );
        assert!(error.outcome_unknown(), "{name}: {error}");
        assert_eq!(error.attempts(), 1, "{name}");
    }
}

#[tokio::test]
async fn a_v2_server_error_is_retried_only_when_sending_again_cannot_act_twice() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .retry_backoff(Duration::from_millis(1))
        .build()
        .unwrap();
    // Named by out_trade_no: WeChat Pay cannot charge it twice.
    sandbox.inject(Fault::ServerError);
    client.send(&micropay("M-retried")).await.unwrap();
    assert_eq!(sandbox.requests_to("pay/micropay"), 2);
    // Unless the call says it must go once.
    sandbox.inject(Fault::ServerError);
    let error = client
        .send_with_options(&micropay("M-once"), &CallOptions::new().resend(false))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Api { status, .. } if status.as_u16() == 500),
        "{error:?}"
    );
    assert!(error.outcome_unknown(), "{error}");
    assert_eq!(error.attempts(), 1);
    assert_eq!(sandbox.requests_to("pay/micropay"), 3);
    // Named by nothing of the merchant's: sent once.
    sandbox.inject(Fault::ServerError);
    let error = client.send(&shorturl()).await.unwrap_err();
    assert!(error.outcome_unknown(), "{error}");
    assert_eq!(error.attempts(), 1);
    assert_eq!(sandbox.requests_to("tools/shorturl"), 1);
    // Retries are bounded, and counted.
    for _ in 0..3 {
        sandbox.inject(Fault::ServerError);
    }
    let error = client.send(&micropay("M-bounded")).await.unwrap_err();
    assert_eq!(error.attempts(), 3, "one try and two retries: {error}");
    assert!(error.outcome_unknown());
}

#[tokio::test]
async fn a_broken_v2_connection_fails_over_only_when_sending_again_cannot_act_twice() {
    let sandbox = Sandbox::start().await.unwrap();
    // The backup host: the same merchant and APIv2 key.
    let backup = Sandbox::builder()
        .mchid(sandbox.mchid())
        .apiv2_key(sandbox.apiv2_key())
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .unwrap()
        .backup_base_url(backup.base_url())
        .build()
        .unwrap();
    sandbox.inject(Fault::DropConnection);
    let error = client.send(&shorturl()).await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.outcome_unknown(), "{error}");
    assert_eq!(error.attempts(), 1);
    assert_eq!(backup.requests_received(), 0, "not sent twice");

    sandbox.inject(Fault::DropConnection);
    let answer = client.send(&micropay("M-failover")).await.unwrap();
    assert_eq!(answer.mch_id.as_deref(), Some(sandbox.mchid()));
    assert_eq!(backup.requests_to("pay/micropay"), 1);
}

#[tokio::test]
async fn a_definite_v2_business_failure_says_nothing_happened() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let error = client
        .send(&papay::QueryContract {
            contract_id: Some("not-a-contract".into()),
            plan_id: None,
            contract_code: None,
            version: papay::QueryContractVersion::V10,
        })
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("CONTRACT_NOT_EXIST"), "{error}");
    assert!(!error.outcome_unknown(), "{error}");
    assert_eq!(error.attempts(), 1);
    assert!(error.request_id().is_some());
}
