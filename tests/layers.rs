//! The layers of `runtime/src`: every `crate::…`, `super::…`, `self::…` (and `wechatpay::…`) path
//! in a module points to a module of the same or a lower layer (DESIGN.md, "Layout").
//!
//! Every `.rs` file under `runtime/src` is read, the generated catalog included; its comments and
//! the contents of its string and character literals are blanked; the paths are collected (a
//! `use` group `crate::{a, b::c}` counts as `crate::a` and `crate::b::c`) and resolved to the
//! module they name; each is checked against [`TABLE`]. A module a file defines that the table
//! does not place is a failure of its own, so a new module gets its layer deliberately.
//!
//! Code inside a `#[cfg(test)] mod … { … }` is a test of its module, a user like the integration
//! tests: it may use any layer and is not checked.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Where a module sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    /// One of the stacked layers, bottom `0`.
    At(u8),
    /// The catalog: beside the facade (used by [`TYPED`] and above); uses the catalog and the
    /// layers up to [`ENDPOINT`] only.
    Catalog,
}

use Layer::{At, Catalog};

const ERRORS: u8 = 0;
const KEYS: u8 = 1;
const AUTH: u8 = 2;
const ENDPOINT: u8 = 3;
const PROTOCOLS: u8 = 4;
const CALL_LOOP: u8 = 5;
const FACADE: u8 = 6;
/// The facade's typed part: what names catalog types (callback payloads and their dispatch,
/// sign parameters from papay answers, bill downloads from bill answers), and the crate root.
const TYPED: u8 = 7;
/// Test-only modules compiled into the library (the catalog tests): they may use everything.
const TESTS: u8 = 8;

/// Names of the layers, for messages.
fn layer_name(layer: Layer) -> String {
    match layer {
        At(ERRORS) => "0 errors and crypto".into(),
        At(KEYS) => "1 keys and forms".into(),
        At(AUTH) => "2 auth".into(),
        At(ENDPOINT) => "3 endpoint and transport".into(),
        At(PROTOCOLS) => "4 protocols".into(),
        At(CALL_LOOP) => "5 the call loop".into(),
        At(FACADE) => "6 the facade".into(),
        At(TYPED) => "7 the facade over the catalog".into(),
        At(TESTS) => "8 catalog tests".into(),
        At(other) => format!("{other}"),
        Catalog => "the catalog (beside the facade; uses layers 0-3 only)".into(),
    }
}

/// The modules of `runtime/src` and the names the crate root re-exports, by path from the crate
/// root (`""` is the root itself), with their layer. A path is placed by its longest listed
/// prefix; a `true` marks an entry whose submodules (files of their own) it places too.
const TABLE: &[(&str, Layer, bool)] = &[
    // 0: errors and crypto.
    ("error", At(ERRORS), false),
    ("crypto", At(ERRORS), false),
    ("open_enum", At(ERRORS), false),
    ("v2::xml", At(ERRORS), false),
    ("v2::de", At(ERRORS), false),
    ("v2::error", At(ERRORS), false),
    // 1: keys and forms.
    ("keys", At(KEYS), false),
    ("multipart", At(KEYS), false),
    // 2: auth (Authorization, answer verification, the key store).
    ("auth", At(AUTH), false),
    ("key_mode", At(AUTH), false),
    // 3: the endpoint trait and what `#[endpoint]` / `#[model]` expand to; the transport.
    ("endpoint", At(ENDPOINT), false),
    ("__private", At(ENDPOINT), false),
    ("transport", At(ENDPOINT), false),
    // 4: the protocols: v2 sealing and `sign`; what a v3 signature was made of (SIGN_ERROR).
    ("v2", At(PROTOCOLS), false),
    ("sign_diagnosis", At(PROTOCOLS), false),
    // 5: the one call loop, and the certificate rotation it runs on an unknown serial.
    ("client", At(CALL_LOOP), false),
    ("response", At(CALL_LOOP), false),
    ("rotation", At(CALL_LOOP), false),
    // 6: the facade: callbacks verified and decrypted (v3 and v2), media uploads.
    ("notify::verify", At(FACADE), false),
    ("v2::notify", At(FACADE), false),
    ("media", At(FACADE), false),
    // 7: the facade over the catalog: `notify` (its payload types, which live beside their
    // catalog families, and `Event`, their dispatch), pay-sign, bill downloads, v2 sign pages,
    // the crate root.
    ("notify", At(TYPED), false),
    // `Event`, generated from `codegen/notices.yaml`: the dispatch over the catalog's payload types.
    ("notify::event", At(TYPED), false),
    ("paysign", At(TYPED), false),
    ("paysign::check", At(TYPED), false),
    ("download", At(TYPED), false),
    // Hand-written helpers on the generated types (`impl` blocks beside the catalog).
    ("catalog_ext", At(TYPED), false),
    // Settling unknown outcomes: the query loop, and `Resolve` for the catalog's money-moving
    // requests (`resolve/impls.rs`).
    ("resolve", At(TYPED), true),
    // Unsigned files share the bill download's `.part` file and error reading.
    ("files", At(TYPED), false),
    ("v2::redirect", At(TYPED), false),
    ("", At(TYPED), false),
    // The generated catalog, and what it is walked with.
    ("v3", Catalog, true),
    ("v2::catalog", Catalog, true),
    ("__catalog", Catalog, false),
    // 8: the catalog tests (compiled into the library under `cfg(test)` only).
    ("catalog_check", At(TESTS), false),
    ("v2::catalog_check", At(TESTS), false),
    // Names the crate root re-exports, at the layer of the module they come from.
    ("Error", At(ERRORS), false),
    // A macro (`#[macro_export]` places it at the root), as `model` is.
    ("__open_enum", At(ERRORS), false),
    ("Result", At(ERRORS), false),
    ("Attempts", At(ERRORS), false),
    ("Backend", At(ERRORS), false),
    ("ApiV3Key", At(KEYS), false),
    ("MerchantKey", At(KEYS), false),
    ("PlatformCertificate", At(KEYS), false),
    ("PublicKey", At(KEYS), false),
    ("WechatpayPublicKey", At(KEYS), false),
    ("WechatpaySerial", At(AUTH), false),
    ("MIN_RSA_BITS", At(KEYS), false),
    ("ClientCertificate", At(KEYS), false),
    ("Endpoint", At(ENDPOINT), false),
    // The attribute macros of `wechatpay-macros` (`endpoint` is also the module above).
    ("model", At(ENDPOINT), false),
    ("ApiV2Key", At(PROTOCOLS), false),
    ("Client", At(CALL_LOOP), false),
    ("ClientBuilder", At(CALL_LOOP), false),
    ("RequestBuilder", At(CALL_LOOP), false),
    ("CallOptions", At(CALL_LOOP), false),
    ("Answer", At(CALL_LOOP), false),
    ("DEFAULT_BASE_URL", At(CALL_LOOP), false),
    ("BACKUP_BASE_URL", At(CALL_LOOP), false),
    ("ALTERNATE_BASE_URL", At(CALL_LOOP), false),
    ("Response", At(CALL_LOOP), false),
    ("DownloadedCertificate", At(CALL_LOOP), false),
    ("BillLink", At(TYPED), false),
    ("Resolve", At(TYPED), false),
    ("Resolution", At(TYPED), false),
    ("ResolveOptions", At(TYPED), false),
    ("Absence", At(TYPED), false),
];

/// The entry that places `path` (segments from the crate root): the longest listed prefix.
fn place(path: &[String]) -> Option<(&'static str, Layer, bool)> {
    (0..=path.len()).rev().find_map(|len| {
        let key = path[..len].join("::");
        TABLE.iter().find(|(name, _, _)| *name == key).copied()
    })
}

/// Whether code at layer `from` may use a module at layer `to`.
fn may_use(from: Layer, to: Layer) -> bool {
    match (from, to) {
        (Catalog, Catalog) => true,
        (Catalog, At(to)) => to <= ENDPOINT,
        (At(from), Catalog) => from >= TYPED,
        (At(from), At(to)) => to <= from,
    }
}

/// `source` with comments and the contents of string and character literals replaced by spaces
/// (line breaks kept, so line numbers stay).
fn blank(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let blank_char = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let ident_before = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank_char(chars[i]));
                    i += 1;
                }
            }
        } else if !ident_before && (c == 'r' || (c == 'b' && next == Some('r'))) && {
            // A raw string: r"…", r#"…"#, br"…".
            let mut j = i + if c == 'b' { 2 } else { 1 };
            while chars.get(j) == Some(&'#') {
                j += 1;
            }
            chars.get(j) == Some(&'"')
        } {
            let mut j = i + if c == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while chars[j] == '#' {
                hashes += 1;
                j += 1;
            }
            for _ in i..=j {
                out.push(' ');
            }
            i = j + 1;
            loop {
                if i >= chars.len() {
                    break;
                }
                if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
                    for _ in 0..=hashes {
                        out.push(' ');
                    }
                    i += hashes + 1;
                    break;
                }
                out.push(blank_char(chars[i]));
                i += 1;
            }
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank_char(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\'', '\u{1F600}'), or a lifetime ('a) left as it is.
            let end = if next == Some('\\') {
                (i + 2..chars.len().min(i + 12)).find(|&j| chars[j] == '\'' && j > i + 2)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    for _ in i..=end {
                        out.push(' ');
                    }
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    /// `::`
    Colons,
    Punct(char),
}

/// The tokens of blanked source, each with its line (from 1).
fn tokens(blanked: &str) -> Vec<(Token, usize)> {
    let chars: Vec<char> = blanked.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push((Token::Ident(word.trim_start_matches('$').to_owned()), line));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push((Token::Colons, line));
            i += 2;
        } else {
            out.push((Token::Punct(c), line));
            i += 1;
        }
    }
    out
}

/// A path found in a file: where it starts, how it is written, and the module it names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference {
    line: usize,
    /// As written, a group expanded (`crate::b::c`, `super::x`).
    written: String,
    /// The segments from the crate root.
    resolved: Vec<String>,
}

/// Expands the path at `tokens[at..]` (after its first segment, `prefix`) into every path it
/// names; returns them with the index after the path.
fn expand(
    tokens: &[(Token, usize)],
    mut at: usize,
    prefix: Vec<String>,
) -> (Vec<Vec<String>>, usize) {
    let mut path = prefix;
    loop {
        if tokens.get(at).map(|t| &t.0) != Some(&Token::Colons) {
            return (vec![path], at);
        }
        match tokens.get(at + 1).map(|t| &t.0) {
            Some(Token::Ident(word)) => {
                path.push(word.clone());
                at += 2;
            }
            Some(Token::Punct('*')) => {
                return (vec![path], at + 2);
            }
            Some(Token::Punct('{')) => {
                at += 2;
                let mut all = Vec::new();
                loop {
                    match tokens.get(at).map(|t| &t.0) {
                        Some(Token::Punct('}')) | None => return (all, at + 1),
                        Some(Token::Punct(',')) => at += 1,
                        Some(Token::Punct('*')) => {
                            all.push(path.clone());
                            at += 1;
                        }
                        Some(Token::Ident(word)) if word == "as" => at += 2,
                        Some(Token::Ident(word)) => {
                            let mut inner = path.clone();
                            if word != "self" {
                                inner.push(word.clone());
                            }
                            let (found, next) = expand(tokens, at + 1, inner);
                            all.extend(found);
                            at = next;
                        }
                        Some(_) => at += 1,
                    }
                }
            }
            _ => return (vec![path], at),
        }
    }
}

/// A module opened in a file: its name, the brace depth inside it, and whether it is a
/// `#[cfg(test)]` one.
struct Open {
    name: String,
    depth: usize,
    test: bool,
}

/// The paths of `source`, a file of module `module` (segments from the crate root), that name
/// this crate's items, outside `#[cfg(test)]` modules.
fn references(source: &str, module: &[String]) -> Vec<Reference> {
    let blanked = blank(source);
    let tokens = tokens(&blanked);
    let mut found = Vec::new();
    let mut open: Vec<Open> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        let (token, line) = &tokens[i];
        match token {
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => {
                if open.last().is_some_and(|m| m.depth == depth) {
                    open.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Token::Ident(word)
                if word == "mod"
                    && matches!(tokens.get(i + 1), Some((Token::Ident(_), _)))
                    && tokens.get(i + 2).map(|t| &t.0) == Some(&Token::Punct('{')) =>
            {
                let Some((Token::Ident(name), _)) = tokens.get(i + 1) else {
                    unreachable!()
                };
                // The attributes before `mod`: back to the previous item's end.
                let start = tokens[..i]
                    .iter()
                    .rposition(|(t, _)| matches!(t, Token::Punct(';' | '{' | '}')))
                    .map_or(0, |p| p + 1);
                let attributes: String = tokens[start..i]
                    .iter()
                    .map(|(t, _)| match t {
                        Token::Ident(w) => w.clone(),
                        Token::Colons => "::".into(),
                        Token::Punct(c) => c.to_string(),
                    })
                    .collect();
                let test = attributes.contains("#[cfg(test)]");
                depth += 1;
                open.push(Open {
                    name: name.clone(),
                    depth,
                    test,
                });
                i += 3;
                continue;
            }
            Token::Ident(word)
                if matches!(word.as_str(), "crate" | "super" | "self" | "wechatpay")
                    && tokens.get(i + 1).map(|t| &t.0) == Some(&Token::Colons)
                    && !(i > 0 && tokens[i - 1].0 == Token::Colons && word != "wechatpay") =>
            {
                let in_test = open.iter().any(|m| m.test);
                // The module the code is in: the file's, then the modules opened inside it.
                let mut here: Vec<String> = module.to_vec();
                here.extend(open.iter().map(|m| m.name.clone()));
                let (paths, next) = expand(&tokens, i + 1, vec![word.clone()]);
                if !in_test {
                    for path in paths {
                        let written = path.join("::");
                        let mut resolved = match word.as_str() {
                            "crate" | "wechatpay" => Vec::new(),
                            _ => here.clone(),
                        };
                        for segment in &path {
                            match segment.as_str() {
                                "crate" | "wechatpay" | "self" => {}
                                "super" => {
                                    resolved.pop();
                                }
                                other => resolved.push(other.to_owned()),
                            }
                        }
                        found.push(Reference {
                            line: *line,
                            written,
                            resolved,
                        });
                    }
                }
                i = next.max(i + 1);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// The module a file of `runtime/src` defines (`v2/notify.rs` → `v2::notify`).
fn module_of(relative: &Path) -> Vec<String> {
    let text = relative.to_string_lossy().replace('\\', "/");
    let text = text.trim_end_matches(".rs");
    // The files lib.rs includes under another name (`#[path = …]`).
    let text = match text {
        "lib" => "",
        "catalog_example" => "__catalog",
        "private" => "__private",
        "paysign_check" => "paysign/check",
        other => other.strip_suffix("/mod").unwrap_or(other),
    };
    text.split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("runtime/src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_import_in_runtime_src_points_to_the_same_or_a_lower_layer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime/src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    assert!(files.len() > 50, "runtime/src has its modules");
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap();
        let shown = format!("runtime/src/{}", relative.display());
        let module = module_of(relative);
        let from = match place(&module) {
            Some((name, layer, covers_submodules))
                if name == module.join("::") || covers_submodules =>
            {
                layer
            }
            _ => {
                failures.push(format!(
                    "{shown}: module `{}` is not in the layer table of tests/layers.rs: add it \
                     to TABLE at the layer it belongs to",
                    module.join("::")
                ));
                continue;
            }
        };
        let source = std::fs::read_to_string(file).expect("a readable source file");
        for reference in references(&source, &module) {
            checked += 1;
            match place(&reference.resolved) {
                None => failures.push(format!(
                    "{shown}:{}: `{}` names `{}`, which is not in the layer table of \
                     tests/layers.rs: add it",
                    reference.line,
                    reference.written,
                    reference.resolved.join("::")
                )),
                Some((name, to, _)) if !may_use(from, to) => failures.push(format!(
                    "{shown}:{}: `{}` points up: module `{}` (layer {}) uses `{}` (layer {})",
                    reference.line,
                    reference.written,
                    module.join("::"),
                    layer_name(from),
                    if name.is_empty() { "crate root" } else { name },
                    layer_name(to)
                )),
                Some(_) => {}
            }
        }
    }
    assert!(
        checked > 1000,
        "only {checked} paths found: is the parser broken?"
    );
    assert!(
        failures.is_empty(),
        "{} upward or unplaced imports in runtime/src:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_module_of_the_table_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime/src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .map(|f| module_of(f.strip_prefix(&root).unwrap()).join("::"))
        .collect();
    let stale: Vec<&str> = TABLE
        .iter()
        .map(|(name, _, _)| *name)
        .filter(|name| {
            name.chars()
                .next()
                .is_none_or(|c| c.is_lowercase() || c == '_')
        })
        .filter(|name| !matches!(*name, "model" | "__open_enum") && !modules.contains(*name))
        .collect();
    assert!(
        stale.is_empty(),
        "modules in TABLE without a file: {stale:?}"
    );
}

fn written(source: &str, module: &[&str]) -> Vec<(usize, String, String)> {
    let module: Vec<String> = module.iter().map(|s| (*s).to_owned()).collect();
    references(source, &module)
        .into_iter()
        .map(|r| (r.line, r.written, r.resolved.join("::")))
        .collect()
}

#[test]
fn a_use_group_counts_each_path() {
    let found = written("use crate::{a, b::c, d::{self, e as f}};\n", &["m"]);
    let paths: Vec<&str> = found.iter().map(|(_, w, _)| w.as_str()).collect();
    assert_eq!(
        paths,
        ["crate::a", "crate::b::c", "crate::d", "crate::d::e"]
    );
}

#[test]
fn a_path_inside_an_expression_counts_with_its_line() {
    let found = written(
        "fn f() {\n    let x = 1 + crate::client::answer(&y).len();\n    g::<crate::v2::V2Error>();\n}\n",
        &["m"],
    );
    assert_eq!(
        found,
        [
            (2, "crate::client::answer".into(), "client::answer".into()),
            (3, "crate::v2::V2Error".into(), "v2::V2Error".into()),
        ]
    );
}

#[test]
fn comments_strings_and_chars_do_not_count() {
    let source = r####"
// use crate::client::Client;
/* crate::client /* nested crate::x */ crate::y */
/// [`Client::send`](crate::Client::send)
//! crate::notify
fn f() -> &'static str {
    let a = "crate::media::UploadFile";
    let b = r#"crate::x " crate::z"#;
    let c = b"crate::w";
    let d = '"';
    let e = "escaped \" crate::v";
    let _ = ('\'', '\\', '\u{1F600}');
    crate::error::Error::Config
}
"####;
    let found = written(source, &["m"]);
    assert_eq!(
        found,
        [(
            13,
            "crate::error::Error::Config".into(),
            "error::Error::Config".into()
        )]
    );
}

#[test]
fn super_and_self_resolve_from_the_module_and_its_inline_modules() {
    let source = "use super::xml::Fields;\nuse self::inner::X;\npub mod axum {\n    use super::Event;\n}\nfn g() { super::super::a(); }\n";
    let found = written(source, &["v2", "notify"]);
    let resolved: Vec<&str> = found.iter().map(|(_, _, r)| r.as_str()).collect();
    assert_eq!(
        resolved,
        [
            "v2::xml::Fields",
            "v2::notify::inner::X",
            "v2::notify::Event",
            "a"
        ]
    );
}

#[test]
fn test_modules_are_not_checked_and_visibility_is_not_a_path() {
    let source = "pub(crate) fn a() {}\npub(in crate::x) fn b() {}\n#[cfg(test)]\nmod tests {\n    use crate::client::Client;\n}\nmod inner {\n    use crate::api::pay;\n}\n";
    let found = written(source, &["error"]);
    assert_eq!(
        found,
        [
            (2, "crate::x".into(), "x".into()),
            (8, "crate::api::pay".into(), "api::pay".into()),
        ]
    );
}

#[test]
fn macro_and_crate_name_paths_count() {
    let source = "macro_rules! m { () => { $crate::open_enum::f() } }\n#[crate::model]\nstruct S;\nuse ::wechatpay::client::Client;\n";
    let found = written(source, &["api", "pay"]);
    let resolved: Vec<&str> = found.iter().map(|(_, _, r)| r.as_str()).collect();
    assert_eq!(resolved, ["open_enum::f", "model", "client::Client"]);
}

#[test]
fn the_rule_lets_the_catalog_use_the_endpoint_layer_only() {
    assert!(may_use(Catalog, At(ENDPOINT)));
    assert!(may_use(Catalog, Catalog));
    assert!(!may_use(Catalog, At(PROTOCOLS)));
    assert!(!may_use(At(CALL_LOOP), Catalog));
    assert!(!may_use(At(FACADE), Catalog));
    assert!(may_use(At(TYPED), Catalog));
    assert!(!may_use(At(ERRORS), At(PROTOCOLS)));
    assert_eq!(
        place(&["v3".into(), "pay".into(), "X".into()]).map(|p| p.1),
        Some(Catalog)
    );
    assert_eq!(
        place(&["v2".into(), "xml".into()]).map(|p| p.1),
        Some(At(ERRORS))
    );
    assert_eq!(
        place(&["v2".into(), "sign".into()]).map(|p| p.1),
        Some(At(PROTOCOLS))
    );
}
