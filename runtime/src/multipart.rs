//! Multipart forms: a file to upload ([`UploadFile`]) and the `multipart/form-data` body WeChat
//! Pay takes uploads in ([`UploadForm`]), low in the layers so that [`crate::endpoint`] can encode
//! an upload declared with `#[wechatpay(file)]`. Public as `wechatpay::media::{UploadFile,
//! UploadForm}`; the upload helpers ([`crate::media`]) build on them.

use std::fmt;

use bytes::Bytes;
use serde::Serialize;

use crate::error::Error;

/// Image extensions and the content type each is sent with. Only the documented ones: a JPEG
/// named `.jpeg` must be renamed to `.jpg`.
pub(crate) const IMAGE_TYPES: &[(&str, &str)] = &[
    ("jpg", "image/jpeg"),
    ("bmp", "image/bmp"),
    ("png", "image/png"),
];

/// Video extensions and the content type each is sent with.
pub(crate) const VIDEO_TYPES: &[(&str, &str)] = &[
    ("avi", "video/x-msvideo"),
    ("wmv", "video/x-ms-wmv"),
    ("mpeg", "video/mpeg"),
    ("mp4", "video/mp4"),
    ("mov", "video/quicktime"),
    ("mkv", "video/x-matroska"),
    ("flv", "video/x-flv"),
    ("f4v", "video/x-f4v"),
    ("m4v", "video/x-m4v"),
    ("rmvb", "application/vnd.rn-realmedia-vbr"),
];

/// The extension of `filename` (after the last `.`), when there is a non-empty name before it.
pub(crate) fn extension_of(filename: &str) -> Option<&str> {
    let (stem, extension) = filename.rsplit_once('.')?;
    let stem = stem.rsplit(['/', '\\']).next().unwrap_or(stem);
    (!stem.is_empty() && !extension.is_empty()).then_some(extension)
}

/// A file to upload: its name, its bytes, its content type and its SHA-256, computed once.
///
/// The file field of an upload endpoint (`#[wechatpay(file)]`, see
/// [`macro@crate::endpoint`]) has this type. The `meta` fields most uploads sign name the file
/// and its digest: fill them from [`UploadFile::filename`] and [`UploadFile::sha256`].
///
/// ```
/// use wechatpay::media::UploadFile;
/// let file = UploadFile::new("receipt.png", &b"\x89PNG"[..]);
/// assert_eq!(file.filename(), "receipt.png");
/// assert_eq!(file.content_type(), "image/png");
/// assert_eq!(file.sha256().len(), 64);
/// ```
#[derive(Clone)]
pub struct UploadFile {
    pub(crate) filename: String,
    pub(crate) content_type: String,
    pub(crate) bytes: Bytes,
    pub(crate) sha256: String,
}

impl fmt::Debug for UploadFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadFile")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes.len())
            .field("sha256", &self.sha256)
            .finish()
    }
}

/// Content types by extension for the files WeChat Pay takes in uploads; others are sent as
/// `application/octet-stream` unless [`UploadFile::with_content_type`] says otherwise.
const UPLOAD_TYPES: &[(&str, &str)] = &[
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("pdf", "application/pdf"),
    ("ofd", "application/ofd"),
    ("xml", "application/xml"),
    ("csv", "text/csv"),
    ("txt", "text/plain"),
    ("zip", "application/zip"),
    ("xls", "application/vnd.ms-excel"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("doc", "application/msword"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
];

impl UploadFile {
    /// A file named `filename` (sent as the part's file name) with `bytes`; its content type is
    /// chosen by its extension, its SHA-256 computed now.
    pub fn new(filename: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        let filename = filename.into();
        let bytes = bytes.into();
        let content_type = extension_of(&filename)
            .and_then(|extension| {
                IMAGE_TYPES
                    .iter()
                    .chain(VIDEO_TYPES)
                    .chain(UPLOAD_TYPES)
                    .find(|(known, _)| known.eq_ignore_ascii_case(extension))
            })
            .map_or("application/octet-stream", |(_, content_type)| {
                *content_type
            });
        let sha256 = sha256_hex(&bytes);
        Self {
            filename,
            content_type: content_type.to_owned(),
            bytes,
            sha256,
        }
    }

    /// The same file sent with another `Content-Type`.
    #[must_use]
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// The file name, as given.
    pub fn filename(&self) -> &str {
        &self.filename
    }

    /// The part's `Content-Type`.
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// The bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The lower-case hex SHA-256 of the bytes (the `sha256` of most `meta` JSONs).
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The upper-case hex SHA-256 of the bytes (the `file_digest` of some `meta` JSONs, as their
    /// pages show it).
    pub fn sha256_upper(&self) -> String {
        self.sha256.to_ascii_uppercase()
    }
}

/// A `multipart/form-data` upload as WeChat Pay takes it: the `meta` part (JSON, the bytes the
/// signature covers), text parts, then the file part. Uploads declared with
/// `#[wechatpay(file)]` and [`MediaForm`](crate::media::MediaForm) are both encoded by it; build one yourself to send an
/// upload nobody declared with [`RequestBuilder::multipart`](crate::RequestBuilder::multipart).
///
/// ```
/// use wechatpay::media::{UploadFile, UploadForm};
/// let file = UploadFile::new("a.csv", &b"openid\n"[..]);
/// let meta = serde_json::json!({ "bank_type": "ICBC_DEBIT", "filename": file.filename(), "sha256": file.sha256() });
/// let form = UploadForm::new(&meta, &[], "file", &file).unwrap();
/// assert_eq!(form.meta(), serde_json::to_vec(&meta).unwrap());
/// assert!(form.content_type().starts_with("multipart/form-data; boundary="));
/// ```
#[derive(Clone)]
pub struct UploadForm {
    pub(crate) meta: Bytes,
    pub(crate) boundary: String,
    pub(crate) body: Bytes,
}

impl fmt::Debug for UploadForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadForm")
            .field("meta", &String::from_utf8_lossy(&self.meta))
            .field("body_bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl UploadForm {
    /// Encodes an upload: `meta` as JSON, the `(name, text)` parts, and `file` as the part
    /// named `file_part`.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] when the file is empty (WeChat Pay refuses empty uploads) or
    /// `meta` cannot be encoded.
    pub fn new(
        meta: &impl Serialize,
        fields: &[(&str, &str)],
        file_part: &str,
        file: &UploadFile,
    ) -> Result<Self, Error> {
        let meta = serde_json::to_vec(meta).map_err(|e| Error::InvalidRequest {
            endpoint: "upload",
            problem: format!("the meta JSON cannot be encoded: {e}"),
        })?;
        let fields: Vec<(String, String)> = fields
            .iter()
            .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
            .collect();
        Self::encode("upload", Bytes::from(meta), &fields, file_part, file)
    }

    /// Encodes an upload whose `meta` JSON is already written.
    pub(crate) fn encode(
        endpoint: &'static str,
        meta: Bytes,
        fields: &[(String, String)],
        file_part: &str,
        file: &UploadFile,
    ) -> Result<Self, Error> {
        let invalid = |problem: String| Error::InvalidRequest { endpoint, problem };
        if file.bytes.is_empty() {
            return Err(invalid(format!(
                "the file {:?} is empty; WeChat Pay refuses empty uploads",
                file.filename
            )));
        }
        let mut contents: Vec<&[u8]> = vec![&meta, &file.bytes, file.filename.as_bytes()];
        for (name, text) in fields {
            contents.push(name.as_bytes());
            contents.push(text.as_bytes());
        }
        let boundary = pick_boundary(&contents).ok_or_else(|| {
            invalid("no multipart boundary absent from the file was found; try again".into())
        })?;
        let body = encode_multipart(&boundary, &meta, fields, file_part, file);
        Ok(Self {
            meta,
            boundary,
            body: Bytes::from(body),
        })
    }

    /// The `meta` JSON exactly as sent: the bytes the signature covers.
    pub fn meta(&self) -> &[u8] {
        &self.meta
    }

    /// The multipart boundary.
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// The whole `multipart/form-data` body as sent.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The request's `Content-Type`: `multipart/form-data; boundary=…`.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }
}

/// The lower-case hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest.as_ref() {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0F)]));
    }
    hex
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A random boundary that occurs in none of `contents` (a collision is astronomically unlikely;
/// checking costs one pass and makes it impossible).
fn pick_boundary(contents: &[&[u8]]) -> Option<String> {
    (0..8)
        .map_while(|_| crate::crypto::try_nonce().ok())
        .map(|nonce| format!("wechatpay-{nonce}"))
        .find(|boundary| {
            contents
                .iter()
                .all(|content| find(content, boundary.as_bytes()).is_none())
        })
}

/// The first position of `needle` in `haystack`.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// `filename` made safe inside a quoted `filename="…"` part-header parameter: `"`, `\`, CR, LF
/// and other control characters become `%XX`, as browsers encode form file names, so no name
/// can end the quoted string or the header line. Other characters (UTF-8 included) stay as they
/// are. The signed `meta` JSON carries the name unchanged.
pub(crate) fn escape_filename(filename: &str) -> String {
    let mut escaped = String::with_capacity(filename.len());
    for c in filename.chars() {
        if c == '"' || c == '\\' || c.is_ascii_control() {
            escaped.push_str(&format!("%{:02X}", u32::from(c)));
        } else {
            escaped.push(c);
        }
    }
    escaped
}

/// The multipart body: the `meta` part, the text parts, then the file part, then the closing
/// delimiter.
pub(crate) fn encode_multipart(
    boundary: &str,
    meta: &[u8],
    fields: &[(String, String)],
    file_part: &str,
    file: &UploadFile,
) -> Vec<u8> {
    let meta_head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n"
    );
    let mut texts = String::new();
    for (name, text) in fields {
        texts.push_str(&format!(
            "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n{text}",
            escape_filename(name)
        ));
    }
    let file_head = format!(
        "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
        escape_filename(file_part),
        escape_filename(&file.filename),
        file.content_type
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let mut body = Vec::with_capacity(
        meta_head.len()
            + meta.len()
            + texts.len()
            + file_head.len()
            + file.bytes.len()
            + tail.len(),
    );
    body.extend_from_slice(meta_head.as_bytes());
    body.extend_from_slice(meta);
    body.extend_from_slice(texts.as_bytes());
    body.extend_from_slice(file_head.as_bytes());
    body.extend_from_slice(&file.bytes);
    body.extend_from_slice(tail.as_bytes());
    body
}
