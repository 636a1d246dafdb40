//! Names by meaning: what the generated request, answer and nested types are called.
//!
//! The rule (one table in the README), for an operation's request type, first that applies:
//!
//! | source | example |
//! |---|---|
//! | the reviewed names file, `codegen/names.yaml` | `POST v3/pay/transactions/jsapi` → `JsapiPrepay` |
//! | WeChat Pay's own SDKs: the method, with the service's noun when the method is one verb | `RefundsApiService.Create` → `CreateRefund`; `QueryOrderByOutTradeNo` |
//! | the official documentation page's slug | `…/cash-coupons/coupon/query-coupon.html` → `QueryCoupon` |
//! | the URL after the family, a placeholder left out where the segment before it names it | `GET v3/transfer/batches/out-batch-no/{out_batch_no}` → `GetBatchesOutBatchNo` |
//!
//! Where two operations of one module would take the same name, a service provider's takes
//! `Partner` before it, then each takes its SDK package's (`JsapiPrepay`, `NativePrepay`), then the
//! URL's name. The answer type takes the official model's name (`Transaction`) or the request
//! type's name + `Response`; a nested type the official model's name, else its field's name
//! (`Amount`, `Payer`, `GoodsDetail`), else its parent field's and its own (`RefundAmount`); a
//! shape used by several operations is declared once, under a name none of them owns.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::emit::{camel, partner_only};
use crate::facts::Operation;

/// The longest name a generated type may take (longer candidates are shortened).
pub const MAX_LEN: usize = 64;

/// The reviewed names: `codegen/names.yaml`.
#[derive(Debug, Default, Clone)]
pub struct NamesFile {
    /// `METHOD path` (`host:METHOD path` off the main host) → the request type's name.
    pub operations: BTreeMap<String, String>,
    /// `METHOD path` → the answer type's name (the operations given one name share one type).
    pub answers: BTreeMap<String, String>,
    /// `module::Name` → the name a generated type takes instead (an official model's name that
    /// says too little where it lands, `refund::Status` → `RefundStatus`).
    pub types: BTreeMap<String, String>,
    /// API v2: `METHOD path` (`POST papay/querycontract`) → the request type's name.
    pub v2: BTreeMap<String, String>,
    /// Paths WeChat Pay still serves that the description no longer lists: `METHOD path` → (the
    /// operation it is a copy of, the request type's name).
    pub legacy: BTreeMap<String, (String, String)>,
    /// A field's wire name → (value → variant name), for enums whose values are not words.
    pub variants: BTreeMap<String, BTreeMap<String, String>>,
    /// A field's wire name → (value → what the value means), documented on the variant.
    pub meanings: BTreeMap<String, BTreeMap<String, String>>,
}

impl NamesFile {
    /// Reads the names file (a missing file is an empty one).
    ///
    /// # Errors
    /// When the file is not valid YAML of the expected shape, or a name is not an identifier.
    pub fn read(path: &Path) -> Result<Self, String> {
        let Ok(text) = std::fs::read_to_string(path) else {
            return Ok(Self::default());
        };
        Self::parse(&text).map_err(|error| format!("{}: {error}", path.display()))
    }

    /// Parses the names file's text.
    ///
    /// # Errors
    /// See [`NamesFile::read`].
    pub fn parse(text: &str) -> Result<Self, String> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            #[serde(default)]
            operations: BTreeMap<String, String>,
            #[serde(default)]
            answers: BTreeMap<String, String>,
            #[serde(default)]
            legacy: BTreeMap<String, LegacyEntry>,
            #[serde(default)]
            v2: BTreeMap<String, String>,
            #[serde(default)]
            types: BTreeMap<String, String>,
            #[serde(default)]
            variants: BTreeMap<String, BTreeMap<String, VariantEntry>>,
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct LegacyEntry {
            same_as: String,
            name: String,
            #[allow(dead_code)]
            reason: String,
            #[allow(dead_code)]
            source: String,
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct VariantEntry {
            name: String,
            meaning: String,
        }
        let raw: Raw = serde_yaml::from_str(text).map_err(|error| error.to_string())?;
        let mut out = NamesFile {
            operations: raw.operations,
            answers: raw.answers,
            ..NamesFile::default()
        };
        for (key, name) in &out.operations {
            check_ident(name).map_err(|error| format!("operations.`{key}`: {error}"))?;
        }
        for (key, name) in &raw.v2 {
            check_ident(name).map_err(|error| format!("v2.`{key}`: {error}"))?;
        }
        out.v2 = raw.v2;
        for (key, name) in &raw.types {
            check_ident(name).map_err(|error| format!("types.`{key}`: {error}"))?;
        }
        out.types = raw.types;
        for (key, name) in &out.answers {
            check_ident(name).map_err(|error| format!("answers.`{key}`: {error}"))?;
        }
        for (key, entry) in raw.legacy {
            check_ident(&entry.name).map_err(|error| format!("legacy.`{key}`: {error}"))?;
            out.operations.insert(key.clone(), entry.name.clone());
            out.legacy.insert(key, (entry.same_as, entry.name));
        }
        for (field, values) in raw.variants {
            for (value, entry) in values {
                check_ident(&entry.name)
                    .map_err(|error| format!("variants.{field}.`{value}`: {error}"))?;
                out.variants
                    .entry(field.clone())
                    .or_default()
                    .insert(value.clone(), entry.name);
                out.meanings
                    .entry(field.clone())
                    .or_default()
                    .insert(value, entry.meaning);
            }
        }
        Ok(out)
    }
}

fn check_ident(name: &str) -> Result<(), String> {
    let ok = name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
        && name.len() <= MAX_LEN;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not an upper camel case identifier of at most {MAX_LEN} characters"
        ))
    }
}

/// The facts with the names file's legacy paths declared: each a copy of the operation it names,
/// at its own path, right after it.
///
/// # Errors
/// When an entry names an operation the facts do not have, or a path they already have.
pub fn with_legacy(
    facts: &crate::facts::Facts,
    names: &NamesFile,
) -> Result<crate::facts::Facts, String> {
    let mut out = facts.clone();
    for (legacy, (same_as, _)) in &names.legacy {
        let (method, path) = legacy
            .split_once(' ')
            .ok_or_else(|| format!("legacy `{legacy}`: not `METHOD path`"))?;
        if out
            .operations
            .iter()
            .any(|operation| key(operation) == *legacy)
        {
            return Err(format!("legacy `{legacy}`: the facts already declare it"));
        }
        let index = out
            .operations
            .iter()
            .position(|operation| key(operation) == *same_as)
            .ok_or_else(|| format!("legacy `{legacy}`: no operation `{same_as}`"))?;
        let mut copy = out.operations[index].clone();
        copy.method = method.to_owned();
        copy.path = path.to_owned();
        copy.sdk = None;
        out.operations.insert(index + 1, copy);
    }
    Ok(out)
}

/// The key of an operation in the names file.
#[must_use]
pub fn key(operation: &Operation) -> String {
    match operation.host.as_str() {
        "api" => format!("{} {}", operation.method, operation.path),
        host => format!("{host}:{} {}", operation.method, operation.path),
    }
}

/// The words of an upper camel case name (`QueryOrderById` → `Query`, `Order`, `By`, `Id`).
pub(crate) fn words(name: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = name.as_bytes();
    for index in 1..bytes.len() {
        if bytes[index].is_ascii_uppercase() && !bytes[index - 1].is_ascii_uppercase() {
            out.push(&name[start..index]);
            start = index;
        }
    }
    if start < name.len() {
        out.push(&name[start..]);
    }
    out
}

/// A plural noun's singular, for names (`Refunds` → `Refund`, `Activities` → `Activity`).
#[must_use]
pub fn singular(noun: &str) -> String {
    if let Some(stem) = noun.strip_suffix("ies") {
        format!("{stem}y")
    } else if noun.ends_with("ss") || noun.ends_with("us") || noun.ends_with("os") || noun.len() < 4
    {
        noun.to_owned()
    } else if let Some(stem) = noun.strip_suffix("sses") {
        format!("{stem}ss")
    } else if let Some(stem) = noun.strip_suffix("tuses") {
        format!("{stem}tus")
    } else if let Some(stem) = noun.strip_suffix("ses") {
        format!("{stem}se")
    } else if noun.ends_with("ches") || noun.ends_with("shes") || noun.ends_with("xes") {
        noun[..noun.len() - 2].to_owned()
    } else if let Some(stem) = noun.strip_suffix('s') {
        stem.to_owned()
    } else {
        noun.to_owned()
    }
}

/// `(package, service, method)` of an operation's SDK name (`payments/jsapi JsapiApiService.Prepay`).
fn sdk_parts(operation: &Operation) -> Option<(&str, &str, &str)> {
    let sdk = operation.sdk.as_deref()?;
    let (package, call) = sdk.split_once(' ')?;
    let (service, method) = call.split_once('.')?;
    Some((package, service, method))
}

/// The name WeChat Pay's SDKs give the call.
fn sdk_name(operation: &Operation) -> Option<String> {
    let (_, service, method) = sdk_parts(operation)?;
    let method = camel(method);
    // The Java SDK marks a direct merchant's call `Normal` (`NormalGetContractByCode`): a direct
    // merchant's name has no mark, a service provider's takes `Partner`.
    let method = match method.strip_prefix("Normal") {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_uppercase()) => rest.to_owned(),
        _ => method,
    };
    if method.is_empty() {
        return None;
    }
    if words(&method).len() > 1 {
        return Some(method);
    }
    // One verb: a service of resources names what it acts on (`RefundsApiService.Create` →
    // `CreateRefund`); a service of one product names which (`JsapiApiService.Prepay` →
    // `JsapiPrepay`).
    let noun = service
        .trim_end_matches("ApiService")
        .trim_end_matches("Service");
    if noun.ends_with('s') {
        Some(format!("{method}{}", singular(noun)))
    } else {
        Some(format!("{noun}{method}"))
    }
}

/// The official documentation page's slug (`query-coupon`), when the page has one.
fn slug(operation: &Operation) -> Option<(String, bool)> {
    operation.links.iter().find_map(|link| {
        let rest = link
            .split_once("/docs/merchant/apis/")
            .map(|(_, rest)| (rest, false))
            .or_else(|| {
                link.split_once("/docs/partner/apis/")
                    .map(|(_, rest)| (rest, true))
            })?;
        let last = rest.0.rsplit('/').next()?.strip_suffix(".html")?;
        let ok = !last.is_empty()
            && last
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
            && last.contains(['-', '_'])
            && !last.starts_with(|c: char| c.is_ascii_digit());
        ok.then(|| (last.to_owned(), rest.1))
    })
}

/// The segments a placeholder repeats: `out-bill-no/{out_bill_no}`, `id/{transaction_id}`.
fn repeats(previous: &str, placeholder: &str) -> bool {
    let previous = previous.replace('-', "_");
    placeholder == previous
        || placeholder.ends_with(&format!("_{previous}"))
        || placeholder.starts_with(&format!("{previous}_"))
}

/// Whether two words are the same noun (`Coupon`, `Coupons`).
fn same_word(a: &str, b: &str) -> bool {
    a == b || singular(a) == singular(b)
}

/// The URL's name: the method, then the segments after the family, a placeholder left out where
/// the segment before it names it.
#[must_use]
pub fn url_name(operation: &Operation) -> String {
    let segments: Vec<&str> = operation
        .path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    let skip = if operation.host == "api" { 2 } else { 1 };
    let rest: Vec<&str> = if segments.len() > skip {
        segments[skip..].to_vec()
    } else {
        segments[segments.len() - 1..].to_vec()
    };
    let mut parts = vec![camel(&operation.method.to_lowercase())];
    let mut previous = "";
    for segment in rest {
        let part = if let Some(placeholder) =
            segment.strip_prefix('{').and_then(|s| s.strip_suffix('}'))
        {
            if repeats(previous, placeholder) {
                previous = segment;
                continue;
            }
            camel(placeholder)
        } else {
            camel(segment)
        };
        previous = segment;
        // `card/card-configs` → `CardConfigs`, `mch-transfer/transfer-bills` → `MchTransferBills`.
        let part = match parts.last() {
            Some(last) if parts.len() > 1 => without_overlap(last, &part),
            _ => part,
        };
        if !part.is_empty() {
            parts.push(part);
        }
    }
    shorten(&parts)
}

/// `next` without the words at its start that end `last` (`Card` + `CardConfigs` → `Configs`).
pub(crate) fn without_overlap(last: &str, next: &str) -> String {
    let a = words(last);
    let b = words(next);
    for k in (1..=a.len().min(b.len())).rev() {
        if a[a.len() - k..]
            .iter()
            .zip(&b[..k])
            .all(|(x, y)| same_word(x, y))
        {
            return b[k..].concat();
        }
    }
    next.to_owned()
}

/// The longest request type name: its answer's (`…Response`) must fit in [`MAX_LEN`].
pub const MAX_OPERATION_LEN: usize = MAX_LEN - "Response".len();

/// Joins name parts; past [`MAX_OPERATION_LEN`], drops parts after the first until it fits.
fn shorten(parts: &[String]) -> String {
    let mut parts = parts.to_vec();
    while parts.iter().map(String::len).sum::<usize>() > MAX_OPERATION_LEN && parts.len() > 2 {
        parts.remove(1);
    }
    let mut name: String = parts.concat();
    name.truncate(MAX_OPERATION_LEN);
    name
}

/// Whether a service provider calls the operation (its path, its SDK package or its callers say so).
fn is_partner(operation: &Operation) -> bool {
    operation
        .path
        .split('/')
        .any(|segment| segment == "partner")
        || sdk_parts(operation).is_some_and(|(package, _, _)| package.starts_with("partner"))
        || slug(operation).is_some_and(|(_, partner)| partner)
        || partner_only(operation)
}

/// The SDK package's qualifier (`payments/jsapi` → `Jsapi`).
fn package_qualifier(operation: &Operation) -> Option<String> {
    let (package, _, _) = sdk_parts(operation)?;
    let last = package.rsplit('/').next()?;
    let last = last.trim_start_matches("partner");
    (!last.is_empty()).then(|| camel(last))
}

/// The request type names of one module's operations, in their order.
///
/// # Errors
/// When the names file gives two operations of the module one name.
pub fn operation_names(operations: &[&Operation], file: &NamesFile) -> Result<Vec<String>, String> {
    let base: Vec<String> = operations
        .iter()
        .map(|operation| {
            file.operations
                .get(&key(operation))
                .cloned()
                .or_else(|| sdk_name(operation))
                .or_else(|| slug(operation).map(|(slug, _)| camel(&slug)))
                .unwrap_or_else(|| url_name(operation))
        })
        .collect();
    let fixed: Vec<bool> = operations
        .iter()
        .map(|operation| file.operations.contains_key(&key(operation)))
        .collect();
    let mut names = base.clone();
    // Each stage qualifies the names that still collide, never a reviewed one.
    type Stage = fn(&Operation, &str) -> Option<String>;
    let stages: [Stage; 3] = [
        |operation, name| {
            (is_partner(operation) && !name.starts_with("Partner"))
                .then(|| format!("Partner{name}"))
        },
        |operation, name| {
            let qualifier = package_qualifier(operation)?;
            if name.contains(&qualifier) {
                return None;
            }
            Some(match name.strip_prefix("Partner") {
                Some(rest) => format!("Partner{qualifier}{rest}"),
                None => format!("{qualifier}{name}"),
            })
        },
        |operation, _| Some(url_name(operation)),
    ];
    for stage in stages {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for name in &names {
            *counts.entry(name.as_str()).or_default() += 1;
        }
        let colliding: BTreeSet<String> = counts
            .into_iter()
            .filter(|(_, count)| *count > 1)
            .map(|(name, _)| name.to_owned())
            .collect();
        if colliding.is_empty() {
            break;
        }
        for (index, operation) in operations.iter().enumerate() {
            if fixed[index] || !colliding.contains(&names[index]) {
                continue;
            }
            if let Some(next) = stage(operation, &names[index]) {
                names[index] = next;
            }
        }
    }
    // Whatever still collides takes a number (and is reported by the names check).
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (index, name) in names.iter_mut().enumerate() {
        let count = seen.entry(name.clone()).or_default();
        *count += 1;
        if *count > 1 {
            if fixed[index] {
                return Err(format!(
                    "codegen/names.yaml: `{name}` names two operations of one module"
                ));
            }
            name.push_str(&count.to_string());
        }
    }
    for name in &mut names {
        if name.len() > MAX_LEN {
            name.truncate(MAX_LEN);
        }
    }
    Ok(names)
}

/// The measures of the names rule, over every generated type.
#[derive(Debug, Default)]
pub struct Report {
    /// Every generated type's name.
    pub lengths: Vec<usize>,
    /// Names that repeat a run of words (`OutBillNoOutBillNo`).
    pub repeated: Vec<String>,
    /// Types named after an operation that is not their only user.
    pub after_another: Vec<String>,
    /// Names that only a number tells apart (`Amount2`).
    pub numbered: Vec<String>,
    /// Names longer than [`MAX_LEN`].
    pub too_long: Vec<String>,
}

impl Report {
    /// Measures the names of the generated modules.
    #[must_use]
    pub fn new(modules: &[(String, Vec<crate::emit::TypeName>)]) -> Self {
        let mut report = Report::default();
        for (module, types) in modules {
            let ops: Vec<&str> = types
                .iter()
                .filter(|t| t.operation)
                .map(|t| t.name.as_str())
                .collect();
            for t in types {
                report.lengths.push(t.name.len());
                let at = format!("{module}::{}", t.name);
                if t.name.len() > MAX_LEN {
                    report.too_long.push(at.clone());
                }
                let w = words(&t.name);
                let repeated = (1..=w.len() / 2).any(|k| {
                    (0..=w.len() - 2 * k).any(|i| {
                        w[i..i + k] == w[i + k..i + 2 * k] && w[i..i + k].concat().len() > 2
                    })
                });
                if repeated {
                    report.repeated.push(at.clone());
                }
                let version = t
                    .name
                    .trim_end_matches(|c: char| c.is_ascii_digit())
                    .ends_with('V');
                if t.name.ends_with(|c: char| c.is_ascii_digit())
                    && !t.name.ends_with("H5")
                    && !version
                {
                    report.numbered.push(at.clone());
                }
                if !t.operation && !t.official {
                    let owner = ops
                        .iter()
                        .filter(|op| {
                            t.name.starts_with(*op)
                                && t.name[op.len()..].starts_with(|c: char| c.is_ascii_uppercase())
                        })
                        .max_by_key(|op| op.len());
                    // A service provider's twin of the operation (`PartnerCodePay` beside
                    // `CodePay`) shares its types.
                    if let Some(owner) = owner
                        && t.users.iter().any(|user| {
                            user != owner && user.strip_prefix("Partner") != Some(owner)
                        })
                    {
                        report.after_another.push(at);
                    }
                }
            }
        }
        report.lengths.sort_unstable();
        report
    }

    /// The median length.
    #[must_use]
    pub fn median(&self) -> usize {
        self.lengths
            .get(self.lengths.len() / 2)
            .copied()
            .unwrap_or(0)
    }

    /// The report's text.
    #[must_use]
    pub fn text(&self) -> String {
        let count = self.lengths.len();
        let over = |n: usize| self.lengths.iter().filter(|&&l| l > n).count();
        let mut out = format!(
            "{count} generated types: median {} characters, longest {}; over 28: {}, over 40: {}, over 60: {}, over {MAX_LEN}: {}\n",
            self.median(),
            self.lengths.last().copied().unwrap_or(0),
            over(28),
            over(40),
            over(60),
            self.too_long.len()
        );
        for (title, list) in [
            ("repeating a run of words", &self.repeated),
            (
                "named after an operation that is not their only user",
                &self.after_another,
            ),
            ("told apart by a number", &self.numbered),
        ] {
            out.push_str(&format!("{}: {title}\n", list.len()));
            for name in list.iter().take(40) {
                out.push_str(&format!("  {name}\n"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operation(method: &str, path: &str, sdk: Option<&str>) -> Operation {
        Operation {
            host: "api".into(),
            method: method.into(),
            path: path.into(),
            name: String::new(),
            links: Vec::new(),
            roles: Vec::new(),
            params: Vec::new(),
            body: None,
            answer: crate::facts::Answer {
                status: 204,
                kind: "none".into(),
                schema: None,
            },
            sdk: sdk.map(str::to_owned),
        }
    }

    #[test]
    fn the_official_vocabulary_comes_first_and_collisions_are_qualified() {
        let ops = [
            operation(
                "POST",
                "v3/pay/transactions/jsapi",
                Some("payments/jsapi JsapiApiService.Prepay"),
            ),
            operation(
                "POST",
                "v3/pay/transactions/native",
                Some("payments/native NativeApiService.Prepay"),
            ),
            operation(
                "POST",
                "v3/pay/partner/transactions/jsapi",
                Some("partnerpayments/jsapi JsapiApiService.Prepay"),
            ),
            operation(
                "GET",
                "v3/pay/transactions/id/{transaction_id}",
                Some("payments/jsapi JsapiApiService.QueryOrderById"),
            ),
            operation(
                "GET",
                "v3/pay/partner/transactions/id/{transaction_id}",
                Some("partnerpayments/jsapi JsapiApiService.QueryOrderById"),
            ),
            operation(
                "POST",
                "v3/refund/domestic/refunds",
                Some("refunddomestic RefundsApiService.Create"),
            ),
        ];
        let refs: Vec<&Operation> = ops.iter().collect();
        let names = operation_names(&refs, &NamesFile::default()).unwrap();
        assert_eq!(
            names,
            [
                "JsapiPrepay",
                "NativePrepay",
                "PartnerJsapiPrepay",
                "QueryOrderById",
                "PartnerQueryOrderById",
                "CreateRefund"
            ]
        );
    }

    #[test]
    fn urls_leave_out_the_placeholders_their_segment_names() {
        let bill = operation("GET", "v3/transfer/bills/out-bill-no/{out_bill_no}", None);
        assert_eq!(url_name(&bill), "GetBillsOutBillNo");
        let stock = operation("POST", "v3/marketing/favor/stocks/{stock_id}/pause", None);
        assert_eq!(url_name(&stock), "PostFavorStocksIdPause");
        let mut slugged = operation(
            "GET",
            "v3/marketing/favor/users/{openid}/coupons/{coupon_id}",
            None,
        );
        slugged.links = vec![
            "https://pay.weixin.qq.com/docs/merchant/apis/cash-coupons/coupon/query-coupon.html"
                .into(),
        ];
        let names = operation_names(&[&slugged], &NamesFile::default()).unwrap();
        assert_eq!(names, ["QueryCoupon"]);
    }

    #[test]
    fn the_names_file_wins_and_is_checked() {
        let file = NamesFile::parse(
            "operations:\n  POST v3/refund/domestic/refunds: CreateRefund\nvariants:\n  transfer_scene_id:\n    '1000': {name: CashMarketing, meaning: 现金营销}\n",
        )
        .unwrap();
        let op = operation("POST", "v3/refund/domestic/refunds", None);
        assert_eq!(operation_names(&[&op], &file).unwrap(), ["CreateRefund"]);
        assert_eq!(file.variants["transfer_scene_id"]["1000"], "CashMarketing");
        let bad = NamesFile::parse("operations:\n  GET v3/x: not_a_name\n").unwrap_err();
        assert!(bad.contains("not_a_name"), "{bad}");
        assert_eq!(singular("Activities"), "Activity");
        assert_eq!(singular("Refunds"), "Refund");
        assert_eq!(singular("Address"), "Address");
        assert_eq!(singular("Addresses"), "Address");
        assert_eq!(singular("Clauses"), "Clause");
        assert_eq!(singular("Statuses"), "Status");
    }
}
