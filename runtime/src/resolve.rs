//! Settling a call whose outcome is unknown: [`Client::resolve`] asks WeChat Pay, by the
//! request's own merchant number, what became of it.
//!
//! A money-moving call that fails with [`Error::outcome_unknown`] may have acted: the order may
//! be placed, the refund taken, the transfer started. [`Client::resolve`] sends the query that
//! belongs to the request ([`Resolve::query`]: the order by `out_trade_no`, the refund by
//! `out_refund_no`, the transfer bill by `out_bill_no`, the profit-sharing order by
//! `out_order_no`) and says which of two things is true:
//!
//! - [`Resolution::Found`]: WeChat Pay holds a record under that number; the query's typed answer
//!   says where it stands (an order's `trade_state`, a refund's `status`, a bill's `state`).
//! - [`Resolution::Absent`]: WeChat Pay answered, signed, that it holds no record under that
//!   number (`404` with one of [`Resolve::ABSENT_CODES`]): the request never took effect, and
//!   sending the SAME request again (same merchant number) is safe.
//!
//! Nothing else counts as absent. A query that fails transiently (a broken connection, a
//! timeout, a `5xx`, `429`, an answer that failed verification) is sent again after a jittered,
//! exponentially growing pause, within the attempts and the time [`ResolveOptions`] allows; when
//! they run out, or the query fails in a way a retry cannot mend, the result is
//! [`Error::Unresolved`], whose [`Error::outcome_unknown`] is still `true`.
//!
//! The catalog's money-moving requests implement [`Resolve`] (in `resolve/impls.rs`, each behind
//! the features its types need); an endpoint of your own can implement it too.

use std::time::{Duration, Instant};

use crate::{CallOptions, Client, Endpoint, Error};

mod impls;

/// A money-moving request whose outcome WeChat Pay answers by a query under the request's own
/// merchant number: what [`Client::resolve`] takes.
///
/// Implemented for the catalog's orders (JSAPI, Native, App, H5, code pay, with-contract; direct
/// and, with the `partner` feature, service-provider: queried by `out_trade_no`), refunds (by
/// `out_refund_no`), merchant transfer bills (by `out_bill_no`), papay deductions (their order,
/// by `out_trade_no`) and profit-sharing orders (by `out_order_no` and `transaction_id`).
///
/// Implementing it for an endpoint of your own:
///
/// ```
/// use wechatpay::{endpoint, Resolve};
///
/// /// A top-up your gateway moves money with.
/// #[endpoint(POST, "v3/example/top-ups", response = ())]
/// pub struct TopUp {
///     pub out_top_up_no: String,
///     pub amount: i64,
/// }
///
/// /// Its query by the merchant's number.
/// #[endpoint(GET, "v3/example/top-ups/{out_top_up_no}", response = TopUpState)]
/// pub struct QueryTopUp {
///     pub out_top_up_no: String,
/// }
///
/// #[derive(Debug, serde::Deserialize)]
/// pub struct TopUpState {
///     pub state: Option<String>,
/// }
///
/// impl Resolve for TopUp {
///     type Query = QueryTopUp;
///     // Only a signed `404` with one of these codes says "no record": never list a code that
///     // might mean anything else.
///     const ABSENT_CODES: &'static [&'static str] = &["RESOURCE_NOT_EXISTS"];
///     fn query(&self, _mchid: &str) -> QueryTopUp {
///         QueryTopUp { out_top_up_no: self.out_top_up_no.clone() }
///     }
///     fn merchant_number(&self) -> (&'static str, &str) {
///         ("out_top_up_no", &self.out_top_up_no)
///     }
/// }
///
/// let top_up = TopUp { out_top_up_no: "T-1001".into(), amount: 500 };
/// assert_eq!(top_up.query("1900000109").out_top_up_no, "T-1001");
/// ```
pub trait Resolve: Endpoint {
    /// The query that asks WeChat Pay about this request by its merchant number.
    type Query: Endpoint;

    /// The error codes of a signed `404` answer to [`Resolve::Query`] that mean WeChat Pay holds
    /// no record under the merchant number (`ORDER_NOT_EXIST` for orders, `RESOURCE_NOT_EXISTS`
    /// for refunds and profit sharing, `NOT_FOUND` for transfer bills). Only these make
    /// [`Resolution::Absent`].
    const ABSENT_CODES: &'static [&'static str];

    /// The query for this request. `mchid` is the client's merchant number, for a request that
    /// does not carry it (a papay deduction is queried as an order of the merchant that sent it);
    /// a request that names its merchants (`mchid`, `sp_mchid`, `sub_mchid`) is queried under
    /// its own.
    fn query(&self, mchid: &str) -> Self::Query;

    /// The merchant number the query asks by, with its field name: `("out_trade_no", "…")`.
    /// It names the call in [`Error::Unresolved`] and [`Absence`].
    fn merchant_number(&self) -> (&'static str, &str);
}

/// What WeChat Pay says became of a request: [`Client::resolve`]'s answer.
///
/// Deliberately not `#[non_exhaustive]`: a match on it names both cases, and a new case would be
/// a compile error rather than a silent default.
#[derive(Debug, Clone)]
pub enum Resolution<T> {
    /// WeChat Pay holds a record under the request's merchant number: the call took effect.
    /// The query's answer says where it stands now (an order's `trade_state` may still be
    /// `NOTPAY`, a refund's `status` `PROCESSING`, a bill's `state` `WAIT_USER_CONFIRM`).
    Found(T),
    /// WeChat Pay answered, signed, that it holds no record under the merchant number: the call
    /// never took effect. Sending the SAME request again (the same merchant number, so WeChat Pay
    /// cannot act on it twice) is safe.
    Absent(Absence),
}

impl<T> Resolution<T> {
    /// The query's answer, when WeChat Pay holds a record.
    ///
    /// ```
    /// use wechatpay::Resolution;
    /// let found: Resolution<&str> = Resolution::Found("SUCCESS");
    /// assert_eq!(found.found(), Some(&"SUCCESS"));
    /// assert!(!found.is_absent());
    /// ```
    pub fn found(&self) -> Option<&T> {
        match self {
            Resolution::Found(answer) => Some(answer),
            Resolution::Absent(_) => None,
        }
    }

    /// The query's answer, when WeChat Pay holds a record.
    pub fn into_found(self) -> Option<T> {
        match self {
            Resolution::Found(answer) => Some(answer),
            Resolution::Absent(_) => None,
        }
    }

    /// Whether WeChat Pay holds no record, so that sending the same request again is safe.
    pub fn is_absent(&self) -> bool {
        matches!(self, Resolution::Absent(_))
    }
}

/// WeChat Pay's signed word that it holds no record under a merchant number
/// ([`Resolution::Absent`]).
///
/// ```no_run
/// # async fn run<R: wechatpay::Resolve>(client: wechatpay::Client, request: R) -> Result<(), wechatpay::Error> {
/// if let wechatpay::Resolution::Absent(absence) = client.resolve(&request).await? {
///     // "out_trade_no 1217752501201407033233368018: ORDER_NOT_EXIST (Request-ID …)"
///     tracing::info!(field = absence.field, number = %absence.number, code = %absence.code,
///         request_id = ?absence.request_id, "never taken: sending the same request again");
///     client.send(&request).await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Absence {
    /// The field the query asked by: `out_trade_no`, `out_refund_no`, `out_bill_no`, `out_order_no`.
    pub field: &'static str,
    /// The merchant number asked for.
    pub number: String,
    /// The error code the query was answered with (one of [`Resolve::ABSENT_CODES`]).
    pub code: String,
    /// WeChat Pay's message.
    pub message: String,
    /// The `Request-ID` of that answer.
    pub request_id: Option<String>,
    /// How many queries were sent.
    pub queries: u32,
}

/// How hard [`Client::resolve_with`] tries: attempts, total time, the pause between queries.
///
/// Defaults: at most 5 queries, at most 30 s in all (queries and pauses), a first pause of
/// 500 ms that doubles after each failed query up to 8 s, each pause scaled by a random factor in
/// [0.5, 1.5) so that many clients resolving at once do not query in step.
///
/// ```
/// use std::time::Duration;
/// use wechatpay::ResolveOptions;
/// let options = ResolveOptions::new()
///     .max_attempts(3)
///     .max_elapsed(Duration::from_secs(10))
///     .backoff(Duration::from_millis(200), Duration::from_secs(2));
/// assert_eq!(options.attempts(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct ResolveOptions {
    max_attempts: u32,
    max_elapsed: Duration,
    first_delay: Duration,
    max_delay: Duration,
}

impl Default for ResolveOptions {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            max_elapsed: Duration::from_secs(30),
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl ResolveOptions {
    /// The defaults: 5 queries, 30 s, pauses from 500 ms doubling up to 8 s, jittered.
    pub fn new() -> Self {
        Self::default()
    }

    /// The most queries to send (default 5; at least 1). A host that cannot be reached at all
    /// fails over to the client's backup host within one query, as every call does.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The most time resolving may take, queries and pauses included (default 30 s). Each query
    /// gets what is left as its deadline; no pause is started that would end past it.
    pub fn max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// The pause after the first failed query (default 500 ms), and the longest pause (default
    /// 8 s): the pause doubles after each failed query up to `max`, then is scaled by a random
    /// factor in [0.5, 1.5).
    pub fn backoff(mut self, first: Duration, max: Duration) -> Self {
        self.first_delay = first;
        self.max_delay = max.max(first);
        self
    }

    /// The most queries that will be sent.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The most time resolving may take.
    pub fn elapsed(&self) -> Duration {
        self.max_elapsed
    }

    /// The pause after failed query `n` (from 1), before jitter: `first × 2^(n-1)`, at most the
    /// longest pause.
    fn base_delay(&self, n: u32) -> Duration {
        self.first_delay
            .saturating_mul(1 << n.saturating_sub(1).min(16))
            .min(self.max_delay)
    }

    /// The pause after failed query `n`, jittered by a random factor in [0.5, 1.5).
    fn delay(&self, n: u32) -> Duration {
        let mut random = [0u8; 2];
        let _ = crate::crypto::fill_random(&mut random);
        let jitter = 0.5 + f64::from(u16::from_le_bytes(random)) / 65_536.0;
        self.base_delay(n).mul_f64(jitter)
    }
}

/// Whether a query that failed with `error` may succeed if sent again: the answer was lost, late,
/// a `5xx`, `429`, or failed verification (WeChat Pay's real answer may have been lost). An
/// unsigned error answer may come from a proxy, not WeChat Pay: it is retried, never believed.
fn transient(error: &Error) -> bool {
    match error {
        Error::Timeout { .. } | Error::Transport { .. } | Error::RateLimited { .. } => true,
        Error::Api {
            status, verified, ..
        } => status.is_server_error() || !verified,
        other => other.is_verification_failure(),
    }
}

/// The absence `error` proves: a signed `404` with one of `R::ABSENT_CODES`.
fn absence<R: Resolve>(request: &R, error: &Error, queries: u32) -> Option<Absence> {
    match error {
        Error::Api {
            status,
            code,
            message,
            request_id,
            verified: true,
            ..
        } if *status == http::StatusCode::NOT_FOUND && R::ABSENT_CODES.contains(&code.as_str()) => {
            let (field, number) = request.merchant_number();
            Some(Absence {
                field,
                number: number.to_owned(),
                code: code.clone(),
                message: message.clone(),
                request_id: request_id.clone(),
                queries,
            })
        }
        _ => None,
    }
}

impl Client {
    /// Asks WeChat Pay what became of `request`, a money-moving call whose outcome is unknown
    /// ([`Error::outcome_unknown`]), by the request's own merchant number; with the default
    /// [`ResolveOptions`] (at most 5 queries in 30 s, jittered pauses).
    ///
    /// [`Resolution::Found`] holds the query's answer: the call took effect, and the answer says
    /// where it stands. [`Resolution::Absent`] means WeChat Pay said, signed, that it has no record
    /// under that number: send the SAME request again, never one under a new number.
    ///
    /// ```no_run
    /// use wechatpay::{Client, Endpoint, Error, Resolution, Resolve};
    ///
    /// /// Sends a money-moving request; on an unknown outcome, settles it before anything else.
    /// async fn send_settled<R: Resolve>(client: &Client, request: &R) -> Result<(), Error> {
    ///     match client.send(request).await {
    ///         Ok(_answer) => Ok(()),
    ///         Err(error) if error.outcome_unknown() => match client.resolve(request).await? {
    ///             // It took effect: record the state the query gives (trade_state, status …).
    ///             Resolution::Found(_state) => Ok(()),
    ///             // It never reached WeChat Pay: the very same request again is safe.
    ///             Resolution::Absent(_) => client.send(request).await.map(drop),
    ///         },
    ///         // Refused, or never sent: correct it and send.
    ///         Err(error) => Err(error),
    ///     }
    /// }
    /// ```
    ///
    /// # Errors
    /// [`Error::Unresolved`] (with [`Error::outcome_unknown`] still `true`) when the queries kept
    /// failing until the attempts or the time ran out, or failed in a way a retry cannot mend (a
    /// `4xx` other than the "no record" of [`Resolve::ABSENT_CODES`], an answer that does not
    /// decode), or could not be sent at all (an empty merchant number, a configuration error);
    /// its source is the last query's error.
    pub async fn resolve<R: Resolve>(
        &self,
        request: &R,
    ) -> Result<Resolution<<R::Query as Endpoint>::Response>, Error> {
        self.resolve_with(request, &ResolveOptions::default()).await
    }

    /// [`Client::resolve`] with its own attempts, time bound and pauses.
    ///
    /// ```no_run
    /// # async fn run<R: wechatpay::Resolve>(client: wechatpay::Client, request: R) -> Result<(), wechatpay::Error> {
    /// use std::time::Duration;
    /// use wechatpay::ResolveOptions;
    /// // A checkout page waits at most 5 s for the answer.
    /// let options = ResolveOptions::new().max_attempts(3).max_elapsed(Duration::from_secs(5));
    /// let resolution = client.resolve_with(&request, &options).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Client::resolve`].
    pub async fn resolve_with<R: Resolve>(
        &self,
        request: &R,
        options: &ResolveOptions,
    ) -> Result<Resolution<<R::Query as Endpoint>::Response>, Error> {
        let query = request.query(self.mchid());
        let started = Instant::now();
        let mut queries = 0u32;
        loop {
            let left = options.max_elapsed.saturating_sub(started.elapsed());
            queries += 1;
            // This loop owns the retries (and counts them); a query is sent once per turn.
            let call = CallOptions::new().resend(false).deadline(left);
            let error = match self.send_with_options(&query, &call).await {
                Ok(answer) => return Ok(Resolution::Found(answer)),
                Err(error) => error,
            };
            if let Some(absence) = absence(request, &error, queries) {
                return Ok(Resolution::Absent(absence));
            }
            let gave_up = if matches!(
                error,
                Error::InvalidRequest { .. } | Error::Config(_) | Error::Key { .. }
            ) {
                // Nothing was asked; the call's outcome stays as unknown as it was.
                queries -= 1;
                "the query could not be sent".to_owned()
            } else if !transient(&error) {
                "the query failed in a way sending it again cannot mend".to_owned()
            } else if queries >= options.max_attempts {
                format!("all {} attempts failed", options.max_attempts)
            } else {
                let pause = options.delay(queries);
                if started.elapsed() + pause < options.max_elapsed {
                    tracing::debug!(queries, ?pause, %error, "resolve: the query failed; asking again");
                    tokio::time::sleep(pause).await;
                    continue;
                }
                format!(
                    "the next query would start past the {} ms allowed",
                    crate::transport::millis(options.max_elapsed)
                )
            };
            let (field, number) = request.merchant_number();
            return Err(Error::Unresolved {
                subject: format!("{} ({field} {number})", R::PATH),
                queries,
                elapsed_ms: crate::transport::millis(started.elapsed()),
                gave_up,
                last: Box::new(error),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_the_longest_and_are_jittered() {
        let options =
            ResolveOptions::new().backoff(Duration::from_millis(100), Duration::from_millis(350));
        assert_eq!(options.base_delay(1), Duration::from_millis(100));
        assert_eq!(options.base_delay(2), Duration::from_millis(200));
        assert_eq!(options.base_delay(3), Duration::from_millis(350));
        assert_eq!(options.base_delay(40), Duration::from_millis(350));
        let pauses: Vec<Duration> = (0..32).map(|_| options.delay(2)).collect();
        for pause in &pauses {
            assert!(*pause >= Duration::from_millis(100) && *pause < Duration::from_millis(300));
        }
        assert!(pauses.iter().any(|pause| *pause != pauses[0]), "{pauses:?}");
    }

    #[test]
    fn at_least_one_attempt() {
        assert_eq!(ResolveOptions::new().max_attempts(0).attempts(), 1);
    }
}
