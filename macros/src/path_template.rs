//! The path template of an endpoint, `"v3/papay/sign/contracts/plan-id/{plan_id}"`, parsed and checked.

use std::fmt;

/// A template split into literal text and `{placeholder}`s, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    pub(crate) segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// Text sent as written (without the leading `/`, which the request adds).
    Literal(String),
    /// The name inside `{…}`: the field that fills it.
    Placeholder(String),
}

/// One thing wrong with a template. Each kind is reported once per template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TemplateError {
    Empty,
    /// Carries the template without the leading slashes, to suggest it.
    LeadingSlash(String),
    NotV3 {
        has_scheme: bool,
    },
    QueryString,
    Fragment,
    Whitespace,
    Forbidden(char),
    EmptySegment,
    EmptyPlaceholder,
    UnclosedBrace,
    NestedBrace,
    UnmatchedClose,
    BadName(String),
    Duplicate(String),
}

/// Parses `template`, reporting every problem in it rather than only the first.
pub(crate) fn parse(template: &str) -> Result<Template, Vec<TemplateError>> {
    let mut errors = Vec::new();
    let mut report = |error: TemplateError| {
        if !errors.contains(&error) {
            errors.push(error);
        }
    };
    if template.is_empty() {
        return Err(vec![TemplateError::Empty]);
    }

    let path = template.trim_start_matches('/');
    if path.len() != template.len() {
        report(TemplateError::LeadingSlash(path.to_owned()));
    }
    if !path.starts_with("v3/") {
        report(TemplateError::NotV3 {
            has_scheme: path.contains("://"),
        });
    }
    if path.contains("//") {
        report(TemplateError::EmptySegment);
    }
    // A trailing `/` is kept: WeChat Pay documents some paths with one
    // (`v3/applyment4sub/applyment/`), and the signature covers the path exactly as sent.

    let mut segments = Vec::new();
    let mut literal = String::new();
    // The name being read while inside `{…}`, and whether a `{` was nested in it.
    let mut placeholder: Option<(String, bool)> = None;
    for c in path.chars() {
        match (c, &mut placeholder) {
            ('{', None) => {
                if !literal.is_empty() {
                    segments.push(Segment::Literal(std::mem::take(&mut literal)));
                }
                placeholder = Some((String::new(), false));
            }
            ('{', Some((_, nested))) => {
                *nested = true;
                report(TemplateError::NestedBrace);
            }
            ('}', None) => report(TemplateError::UnmatchedClose),
            ('}', Some(_)) => {
                let Some((name, nested)) = placeholder.take() else {
                    continue;
                };
                if nested {
                    // Already reported; the name around a nested brace means nothing.
                } else if name.is_empty() {
                    report(TemplateError::EmptyPlaceholder);
                } else if !is_identifier(&name) {
                    report(TemplateError::BadName(name));
                } else if segments.contains(&Segment::Placeholder(name.clone())) {
                    report(TemplateError::Duplicate(name));
                } else {
                    segments.push(Segment::Placeholder(name));
                }
            }
            (c, _) if c.is_whitespace() => report(TemplateError::Whitespace),
            ('?', _) => report(TemplateError::QueryString),
            ('#', _) => report(TemplateError::Fragment),
            (c, Some((name, _))) => name.push(c),
            (c, None) if is_path_char(c) => literal.push(c),
            (c, None) => report(TemplateError::Forbidden(c)),
        }
    }
    if placeholder.is_some() {
        report(TemplateError::UnclosedBrace);
    }
    if !literal.is_empty() {
        segments.push(Segment::Literal(literal));
    }

    if errors.is_empty() {
        Ok(Template { segments })
    } else {
        Err(errors)
    }
}

/// The characters RFC 3986 allows in a path as written (`pchar` and `/`); `%` for text already
/// percent-encoded.
fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@%/".contains(c)
}

/// A name that can be a Rust field: the placeholder has to name one.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts_well && name != "_" && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl TemplateError {
    /// What to do about it, when that is clear.
    pub(crate) fn help(&self) -> String {
        match self {
            Self::Empty => {
                "write the path that follows the host, like \"v3/pay/transactions/jsapi\""
                    .to_owned()
            }
            Self::LeadingSlash(path) => {
                format!("drop the leading `/` (the request adds it): \"{path}\"")
            }
            Self::NotV3 { has_scheme: true } => {
                "write only the path that follows the host, like \"v3/pay/transactions/jsapi\""
                    .to_owned()
            }
            Self::NotV3 { has_scheme: false } => {
                "WeChat Pay API v3 paths look like \"v3/pay/transactions/jsapi\"".to_owned()
            }
            Self::QueryString => "declare query parameters as fields: on GET and DELETE every \
                field not named in the path goes to the query string; on POST, PUT and PATCH \
                mark the field `#[wechatpay(query)]`"
                .to_owned(),
            Self::Fragment => "a request target has no fragment; remove it".to_owned(),
            Self::Whitespace => {
                "remove it; a value with spaces belongs in a `{field}`, which is percent-encoded"
                    .to_owned()
            }
            Self::Forbidden(_) => {
                "percent-encode it, or pass the value through a `{field}`, which is percent-encoded"
                    .to_owned()
            }
            Self::EmptySegment => "remove the extra `/`".to_owned(),
            Self::EmptyPlaceholder => {
                "name the field that fills it, like `{out_trade_no}`".to_owned()
            }
            Self::UnclosedBrace => "close the placeholder: `{field_name}`".to_owned(),
            Self::NestedBrace => "write one field name per placeholder: `{field_name}`".to_owned(),
            Self::UnmatchedClose => "open the placeholder: `{field_name}`".to_owned(),
            Self::BadName(_) => "a placeholder names the field that fills it: letters, digits \
                and `_`, not starting with a digit"
                .to_owned(),
            Self::Duplicate(_) => {
                "a field fills one placeholder; declare a second field for the second value"
                    .to_owned()
            }
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the path is empty"),
            Self::LeadingSlash(_) => f.write_str("the path starts with `/`"),
            Self::NotV3 { .. } => f.write_str("the path does not start with `v3/`"),
            Self::QueryString => f.write_str("the path contains `?`"),
            Self::Fragment => f.write_str("the path contains `#`"),
            Self::Whitespace => f.write_str("the path contains whitespace"),
            Self::Forbidden(c) => {
                write!(f, "the path contains `{c}`, which a URL path cannot hold")
            }
            Self::EmptySegment => f.write_str("the path has an empty segment `//`"),
            Self::EmptyPlaceholder => f.write_str("the path has an empty placeholder `{}`"),
            Self::UnclosedBrace => f.write_str("a `{` in the path is never closed"),
            Self::NestedBrace => f.write_str("a placeholder in the path contains another `{`"),
            Self::UnmatchedClose => f.write_str("the path has a `}` that closes nothing"),
            Self::BadName(name) => write!(f, "`{{{name}}}` in the path is not a field name"),
            Self::Duplicate(name) => write!(f, "`{{{name}}}` appears twice in the path"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literal(text: &str) -> Segment {
        Segment::Literal(text.to_owned())
    }

    fn placeholder(name: &str) -> Segment {
        Segment::Placeholder(name.to_owned())
    }

    fn errors(template: &str) -> Vec<TemplateError> {
        parse(template).expect_err(template)
    }

    #[test]
    fn a_path_without_placeholders_is_one_literal() {
        let template = parse("v3/papay/sign/contracts/pre-entrust-sign").unwrap();
        assert_eq!(
            template.segments,
            [literal("v3/papay/sign/contracts/pre-entrust-sign")]
        );
    }

    #[test]
    fn placeholders_split_the_literal_text() {
        let template = parse(
            "v3/papay/sign/contracts/plan-id/{plan_id}/out-contract-code/{out_contract_code}",
        )
        .unwrap();
        assert_eq!(
            template.segments,
            [
                literal("v3/papay/sign/contracts/plan-id/"),
                placeholder("plan_id"),
                literal("/out-contract-code/"),
                placeholder("out_contract_code"),
            ]
        );
    }

    #[test]
    fn a_placeholder_may_end_the_path_or_share_a_segment() {
        let template = parse("v3/bill/{bill_date}.csv.gz/{_kind2}").unwrap();
        assert_eq!(
            template.segments,
            [
                literal("v3/bill/"),
                placeholder("bill_date"),
                literal(".csv.gz/"),
                placeholder("_kind2"),
            ]
        );
    }

    #[test]
    fn sub_delimiters_and_percent_escapes_are_path_text() {
        assert!(parse("v3/a:b@c/d;e=f/%E4%B8%AD-._~!$&'()*+,").is_ok());
    }

    #[test]
    fn an_empty_path_is_reported_alone() {
        assert_eq!(errors(""), [TemplateError::Empty]);
    }

    #[test]
    fn a_leading_slash_suggests_the_path_without_it() {
        assert_eq!(
            errors("/v3/pay/transactions/jsapi"),
            [TemplateError::LeadingSlash(
                "v3/pay/transactions/jsapi".to_owned()
            )]
        );
        assert_eq!(
            errors("//v3/x"),
            [TemplateError::LeadingSlash("v3/x".to_owned())]
        );
    }

    #[test]
    fn the_path_must_start_with_v3() {
        assert_eq!(
            errors("v2/pay"),
            [TemplateError::NotV3 { has_scheme: false }]
        );
        assert_eq!(errors("v3"), [TemplateError::NotV3 { has_scheme: false }]);
        assert_eq!(
            errors("https://api.mch.weixin.qq.com/v3/pay"),
            [
                TemplateError::NotV3 { has_scheme: true },
                TemplateError::EmptySegment
            ]
        );
    }

    #[test]
    fn query_strings_and_fragments_are_rejected() {
        assert_eq!(errors("v3/pay?mchid=1"), [TemplateError::QueryString]);
        assert_eq!(errors("v3/pay#top"), [TemplateError::Fragment]);
    }

    #[test]
    fn whitespace_is_reported_once() {
        assert_eq!(errors("v3/pay trans actions"), [TemplateError::Whitespace]);
        assert_eq!(errors("v3/pay\t"), [TemplateError::Whitespace]);
    }

    #[test]
    fn characters_outside_a_url_path_are_rejected() {
        assert_eq!(
            errors("v3/支付"),
            [
                TemplateError::Forbidden('支'),
                TemplateError::Forbidden('付')
            ]
        );
        assert_eq!(errors("v3/a\"b"), [TemplateError::Forbidden('"')]);
        assert_eq!(errors("v3/a\\b"), [TemplateError::Forbidden('\\')]);
    }

    #[test]
    fn empty_segments_are_rejected_and_a_trailing_slash_is_kept() {
        assert_eq!(errors("v3/pay//x"), [TemplateError::EmptySegment]);
        assert_eq!(
            parse("v3/applyment4sub/applyment/").unwrap().segments,
            [Segment::Literal("v3/applyment4sub/applyment/".to_owned())]
        );
        assert_eq!(
            parse("v3/a/{id}/").unwrap().segments,
            [
                Segment::Literal("v3/a/".to_owned()),
                Segment::Placeholder("id".to_owned()),
                Segment::Literal("/".to_owned())
            ]
        );
    }

    #[test]
    fn broken_placeholders_are_rejected() {
        assert_eq!(errors("v3/pay/{}"), [TemplateError::EmptyPlaceholder]);
        assert_eq!(errors("v3/pay/{id"), [TemplateError::UnclosedBrace]);
        assert_eq!(
            errors("v3/pay/{a{b}}"),
            [TemplateError::NestedBrace, TemplateError::UnmatchedClose]
        );
        assert_eq!(errors("v3/pay/id}"), [TemplateError::UnmatchedClose]);
    }

    #[test]
    fn a_placeholder_must_be_a_field_name() {
        for name in ["1st", "out-trade-no", "_", "é"] {
            assert_eq!(
                errors(&format!("v3/pay/{{{name}}}")),
                [TemplateError::BadName(name.to_owned())],
                "{name}"
            );
        }
        assert_eq!(errors("v3/pay/{a b}"), [TemplateError::Whitespace]);
        assert_eq!(errors("v3/pay/{a?}"), [TemplateError::QueryString]);
    }

    #[test]
    fn a_placeholder_appears_once() {
        assert_eq!(
            errors("v3/{id}/x/{id}"),
            [TemplateError::Duplicate("id".to_owned())]
        );
    }

    #[test]
    fn every_problem_is_reported() {
        assert_eq!(
            errors("/v3/a b/{}/{x/"),
            [
                TemplateError::LeadingSlash("v3/a b/{}/{x/".to_owned()),
                TemplateError::Whitespace,
                TemplateError::EmptyPlaceholder,
                TemplateError::UnclosedBrace,
            ]
        );
    }

    #[test]
    fn every_error_has_a_message_and_help() {
        let all = [
            TemplateError::Empty,
            TemplateError::LeadingSlash("v3/x".to_owned()),
            TemplateError::NotV3 { has_scheme: true },
            TemplateError::NotV3 { has_scheme: false },
            TemplateError::QueryString,
            TemplateError::Fragment,
            TemplateError::Whitespace,
            TemplateError::Forbidden('^'),
            TemplateError::EmptySegment,
            TemplateError::EmptyPlaceholder,
            TemplateError::UnclosedBrace,
            TemplateError::NestedBrace,
            TemplateError::UnmatchedClose,
            TemplateError::BadName("1".to_owned()),
            TemplateError::Duplicate("id".to_owned()),
        ];
        for error in all {
            assert!(error.to_string().starts_with("the path") || error.to_string().contains('`'));
            assert!(!error.help().is_empty(), "{error:?}");
        }
    }
}
