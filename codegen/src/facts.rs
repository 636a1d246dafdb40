//! The facts file: what the generator knows about each operation, and nothing else.
//!
//! `import` writes it from the API description; `emit`, the catalog tests and the sandbox read it.
//! It holds facts only (methods, paths, wire names, types, required flags, enums, examples,
//! sensitive marks, official names and links), never prose.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The whole file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// Where the facts came from (the description's repository and commit).
    pub source: String,
    /// Whether the source says which fields are required. A source that does not (WeChat Pay's
    /// Java SDK marks none) writes `false`, and its `req` flags then say nothing.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub states_required: bool,
    /// Every operation, sorted by host, path and method.
    pub operations: Vec<Operation>,
}

/// One callable operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// `api` (`https://api.mch.weixin.qq.com/`), `global` or `hk`: the host family it is served on.
    pub host: String,
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: String,
    /// The path template without the leading `/` (`v3/refund/domestic/refunds/{out_refund_no}`).
    pub path: String,
    /// The official (Chinese) name of the call.
    pub name: String,
    /// The official documentation pages, the preferred one first.
    pub links: Vec<String>,
    /// Who may call it (`直连商户`, `服务商` …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Path, query, header and multipart-form parameters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Field>,
    /// The JSON body's top-level fields, for operations that have a body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Vec<Field>>,
    /// The answer.
    pub answer: Answer,
    /// The call's name in WeChat Pay's own SDKs (`payments/jsapi JsapiApiService.Prepay`: the
    /// package, the service and the method), when one declares it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdk: Option<String>,
}

/// What a successful call answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// The success status (`200`, `202`, `204`).
    pub status: u16,
    /// `json`, `none` (no body) or `download` (a file, unsigned).
    pub kind: String,
    /// The JSON answer's shape, when `kind` is `json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Schema>,
}

/// A named value: a parameter, a body field or an object's property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// The wire name, exactly as WeChat Pay spells it.
    pub n: String,
    /// The official (Chinese) name of the field; empty when the description gives none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cn: String,
    /// For parameters: `path`, `query`, `header` or `form`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub loc: String,
    /// Whether the field is required.
    #[serde(default, skip_serializing_if = "is_false")]
    pub req: bool,
    /// Whether the field is a sensitive value (sent encrypted, or answered encrypted).
    #[serde(default, skip_serializing_if = "is_false")]
    pub sens: bool,
    /// Its type.
    #[serde(flatten)]
    pub ty: Schema,
}

/// A type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// `string`, `integer`, `number`, `boolean`, `object`, `array`, `file` or `any`.
    pub t: String,
    /// The format, as the description gives it (`rfc3339`, `uint64`, `base64` …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fmt: Option<String>,
    /// The allowed values, when they are listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub en: Vec<Value>,
    /// The example value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ex: Option<Value>,
    /// An object's properties, in the description's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Field>,
    /// An array's items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Box<Schema>>,
    /// An object encrypted as a whole with the APIv3 key (AEAD_AES_256_GCM), as in callbacks.
    #[serde(default, skip_serializing_if = "is_false")]
    pub cipher: bool,
    /// A personal value (an ID number, a name) that is sent in clear text: its type's `Debug`
    /// does not show it. Set by an override (`x-redact: true`) where the official page says so.
    #[serde(default, skip_serializing_if = "is_false")]
    pub redact: bool,
    /// The name WeChat Pay's own SDKs give this type (`Transaction`, `TransactionAmount`), when
    /// an official model describes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

// serde's `skip_serializing_if` passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(value: &bool) -> bool {
    !*value
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_true(value: &bool) -> bool {
    *value
}

fn yes() -> bool {
    true
}

impl Facts {
    /// Reads a facts file.
    ///
    /// # Errors
    /// When the file cannot be read or is not a facts file.
    pub fn read(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("reading {}: {error}", path.display()))?;
        serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))
    }

    /// The file's text: one operation per line, so that a change to one operation is a change to
    /// one line of the diff.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut out = String::from("{\"source\":");
        out.push_str(&serde_json::to_string(&self.source).expect("a string serializes"));
        if !self.states_required {
            out.push_str(",\"states_required\":false");
        }
        out.push_str(",\"operations\":[\n");
        for (index, operation) in self.operations.iter().enumerate() {
            if index > 0 {
                out.push_str(",\n");
            }
            out.push_str(&serde_json::to_string(operation).expect("facts serialize"));
        }
        out.push_str("\n]}\n");
        out
    }
}
