//! Media uploads in the sandbox: `POST v3/merchant/media/upload` and
//! `POST v3/merchant/media/video_upload`.
//!
//! The body is parsed by a small, strict `multipart/form-data` parser (two parts, `meta` and
//! `file`, no preamble, no epilogue). The signature is checked over the `meta` part's bytes as
//! they came ([`signed_body`], called by the request check), the file against the SHA-256 the
//! signed `meta` names, its extension and size against WeChat Pay's limits; what was accepted is
//! kept for [`super::Sandbox::uploaded_media`].

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use serde_json::json;

use super::Shared;
use super::server::Reply;
use wechatpay::__support::{extension_of, find, sha256_hex};
use wechatpay::media::MediaKind;

/// The most parts a form may have before the parser gives up (an upload has two).
const MAX_PARTS: usize = 8;
/// The most bytes of headers one part may have.
const MAX_PART_HEADER_BYTES: usize = 8 * 1024;

/// A file the sandbox accepted, as [`super::Sandbox::uploaded_media`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadedMedia {
    /// The `media_id` the sandbox answered with.
    pub media_id: String,
    /// Image or video (by the path it was uploaded to).
    pub kind: MediaKind,
    /// The file name from the signed `meta` JSON.
    pub filename: String,
    /// The lower-case hex SHA-256 of the bytes received (equal to the one `meta` named).
    pub sha256: String,
    /// The size of the file in bytes.
    pub size: usize,
}

/// One part of a `multipart/form-data` body.
#[derive(Debug)]
pub(crate) struct Part<'a> {
    pub(crate) name: String,
    pub(crate) filename: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) data: &'a [u8],
}

/// What the request signature covers. For a multipart upload (to the media paths or any
/// described upload) that is the `meta` part's bytes exactly as they came (PROTOCOL §7), not the
/// body; for anything else the body. A multipart upload that cannot be parsed, or has no `meta`,
/// cannot be checked and is answered `400` here.
pub(crate) fn signed_body<'a>(
    parts: &http::request::Parts,
    body: &'a [u8],
) -> Result<&'a [u8], Reply> {
    let Some(content_type) = multipart_content_type(&parts.headers) else {
        // Not multipart: checked over the body, and refused by the route afterwards.
        return Ok(body);
    };
    let form = parse_multipart(content_type, body).map_err(|problem| malformed(&problem))?;
    form.iter()
        .find(|part| part.name == "meta")
        .map(|part| part.data)
        .ok_or_else(|| missing_part("meta"))
}

/// The `Content-Type` header when it is `multipart/form-data`.
pub(crate) fn multipart_content_type(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
    let media_type = value.split(';').next()?.trim();
    media_type
        .eq_ignore_ascii_case("multipart/form-data")
        .then_some(value)
}

/// `POST v3/merchant/media/upload`.
pub(crate) fn upload_image(shared: &Shared, parts: &http::request::Parts, body: &[u8]) -> Reply {
    upload(shared, MediaKind::Image, parts, body)
}

/// `POST v3/merchant/media/video_upload`.
pub(crate) fn upload_video(shared: &Shared, parts: &http::request::Parts, body: &[u8]) -> Reply {
    upload(shared, MediaKind::Video, parts, body)
}

fn upload(shared: &Shared, kind: MediaKind, parts: &http::request::Parts, body: &[u8]) -> Reply {
    let Some(content_type) = multipart_content_type(&parts.headers) else {
        return Reply::error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "上传文件请使用multipart/form-data格式",
            Some(json!({ "location": "header", "field": "Content-Type" })),
        );
    };
    let form = match parse_multipart(content_type, body) {
        Ok(form) => form,
        Err(problem) => return malformed(&problem),
    };
    let accepted = match check_upload(kind, &form) {
        Ok(accepted) => accepted,
        Err(reply) => return reply,
    };
    let mut random = [0u8; 48];
    if wechatpay::__support::fill_random(&mut random).is_err() {
        return Reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            "系统错误",
            None,
        );
    }
    let media_id = URL_SAFE_NO_PAD.encode(random);
    if let Some(file) = form.iter().find(|part| part.name == "file") {
        super::files::keep_media(shared, &media_id, &accepted.filename, file.data);
    }
    shared
        .media
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(
            media_id.clone(),
            UploadedMedia {
                media_id: media_id.clone(),
                kind,
                filename: accepted.filename,
                sha256: accepted.sha256,
                size: accepted.size,
            },
        );
    Reply::ok(json!({ "media_id": media_id }))
}

/// An upload that passed every check.
#[derive(Debug)]
struct Accepted {
    filename: String,
    sha256: String,
    size: usize,
}

#[derive(serde::Deserialize)]
struct Meta {
    filename: String,
    sha256: String,
}

/// The checks WeChat Pay makes on an upload's parts, in its words.
fn check_upload(kind: MediaKind, form: &[Part<'_>]) -> Result<Accepted, Reply> {
    for part in form {
        if part.name != "meta" && part.name != "file" {
            return Err(param_error(
                &part.name,
                &format!("不支持的表单字段“{}”，仅支持meta和file", part.name),
            ));
        }
        if form.iter().filter(|other| other.name == part.name).count() > 1 {
            return Err(param_error(
                &part.name,
                &format!("表单字段“{}”重复", part.name),
            ));
        }
    }
    let meta = form
        .iter()
        .find(|part| part.name == "meta")
        .ok_or_else(|| missing_part("meta"))?;
    let file = form
        .iter()
        .find(|part| part.name == "file")
        .ok_or_else(|| missing_part("file"))?;
    let meta_is_json = meta.content_type.as_deref().is_some_and(|value| {
        value
            .split(';')
            .next()
            .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("application/json"))
    });
    if !meta_is_json {
        return Err(param_error(
            "meta",
            "meta的Content-Type必须为application/json",
        ));
    }
    let meta: Meta = serde_json::from_slice(meta.data).map_err(|e| {
        let field = ["filename", "sha256"]
            .into_iter()
            .find(|name| e.to_string().contains(&format!("`{name}`")))
            .map_or_else(|| "meta".to_owned(), |name| format!("meta/{name}"));
        param_error(&field, &format!("meta解析失败：{e}"))
    })?;
    if file.filename.is_none() {
        return Err(param_error("file", "file字段缺少filename"));
    }
    if kind.content_type_for(&meta.filename).is_none() {
        let message = match kind {
            MediaKind::Image => "图片格式不支持，仅支持JPG、BMP、PNG格式",
            MediaKind::Video => {
                "视频格式不支持，仅支持AVI、WMV、MPEG、MP4、MOV、MKV、FLV、F4V、M4V、RMVB格式"
            }
        };
        let extension = extension_of(&meta.filename).unwrap_or("");
        return Err(Reply::error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            message,
            Some(json!({
                "field": "/meta/filename",
                "value": meta.filename,
                "issue": format!("extension `{extension}` is not one of {}", wechatpay::__support::extension_list(kind)),
                "location": "body",
            })),
        ));
    }
    if file.data.is_empty() {
        return Err(param_error("file", "上传文件不能为空"));
    }
    if file.data.len() > kind.max_bytes() {
        let message = match kind {
            MediaKind::Image => "图片大小超过限制，图片不能超过2M",
            MediaKind::Video => "视频大小超过限制，视频不能超过5M",
        };
        return Err(Reply::error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            message,
            Some(json!({
                "field": "file",
                "size": file.data.len(),
                "limit": kind.max_bytes(),
                "location": "body",
            })),
        ));
    }
    let actual = sha256_hex(file.data);
    if !meta.sha256.eq_ignore_ascii_case(&actual) {
        return Err(Reply::error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "文件sha256校验失败：meta中的sha256与上传文件不一致",
            Some(json!({
                "field": "/meta/sha256",
                "value": meta.sha256,
                "issue": "sha256 does not match the uploaded file",
                "location": "body",
            })),
        ));
    }
    Ok(Accepted {
        filename: meta.filename,
        sha256: actual,
        size: file.data.len(),
    })
}

fn param_error(field: &str, message: &str) -> Reply {
    Reply::error(
        StatusCode::BAD_REQUEST,
        "PARAM_ERROR",
        message,
        Some(json!({ "field": format!("/{field}"), "location": "body" })),
    )
}

fn missing_part(name: &str) -> Reply {
    param_error(name, &format!("缺少表单字段“{name}”"))
}

pub(crate) fn malformed(problem: &str) -> Reply {
    Reply::error(
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST",
        "multipart/form-data格式错误",
        Some(json!({ "issue": problem, "location": "body" })),
    )
}

/// Parses a `multipart/form-data` body strictly: it must start with the first delimiter, every
/// part must carry `Content-Disposition: form-data; name="…"`, and nothing but a final CRLF may
/// follow the closing delimiter. Quoted parameters are taken literally (as browsers write them,
/// with `"` percent-encoded); they are not unescaped.
pub(crate) fn parse_multipart<'a>(
    content_type: &str,
    body: &'a [u8],
) -> Result<Vec<Part<'a>>, String> {
    let boundary = boundary_of(content_type)?;
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let next_delimiter = format!("\r\n--{boundary}");
    let next_delimiter = next_delimiter.as_bytes();
    let mut rest = body
        .strip_prefix(delimiter)
        .ok_or("the body does not start with the boundary delimiter")?;
    let mut parts = Vec::new();
    loop {
        if let Some(after) = rest.strip_prefix(b"--") {
            return if after.is_empty() || after == b"\r\n" {
                Ok(parts)
            } else {
                Err("data follows the closing delimiter".into())
            };
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or("a delimiter is not followed by CRLF or `--`")?;
        if parts.len() == MAX_PARTS {
            return Err(format!("more than {MAX_PARTS} parts"));
        }
        let (headers, content) = if let Some(content) = rest.strip_prefix(b"\r\n") {
            (&rest[..0], content)
        } else {
            let end = find(rest, b"\r\n\r\n").ok_or("a part's headers do not end")?;
            (&rest[..end], &rest[end + 4..])
        };
        if headers.len() > MAX_PART_HEADER_BYTES {
            return Err("a part's headers are too long".into());
        }
        let end = find(content, next_delimiter).ok_or("a part is not closed by a delimiter")?;
        parts.push(part(headers, &content[..end])?);
        rest = &content[end + next_delimiter.len()..];
    }
}

/// The `boundary` parameter of a `multipart/form-data` content type.
fn boundary_of(content_type: &str) -> Result<String, String> {
    let (media_type, params) = content_type
        .split_once(';')
        .ok_or("the Content-Type has no boundary")?;
    if !media_type
        .trim()
        .eq_ignore_ascii_case("multipart/form-data")
    {
        return Err("the Content-Type is not multipart/form-data".into());
    }
    let params = parameters(params)?;
    let boundary = params
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value.clone())
        .ok_or("the Content-Type has no boundary")?;
    if boundary.is_empty() || boundary.len() > 70 || boundary.bytes().any(|b| b.is_ascii_control())
    {
        return Err("the boundary must be 1 to 70 printable characters".into());
    }
    Ok(boundary)
}

/// One part from its header block and content.
fn part<'a>(headers: &[u8], data: &'a [u8]) -> Result<Part<'a>, String> {
    let headers = std::str::from_utf8(headers).map_err(|_| "a part header is not UTF-8")?;
    let mut disposition = None;
    let mut content_type = None;
    for line in headers.split("\r\n") {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("the part header line {line:?} has no `:`"))?;
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(format!("the part header name {name:?} is not a token"));
        }
        if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
            return Err(format!(
                "the part header {name} contains a control character"
            ));
        }
        let slot = if name.eq_ignore_ascii_case("content-disposition") {
            &mut disposition
        } else if name.eq_ignore_ascii_case("content-type") {
            &mut content_type
        } else {
            continue;
        };
        if slot.replace(value.trim().to_owned()).is_some() {
            return Err(format!("the part header {name} is repeated"));
        }
    }
    let disposition = disposition.ok_or("a part has no Content-Disposition")?;
    let (kind, params) = disposition
        .split_once(';')
        .ok_or("a part's Content-Disposition has no name")?;
    if !kind.trim().eq_ignore_ascii_case("form-data") {
        return Err("a part's Content-Disposition is not form-data".into());
    }
    let mut name = None;
    let mut filename = None;
    for (key, value) in parameters(params)? {
        let slot = if key.eq_ignore_ascii_case("name") {
            &mut name
        } else if key.eq_ignore_ascii_case("filename") {
            &mut filename
        } else {
            continue;
        };
        if slot.replace(value).is_some() {
            return Err(format!(
                "the Content-Disposition parameter {key} is repeated"
            ));
        }
    }
    Ok(Part {
        name: name.ok_or("a part's Content-Disposition has no name")?,
        filename,
        content_type,
        data,
    })
}

/// `a=b; c="d; e"` as pairs; quoted values end at the next `"` and may hold `;`.
fn parameters(mut text: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    loop {
        text = text.trim_start();
        if text.is_empty() {
            return Ok(pairs);
        }
        let (key, rest) = text
            .split_once('=')
            .ok_or_else(|| format!("the parameter {text:?} has no `=`"))?;
        let key = key.trim();
        if key.is_empty() || key.contains([';', '"', ' ']) {
            return Err(format!("the parameter name {key:?} is malformed"));
        }
        let rest = rest.trim_start();
        let (value, rest) = if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| format!("the value of {key} has no closing quote"))?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = rest.find(';').unwrap_or(rest.len());
            (rest[..end].trim_end(), &rest[end..])
        };
        pairs.push((key.to_owned(), value.to_owned()));
        let rest = rest.trim_start();
        text = match rest.strip_prefix(';') {
            Some(rest) => rest,
            None if rest.is_empty() => rest,
            None => return Err(format!("unexpected {rest:?} after the parameter {key}")),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wechatpay::media::{MAX_IMAGE_BYTES, MediaForm};

    fn code(reply: &Reply) -> (u16, String, String) {
        let body = reply.body.as_ref().unwrap();
        (
            reply.status.as_u16(),
            body["code"].as_str().unwrap().to_owned(),
            body["message"].as_str().unwrap().to_owned(),
        )
    }

    #[test]
    fn the_client_form_parses_back_into_meta_and_file() {
        let form = MediaForm::new(
            MediaKind::Image,
            "门店\"照片\r\n.png",
            &b"\x89PNG\r\n--x"[..],
        )
        .unwrap();
        let parts = parse_multipart(&form.content_type(), form.body()).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "meta");
        assert_eq!(parts[0].data, form.meta());
        assert_eq!(parts[0].content_type.as_deref(), Some("application/json"));
        assert_eq!(parts[1].name, "file");
        assert_eq!(parts[1].filename.as_deref(), Some("门店%22照片%0D%0A.png"));
        assert_eq!(parts[1].content_type.as_deref(), Some("image/png"));
        assert_eq!(parts[1].data, b"\x89PNG\r\n--x");
        let accepted = check_upload(MediaKind::Image, &parts)
            .ok()
            .expect("the upload is accepted");
        assert_eq!(accepted.filename, "门店\"照片\r\n.png");
        assert_eq!(accepted.sha256, form.sha256());
        assert_eq!(accepted.size, 9);
    }

    #[test]
    fn malformed_bodies_are_errors_never_panics() {
        let form = MediaForm::new(MediaKind::Image, "a.png", &b"0123456789"[..]).unwrap();
        let body = form.body();
        let content_type = form.content_type();
        // Every truncation but the full body (and the one dropping only the final CRLF) fails.
        for end in 0..body.len() {
            let result = parse_multipart(&content_type, &body[..end]);
            assert_eq!(result.is_ok(), end == body.len() - 2, "end {end}");
        }
        // Any single flipped byte is an error or a different parse, never a panic.
        for i in 0..body.len() {
            let mut changed = body.to_vec();
            changed[i] ^= 0x20;
            let _ = parse_multipart(&content_type, &changed);
        }
        assert!(parse_multipart("multipart/form-data", body).is_err());
        assert!(parse_multipart("application/json; boundary=x", body).is_err());
        assert!(parse_multipart("multipart/form-data; boundary=\"unclosed", body).is_err());
        let mut epilogue = body.to_vec();
        epilogue.extend_from_slice(b"trailing");
        assert!(parse_multipart(&content_type, &epilogue).is_err());
        let quoted = format!("multipart/form-data; boundary=\"{}\"", form.boundary());
        assert_eq!(parse_multipart(&quoted, body).unwrap().len(), 2);
    }

    #[test]
    fn parameters_keep_semicolons_inside_quotes() {
        let pairs = parameters(r#" name="file"; filename="a;b.png""#).unwrap();
        assert_eq!(
            pairs,
            vec![
                ("name".to_owned(), "file".to_owned()),
                ("filename".to_owned(), "a;b.png".to_owned())
            ]
        );
        assert!(parameters(r#" name="file" x"#).is_err());
        assert!(parameters(" name").is_err());
    }

    #[test]
    fn uploads_are_refused_in_wechat_pay_terms() {
        fn form<'a>(meta: &'a [u8], file: &'a [u8]) -> Vec<Part<'a>> {
            vec![
                Part {
                    name: "meta".into(),
                    filename: None,
                    content_type: Some("application/json".into()),
                    data: meta,
                },
                Part {
                    name: "file".into(),
                    filename: Some("f".into()),
                    content_type: None,
                    data: file,
                },
            ]
        }
        fn meta(name: &str, file: &[u8]) -> Vec<u8> {
            serde_json::to_vec(&json!({ "filename": name, "sha256": sha256_hex(file) })).unwrap()
        }
        let refused = |kind, meta: &[u8], file: &[u8]| {
            check_upload(kind, &form(meta, file))
                .err()
                .map(|reply| (code(&reply), reply.body))
                .expect("the upload is refused")
        };

        let zeros = br#"{"filename":"a.png","sha256":"0000000000000000000000000000000000000000000000000000000000000000"}"#;
        let ((status, code_, message), _) = refused(MediaKind::Image, zeros, b"png");
        assert_eq!((status, code_.as_str()), (400, "PARAM_ERROR"));
        assert!(message.contains("sha256"), "{message}");

        let ((status, code_, message), _) =
            refused(MediaKind::Image, &meta("a.gif", b"gif"), b"gif");
        assert_eq!((status, code_.as_str()), (400, "PARAM_ERROR"));
        assert!(message.contains("JPG、BMP、PNG"), "{message}");

        let ((status, code_, _), _) = refused(MediaKind::Image, &meta("a.png", b""), b"");
        assert_eq!((status, code_.as_str()), (400, "PARAM_ERROR"));

        let big = vec![0u8; MAX_IMAGE_BYTES + 1];
        let ((status, code_, message), _) = refused(MediaKind::Image, &meta("a.png", &big), &big);
        assert_eq!((status, code_.as_str()), (400, "INVALID_REQUEST"));
        assert!(message.contains("2M"), "{message}");

        let video = meta("a.mp4", b"mp4");
        assert!(check_upload(MediaKind::Video, &form(&video, b"mp4")).is_ok());
        refused(MediaKind::Image, &video, b"mp4");

        let (_, body) = refused(MediaKind::Image, br#"{"filename":"a.png"}"#, b"png");
        assert_eq!(body.unwrap()["detail"]["field"], "/meta/sha256");

        let png = meta("a.png", b"png");
        let only_meta = &form(&png, b"png")[..1];
        let reply = check_upload(MediaKind::Image, only_meta).expect_err("the upload is refused");
        assert!(code(&reply).2.contains("file"));
    }
}
