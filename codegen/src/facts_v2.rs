//! The API v2 facts file (`codegen/facts_v2.json`): what the generator knows about each v2 (XML)
//! operation, and nothing else.
//!
//! `import` writes it from the description's `v2/` folder; `emit` and the sandbox read it. Like
//! the v3 facts it holds facts only (paths, wire names, types, required flags, enums, examples,
//! official names and links, whether the client certificate is required), never prose.

use serde::{Deserialize, Serialize};

use crate::facts::Field;

/// The whole v2 file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactsV2 {
    /// Where the facts came from (the description's repository and commit).
    pub source: String,
    /// Every v2 operation, sorted by path.
    pub operations: Vec<OperationV2>,
}

/// One v2 operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationV2 {
    /// `POST` (every signed XML call) or `GET` (a page the user's browser opens).
    pub method: String,
    /// The path without the leading `/` (`papay/querycontract`).
    pub path: String,
    /// The host, when it is not `https://api.mch.weixin.qq.com/` (`https://fraud.mch.weixin.qq.com/`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub base: String,
    /// The official (Chinese) name of the call.
    pub name: String,
    /// The official documentation pages.
    pub links: Vec<String>,
    /// Who may call it (`普通商户`, `服务商` …), when the description says.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// How the request travels: `xml` (a signed XML body), `page` (query parameters of a page the
    /// user opens), `upload` (a multipart form), `undescribed` (the description lists no field).
    pub kind: String,
    /// Whether WeChat Pay requires the merchant API certificate (mutual TLS) for it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub cert: bool,
    /// The request's fields: the XML fields (no `loc`), or `query`, `header`, `form` parameters.
    pub request: Vec<Field>,
    /// The answer.
    pub answer: AnswerV2,
}

/// What a v2 operation answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerV2 {
    /// `xml` (signed XML fields), `download` (a text file on success, XML on failure),
    /// `redirect` (a `302` to the merchant's page), `json` (a JSON body).
    pub kind: String,
    /// The answer's fields, as the description lists them (the envelope included).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
}

// serde's `skip_serializing_if` passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(value: &bool) -> bool {
    !*value
}

impl FactsV2 {
    /// Reads a v2 facts file.
    ///
    /// # Errors
    /// When the file cannot be read or is not a v2 facts file.
    pub fn read(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("reading {}: {error}", path.display()))?;
        serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))
    }

    /// The file's text: one operation per line.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut out = String::from("{\"source\":");
        out.push_str(&serde_json::to_string(&self.source).expect("a string serializes"));
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

/// The fields the client fills in every v2 request (`wechatpay::v2::RUNTIME_FIELDS`): a generated
/// request type leaves them out.
pub const RUNTIME_FIELDS: [&str; 5] = ["appid", "mch_id", "nonce_str", "sign", "sign_type"];

/// The envelope of every v2 answer, checked by the client before the answer is decoded: a
/// generated answer type leaves them out.
pub const ENVELOPE_FIELDS: [&str; 8] = [
    "return_code",
    "return_msg",
    "result_code",
    "err_code",
    "err_code_des",
    "nonce_str",
    "sign",
    "sign_type",
];
