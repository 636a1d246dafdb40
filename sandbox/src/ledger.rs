//! What the sandbox remembers between requests: papay contracts and the pre-signs that lead to
//! them, deduction schedules, orders (payments and papay deductions), refunds and the money that
//! actually moved. Everything lives in memory, per sandbox, behind one lock.
//!
//! The user's side of the story (confirming a contract, paying an order, ending a contract from
//! the WeChat app) has no API at WeChat Pay; the sandbox plays it through the control methods on
//! [`Sandbox`]: [`Sandbox::sign_contract`], [`Sandbox::pay_transaction`],
//! [`Sandbox::terminate_contract_as_user`] and [`Sandbox::fail_deductions`].

use std::collections::HashMap;
use std::sync::{MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::callbacks::{Callback, CallbackDelivery, DeliveryRecord};
use super::{Sandbox, Shared, beijing_date, rfc3339_beijing};
use crate::wire::papay::{ContractState, ContractTerminationMode, DeductAmount, ScheduleState};
use crate::wire::pay::{TradeState, TradeType};
use crate::wire::refund::RefundStatus;
use wechatpay::error::Error;

/// A pre-sign the user has not confirmed yet, by `pre_entrustweb_id`.
#[derive(Debug, Clone)]
pub(crate) struct PreSign {
    pub(crate) appid: String,
    pub(crate) openid: Option<String>,
    pub(crate) plan_id: u64,
    pub(crate) out_contract_code: String,
    pub(crate) contract_display_account: String,
    pub(crate) contract_notify_url: String,
    pub(crate) out_user_code: Option<String>,
    /// The booking a scheduled-deduction pre-sign asked for: estimated date and amount.
    pub(crate) estimated: Option<(String, DeductAmount)>,
    /// A service provider's pre-sign (partner papay): the sub-merchant it signs for. `appid`
    /// and `openid` are then the provider's (`sp_appid`, `sp_openid`).
    pub(crate) partner: Option<Partner>,
}

/// The sub-merchant side of a service provider's (服务商) contract or order. The provider is the
/// sandbox's merchant (`sp_mchid`: the `mchid` of the `Authorization` header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Partner {
    /// 子商户号.
    pub(crate) sub_mchid: String,
    /// 子商户的AppID, when the sub-merchant's app is used.
    pub(crate) sub_appid: Option<String>,
    /// 子商户AppID对应的用户OpenID: given at pre-sign, or made when the user signs under
    /// `sub_appid`.
    pub(crate) sub_openid: Option<String>,
}

/// Whose contracts and orders a request may see: the merchant's own (direct papay), or one
/// sub-merchant's through the service provider (partner papay). A contract outside the scope is
/// answered as one that does not exist.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope<'a> {
    Direct,
    Partner {
        sub_mchid: &'a str,
        sub_appid: Option<&'a str>,
    },
}

impl Scope<'_> {
    /// Whether a contract or order of `owner` (its sub-merchant, `None` for the merchant's own)
    /// is in this scope.
    pub(crate) fn sees(&self, owner: Option<&Partner>) -> bool {
        match (self, owner) {
            (Scope::Direct, None) => true,
            (Scope::Partner { sub_mchid, .. }, Some(owner)) => owner.sub_mchid == *sub_mchid,
            _ => false,
        }
    }

    /// The `sub_appid` the request gave, when it differs from the one the contract was signed
    /// under.
    pub(crate) fn sub_appid_differs(&self, owner: Option<&Partner>) -> bool {
        match (self, owner) {
            (
                Scope::Partner {
                    sub_appid: Some(given),
                    ..
                },
                Some(owner),
            ) => owner.sub_appid.as_deref() != Some(*given),
            _ => false,
        }
    }
}

/// A contract the user signed.
#[derive(Debug, Clone)]
pub(crate) struct ContractRecord {
    pub(crate) contract_id: String,
    pub(crate) sign: PreSign,
    pub(crate) openid: String,
    pub(crate) state: ContractState,
    pub(crate) signed_time: String,
    pub(crate) expired_time: String,
    pub(crate) terminated: Option<(ContractTerminationMode, String, Option<String>)>,
    pub(crate) schedule: Option<ScheduleRecord>,
    /// Set by [`Sandbox::fail_deductions`]: deductions against this contract fail with this reason.
    pub(crate) failing: Option<String>,
}

/// The booking of the next deduction of a contract.
#[derive(Debug, Clone)]
pub(crate) struct ScheduleRecord {
    pub(crate) state: ScheduleState,
    pub(crate) start_date: String,
    pub(crate) end_date: String,
    pub(crate) scheduled: DeductAmount,
    pub(crate) deducted: Option<(DeductAmount, String)>,
}

/// An order: a payment waiting for (or done by) the user, or a papay deduction.
#[derive(Debug, Clone)]
pub(crate) struct OrderRecord {
    /// The request that created it, as JSON: a retry must send the same.
    pub(crate) fingerprint: Value,
    /// What answered the request that created it, repeated to retries.
    pub(crate) answer: Value,
    pub(crate) appid: String,
    pub(crate) out_trade_no: String,
    pub(crate) transaction_id: Option<String>,
    pub(crate) trade_type: TradeType,
    pub(crate) state: TradeState,
    pub(crate) state_desc: String,
    pub(crate) total: u64,
    pub(crate) currency: String,
    pub(crate) attach: Option<String>,
    pub(crate) notify_url: String,
    pub(crate) openid: Option<String>,
    pub(crate) success_time: Option<String>,
    pub(crate) contract_id: Option<String>,
    /// A pay-and-sign order: the contract to sign when the user pays.
    pub(crate) sign_on_pay: Option<PreSign>,
    pub(crate) refunded: u64,
    /// A service provider's order (partner deduction or payment): its sub-merchant; `appid` and
    /// `openid` are then the provider's.
    pub(crate) partner: Option<Partner>,
}

/// A refund.
#[derive(Debug, Clone)]
pub(crate) struct RefundRecord {
    pub(crate) fingerprint: Value,
    pub(crate) refund_id: String,
    pub(crate) out_refund_no: String,
    pub(crate) out_trade_no: String,
    pub(crate) transaction_id: String,
    pub(crate) status: RefundStatus,
    pub(crate) create_time: String,
    pub(crate) success_time: Option<String>,
    pub(crate) refund: u64,
    pub(crate) total: u64,
    pub(crate) currency: String,
}

/// Money that moved: one successful payment or deduction.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Charge {
    /// 商户订单号.
    pub out_trade_no: String,
    /// 微信支付订单号.
    pub transaction_id: String,
    /// The amount, in fen.
    pub total: u64,
    /// The contract a papay deduction was made against.
    pub contract_id: Option<String>,
}

/// The sandbox's books.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    sequence: u64,
    pub(crate) pre_signs: HashMap<String, PreSign>,
    /// By `contract_id`.
    pub(crate) contracts: HashMap<String, ContractRecord>,
    /// `(plan_id, out_contract_code)` → the newest `contract_id`.
    pub(crate) contract_codes: HashMap<(u64, String), String>,
    /// By `out_trade_no`.
    pub(crate) orders: HashMap<String, OrderRecord>,
    /// `transaction_id` → `out_trade_no`.
    pub(crate) transaction_ids: HashMap<String, String>,
    /// By `out_refund_no`.
    pub(crate) refunds: HashMap<String, RefundRecord>,
    pub(crate) charges: Vec<Charge>,
    /// Pre-signs, contracts and orders made through API v2 (`pre_entrustweb_id`, `contract_id`,
    /// `out_trade_no`): their callbacks are v2 XML.
    pub(crate) v2_notify: std::collections::HashSet<String>,
    /// The `request_serial` of v2 pre-signs and the contracts they became.
    pub(crate) v2_serials: HashMap<String, u64>,
}

impl Ledger {
    /// A fresh id: `prefix` then digits, unique within this sandbox.
    pub(crate) fn next_id(&mut self, prefix: &str) -> String {
        self.sequence += 1;
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        format!("{prefix}{:010}{:08}", self.sequence, nanos / 10)
    }

    /// The contract signed for `(plan_id, out_contract_code)`, if any.
    pub(crate) fn contract_by_code(
        &mut self,
        plan_id: u64,
        out_contract_code: &str,
    ) -> Option<&mut ContractRecord> {
        let id = self
            .contract_codes
            .get(&(plan_id, out_contract_code.to_owned()))?;
        self.contracts.get_mut(id)
    }

    /// Signs the contract a pre-sign asked for, as the user confirming it does; returns its id.
    pub(crate) fn sign(&mut self, sign: PreSign) -> Result<String, String> {
        if let Some(existing) = self.contract_by_code(sign.plan_id, &sign.out_contract_code)
            && existing.state == ContractState::Signed
        {
            return Err(format!(
                "the contract {} (plan {}, out_contract_code {}) is already signed; terminate it before signing again",
                existing.contract_id, sign.plan_id, sign.out_contract_code
            ));
        }
        let contract_id = self.next_id("2025");
        let now = SystemTime::now();
        let openid = sign
            .openid
            .clone()
            .unwrap_or_else(|| format!("oUpF8u{}", &wechatpay::__support::nonce()[..22]));
        let mut sign = sign;
        if let Some(partner) = &mut sign.partner
            && partner.sub_appid.is_some()
            && partner.sub_openid.is_none()
        {
            partner.sub_openid = Some(format!("oSub8u{}", &wechatpay::__support::nonce()[..22]));
        }
        let schedule = sign
            .estimated
            .as_ref()
            .map(|(date, amount)| ScheduleRecord {
                state: ScheduleState::NoScheduled,
                start_date: date.clone(),
                end_date: date.clone(),
                scheduled: amount.clone(),
                deducted: None,
            });
        self.contract_codes.insert(
            (sign.plan_id, sign.out_contract_code.clone()),
            contract_id.clone(),
        );
        self.contracts.insert(
            contract_id.clone(),
            ContractRecord {
                contract_id: contract_id.clone(),
                openid,
                state: ContractState::Signed,
                signed_time: rfc3339_beijing(now),
                expired_time: rfc3339_beijing(now + Duration::from_secs(20 * 365 * 86_400)),
                terminated: None,
                schedule,
                failing: None,
                sign,
            },
        );
        Ok(contract_id)
    }

    /// Ends a signed contract; the answer and callback bodies then show `TERMINATED`.
    pub(crate) fn terminate(
        &mut self,
        contract_id: &str,
        mode: ContractTerminationMode,
        remark: Option<String>,
    ) -> Result<&ContractRecord, String> {
        let contract = self
            .contracts
            .get_mut(contract_id)
            .ok_or_else(|| format!("no contract has the id {contract_id}"))?;
        if contract.state != ContractState::Signed {
            return Err(format!("the contract {contract_id} is already terminated"));
        }
        contract.state = ContractState::Terminated;
        contract.terminated = Some((mode, rfc3339_beijing(SystemTime::now()), remark));
        Ok(contract)
    }

    /// Marks an order paid (a payment the user made, or a deduction that went through).
    pub(crate) fn settle(&mut self, out_trade_no: &str, openid: Option<String>) -> Option<()> {
        let fresh = self.next_id("4200");
        let order = self.orders.get_mut(out_trade_no)?;
        let transaction_id = order.transaction_id.clone().unwrap_or(fresh);
        order.state = TradeState::Success;
        order.state_desc = "支付成功".to_owned();
        order.success_time = Some(rfc3339_beijing(SystemTime::now()));
        if order.openid.is_none() {
            order.openid = openid;
        }
        order.transaction_id = Some(transaction_id.clone());
        self.charges.push(Charge {
            out_trade_no: out_trade_no.to_owned(),
            transaction_id: transaction_id.clone(),
            total: order.total,
            contract_id: order.contract_id.clone(),
        });
        self.transaction_ids
            .insert(transaction_id, out_trade_no.to_owned());
        Some(())
    }
}

impl Ledger {
    /// Settles an accepted (`ACCEPT`) deduction: `SUCCESS`, with the contract's booking `PAID`,
    /// or `PAYERROR` when the contract's deductions are set to fail. Returns the order as settled;
    /// `None` when there is no such order or it was settled already.
    pub(crate) fn settle_deduction(&mut self, out_trade_no: &str) -> Option<OrderRecord> {
        let order = self.orders.get(out_trade_no)?;
        if order.state != TradeState::Accept {
            return None;
        }
        let contract_id = order.contract_id.clone()?;
        let (total, currency) = (order.total, order.currency.clone());
        let contract = self.contracts.get_mut(&contract_id)?;
        match contract.failing.clone() {
            Some(reason) => {
                let order = self.orders.get_mut(out_trade_no)?;
                order.state = TradeState::PayError;
                order.state_desc = reason;
            }
            None => {
                if let Some(schedule) = &mut contract.schedule {
                    schedule.state = ScheduleState::Paid;
                    let amount = DeductAmount {
                        total,
                        currency: Some(currency),
                    };
                    schedule.deducted = Some((amount, beijing_date(SystemTime::now())));
                }
                self.settle(out_trade_no, None);
            }
        }
        self.orders.get(out_trade_no).cloned()
    }
}

/// JSON helpers: the sandbox's records as WeChat Pay writes them.
impl ContractRecord {
    /// The contract as the query APIs answer it (amounts named `total`).
    pub(crate) fn to_json(&self, mchid: &str) -> Value {
        let mut value = self.common_json(mchid);
        if let Some(schedule) = &self.schedule {
            value["deduct_schedule"] = self.schedule_json(schedule, "total");
        }
        value
    }

    /// The contract as `ENTRUST.*` callbacks carry it (amounts named `amount`).
    pub(crate) fn to_notice(&self, mchid: &str) -> Value {
        let mut value = self.common_json(mchid);
        if let Some(schedule) = &self.schedule {
            value["deduct_schedule"] = self.schedule_json(schedule, "amount");
        }
        value
    }

    /// The fields every shape shares; a partner contract names the provider and the
    /// sub-merchant (`sp_mchid`, `sp_appid`, `sub_mchid`, `sub_appid`, `sp_openid`, `sub_openid`)
    /// where a direct one has `mchid`, `appid` and `openid`.
    fn common_json(&self, mchid: &str) -> Value {
        let sign = &self.sign;
        let mut value = json!({
            "contract_id": self.contract_id,
            "plan_id": sign.plan_id,
            "out_contract_code": sign.out_contract_code,
            "contract_display_account": sign.contract_display_account,
            "contract_state": self.state,
            "contract_signed_time": self.signed_time,
            "contract_expired_time": self.expired_time,
        });
        match &sign.partner {
            None => {
                value["mchid"] = json!(mchid);
                value["appid"] = json!(sign.appid);
                value["openid"] = json!(self.openid);
            }
            Some(partner) => {
                value["sp_mchid"] = json!(mchid);
                value["sp_appid"] = json!(sign.appid);
                value["sub_mchid"] = json!(partner.sub_mchid);
                value["sp_openid"] = json!(self.openid);
                if let Some(appid) = &partner.sub_appid {
                    value["sub_appid"] = json!(appid);
                }
                if let Some(openid) = &partner.sub_openid {
                    value["sub_openid"] = json!(openid);
                }
            }
        }
        if let Some(code) = &sign.out_user_code {
            value["out_user_code"] = json!(code);
        }
        if let Some((mode, time, remark)) = &self.terminated {
            let mut info = json!({
                "contract_termination_mode": mode,
                "contract_terminated_time": time,
            });
            if let Some(remark) = remark {
                info["contract_termination_remark"] = json!(remark);
            }
            value["contract_terminate_info"] = info;
        }
        value
    }

    fn schedule_json(&self, schedule: &ScheduleRecord, figure: &str) -> Value {
        let (date, estimated) = self
            .sign
            .estimated
            .clone()
            .unwrap_or_else(|| (schedule.start_date.clone(), schedule.scheduled.clone()));
        let mut value = json!({
            "estimated_deduct_date": date,
            "estimated_deduct_amount": amount_json(&estimated, figure),
            "schedule_state": schedule.state,
        });
        schedule.add_amounts(&mut value, figure);
        value
    }
}

/// An amount as WeChat Pay writes it: the figure under `figure` (`total` in API answers,
/// `amount` in callbacks) and the currency.
fn amount_json(amount: &DeductAmount, figure: &str) -> Value {
    json!({ figure: amount.total, "currency": amount.currency.as_deref().unwrap_or("CNY") })
}

impl ScheduleRecord {
    /// The booking as the schedule APIs answer it.
    pub(crate) fn to_json(&self) -> Value {
        let mut value = json!({
            "schedule_state": self.state,
            "deduct_start_date": self.start_date,
            "deduct_end_date": self.end_date,
        });
        self.add_amounts(&mut value, "total");
        value
    }

    /// Adds the booked and the deducted amount, when there are any.
    fn add_amounts(&self, value: &mut Value, figure: &str) {
        if self.state != ScheduleState::NoScheduled {
            value["scheduled_amount"] = amount_json(&self.scheduled, figure);
        }
        if let Some((deducted, date)) = &self.deducted {
            value["deduct_amount"] = amount_json(deducted, figure);
            value["deduct_date"] = json!(date);
        }
    }
}

impl OrderRecord {
    /// The order as the query APIs answer it.
    pub(crate) fn to_json(&self, mchid: &str) -> Value {
        let mut value = json!({
            "out_trade_no": self.out_trade_no,
            "trade_state": self.state,
            "trade_state_desc": self.state_desc,
            "amount": { "total": self.total, "currency": self.currency },
        });
        if let Some(id) = &self.transaction_id {
            value["transaction_id"] = json!(id);
            value["trade_type"] = json!(self.trade_type);
            value["bank_type"] = json!("OTHERS");
        }
        let paid = matches!(self.state, TradeState::Success | TradeState::Refund);
        if paid {
            value["amount"]["payer_total"] = json!(self.total);
            value["amount"]["payer_currency"] = json!(self.currency);
        }
        if let Some(time) = &self.success_time {
            value["success_time"] = json!(time);
        }
        if let Some(attach) = &self.attach {
            value["attach"] = json!(attach);
        }
        match &self.partner {
            None => {
                value["appid"] = json!(self.appid);
                value["mchid"] = json!(mchid);
                if let Some(openid) = &self.openid
                    && self.transaction_id.is_some()
                {
                    value["payer"] = json!({ "openid": openid });
                }
            }
            // A service provider's order names the provider and the sub-merchant, and the payer
            // under both apps.
            Some(partner) => {
                value["sp_appid"] = json!(self.appid);
                value["sp_mchid"] = json!(mchid);
                value["sub_mchid"] = json!(partner.sub_mchid);
                if let Some(appid) = &partner.sub_appid {
                    value["sub_appid"] = json!(appid);
                }
                if let Some(openid) = &self.openid
                    && self.transaction_id.is_some()
                {
                    let mut payer = json!({ "sp_openid": openid });
                    if let Some(sub_openid) = &partner.sub_openid {
                        payer["sub_openid"] = json!(sub_openid);
                    }
                    value["payer"] = payer;
                }
            }
        }
        value
    }

    /// The order as a `TRANSACTION.*` callback carries it.
    pub(crate) fn to_notice(&self, mchid: &str) -> Value {
        let mut value = self.to_json(mchid);
        if let Some(contract_id) = &self.contract_id {
            value["contract_id"] = json!(contract_id);
        }
        value
    }
}

impl RefundRecord {
    /// The refund as the refund APIs answer it.
    pub(crate) fn to_json(&self) -> Value {
        let mut value = json!({
            "refund_id": self.refund_id,
            "out_refund_no": self.out_refund_no,
            "transaction_id": self.transaction_id,
            "out_trade_no": self.out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": self.create_time,
            "status": self.status,
            "funds_account": "AVAILABLE",
            "amount": self.amount_json(),
        });
        if let Some(time) = &self.success_time {
            value["success_time"] = json!(time);
        }
        value
    }

    /// The refund as a `REFUND.*` callback carries it.
    pub(crate) fn to_notice(&self, mchid: &str) -> Value {
        let mut value = json!({
            "mchid": mchid,
            "out_trade_no": self.out_trade_no,
            "transaction_id": self.transaction_id,
            "out_refund_no": self.out_refund_no,
            "refund_id": self.refund_id,
            "refund_status": self.status,
            "user_received_account": "支付用户零钱",
            "amount": {
                "total": self.total,
                "refund": self.refund,
                "payer_total": self.total,
                "payer_refund": self.refund,
            },
        });
        if let Some(time) = &self.success_time {
            value["success_time"] = json!(time);
        }
        value
    }

    fn amount_json(&self) -> Value {
        json!({
            "total": self.total,
            "refund": self.refund,
            "payer_total": self.total,
            "payer_refund": self.refund,
            "settlement_refund": self.refund,
            "settlement_total": self.total,
            "discount_refund": 0,
            "currency": self.currency,
        })
    }
}

impl Shared {
    pub(crate) fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends `ENTRUST.SIGN` or `ENTRUST.TERMINATE` for a contract to its notify URL.
    pub(crate) fn contract_callback(
        &self,
        event_type: &str,
        contract: &ContractRecord,
    ) -> Result<CallbackDelivery, Error> {
        let summary = if event_type == "ENTRUST.SIGN" {
            "签约成功"
        } else {
            "解约成功"
        };
        self.callbacks.deliver(
            self,
            &contract.sign.contract_notify_url,
            Callback::new(
                event_type,
                summary,
                "papay",
                contract.to_notice(&self.keys.mchid),
            ),
        )
    }

    /// Sends `TRANSACTION.SUCCESS` (or `TRANSACTION.FAIL`) for an order to its notify URL.
    pub(crate) fn order_callback(&self, order: &OrderRecord) -> Result<CallbackDelivery, Error> {
        let (event_type, summary) = if order.state == TradeState::Success {
            ("TRANSACTION.SUCCESS", "支付成功")
        } else {
            ("TRANSACTION.FAIL", "支付失败")
        };
        self.callbacks.deliver(
            self,
            &order.notify_url,
            Callback::new(
                event_type,
                summary,
                "transaction",
                order.to_notice(&self.keys.mchid),
            ),
        )
    }
}

/// What a sandbox control call did: the id it made and the callbacks it sent.
#[derive(Debug)]
#[non_exhaustive]
pub struct Outcome {
    /// The id made: a `contract_id` for [`Sandbox::sign_contract`], a `transaction_id` for
    /// [`Sandbox::pay_transaction`], the `contract_id` for
    /// [`Sandbox::terminate_contract_as_user`].
    pub id: String,
    /// The callbacks sent, in order; they are delivered in the background.
    pub callbacks: Vec<CallbackDelivery>,
}

impl Outcome {
    /// Waits until every callback was delivered (a `2xx` answer) or its retries ran out.
    pub async fn delivered(self) -> Vec<DeliveryRecord> {
        let mut records = Vec::with_capacity(self.callbacks.len());
        for delivery in self.callbacks {
            records.push(delivery.finished().await);
        }
        records
    }
}

impl Sandbox {
    /// Plays the user confirming a pre-sign in WeChat: the contract becomes `SIGNED` and
    /// `ENTRUST.SIGN` goes to the pre-sign's `contract_notify_url`. `pre_entrustweb_id` is the id
    /// a pre-sign answer returned (any of the pre-sign endpoints), or the `redirect_url` of one
    /// that answers only a URL. Must be called inside a Tokio runtime.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), wechatpay::Error> {
    /// # let sandbox = wechatpay_sandbox::Sandbox::start().await?;
    /// # let client = sandbox.client()?;
    /// use wechatpay::v3::papay::{DaysSinceFirstLogin, DeviceInfo, DeviceType, PreEntrustSign, SignScene};
    /// let request = PreEntrustSign {
    ///     sign_scene: SignScene::Qrcode,
    ///     appid: "wxd678efh567hg6787".into(),
    ///     openid: None,
    ///     plan_id: 12535,
    ///     out_contract_code: "C1".into(),
    ///     contract_display_account: "a".into(),
    ///     contract_notify_url: "http://127.0.0.1:9/notify".into(),
    ///     out_user_code: "u".into(),
    ///     return_url: None,
    ///     device_info: DeviceInfo {
    ///         device_type: DeviceType::Unknow,
    ///         device_os: "iOS".into(),
    ///         device_id: "d".into(),
    ///         device_running_as_root: false,
    ///         device_ip: "1.2.3.4".into(),
    ///         weixin_installed: true,
    ///         weixin_version: "8.0".into(),
    ///         days_since_first_login: DaysSinceFirstLogin::Unknow,
    ///     },
    /// };
    /// let answer = client.send(&request).await?;
    /// let id = answer.pre_entrustweb_id.as_deref().or(answer.redirect_url.as_deref()).unwrap();
    /// let signed = sandbox.sign_contract(id)?;
    /// println!("contract {} signed", signed.id);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] when no pre-sign has that id (or it was used already), when a contract
    /// with the same plan and `out_contract_code` is signed, or when the notify URL is unusable.
    pub fn sign_contract(&self, pre_entrustweb_id: &str) -> Result<Outcome, Error> {
        self.shared.sign_contract(pre_entrustweb_id)
    }

    /// Plays the user ending a contract from the WeChat app: `TERMINATED` with
    /// `USER_TERMINATE`, and `ENTRUST.TERMINATE` to the contract's notify URL.
    ///
    /// # Errors
    /// [`Error::Config`] when no signed contract has that id.
    pub fn terminate_contract_as_user(&self, contract_id: &str) -> Result<Outcome, Error> {
        self.shared.terminate_contract_as_user(contract_id)
    }

    /// Plays the user paying an order made by a prepay endpoint (`v3/pay/transactions/*`): it
    /// becomes `SUCCESS` and `TRANSACTION.SUCCESS` goes to its `notify_url`. A pay-and-sign order
    /// also signs its contract, with `ENTRUST.SIGN` to the contract notify URL when it has one.
    /// Returns the new `transaction_id`.
    ///
    /// # Errors
    /// [`Error::Config`] when no order has that `out_trade_no`, or it is not waiting for payment
    /// (`NOTPAY`).
    pub fn pay_transaction(&self, out_trade_no: &str) -> Result<Outcome, Error> {
        self.shared.pay_transaction(out_trade_no)
    }

    /// From now on deductions against `contract_id` fail (`PAYERROR`, `TRANSACTION.FAIL` to the
    /// deduction's notify URL) with `reason` as `trade_state_desc`, as when the user's balance is
    /// short; [`Sandbox::succeed_deductions`] undoes it.
    ///
    /// # Errors
    /// [`Error::Config`] when no contract has that id.
    pub fn fail_deductions(
        &self,
        contract_id: &str,
        reason: impl Into<String>,
    ) -> Result<(), Error> {
        self.shared.set_failing(contract_id, Some(reason.into()))
    }

    /// Deductions against `contract_id` go through again (the default).
    ///
    /// # Errors
    /// [`Error::Config`] when no contract has that id.
    pub fn succeed_deductions(&self, contract_id: &str) -> Result<(), Error> {
        self.shared.set_failing(contract_id, None)
    }

    /// Every payment and deduction that moved money, oldest first. An order appears at most once,
    /// however often its request was retried.
    pub fn charges(&self) -> Vec<Charge> {
        self.shared.charges()
    }
}

/// The control actions, shared by [`Sandbox`] and the `/v3/sandbox/…` HTTP routes.
impl Shared {
    pub(crate) fn sign_contract(&self, pre_entrustweb_id: &str) -> Result<Outcome, Error> {
        // The H5 and JSAPI pre-signs answer only a URL; it carries the id.
        let pre_entrustweb_id = pre_entrustweb_id
            .split_once("pre_entrustweb_id=")
            .map_or(pre_entrustweb_id, |(_, id)| {
                id.split('&').next().unwrap_or(id)
            });
        let mut ledger = self.ledger();
        let sign = ledger.pre_signs.get(pre_entrustweb_id).cloned().ok_or_else(|| {
            Error::Config(format!(
                "no pending pre-sign has the id `{pre_entrustweb_id}`: use the pre_entrustweb_id of a pre-sign answer, once"
            ))
        })?;
        let contract_id = ledger.sign(sign).map_err(Error::Config)?;
        ledger.pre_signs.remove(pre_entrustweb_id);
        let v2 = ledger.v2_notify.remove(pre_entrustweb_id);
        if v2 {
            ledger.v2_notify.insert(contract_id.clone());
            if let Some(serial) = ledger.v2_serials.remove(pre_entrustweb_id) {
                ledger.v2_serials.insert(contract_id.clone(), serial);
            }
        }
        let contract = ledger.contracts[&contract_id].clone();
        drop(ledger);
        let callback = if v2 {
            super::v2::contract_callback(self, &contract, "ADD")?
        } else {
            self.contract_callback("ENTRUST.SIGN", &contract)?
        };
        Ok(Outcome {
            id: contract_id,
            callbacks: vec![callback],
        })
    }

    pub(crate) fn terminate_contract_as_user(&self, contract_id: &str) -> Result<Outcome, Error> {
        let contract = self
            .ledger()
            .terminate(contract_id, ContractTerminationMode::User, None)
            .cloned()
            .map_err(Error::Config)?;
        let callback = if self.ledger().v2_notify.contains(contract_id) {
            super::v2::contract_callback(self, &contract, "DELETE")?
        } else {
            self.contract_callback("ENTRUST.TERMINATE", &contract)?
        };
        Ok(Outcome {
            id: contract.contract_id,
            callbacks: vec![callback],
        })
    }

    pub(crate) fn pay_transaction(&self, out_trade_no: &str) -> Result<Outcome, Error> {
        let mut ledger = self.ledger();
        let order = ledger.orders.get(out_trade_no).ok_or_else(|| {
            Error::Config(format!("no order has the out_trade_no `{out_trade_no}`"))
        })?;
        if order.state != TradeState::NotPay {
            return Err(Error::Config(format!(
                "the order `{out_trade_no}` is {:?}, not waiting for payment",
                order.state
            )));
        }
        let openid = order
            .openid
            .clone()
            .unwrap_or_else(|| format!("oUpF8u{}", &wechatpay::__support::nonce()[..22]));
        let sub_openid = order.partner.as_ref().and_then(|p| p.sub_openid.clone());
        let mut contract = None;
        if let Some(mut sign) = order.sign_on_pay.clone() {
            sign.openid = Some(openid.clone());
            if let Some(partner) = &mut sign.partner {
                partner.sub_openid = sub_openid;
            }
            let contract_id = ledger.sign(sign).map_err(Error::Config)?;
            contract = Some(ledger.contracts[&contract_id].clone());
            if let Some(order) = ledger.orders.get_mut(out_trade_no) {
                order.contract_id = Some(contract_id);
            }
        }
        ledger.settle(out_trade_no, Some(openid));
        let order = ledger.orders[out_trade_no].clone();
        drop(ledger);
        let mut callbacks = vec![self.order_callback(&order)?];
        if let Some(contract) = contract
            && !contract.sign.contract_notify_url.is_empty()
        {
            callbacks.push(self.contract_callback("ENTRUST.SIGN", &contract)?);
        }
        Ok(Outcome {
            id: order.transaction_id.unwrap_or_default(),
            callbacks,
        })
    }

    pub(crate) fn set_failing(
        &self,
        contract_id: &str,
        reason: Option<String>,
    ) -> Result<(), Error> {
        let mut ledger = self.ledger();
        let contract = ledger
            .contracts
            .get_mut(contract_id)
            .ok_or_else(|| Error::Config(format!("no contract has the id `{contract_id}`")))?;
        contract.failing = reason;
        Ok(())
    }

    pub(crate) fn charges(&self) -> Vec<Charge> {
        self.ledger().charges.clone()
    }
}
