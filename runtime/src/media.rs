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
use crate::multipart::{IMAGE_TYPES, VIDEO_TYPES, extension_of};
pub use crate::multipart::{UploadFile, UploadForm};

/// The largest image WeChat Pay accepts: 2 MiB.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

/// The largest video WeChat Pay accepts: 5 MiB.
pub const MAX_VIDEO_BYTES: usize = 5 * 1024 * 1024;

/// The image upload path (no leading `/`).
pub const IMAGE_UPLOAD_PATH: &str = "v3/merchant/media/upload";

/// The video upload path (no leading `/`).
pub const VIDEO_UPLOAD_PATH: &str = "v3/merchant/media/video_upload";

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

/// The answer to an upload: the id other APIs refer to the file by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaUpload {
    /// The media id, valid for later API calls (such as an application's store photos).
    pub media_id: String,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::multipart::{encode_multipart, escape_filename, find};

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
