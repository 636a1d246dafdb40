//! Media uploads: images (`POST v3/merchant/media/upload`) and videos
//! (`POST v3/merchant/media/video_upload`), whose `media_id` other APIs then refer to.
//!
//! An upload is a `multipart/form-data` body of two parts:
//!
//! - `meta` (`Content-Type: application/json`): `{"filename":"…","sha256":"…"}`, the lower-case
//!   hex SHA-256 of the file;
//! - `file`: the file itself, with its name and a content type chosen by its extension.
//!
//! The `Authorization` signature covers `POST\n/v3/merchant/media/upload\nTIMESTAMP\nNONCE\nMETA\n`,
//! where `META` is the `meta` JSON exactly as it appears in the body, **not** the multipart bytes.
//! WeChat Pay checks the file against the signed SHA-256, so the file is covered too.
//! The answer, `{"media_id":"…"}`, is signed and verified like every other.
//!
//! ```no_run
//! # async fn run(client: wechatpay::Client) -> Result<(), wechatpay::Error> {
//! let png = std::fs::read("storefront.png").map_err(|source| wechatpay::Error::Io {
//!     what: "reading storefront.png".into(),
//!     source,
//! })?;
//! let upload = client.upload_image("storefront.png", png).await?;
//! println!("{}", upload.media_id);
//! # Ok(()) }
//! ```
//!
//! Files are checked before anything is sent: an empty file, an extension WeChat Pay does not
//! accept, or a file over the size limit is an [`Error::InvalidRequest`] and no request is made.

use std::fmt;

use bytes::Bytes;
use http::Method;
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::endpoint::RenderedRequest;
use crate::error::Error;

/// The largest image WeChat Pay accepts: 2 MiB.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

/// The largest video WeChat Pay accepts: 5 MiB.
pub const MAX_VIDEO_BYTES: usize = 5 * 1024 * 1024;

/// The image upload path (no leading `/`).
pub const IMAGE_UPLOAD_PATH: &str = "v3/merchant/media/upload";

/// The video upload path (no leading `/`).
pub const VIDEO_UPLOAD_PATH: &str = "v3/merchant/media/video_upload";

/// Image extensions and the content type each is sent with. Only the documented ones: a JPEG
/// named `.jpeg` must be renamed to `.jpg`.
const IMAGE_TYPES: &[(&str, &str)] = &[
    ("jpg", "image/jpeg"),
    ("bmp", "image/bmp"),
    ("png", "image/png"),
];

/// Video extensions and the content type each is sent with.
const VIDEO_TYPES: &[(&str, &str)] = &[
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

/// What is uploaded: it decides the path, the accepted extensions and the size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// An image: JPG, BMP or PNG, at most 2 MiB ([`MAX_IMAGE_BYTES`]).
    Image,
    /// A video: AVI, WMV, MPEG, MP4, MOV, MKV, FLV, F4V, M4V or RMVB, at most 5 MiB
    /// ([`MAX_VIDEO_BYTES`]).
    Video,
}

impl MediaKind {
    /// The upload path, without the leading `/`.
    pub fn path(self) -> &'static str {
        match self {
            MediaKind::Image => IMAGE_UPLOAD_PATH,
            MediaKind::Video => VIDEO_UPLOAD_PATH,
        }
    }

    /// The largest file accepted, in bytes.
    pub fn max_bytes(self) -> usize {
        match self {
            MediaKind::Image => MAX_IMAGE_BYTES,
            MediaKind::Video => MAX_VIDEO_BYTES,
        }
    }

    /// The accepted file extensions, lower case, without the dot.
    pub fn extensions(self) -> impl Iterator<Item = &'static str> {
        self.types().iter().map(|(extension, _)| *extension)
    }

    /// The content type a file with this name is sent with, when its extension is accepted
    /// (compared case-insensitively).
    pub fn content_type_for(self, filename: &str) -> Option<&'static str> {
        let extension = extension_of(filename)?;
        self.types()
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(extension))
            .map(|(_, content_type)| *content_type)
    }

    fn types(self) -> &'static [(&'static str, &'static str)] {
        match self {
            MediaKind::Image => IMAGE_TYPES,
            MediaKind::Video => VIDEO_TYPES,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
        }
    }

    /// The limit as people say it (`2 MiB`).
    pub(crate) fn limit_text(self) -> &'static str {
        match self {
            MediaKind::Image => "2 MiB",
            MediaKind::Video => "5 MiB",
        }
    }

    /// The accepted extensions for a message: `.jpg, .bmp, .png`.
    pub(crate) fn extension_list(self) -> String {
        self.extensions()
            .map(|extension| format!(".{extension}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The extension of `filename` (after the last `.`), when there is a non-empty name before it.
pub(crate) fn extension_of(filename: &str) -> Option<&str> {
    let (stem, extension) = filename.rsplit_once('.')?;
    let stem = stem.rsplit(['/', '\\']).next().unwrap_or(stem);
    (!stem.is_empty() && !extension.is_empty()).then_some(extension)
}

/// The answer to an upload: the id other APIs refer to the file by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaUpload {
    /// The media id, valid for later API calls (such as an application's store photos).
    pub media_id: String,
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
    filename: String,
    content_type: String,
    bytes: Bytes,
    sha256: String,
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
/// `#[wechatpay(file)]` and [`MediaForm`] are both encoded by it; build one yourself to send an
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
    meta: Bytes,
    boundary: String,
    body: Bytes,
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

    /// The request to `target`: the multipart body, signed over the `meta` JSON.
    pub(crate) fn rendered(&self, method: Method, target: String) -> RenderedRequest {
        RenderedRequest::with_signed_body(
            method,
            target,
            self.body.clone(),
            self.meta.clone(),
            self.content_type(),
        )
    }
}

/// The `meta` part: what the signature covers.
#[derive(Serialize)]
struct Meta<'a> {
    filename: &'a str,
    sha256: &'a str,
}

/// One upload, checked and encoded: the `meta` JSON that is signed and the multipart body that
/// is sent. [`Client::upload_image`] and [`Client::upload_video`] build one; build it yourself to
/// look at the request before sending it with [`Client::upload_media`].
///
/// ```
/// use wechatpay::media::{MediaForm, MediaKind};
/// let form = MediaForm::new(MediaKind::Image, "logo.png", &b"\x89PNG\r\n\x1a\n"[..]).unwrap();
/// assert_eq!(
///     form.meta(),
///     br#"{"filename":"logo.png","sha256":"4c4b6a3be1314ab86138bef4314dde022e600960d8689a2c8f8631802d20dab6"}"#
/// );
/// assert!(form.content_type().starts_with("multipart/form-data; boundary="));
/// ```
#[derive(Clone)]
pub struct MediaForm {
    kind: MediaKind,
    filename: String,
    sha256: String,
    meta: Bytes,
    boundary: String,
    body: Bytes,
}

impl fmt::Debug for MediaForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaForm")
            .field("kind", &self.kind)
            .field("filename", &self.filename)
            .field("sha256", &self.sha256)
            .field("body_bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl MediaForm {
    /// Checks the file and encodes the upload with a random boundary.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] when the file is empty, when its name has no extension or one
    /// WeChat Pay does not accept for `kind`, or when it is larger than `kind` allows.
    pub fn new(kind: MediaKind, filename: &str, file: impl Into<Bytes>) -> Result<Self, Error> {
        let file = file.into();
        let content_type = check(kind, filename, file.len())?;
        let file = UploadFile::new(filename, file).with_content_type(content_type);
        let meta = serde_json::to_vec(&Meta {
            filename,
            sha256: file.sha256(),
        })
        .map_err(|e| invalid(kind, format!("the meta JSON cannot be encoded: {e}")))?;
        let form = UploadForm::encode(kind.path(), Bytes::from(meta), &[], "file", &file)?;
        Ok(Self {
            kind,
            filename: filename.to_owned(),
            sha256: file.sha256,
            meta: form.meta,
            boundary: form.boundary,
            body: form.body,
        })
    }

    /// Image or video.
    pub fn kind(&self) -> MediaKind {
        self.kind
    }

    /// The file name, as given (the `meta` JSON carries it unchanged).
    pub fn filename(&self) -> &str {
        &self.filename
    }

    /// The lower-case hex SHA-256 of the file.
    pub fn sha256(&self) -> &str {
        &self.sha256
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

    /// The request to send: the multipart body, signed over the `meta` JSON.
    pub(crate) fn rendered(&self) -> RenderedRequest {
        RenderedRequest::with_signed_body(
            Method::POST,
            format!("/{}", self.kind.path()),
            self.body.clone(),
            self.meta.clone(),
            self.content_type(),
        )
    }
}

impl Client {
    /// Uploads an image (JPG, BMP or PNG, at most 2 MiB) to `v3/merchant/media/upload` and
    /// returns its verified `media_id`.
    ///
    /// `filename` goes into the signed `meta` JSON unchanged; its extension decides the content
    /// type. The file is checked first: nothing is sent when it fails.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] for an empty file, an extension other than `.jpg`, `.bmp`,
    /// `.png` (any case), or more than 2 MiB; otherwise as [`Client::send`]:
    /// [`Error::Api`] (such as `PARAM_ERROR` when WeChat Pay refuses the file), verification
    /// errors, [`Error::Decode`], [`Error::Timeout`], [`Error::Transport`].
    pub async fn upload_image(
        &self,
        filename: &str,
        bytes: impl Into<Bytes>,
    ) -> Result<MediaUpload, Error> {
        self.upload_media(&MediaForm::new(MediaKind::Image, filename, bytes)?)
            .await
    }

    /// Uploads a video (AVI, WMV, MPEG, MP4, MOV, MKV, FLV, F4V, M4V or RMVB, at most 5 MiB) to
    /// `v3/merchant/media/video_upload` and returns its verified `media_id`.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] for an empty file, an extension not listed, or more than
    /// 5 MiB; otherwise as [`Client::upload_image`].
    pub async fn upload_video(
        &self,
        filename: &str,
        bytes: impl Into<Bytes>,
    ) -> Result<MediaUpload, Error> {
        self.upload_media(&MediaForm::new(MediaKind::Video, filename, bytes)?)
            .await
    }

    /// Sends an upload built with [`MediaForm::new`]: signed over its `meta` JSON, its answer
    /// verified before it is decoded.
    ///
    /// # Errors
    /// As [`Client::upload_image`], less the local checks [`MediaForm::new`] already made.
    pub async fn upload_media(&self, form: &MediaForm) -> Result<MediaUpload, Error> {
        let answer = self
            .execute(&form.rendered(), true, &crate::CallOptions::new())
            .await?;
        answer.json()
    }
}

fn invalid(kind: MediaKind, problem: String) -> Error {
    Error::InvalidRequest {
        endpoint: kind.path(),
        problem,
    }
}

/// The local checks: the content type for `filename`, or what is wrong and what to do.
fn check(kind: MediaKind, filename: &str, size: usize) -> Result<&'static str, Error> {
    let noun = kind.noun();
    let Some(extension) = extension_of(filename) else {
        return Err(invalid(
            kind,
            format!(
                "the file name {filename:?} has no extension; {noun} uploads need one of {}",
                kind.extension_list()
            ),
        ));
    };
    let Some(content_type) = kind.content_type_for(filename) else {
        let hint = if kind == MediaKind::Image && extension.eq_ignore_ascii_case("jpeg") {
            " (rename a .jpeg file to .jpg)"
        } else {
            ""
        };
        return Err(invalid(
            kind,
            format!(
                "WeChat Pay does not accept .{extension} files as {noun}s: use one of {}{hint}",
                kind.extension_list()
            ),
        ));
    };
    if size == 0 {
        return Err(invalid(
            kind,
            format!("the file {filename:?} is empty; WeChat Pay refuses empty uploads"),
        ));
    }
    if size > kind.max_bytes() {
        return Err(invalid(
            kind,
            format!(
                "the file {filename:?} is {size} bytes; {noun}s may be at most {} ({} bytes): compress or shorten it",
                kind.limit_text(),
                kind.max_bytes()
            ),
        ));
    }
    Ok(content_type)
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
fn encode_multipart(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_the_meta_part_then_the_file_part() {
        let file = UploadFile::new("a.png", &b"\x89PNG"[..]);
        let body = encode_multipart("B0UND", b"{\"m\":1}", &[], "file", &file);
        let expected: &[u8] = b"--B0UND\r\n\
Content-Disposition: form-data; name=\"meta\"\r\n\
Content-Type: application/json\r\n\
\r\n\
{\"m\":1}\r\n\
--B0UND\r\n\
Content-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
Content-Type: image/png\r\n\
\r\n\
\x89PNG\r\n\
--B0UND--\r\n";
        assert_eq!(body, expected);
    }

    #[test]
    fn file_names_cannot_break_the_part_header() {
        assert_eq!(
            escape_filename("a\"b\r\nc\\d\te.png"),
            "a%22b%0D%0Ac%5Cd%09e.png"
        );
        assert_eq!(escape_filename("门店照片 1.jpg"), "门店照片 1.jpg");
        let form = MediaForm::new(
            MediaKind::Image,
            "x\"; name=\"meta\r\nEvil: 1\r\n\r\n.png",
            &b"data"[..],
        )
        .unwrap();
        let body = form.body();
        let head_end = find(body, b"\r\n\r\ndata").unwrap();
        let file_head = &body[find(body, b"name=\"file\"").unwrap()..head_end];
        let file_head = std::str::from_utf8(file_head).unwrap();
        assert_eq!(
            file_head,
            "name=\"file\"; filename=\"x%22; name=%22meta%0D%0AEvil: 1%0D%0A%0D%0A.png\"\r\nContent-Type: image/png"
        );
        // The meta JSON carries the name unchanged, JSON-escaped.
        let meta: serde_json::Value = serde_json::from_slice(form.meta()).unwrap();
        assert_eq!(meta["filename"], "x\"; name=\"meta\r\nEvil: 1\r\n\r\n.png");
    }

    #[test]
    fn meta_is_the_exact_signed_json_with_lower_case_sha256() {
        let form = MediaForm::new(MediaKind::Video, "clip.MP4", &b"abc"[..]).unwrap();
        assert_eq!(
            form.meta(),
            br#"{"filename":"clip.MP4","sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}"#
        );
        assert_eq!(
            form.sha256(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let rendered = form.rendered();
        assert_eq!(rendered.target(), "/v3/merchant/media/video_upload");
        assert_eq!(rendered.method(), Method::POST);
        assert_eq!(rendered.signed_body(), Some(form.meta()));
        assert_eq!(rendered.body(), Some(&form.body()[..]));
        assert_eq!(rendered.content_type(), Some(form.content_type().as_str()));
        // The meta appears in the body byte for byte.
        assert!(find(form.body(), form.meta()).is_some());
        assert!(
            form.body()
                .ends_with(format!("--{}--\r\n", form.boundary()).as_bytes())
        );
    }

    #[test]
    fn boundaries_are_random_and_absent_from_the_content() {
        let a = MediaForm::new(MediaKind::Image, "a.jpg", &b"x"[..]).unwrap();
        let b = MediaForm::new(MediaKind::Image, "a.jpg", &b"x"[..]).unwrap();
        assert_ne!(a.boundary(), b.boundary());
        assert!(a.boundary().len() <= 70);
        assert!(
            a.boundary()
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-')
        );
    }

    #[test]
    fn local_checks_name_the_problem() {
        let message = |kind, name: &str, size: usize| {
            MediaForm::new(kind, name, vec![7u8; size])
                .unwrap_err()
                .to_string()
        };
        let empty = message(MediaKind::Image, "a.png", 0);
        assert!(empty.contains("empty"), "{empty}");
        let gif = message(MediaKind::Image, "a.gif", 1);
        assert!(
            gif.contains(".gif") && gif.contains(".jpg, .bmp, .png"),
            "{gif}"
        );
        let jpeg = message(MediaKind::Image, "a.jpeg", 1);
        assert!(jpeg.contains("rename"), "{jpeg}");
        let none = message(MediaKind::Image, "png", 1);
        assert!(none.contains("no extension"), "{none}");
        assert!(message(MediaKind::Image, ".png", 1).contains("no extension"));
        assert!(message(MediaKind::Image, "dir/.png", 1).contains("no extension"));
        let big = message(MediaKind::Image, "a.png", MAX_IMAGE_BYTES + 1);
        assert!(big.contains("2 MiB") && big.contains("2097153"), "{big}");
        assert!(MediaForm::new(MediaKind::Image, "A.PNG", vec![0u8; MAX_IMAGE_BYTES]).is_ok());
        let video = message(MediaKind::Video, "a.mp4", MAX_VIDEO_BYTES + 1);
        assert!(video.contains("5 MiB"), "{video}");
        assert!(message(MediaKind::Video, "a.png", 1).contains(".mp4"));
        assert!(MediaForm::new(MediaKind::Video, "a.rmvb", vec![0u8; MAX_VIDEO_BYTES]).is_ok());
        assert!(matches!(
            MediaForm::new(MediaKind::Image, "", &b"x"[..]),
            Err(Error::InvalidRequest {
                endpoint: IMAGE_UPLOAD_PATH,
                ..
            })
        ));
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(
            MediaKind::Image.content_type_for("a.JPG"),
            Some("image/jpeg")
        );
        assert_eq!(
            MediaKind::Image.content_type_for("a.bmp"),
            Some("image/bmp")
        );
        assert_eq!(
            MediaKind::Video.content_type_for("a.mov"),
            Some("video/quicktime")
        );
        assert_eq!(MediaKind::Video.content_type_for("a.png"), None);
        assert_eq!(MediaKind::Video.extensions().count(), 10);
    }
}
