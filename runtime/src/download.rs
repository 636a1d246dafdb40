//! Bill downloads: a signed request, an unsigned answer streamed to an `AsyncWrite` with bounded
//! memory, gzip unpacked on the way, and the SHA-1 from the signed bill answer checked at the end.
//!
//! WeChat Pay does not sign download answers; their integrity rests on the digest that came in the
//! *signed* answer of `v3/bill/tradebill` or `v3/bill/fundflowbill`. Whether that digest covers the
//! gzip file or the text inside is not documented, so both are computed and either must match;
//! both bind the content equally, since neither can be forged without breaking SHA-1 preimages.

use std::path::Path;

use aws_lc_rs::digest;
use http_body_util::BodyExt as _;
use tokio::io::{AsyncWrite, AsyncWriteExt as _};

use crate::client::Client;
use crate::endpoint::RenderedRequest;
use crate::error::{Attempts, Error};
use crate::transport::loggable_url;

/// The path bill files are fetched from (`v3::billdownload::DownloadBillFile`, declared here: the
/// download checks every address it follows against it).
const BILL_FILE_PATH: &str = "v3/billdownload/file";

/// Where a bill is and the digest it must match: what the signed answers of `v3/bill/tradebill`
/// and `v3/bill/fundflowbill` give (the catalog's `v3::bill::BillDownloadUrl` implements it).
/// [`Client::download_bill`] takes any of them.
pub trait BillLink {
    /// The `download_url` (`https://api.mch.weixin.qq.com/v3/billdownload/file?token=…`).
    fn download_url(&self) -> Option<&str>;
    /// The `hash_type` (`SHA1`).
    fn hash_type(&self) -> Option<&str>;
    /// The `hash_value`: the file's digest, in hex.
    fn hash_value(&self) -> Option<&str>;
}

/// The three parts of a [`BillLink`], each present.
struct Link<'a> {
    url: &'a str,
    hash_type: &'a str,
    hash_value: &'a str,
}

impl<'a> Link<'a> {
    fn of<B: BillLink + ?Sized>(bill: &'a B) -> Result<Self, Error> {
        let missing = |field: &str| Error::InvalidRequest {
            endpoint: BILL_FILE_PATH,
            problem: format!(
                "the bill answer has no `{field}`: download only with a complete answer of v3/bill/tradebill or v3/bill/fundflowbill"
            ),
        };
        Ok(Link {
            url: bill.download_url().ok_or_else(|| missing("download_url"))?,
            hash_type: bill.hash_type().ok_or_else(|| missing("hash_type"))?,
            hash_value: bill.hash_value().ok_or_else(|| missing("hash_value"))?,
        })
    }
}

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

/// Bytes after the end of the gzip stream.
#[derive(Debug)]
struct TrailingData;

impl std::fmt::Display for TrailingData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("bytes follow the end of the gzip stream")
    }
}

impl std::error::Error for TrailingData {}

/// Unpacks gzip in bounded steps: each [`Unpacker::step`] inflates at most about 64 KiB (flate2's
/// 32 KiB output buffer, written out on the next step), whatever the size of the compressed
/// chunk it is given, so that memory stays near the step size and the caller checks the size
/// limit as the text grows. (Inflating a whole network chunk at once held up to a thousand
/// times the chunk: a 400 KiB chunk of a gzip bomb is 400 MiB of text.)
struct Unpacker {
    decoder: flate2::write::GzDecoder<Vec<u8>>,
}

/// The most text one step hands out: flate2's output buffer (32 KiB) written out, plus the
/// next one.
const STEP_BYTES: usize = 64 * 1024;

impl Unpacker {
    fn new() -> Self {
        Self {
            decoder: flate2::write::GzDecoder::new(Vec::with_capacity(STEP_BYTES)),
        }
    }

    /// Feeds compressed bytes once: returns how many of `input` were consumed and the text
    /// unpacked by this step (taken out of the buffer). Call again with the rest until all of
    /// the input is consumed; hand out the text in between.
    fn step(&mut self, input: &[u8]) -> std::io::Result<(usize, Vec<u8>)> {
        use std::io::Write as _;
        // One `write`, never `write_all`: flate2 inflates one output buffer per call.
        let consumed = self.decoder.write(input)?;
        if consumed == 0 && !input.is_empty() {
            // The gzip member has ended (a second member, or garbage after it).
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                TrailingData,
            ));
        }
        Ok((consumed, std::mem::take(self.decoder.get_mut())))
    }

    /// Checks the end of the stream (its CRC and length) and returns the last text.
    fn finish(self) -> std::io::Result<Vec<u8>> {
        self.decoder.finish()
    }
}

impl Client {
    /// Downloads the bill a [`BillLink`] points to (a `v3::bill::BillDownloadUrl`), writes its text to `out` (gzip is
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
    pub async fn download_bill<B: BillLink + ?Sized, W: AsyncWrite + Unpin>(
        &self,
        bill: &B,
        out: &mut W,
    ) -> Result<BillFile, Error> {
        crate::transport::runtime()?;
        let bill = Link::of(bill)?;
        let deadline = self.transport().download_deadline();
        match tokio::time::timeout(deadline, self.download_bill_within_limits(&bill, out)).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout {
                url: loggable_url(bill.url),
                timeout_ms: crate::transport::millis(deadline),
                attempts: Attempts::default(),
            }),
        }
    }

    async fn download_bill_within_limits<W: AsyncWrite + Unpin>(
        &self,
        bill: &Link<'_>,
        out: &mut W,
    ) -> Result<BillFile, Error> {
        if !bill.hash_type.eq_ignore_ascii_case("SHA1") {
            return Err(Error::InvalidRequest {
                endpoint: BILL_FILE_PATH,
                problem: format!(
                    "the bill's digest is `{}`; only SHA1 is known",
                    bill.hash_type
                ),
            });
        }
        let rendered = download_request(bill.url)?;
        let request = self.signed_request(&rendered)?;
        let uri = request.uri().clone();
        let transport = self.transport();
        // The download URL's token lets anyone holding it fetch the bill: no message shows it.
        let shown = loggable_url(&uri.to_string());
        let response = transport
            .call_streaming(request)
            .await
            .map_err(without_token)?;
        let (parts, mut body) = response.into_parts();
        if !parts.status.is_success() {
            return Err(self.download_error_answer(&parts, body, &uri).await);
        }

        let mut raw_digest = digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY);
        let mut text_digest = digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY);
        let mut unpacker: Option<Unpacker> = None;
        let mut first = true;
        let (mut received, mut written) = (0u64, 0u64);
        let io = |what: &str, source: std::io::Error| Error::Io {
            what: format!("{what} the bill from {shown}"),
            source,
        };
        let limit = transport.max_download_bytes();
        let too_large = || Error::BodyTooLarge {
            url: shown.clone(),
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
            attempts: Attempts::default(),
        };
        let unpacking = |e: std::io::Error| io("unpacking", e);
        loop {
            let Some(chunk) = next_chunk(&mut body, transport, &uri, &shown).await? else {
                break;
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
            let Some(unpacker) = &mut unpacker else {
                out.write_all(&chunk).await.map_err(|e| io("writing", e))?;
                written += chunk.len() as u64;
                continue;
            };
            // Step by step: each step's text is checked against the limit, hashed and written
            // before more is inflated.
            let mut rest: &[u8] = &chunk;
            while !rest.is_empty() {
                let (consumed, text) = unpacker.step(rest).map_err(unpacking)?;
                rest = &rest[consumed..];
                written += text.len() as u64;
                if written > limit {
                    return Err(too_large());
                }
                text_digest.update(&text);
                out.write_all(&text).await.map_err(|e| io("writing", e))?;
            }
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
                url: shown,
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
    pub async fn download_bill_to_file<B: BillLink + ?Sized>(
        &self,
        bill: &B,
        path: impl AsRef<Path>,
    ) -> Result<BillFile, Error> {
        let mut part = PartFile::create(path.as_ref()).await?;
        let result = self.download_bill(bill, part.file()).await;
        part.finish(result).await
    }

    /// The error a download's non-`2xx` answer is: its body read within the timeout and the
    /// error-body limit, a signature it carries checked ([`Client::error_answer`]).
    pub(crate) async fn download_error_answer(
        &self,
        parts: &http::response::Parts,
        body: hyper::body::Incoming,
        uri: &http::Uri,
    ) -> Error {
        let transport = self.transport();
        let limit = transport.max_body_bytes();
        let text = match tokio::time::timeout(
            transport.timeout(),
            http_body_util::Limited::new(body, limit).collect(),
        )
        .await
        {
            Err(_) => return without_token(transport.timeout_error(uri)),
            Ok(collected) => collected
                .map(|collected| collected.to_bytes())
                .unwrap_or_default(),
        };
        self.error_answer(parts.status, &parts.headers, &text)
    }
}

/// A download to a file: written to `path` + `.part`, and renamed to `path` only once the whole
/// download checked out, after the bytes reached the disk, so that `path` never holds a partial
/// or forged file.
pub(crate) struct PartFile {
    path: std::path::PathBuf,
    partial: std::path::PathBuf,
    file: tokio::fs::File,
}

impl PartFile {
    /// Creates `path` + `.part`.
    pub(crate) async fn create(path: &Path) -> Result<Self, Error> {
        let mut partial = path.as_os_str().to_owned();
        partial.push(".part");
        let partial = std::path::PathBuf::from(partial);
        let file = tokio::fs::File::create(&partial)
            .await
            .map_err(|source| Error::Io {
                what: format!("creating {}", partial.display()),
                source,
            })?;
        Ok(Self {
            path: path.to_owned(),
            partial,
            file,
        })
    }

    /// The `.part` file to write to.
    pub(crate) fn file(&mut self) -> &mut tokio::fs::File {
        &mut self.file
    }

    /// Ends the download with its result: on success the file is synced and renamed to its
    /// name; on failure (or when syncing or renaming fails) the `.part` file is removed.
    pub(crate) async fn finish<T>(self, mut result: Result<T, Error>) -> Result<T, Error> {
        let Self {
            path,
            partial,
            file,
        } = self;
        let io = |what: String, source: std::io::Error| Error::Io { what, source };
        if result.is_ok() {
            // On disk before the rename makes it the file: a crash right after the rename must
            // not leave an empty or partial file under its name.
            if let Err(e) = file.sync_all().await {
                result = Err(io(format!("saving {} to disk", partial.display()), e));
            }
        }
        drop(file);
        let renamed = match result {
            Ok(done) => tokio::fs::rename(&partial, &path)
                .await
                .map(|()| done)
                .map_err(|e| {
                    io(
                        format!("renaming {} to {}", partial.display(), path.display()),
                        e,
                    )
                }),
            Err(error) => Err(error),
        };
        if renamed.is_err() {
            let _ = tokio::fs::remove_file(&partial).await;
        }
        renamed
    }
}

/// The download request for a `download_url`: its path and query, sent to the client's host.
fn download_request(download_url: &str) -> Result<RenderedRequest, Error> {
    let invalid = |problem: String| Error::InvalidRequest {
        endpoint: BILL_FILE_PATH,
        problem,
    };
    let shown = loggable_url(download_url);
    let uri: http::Uri = download_url
        .parse()
        .map_err(|e| invalid(format!("`{shown}` is not a URL ({e})")))?;
    let path_and_query = uri
        .path_and_query()
        .ok_or_else(|| invalid(format!("`{shown}` has no path")))?;
    if path_and_query.path() != format!("/{}", BILL_FILE_PATH) {
        return Err(invalid(format!(
            "`{shown}` is not a bill download address (/{})",
            BILL_FILE_PATH
        )));
    }
    Ok(RenderedRequest::from_parts(
        http::Method::GET,
        path_and_query.as_str().to_owned(),
        None,
    ))
}

/// The next data chunk of a download's body, read within the transport's read timeout: `None` at
/// the body's end (trailers are skipped). Errors name `shown`, the URL without its token.
pub(crate) async fn next_chunk(
    body: &mut hyper::body::Incoming,
    transport: &crate::transport::Transport,
    uri: &http::Uri,
    shown: &str,
) -> Result<Option<bytes::Bytes>, Error> {
    loop {
        let frame = match tokio::time::timeout(transport.timeout(), body.frame()).await {
            Err(_) => return Err(without_token(transport.timeout_error(uri))),
            Ok(None) => return Ok(None),
            Ok(Some(Err(e))) => {
                return Err(Error::Transport {
                    url: shown.to_owned(),
                    source: Box::new(e),
                    attempts: Attempts::default(),
                });
            }
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(chunk) = frame.into_data() {
            return Ok(Some(chunk));
        }
    }
}

/// `error` with the URL it names shown without its query (the download token).
pub(crate) fn without_token(mut error: Error) -> Error {
    match &mut error {
        Error::Transport { url, .. }
        | Error::Timeout { url, .. }
        | Error::BodyTooLarge { url, .. }
        | Error::DigestMismatch { url, .. } => *url = loggable_url(url),
        _ => {}
    }
    error
}

pub(crate) fn hex(bytes: &[u8]) -> String {
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
            let mut rest = chunk;
            while !rest.is_empty() {
                let (consumed, text) = unpacker.step(rest).unwrap();
                rest = &rest[consumed..];
                out.extend(text);
            }
        }
        out.extend(unpacker.finish().unwrap());
        assert_eq!(out, text.as_bytes());
    }

    #[test]
    fn a_highly_compressed_chunk_unpacks_in_bounded_steps() {
        use std::io::Write as _;
        // 16 MiB of zeros pack into about 16 KiB: handed over as one chunk, as a fast network
        // delivers it.
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..16 {
            encoder.write_all(&zeros).unwrap();
        }
        let packed = encoder.finish().unwrap();
        assert!(packed.len() < 256 * 1024, "{}", packed.len());
        let mut unpacker = Unpacker::new();
        let (mut rest, mut total, mut largest) = (&packed[..], 0usize, 0usize);
        while !rest.is_empty() {
            let (consumed, text) = unpacker.step(rest).unwrap();
            rest = &rest[consumed..];
            total += text.len();
            largest = largest.max(text.len()).max(text.capacity());
            assert!(text.iter().all(|&b| b == 0));
        }
        total += unpacker.finish().unwrap().len();
        assert_eq!(total, 16 * 1024 * 1024);
        assert!(largest <= STEP_BYTES, "a step held {largest} bytes");
    }

    #[test]
    fn bytes_after_the_gzip_stream_are_refused() {
        use std::io::Write as _;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(b"a,b\n").unwrap();
        let mut packed = encoder.finish().unwrap();
        packed.extend_from_slice(b"garbage");
        let mut unpacker = Unpacker::new();
        let mut rest = &packed[..];
        let error = loop {
            match unpacker.step(rest) {
                Ok((consumed, _)) => rest = &rest[consumed..],
                Err(error) => break error,
            }
            assert!(!rest.is_empty(), "the garbage was accepted");
        };
        assert!(
            error.to_string().contains("end of the gzip stream"),
            "{error}"
        );
    }

    #[test]
    fn messages_never_show_the_download_token() {
        let error = download_request(
            "https://api.mch.weixin.qq.com/v3/pay/transactions?token=SECRET-TOKEN",
        )
        .unwrap_err();
        assert!(!error.to_string().contains("SECRET-TOKEN"), "{error}");
        assert!(
            error.to_string().contains("/v3/pay/transactions?…"),
            "{error}"
        );
        let error = without_token(Error::Timeout {
            url: "https://api.mch.weixin.qq.com/v3/billdownload/file?token=SECRET-TOKEN".into(),
            timeout_ms: 1,
            attempts: Attempts::default(),
        });
        assert!(!error.to_string().contains("SECRET-TOKEN"), "{error}");
    }
}
