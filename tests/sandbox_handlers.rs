//! Endpoints a user declares, answered by handlers given to the sandbox, over HTTP.

use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use wechatpay::{Error, endpoint};
use wechatpay_sandbox::{ApiError, Fault, Sandbox};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transfer {
    pub out_bill_no: String,
    pub transfer_bill_no: String,
    pub state: String,
}

#[endpoint(POST, "v3/fund-app/mch-transfer/transfer-bills", response = Transfer)]
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CreateTransfer {
    pub appid: String,
    pub out_bill_no: String,
    pub transfer_amount: u64,
    pub openid: String,
}

#[endpoint(GET, "v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}", response = Transfer)]
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct QueryTransfer {
    pub out_bill_no: String,
}

#[endpoint(GET, "v3/my-company/internal/transfers/{out_bill_no}", response = Transfer)]
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct QueryOwnTransfer {
    pub out_bill_no: String,
}

#[endpoint(POST, "v3/plans/{plan_id}/close", response = ())]
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ClosePlan {
    pub plan_id: u64,
    #[wechatpay(query)]
    pub reason: Option<String>,
}

fn transfer_of(request: &CreateTransfer) -> Transfer {
    Transfer {
        out_bill_no: request.out_bill_no.clone(),
        transfer_bill_no: format!("TB-{}", request.out_bill_no),
        state: "ACCEPTED".into(),
    }
}

#[tokio::test]
async fn a_declared_endpoint_is_answered_by_its_handler_signed() {
    let sandbox = Sandbox::start().await.unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    sandbox.handle(move |request: CreateTransfer| {
        record.lock().unwrap().push(request.clone());
        if request.transfer_amount == 0 {
            return Err(ApiError::new(
                400,
                "PARAM_ERROR",
                "transfer_amount must be positive",
            ));
        }
        Ok(transfer_of(&request))
    });
    let client = sandbox.client().unwrap();
    let request = CreateTransfer {
        appid: "wxd678efh567hg6787".into(),
        out_bill_no: "B1001".into(),
        transfer_amount: 300,
        openid: "o-user".into(),
    };
    let answer = client.send_with_meta(&request).await.unwrap();
    assert_eq!(*answer, transfer_of(&request));
    assert!(answer.request_id().is_some());
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        std::slice::from_ref(&request),
        "the handler got the decoded request"
    );

    // The handler's error is WeChat Pay's error answer.
    let refused = client
        .send(&CreateTransfer {
            transfer_amount: 0,
            ..request.clone()
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("PARAM_ERROR"));
    assert!(
        refused
            .to_string()
            .contains("transfer_amount must be positive"),
        "{refused}"
    );

    // Signed like every other answer: a tampered one is refused.
    sandbox.inject(Fault::TamperBody);
    let forged = client.send(&request).await.unwrap_err();
    assert!(forged.is_verification_failure(), "{forged}");
}

#[tokio::test]
async fn path_and_query_fields_are_decoded_and_an_empty_answer_is_204() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.handle(|request: QueryTransfer| {
        if request.out_bill_no == "B1001" {
            Ok(Transfer {
                out_bill_no: request.out_bill_no,
                transfer_bill_no: "TB-1".into(),
                state: "SUCCESS".into(),
            })
        } else {
            Err(ApiError::new(404, "NOT_FOUND", "no such transfer"))
        }
    });
    let closed = Arc::new(Mutex::new(None));
    let record = Arc::clone(&closed);
    sandbox.handle(move |request: ClosePlan| {
        *record.lock().unwrap() = Some((request.plan_id, request.reason));
        Ok(())
    });
    let client = sandbox.client().unwrap();
    let found = client
        .send(&QueryTransfer {
            out_bill_no: "B1001".into(),
        })
        .await
        .unwrap();
    assert_eq!(found.state, "SUCCESS");
    let missing = client
        .send(&QueryTransfer {
            out_bill_no: "B404".into(),
        })
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::Api { .. }), "{missing}");
    assert_eq!(missing.code(), Some("NOT_FOUND"));

    client
        .send(&ClosePlan {
            plan_id: 12535,
            reason: Some("到期".into()),
        })
        .await
        .unwrap();
    assert_eq!(
        *closed.lock().unwrap(),
        Some((12535, Some("到期".to_owned())))
    );
}

#[tokio::test]
async fn without_a_handler_the_answer_is_the_sandbox_own_and_says_how_to_add_one() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let error = client
        .send(&QueryOwnTransfer {
            out_bill_no: "B1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("SANDBOX_NO_ROUTE"));
    assert!(error.to_string().contains("Sandbox::handle"), "{error}");
}
