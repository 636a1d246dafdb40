//! Bill downloads: a signed request, an unsigned answer streamed to an `AsyncWrite` with bounded
//! memory, gzip unpacked on the way, and the SHA-1 from the signed bill answer checked at the end.
//!
//! WeChat Pay does not sign download answers; their integrity rests on the digest that came in the
//! *signed* answer of `v3/bill/tradebill` or `v3/bill/fundflowbill`. Whether that digest covers the
//! gzip file or the text inside is not documented, so both are computed and either must match;
//! both bind the content equally, since neither can be forged without breaking SHA-1 preimages.

use std::path::Path;

use aws_lc_rs::digest;
use bytes::Bytes;
use http_body_util::BodyExt as _;
use tokio::io::{AsyncWrite, AsyncWriteExt as _};

use crate::Client;
use crate::api::bill::{BillDownloadUrl, DownloadBillFile};
use crate::endpoint::{Endpoint as _, RenderedRequest};
use crate::error::{Attempts, Error};

/// The outcome of a complete, verified bill download.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BillFile {
    /// Bytes received (the gzip file when compressed).
    pub received_bytes: u64,
    /// Bytes written to the destination (the text, unpacked).
    pub written_bytes: u64,
    /// Whether the file came gzip-compressed.
    pub gzip: bool,
    /// The SHA-1 that matched, lower-case hex.
    pub sha1: String,
}

/// gzip's two magic bytes.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Unpacks gzip as chunks arrive, into a buffer that is drained after every chunk.
/// The unpacked text passed the download limit.
#[derive(Debug)]
struct TooLarge;

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the unpacked bill passes the download limit")
    }
}

impl std::error::Error for TooLarge {}

struct Unpacker {
    decoder: flate2::write::GzDecoder<Vec<u8>>,
}

impl Unpacker {
    fn new() -> Self {
        Self {
            decoder: flate2::write::GzDecoder::new(Vec::with_capacity(256 * 1024)),
        }
    }

    /// Feeds compressed bytes; returns the text unpacked so far (and clears it from the buffer).
    /// The input goes in small pieces, and unpacking stops as soon as the text passes `limit`
    /// bytes: deflate expands a piece at most about a thousandfold, so a small hostile chunk
    /// cannot inflate without bound before the check.
    fn feed(&mut self, chunk: &[u8], limit: u64) -> std::io::Result<Vec<u8>> {
        use std::io::Write as _;
        for piece in chunk.chunks(1024) {
            self.decoder.write_all(piece)?;
            if self.decoder.get_ref().len() as u64 > limit {
                return Err(std::io::Error::other(TooLarge));
            }
        }
        Ok(std::mem::take(self.decoder.get_mut()))
    }

    fn finish(self) -> std::io::Result<Vec<u8>> {
        self.decoder.finish()
    }
}

impl Client {
    /// Downloads the bill a [`BillDownloadUrl`] points to, writes its text to `out` (gzip is
    /// unpacked), and checks the SHA-1 it came with.
    ///
    /// The request goes to this client's host (the path and token of `download_url`), signed like
    /// every request. Memory stays bounded whatever the bill's size: chunks are hashed, unpacked and
    /// written as they arrive.
    ///
    /// **On any error the bytes already written to `out` are not a bill:** discard them.
    /// [`Client::download_bill_to_file`] does that for you.
    ///
    /// # Errors
    /// [`Error::DigestMismatch`] when the file does not match its SHA-1; [`Error::Api`] when
    /// WeChat Pay refuses (an expired token); [`Error::InvalidRequest`] for a `download_url` that
    /// is not a bill download; [`Error::Timeout`] when no chunk arrives within the timeout, or
    /// the whole download takes longer than [`ClientBuilder::download_deadline`](crate::ClientBuilder::download_deadline);
    /// [`Error::BodyTooLarge`] when the file or its unpacked text passes
    /// [`ClientBuilder::max_download_bytes`](crate::ClientBuilder::max_download_bytes);
    /// [`Error::Transport`] and [`Error::Io`].
    pub async fn download_bill<W: AsyncWrite + Unpin>(
        &self,
        bill: &BillDownloadUrl,
        out: &mut W,
    ) -> Result<BillFile, Error> {
        crate::transport::runtime()?;
        let deadline = self.transport().download_deadline();
        match tokio::time::timeout(deadline, self.download_bill_within_limits(bill, out)).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout {
                url: bill.download_url.clone(),
                timeout_ms: crate::transport::millis(deadline),
                attempts: Attempts::default(),
            }),
        }
    }

    async fn download_bill_within_limits<W: AsyncWrite + Unpin>(
        &self,
        bill: &BillDownloadUrl,
        out: &mut W,
    ) -> Result<BillFile, Error> {
        if !bill.hash_type.eq_ignore_ascii_case("SHA1") {
            return Err(Error::InvalidRequest {
                endpoint: DownloadBillFile::PATH,
                problem: format!(
                    "the bill's digest is `{}`; only SHA1 is known",
                    bill.hash_type
                ),
            });
        }
        let rendered = download_request(&bill.download_url)?;
        let request = self.signed_request(&rendered)?;
        let uri = request.uri().clone();
        let transport = self.transport();
        let response = transport.call_streaming(request).await?;
        let (parts, mut body) = response.into_parts();
        if !parts.status.is_success() {
            let limit = transport.max_body_bytes();
            let text = tokio::time::timeout(
                transport.timeout(),
                http_body_util::Limited::new(body, limit).collect(),
            )
            .await
            .map_err(|_| transport.timeout_error(&uri))?
            .map(|collected| collected.to_bytes())
            .unwrap_or_default();
            return Err(self.error_answer(parts.status, &parts.headers, &text));
        }

        let mut raw_digest = digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY);
        let mut text_digest = digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY);
        let mut unpacker: Option<Unpacker> = None;
        let mut first = true;
        let (mut received, mut written) = (0u64, 0u64);
        let io = |what: &str, source: std::io::Error| Error::Io {
            what: format!("{what} the bill from {uri}"),
            source,
        };
        let limit = transport.max_download_bytes();
        let too_large = || Error::BodyTooLarge {
            url: uri.to_string(),
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
            attempts: Attempts::default(),
        };
        let unpacking = |e: std::io::Error| {
            if e.get_ref().is_some_and(|inner| inner.is::<TooLarge>()) {
                too_large()
            } else {
                io("unpacking", e)
            }
        };
        loop {
            let frame = match tokio::time::timeout(transport.timeout(), body.frame()).await {
                Err(_) => return Err(transport.timeout_error(&uri)),
                Ok(None) => break,
                Ok(Some(Err(e))) => {
                    return Err(Error::Transport {
                        url: uri.to_string(),
                        source: Box::new(e),
                        attempts: Attempts::default(),
                    });
                }
                Ok(Some(Ok(frame))) => frame,
            };
            let Ok(chunk) = frame.into_data() else {
                continue; // trailers
            };
            if first && !chunk.is_empty() {
                first = false;
                if chunk.starts_with(&GZIP_MAGIC) {
                    unpacker = Some(Unpacker::new());
                }
            }
            received += chunk.len() as u64;
            if received > limit {
                return Err(too_large());
            }
            raw_digest.update(&chunk);
            let text: Bytes = match &mut unpacker {
                Some(unpacker) => unpacker
                    .feed(&chunk, limit.saturating_sub(written))
                    .map_err(unpacking)?
                    .into(),
                None => chunk,
            };
            if unpacker.is_some() {
                text_digest.update(&text);
            }
            out.write_all(&text).await.map_err(|e| io("writing", e))?;
            written += text.len() as u64;
        }
        let gzip = unpacker.is_some();
        if let Some(unpacker) = unpacker {
            let rest = unpacker.finish().map_err(|e| io("unpacking", e))?;
            if written + rest.len() as u64 > limit {
                return Err(too_large());
            }
            text_digest.update(&rest);
            out.write_all(&rest).await.map_err(|e| io("writing", e))?;
            written += rest.len() as u64;
        }
        out.flush().await.map_err(|e| io("writing", e))?;

        let raw = hex(raw_digest.finish().as_ref());
        let unpacked = gzip.then(|| hex(text_digest.finish().as_ref()));
        let expected = bill.hash_value.to_ascii_lowercase();
        let sha1 = if raw == expected {
            raw
        } else if unpacked.as_deref() == Some(expected.as_str()) {
            expected.clone()
        } else {
            return Err(Error::DigestMismatch {
                expected,
                actual: raw,
                url: uri.to_string(),
            });
        };
        Ok(BillFile {
            received_bytes: received,
            written_bytes: written,
            gzip,
            sha1,
        })
    }

    /// Downloads a bill into the file `path`: written to `path` + `.part` and renamed only once
    /// the digest matches, so `path` never holds a partial or forged bill.
    ///
    /// # Errors
    /// As [`Client::download_bill`]; the `.part` file is removed on failure.
    pub async fn download_bill_to_file(
        &self,
        bill: &BillDownloadUrl,
        path: impl AsRef<Path>,
    ) -> Result<BillFile, Error> {
        let path = path.as_ref();
        let mut partial = path.as_os_str().to_owned();
        partial.push(".part");
        let partial = std::path::PathBuf::from(partial);
        let io = |what: String, source: std::io::Error| Error::Io { what, source };
        let mut file = tokio::fs::File::create(&partial)
            .await
            .map_err(|e| io(format!("creating {}", partial.display()), e))?;
        let result = self.download_bill(bill, &mut file).await;
        drop(file);
        match result {
            Ok(done) => {
                tokio::fs::rename(&partial, path).await.map_err(|e| {
                    io(
                        format!("renaming {} to {}", partial.display(), path.display()),
                        e,
                    )
                })?;
                Ok(done)
            }
            Err(error) => {
                let _ = tokio::fs::remove_file(&partial).await;
                Err(error)
            }
        }
    }
}

/// The download request for a `download_url`: its path and query, sent to the client's host.
fn download_request(download_url: &str) -> Result<RenderedRequest, Error> {
    let invalid = |problem: String| Error::InvalidRequest {
        endpoint: DownloadBillFile::PATH,
        problem,
    };
    let uri: http::Uri = download_url
        .parse()
        .map_err(|e| invalid(format!("`{download_url}` is not a URL ({e})")))?;
    let path_and_query = uri
        .path_and_query()
        .ok_or_else(|| invalid(format!("`{download_url}` has no path")))?;
    if path_and_query.path() != format!("/{}", DownloadBillFile::PATH) {
        return Err(invalid(format!(
            "`{download_url}` is not a bill download address (/{})",
            DownloadBillFile::PATH
        )));
    }
    Ok(RenderedRequest::from_parts(
        http::Method::GET,
        path_and_query.as_str().to_owned(),
        None,
    ))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bill_download_addresses_are_followed() {
        let rendered = download_request(
            "https://api.mch.weixin.qq.com/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv_isgaUtBzp4QtiozLO",
        )
        .unwrap();
        assert_eq!(
            rendered.target(),
            "/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv_isgaUtBzp4QtiozLO"
        );
        assert!(
            download_request("https://api.mch.weixin.qq.com/v3/pay/transactions/jsapi").is_err()
        );
        assert!(download_request("not a url at all").is_err());
    }

    #[test]
    fn gzip_is_unpacked_chunk_by_chunk() {
        use std::io::Write as _;
        let text = "交易时间,公众账号ID\n".repeat(5000);
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(text.as_bytes()).unwrap();
        let packed = encoder.finish().unwrap();
        let mut unpacker = Unpacker::new();
        let mut out = Vec::new();
        for chunk in packed.chunks(97) {
            out.extend(unpacker.feed(chunk, u64::MAX).unwrap());
        }
        out.extend(unpacker.finish().unwrap());
        assert_eq!(out, text.as_bytes());
    }
}
