//! Fuzz logic for endpoint paths: the template parser of `#[endpoint]` (the proc-macro crate's
//! `macros/src/path_template.rs`, included here as a module since a proc-macro crate exports no
//! functions) and the percent-encoding of path parameters that the generated `write_path` does
//! (`wechatpay::__private::push_path_param`).
//!
//! Modes (the first byte, modulo 3; seeds start with `'0'`..`'2'`):
//! - `0`: an arbitrary template. An accepted one is `v3/…`, holds only path characters, and its
//!   segments spell it exactly; a refused one lists each problem once, each with a message and help.
//! - `1`: an arbitrary path parameter. Refused exactly when empty or a dot segment (`.`, `..`,
//!   which would address another resource); otherwise the rendered text holds only unreserved
//!   characters and `%XX` (never `/`, `?`, `#`) and percent-decodes back to the value.
//! - `2`: a template line, then one value per line: the path rendered as `write_path` renders it
//!   has exactly the template's segments, is a valid request path without a query, and each
//!   placeholder decodes back to its value.

use std::str::FromStr as _;

use wechatpay::__private::push_path_param;

#[path = "common.rs"]
mod common;
use common::Input;

#[allow(dead_code)]
#[path = "../../macros/src/path_template.rs"]
mod template_parser;
use template_parser::{Segment, TemplateError, parse};

pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    match input.mode(3) {
        0 => template(&common::text(input.rest())),
        1 => parameter(&common::text(input.rest())),
        _ => {
            let template = input.text_line();
            render(&template, input.rest());
        }
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name != "_"
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn template(text: &str) {
    match parse(text) {
        Ok(template) => {
            assert!(text.starts_with("v3/"), "{text:?}");
            // A trailing `/` is kept (WeChat Pay documents some paths with one); an empty
            // segment inside the path is not.
            assert!(!text.contains("//"), "{text:?}");
            let mut spelled = String::new();
            let mut names = Vec::new();
            for (i, segment) in template.segments.iter().enumerate() {
                match segment {
                    Segment::Literal(literal) => {
                        assert!(!literal.is_empty(), "{text:?}");
                        assert!(
                            literal
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric()
                                    || "-._~!$&'()*+,;=:@%/".contains(c)),
                            "{literal:?} in {text:?}"
                        );
                        assert!(
                            !matches!(template.segments.get(i + 1), Some(Segment::Literal(_))),
                            "two literals in a row: {text:?}"
                        );
                        spelled.push_str(literal);
                    }
                    Segment::Placeholder(name) => {
                        assert!(is_identifier(name), "{name:?} in {text:?}");
                        assert!(!names.contains(name), "{name:?} twice in {text:?}");
                        names.push(name.clone());
                        spelled.push('{');
                        spelled.push_str(name);
                        spelled.push('}');
                    }
                }
            }
            assert_eq!(spelled, text);
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "{text:?}");
            for (i, error) in errors.iter().enumerate() {
                assert!(!errors[..i].contains(error), "{error:?} twice: {text:?}");
                assert!(!error.to_string().is_empty());
                assert!(!error.help().is_empty());
            }
            if errors.contains(&TemplateError::Empty) || text.is_empty() {
                assert!(text.is_empty() && errors == [TemplateError::Empty]);
            }
            if let Some(TemplateError::LeadingSlash(suggested)) = errors.first() {
                assert_eq!(suggested, text.trim_start_matches('/'));
            }
        }
    }
}

/// Percent-decodes `text`, which must hold only unreserved characters and `%XX` (upper case).
fn decode(text: &str) -> Vec<u8> {
    let mut bytes = text.bytes();
    let mut decoded = Vec::new();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = |d: Option<u8>| match d {
                Some(d @ b'0'..=b'9') => d - b'0',
                Some(d @ b'A'..=b'F') => d - b'A' + 10,
                other => panic!("bad escape digit {other:?} in {text:?}"),
            };
            decoded.push(hex(bytes.next()) << 4 | hex(bytes.next()));
        } else {
            assert!(
                b.is_ascii_alphanumeric() || b"-._~".contains(&b),
                "{:?} left unencoded in {text:?}",
                b as char
            );
            decoded.push(b);
        }
    }
    decoded
}

/// Renders one parameter after `prefix`, as `write_path` does; `None` when it is refused.
fn push(prefix: &str, value: &str) -> Option<String> {
    let mut out = prefix.to_owned();
    // What a server or proxy that normalizes the path would resolve to another resource.
    let refused = matches!(value, "" | "." | "..");
    match push_path_param(&mut out, value, "FuzzEndpoint", "field") {
        Ok(()) => {
            assert!(!refused, "{value:?} accepted as a path parameter");
            let rendered = out.strip_prefix(prefix).expect("the prefix is kept");
            assert!(!rendered.contains(['/', '?', '#']), "{rendered:?}");
            assert_eq!(decode(rendered), value.as_bytes(), "{rendered:?}");
            Some(rendered.to_owned())
        }
        Err(error) => {
            assert!(refused, "{value:?} refused: {error}");
            assert!(
                matches!(error, wechatpay::Error::InvalidRequest { .. }),
                "{error:?}"
            );
            assert_eq!(out, prefix, "a refused value wrote something");
            None
        }
    }
}

fn parameter(value: &str) {
    push("/v3/papay/contracts/", value);
    // Numbers render as their digits.
    let number = common::hash(value.as_bytes());
    let mut out = String::new();
    push_path_param(&mut out, &number, "FuzzEndpoint", "number").unwrap();
    assert_eq!(out, number.to_string());
    let mut out = String::new();
    push_path_param(&mut out, &(number as i64), "FuzzEndpoint", "number").unwrap();
    assert_eq!(out, (number as i64).to_string());
}

fn render(template: &str, values: &[u8]) {
    let Ok(parsed) = parse(template) else { return };
    let mut values = values.split(|&b| b == b'\n').map(common::text);
    let mut path = String::from("/");
    let mut filled = Vec::new();
    for segment in &parsed.segments {
        match segment {
            Segment::Literal(literal) => path.push_str(literal),
            Segment::Placeholder(_) => {
                let value = values.next().unwrap_or_default();
                let Some(rendered) = push(&path, &value) else {
                    return;
                };
                filled.push((path.len(), rendered.len(), value));
                path.push_str(&rendered);
            }
        }
    }
    assert_eq!(
        path.split('/').count(),
        template.split('/').count() + 1,
        "{template:?} rendered as {path:?}"
    );
    assert!(!path.contains(['?', '#']), "{path:?}");
    for (start, len, value) in filled {
        assert_eq!(decode(&path[start..start + len]), value.as_bytes());
    }
    let target = http::uri::PathAndQuery::from_str(&path)
        .unwrap_or_else(|e| panic!("{path:?} is not a request path: {e}"));
    assert_eq!(target.path(), path);
    assert_eq!(target.query(), None);
}
