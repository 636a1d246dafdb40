//! Files WeChat Pay serves without a signature: complaint images
//! (`GET v3/merchant-service/images/{media_id}`, the images uploaded through
//! `v3/merchant/media/upload`), transfer e-receipts (`POST`/`GET
//! v3/fund-app/mch-transfer/elecsign/out-bill-no…`, then `GET
//! v3/transferdownload/elecvoucherfile?source=elecsign&token=…`) and fapiao files
//! (`GET v3/new-tax-control-fapiao/download?…`).
//!
//! Each is served as it was stored, unsigned, streamed; `Fault::TamperBody` flips one byte of it
//! (a man in the middle), [`super::Sandbox::serve_files_slowly`] pauses before each chunk.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{Method, StatusCode};
use serde_json::json;

use super::bills::BillBody;
use super::routes::{Params, Route};
use super::server::Reply;
use super::{Shared, rfc3339_beijing, transfers};

const RECEIPT_APPLY: &str = "v3/fund-app/mch-transfer/elecsign/out-bill-no";
const RECEIPT_QUERY: &str = "v3/fund-app/mch-transfer/elecsign/out-bill-no/{out_bill_no}";
const RECEIPT_FILE: &str = "v3/transferdownload/elecvoucherfile";
const COMPLAINT_IMAGE: &str = "v3/merchant-service/images/{media_id}";
const FAPIAO_FILE: &str = "v3/new-tax-control-fapiao/download";

/// A file the sandbox serves.
#[derive(Debug, Clone)]
pub(crate) struct StoredFile {
    pub(crate) bytes: Bytes,
    pub(crate) content_type: &'static str,
}

/// An e-receipt applied for.
#[derive(Debug, Clone)]
struct Receipt {
    token: String,
    sha256: String,
    create_time: String,
}

/// The files, by what names them.
#[derive(Debug, Default)]
pub(crate) struct Files {
    /// Uploaded images, by `media_id`.
    media: HashMap<String, StoredFile>,
    /// E-receipt files, by download token.
    by_token: HashMap<String, StoredFile>,
    /// E-receipts, by `out_bill_no`.
    receipts: HashMap<String, Receipt>,
    /// Fapiao files, by `fapiao_id`.
    fapiao: HashMap<String, StoredFile>,
}

fn files(shared: &Shared) -> std::sync::MutexGuard<'_, Files> {
    shared
        .files
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Keeps the bytes of an uploaded image, for the complaint image route.
pub(crate) fn keep_media(shared: &Shared, media_id: &str, filename: &str, bytes: &[u8]) {
    let lower = filename.to_ascii_lowercase();
    let content_type = if lower.ends_with(".png") {
        "image/png"
    } else if lower.ends_with(".bmp") {
        "image/bmp"
    } else if lower.ends_with(".mp4") {
        "video/mp4"
    } else {
        "image/jpeg"
    };
    files(shared).media.insert(
        media_id.to_owned(),
        StoredFile {
            bytes: Bytes::copy_from_slice(bytes),
            content_type,
        },
    );
}

/// Stores a fapiao file under `fapiao_id` ([`super::Sandbox::store_fapiao_file`]).
pub(crate) fn keep_fapiao(shared: &Shared, fapiao_id: &str, bytes: Bytes) {
    files(shared).fapiao.insert(
        fapiao_id.to_owned(),
        StoredFile {
            bytes,
            content_type: "application/pdf",
        },
    );
}

/// The e-receipt file of a transfer bill, as the sandbox writes it: a small PDF-like file.
pub(crate) fn receipt_file(out_bill_no: &str) -> Bytes {
    let mut text = format!(
        "%PDF-1.4\n% WeChat Pay sandbox e-receipt\n1 0 obj << /Title (电子回单 {out_bill_no}) >> endobj\n"
    );
    for line in 0..64 {
        text.push_str(&format!(
            "% {out_bill_no} line {line:02}: 商家转账电子回单\n"
        ));
    }
    text.push_str("%%EOF\n");
    Bytes::from(text)
}

/// The stateful routes of files.
pub(super) fn routes() -> Vec<Route> {
    vec![
        Route::new(Method::POST, RECEIPT_APPLY, Box::new(apply_receipt)),
        Route::new(
            Method::GET,
            RECEIPT_QUERY,
            Box::new(|shared, _parts, params, _body| query_receipt(shared, params)),
        ),
        Route::new(Method::GET, RECEIPT_FILE, Box::new(receipt_download)),
        Route::new(Method::GET, COMPLAINT_IMAGE, Box::new(complaint_image)),
        Route::new(Method::GET, FAPIAO_FILE, Box::new(fapiao_download)),
    ]
}

fn not_found(field: &str, value: &str, message: &str) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        "RESOURCE_NOT_EXISTS",
        message,
        Some(json!({ "field": field, "value": value })),
    )
}

/// `POST v3/fund-app/mch-transfer/elecsign/out-bill-no`: only a bill that reached `SUCCESS` has
/// an e-receipt.
fn apply_receipt(shared: &Shared, parts: &http::request::Parts, _: &Params, body: &[u8]) -> Reply {
    if let Some(reply) = super::catalog::answer(shared, parts, body)
        && !reply.status.is_success()
    {
        return reply;
    }
    #[derive(serde::Deserialize)]
    struct Apply {
        out_bill_no: String,
    }
    let Ok(apply) = serde_json::from_slice::<Apply>(body) else {
        return super::routes::param_error(&["out_bill_no".to_owned()], "必填", true);
    };
    let Some(bill) = transfers::find(shared, &apply.out_bill_no) else {
        return not_found("out_bill_no", &apply.out_bill_no, "转账单据不存在");
    };
    if bill.state != transfers::State::Success {
        return Reply::error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "转账单据未成功，暂不支持申请电子回单",
            Some(json!({ "field": "out_bill_no", "value": apply.out_bill_no })),
        );
    }
    let mut books = files(shared);
    if let Some(receipt) = books.receipts.get(&apply.out_bill_no) {
        return Reply::ok(json!({ "state": "FINISHED", "create_time": receipt.create_time }));
    }
    let bytes = receipt_file(&apply.out_bill_no);
    let token = wechatpay::__support::nonce();
    let receipt = Receipt {
        token: token.clone(),
        sha256: wechatpay::__support::sha256_hex(&bytes).to_ascii_uppercase(),
        create_time: rfc3339_beijing(SystemTime::now()),
    };
    let answer = json!({ "state": "GENERATING", "create_time": receipt.create_time });
    books.by_token.insert(
        token,
        StoredFile {
            bytes,
            content_type: "application/pdf",
        },
    );
    books.receipts.insert(apply.out_bill_no, receipt);
    Reply::ok(answer)
}

/// `GET v3/fund-app/mch-transfer/elecsign/out-bill-no/{out_bill_no}`: the e-receipt, `FINISHED`,
/// with the SHA-256 of its file and where to download it (signed, as every JSON answer).
fn query_receipt(shared: &Shared, params: &Params) -> Reply {
    let out_bill_no = params.get("out_bill_no").cloned().unwrap_or_default();
    let Some(receipt) = files(shared).receipts.get(&out_bill_no).cloned() else {
        return not_found("out_bill_no", &out_bill_no, "电子回单申请单不存在");
    };
    Reply::ok(json!({
        "state": "FINISHED",
        "create_time": receipt.create_time,
        "update_time": receipt.create_time,
        "hash_type": "SHA256",
        "hash_value": receipt.sha256,
        // As WeChat Pay writes it: the production host. Clients send the path and query to
        // the host they talk to.
        "download_url": format!(
            "https://api.mch.weixin.qq.com/{RECEIPT_FILE}?source=elecsign&token={}",
            receipt.token
        ),
    }))
}

/// The value of `name` in a query string.
fn query_value(parts: &http::request::Parts, name: &str) -> Option<String> {
    let query = parts.uri.query().unwrap_or("");
    url_pairs(query)
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

fn url_pairs(query: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default()
}

/// `GET v3/transferdownload/elecvoucherfile?source=elecsign&token=…`.
fn receipt_download(shared: &Shared, parts: &http::request::Parts, _: &Params, _: &[u8]) -> Reply {
    let token = query_value(parts, "token").unwrap_or_default();
    let file = files(shared).by_token.get(&token).cloned();
    match file {
        Some(file) => serve(shared, parts, file),
        None => Reply::error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "下载链接已失效或不存在，请重新申请电子回单",
            Some(json!({ "field": "token", "location": "query" })),
        ),
    }
}

/// `GET v3/merchant-service/images/{media_id}`: an uploaded image, as it came.
fn complaint_image(
    shared: &Shared,
    parts: &http::request::Parts,
    params: &Params,
    _: &[u8],
) -> Reply {
    let media_id = params.get("media_id").cloned().unwrap_or_default();
    let file = files(shared).media.get(&media_id).cloned();
    match file {
        Some(file) => serve(shared, parts, file),
        None => not_found("media_id", &media_id, "图片不存在"),
    }
}

/// `GET v3/new-tax-control-fapiao/download?fapiao_id=…`: a fapiao file the test stored.
fn fapiao_download(shared: &Shared, parts: &http::request::Parts, _: &Params, _: &[u8]) -> Reply {
    let fapiao_id = query_value(parts, "fapiao_id").unwrap_or_default();
    let file = files(shared).fapiao.get(&fapiao_id).cloned();
    match file {
        Some(file) => serve(shared, parts, file),
        None => not_found("fapiao_id", &fapiao_id, "发票文件不存在"),
    }
}

/// The file as an unsigned stream; one byte flipped under `Fault::TamperBody`.
fn serve(shared: &Shared, parts: &http::request::Parts, file: StoredFile) -> Reply {
    let mut bytes = file.bytes;
    if parts.extensions.get::<super::Fault>() == Some(&super::Fault::TamperBody)
        && !bytes.is_empty()
    {
        let mut changed = bytes.to_vec();
        let middle = changed.len() / 2;
        changed[middle] ^= 0x01;
        bytes = Bytes::from(changed);
    }
    let pause = match shared
        .file_pause_ms
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        0 => None,
        ms => Some(Duration::from_millis(ms)),
    };
    Reply::download(BillBody::file(bytes, file.content_type, pause))
}
