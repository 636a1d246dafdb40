//! Files WeChat Pay does not sign: complaint images, transfer e-receipts, fapiao files, bills on
//! other hosts, and every operation declared `unsigned_response`.
//!
//! The request is signed as always (`Authorization`); the answer is a file without a
//! `Wechatpay-Signature`. Its authenticity rests on TLS to WeChat Pay's host, plus the digest an
//! earlier, *signed* answer gave for it (an e-receipt query's `hash_type`/`hash_value`, a bill's
//! SHA-1) when there is one. The file is streamed to any [`AsyncWrite`] with bounded memory,
//! within the same size limit and deadline as bills
//! ([`ClientBuilder::max_download_bytes`](crate::ClientBuilder::max_download_bytes),
//! [`ClientBuilder::download_deadline`](crate::ClientBuilder::download_deadline)).
//!
//! ```no_run
//! # #[cfg(feature = "transferdownload")]
//! # async fn run(client: wechatpay::Client, token: String) -> Result<(), wechatpay::Error> {
//! use wechatpay::files::{Digest, DownloadOptions};
//! use wechatpay::v3::transferdownload::GetElecvoucherfile;
//! let request = GetElecvoucherfile { token, source: "elecsign".into() };
//! let digest = Digest::from_hash("SHA256", "de731f35146a0befade5db9d1e468d96c01ca8898119c674fee9f11f4dbe5529")?;
//! let file = client
//!     .download_to_file(&request, "receipt.pdf", DownloadOptions::new().digest(digest))
//!     .await?;
//! assert!(file.digest_checked);
//! # Ok(()) }
//! ```

use std::path::Path;

use aws_lc_rs::digest;
use tokio::io::{AsyncWrite, AsyncWriteExt as _};

use crate::Client;
use crate::client::RequestBuilder;
use crate::download::{PartFile, hex, next_chunk, without_token};
use crate::endpoint::{Endpoint, Protocol, RenderedRequest};
use crate::error::{Attempts, Error};
use crate::transport::loggable_url;

/// The digest a signed answer gave for a file, lower-case or upper-case hex.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Digest {
    /// SHA-1 (bills: `hash_type` `SHA1`).
    Sha1(String),
    /// SHA-256 (e-receipts: `hash_type` `SHA256`).
    Sha256(String),
}

impl Digest {
    /// The digest of an answer's `hash_type` and `hash_value` (`SHA1` or `SHA256`, any case).
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] for another algorithm (`SM3` cannot be checked by this
    /// library: download without a digest and check it yourself), or a value that is not hex
    /// of the algorithm's length.
    pub fn from_hash(hash_type: &str, hash_value: &str) -> Result<Self, Error> {
        let digest = if hash_type.eq_ignore_ascii_case("SHA1") {
            Digest::Sha1(hash_value.to_owned())
        } else if hash_type.eq_ignore_ascii_case("SHA256") {
            Digest::Sha256(hash_value.to_owned())
        } else {
            return Err(Error::InvalidRequest {
                endpoint: "download",
                problem: format!(
                    "the file's digest is `{hash_type}`; only SHA1 and SHA256 can be checked (download an SM3 file without a digest and check it yourself)"
                ),
            });
        };
        digest.check_form()?;
        Ok(digest)
    }

    /// The algorithm's name as WeChat Pay writes it.
    pub fn algorithm(&self) -> &'static str {
        match self {
            Digest::Sha1(_) => "SHA1",
            Digest::Sha256(_) => "SHA256",
        }
    }

    /// The expected value, as given.
    pub fn value(&self) -> &str {
        match self {
            Digest::Sha1(value) | Digest::Sha256(value) => value,
        }
    }

    fn hex_len(&self) -> usize {
        match self {
            Digest::Sha1(_) => 40,
            Digest::Sha256(_) => 64,
        }
    }

    fn check_form(&self) -> Result<(), Error> {
        let value = self.value();
        if value.len() != self.hex_len() || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::InvalidRequest {
                endpoint: "download",
                problem: format!(
                    "the {} digest `{value}` is not {} hex digits",
                    self.algorithm(),
                    self.hex_len()
                ),
            });
        }
        Ok(())
    }

    fn context(&self) -> digest::Context {
        digest::Context::new(match self {
            Digest::Sha1(_) => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Digest::Sha256(_) => &digest::SHA256,
        })
    }
}

/// How to fetch an unsigned file: the digest to check it against, when a signed answer gave one.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct DownloadOptions {
    digest: Option<Digest>,
}

impl DownloadOptions {
    /// No digest: the file is only as good as TLS to WeChat Pay's host.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks the file against `digest` once it has arrived; a mismatch is
    /// [`Error::FileDigestMismatch`].
    pub fn digest(mut self, digest: Digest) -> Self {
        self.digest = Some(digest);
        self
    }
}

/// A file WeChat Pay sent **without a signature**, received whole.
///
/// Nothing in it was signed by WeChat Pay: its authenticity rests on TLS to WeChat Pay's host
/// and, when [`UnsignedFile::digest_checked`] is `true`, on the digest of an earlier answer that
/// was signed. Without a digest, treat it as you would any file fetched over HTTPS.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnsignedFile {
    /// Bytes received and written.
    pub len: u64,
    /// The answer's `Content-Type`, when it had one (`image/jpeg`, `application/pdf` …).
    pub content_type: Option<String>,
    /// The answer's `Request-ID`.
    pub request_id: Option<String>,
    /// Whether the file matched the digest given in [`DownloadOptions::digest`].
    pub digest_checked: bool,
}

impl Client {
    /// Downloads the file a declared `unsigned_response` endpoint answers (complaint images,
    /// e-receipts, statements …) and writes it to `out`, checked against the digest in
    /// `options` when one is given. The request is signed like every request; the answer is not
    /// signed by WeChat Pay (see [`UnsignedFile`]).
    ///
    /// **On any error the bytes already written to `out` are not the file:** discard them.
    /// [`Client::download_to_file`] does that for you.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] for an endpoint whose answers WeChat Pay signs (send it with
    /// [`Client::send`]: its answer is verified) or an API v2 endpoint;
    /// [`Error::FileDigestMismatch`]; [`Error::Api`] when WeChat Pay refuses (an error status,
    /// or a `2xx` JSON error body; a signature it carries must hold); [`Error::BodyTooLarge`]
    /// past [`ClientBuilder::max_download_bytes`](crate::ClientBuilder::max_download_bytes);
    /// [`Error::Timeout`] when no chunk arrives within the timeout or the whole download takes
    /// longer than [`ClientBuilder::download_deadline`](crate::ClientBuilder::download_deadline);
    /// [`Error::Transport`] and [`Error::Io`].
    pub async fn download<E: Endpoint, W: AsyncWrite + Unpin>(
        &self,
        request: &E,
        out: &mut W,
        options: DownloadOptions,
    ) -> Result<UnsignedFile, Error> {
        if E::PROTOCOL != Protocol::V3 {
            return Err(Error::InvalidRequest {
                endpoint: E::PATH,
                problem: "an API v2 endpoint answers XML, not a file: send it with `Client::send`"
                    .into(),
            });
        }
        if E::SIGNED_RESPONSE {
            return Err(Error::InvalidRequest {
                endpoint: E::PATH,
                problem: "WeChat Pay signs this endpoint's answers: send it with `Client::send`, which verifies them; `download` is for the endpoints declared `unsigned_response`".into(),
            });
        }
        let rendered = RenderedRequest::new(request)?;
        self.download_rendered(&rendered, out, options).await
    }

    /// [`Client::download`] into the file `path`: written to `path` + `.part` and renamed only
    /// once the whole file arrived and matched its digest, so `path` never holds a partial or
    /// altered file.
    ///
    /// # Errors
    /// As [`Client::download`]; the `.part` file is removed on failure.
    pub async fn download_to_file<E: Endpoint>(
        &self,
        request: &E,
        path: impl AsRef<Path>,
        options: DownloadOptions,
    ) -> Result<UnsignedFile, Error> {
        let mut part = PartFile::create(path.as_ref()).await?;
        let result = self.download(request, part.file(), options).await;
        part.finish(result).await
    }

    /// Signs and sends a rendered request, and streams its unsigned answer to `out` within the
    /// download deadline.
    pub(crate) async fn download_rendered<W: AsyncWrite + Unpin>(
        &self,
        rendered: &RenderedRequest,
        out: &mut W,
        options: DownloadOptions,
    ) -> Result<UnsignedFile, Error> {
        crate::transport::runtime()?;
        if let Some(digest) = &options.digest {
            digest.check_form()?;
        }
        let deadline = self.transport().download_deadline();
        match tokio::time::timeout(deadline, self.stream_unsigned(rendered, out, &options)).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout {
                url: loggable_url(&format!(
                    "{}{}",
                    self.base_url(),
                    rendered.target().trim_start_matches('/')
                )),
                timeout_ms: crate::transport::millis(deadline),
                attempts: Attempts::default(),
            }),
        }
    }

    async fn stream_unsigned<W: AsyncWrite + Unpin>(
        &self,
        rendered: &RenderedRequest,
        out: &mut W,
        options: &DownloadOptions,
    ) -> Result<UnsignedFile, Error> {
        let request = self.signed_request(rendered)?;
        let uri = request.uri().clone();
        let transport = self.transport();
        // A download token lets anyone holding it fetch the file: no message shows the query.
        let shown = loggable_url(&uri.to_string());
        let response = transport
            .call_streaming(request)
            .await
            .map_err(without_token)?;
        let (parts, mut body) = response.into_parts();
        if !parts.status.is_success() {
            return Err(self.download_error_answer(&parts, body, &uri).await);
        }
        let content_type = parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let request_id = crate::auth::request_id(&parts.headers);
        if content_type
            .as_deref()
            .is_some_and(|t| t.trim_start().starts_with("application/json"))
        {
            // A file is not JSON: a `2xx` JSON body is WeChat Pay's error, read as error answers
            // are (bounded; a signature it carries must hold).
            return Err(self.download_error_answer(&parts, body, &uri).await);
        }

        let mut context = options.digest.as_ref().map(Digest::context);
        let limit = transport.max_download_bytes();
        let mut len = 0u64;
        let io = |source: std::io::Error| Error::Io {
            what: format!("writing the file from {shown}"),
            source,
        };
        loop {
            let Some(chunk) = next_chunk(&mut body, transport, &uri, &shown).await? else {
                break;
            };
            len += chunk.len() as u64;
            if len > limit {
                return Err(Error::BodyTooLarge {
                    url: shown,
                    limit: usize::try_from(limit).unwrap_or(usize::MAX),
                    attempts: Attempts::default(),
                });
            }
            if let Some(context) = &mut context {
                context.update(&chunk);
            }
            out.write_all(&chunk).await.map_err(io)?;
        }
        out.flush().await.map_err(io)?;
        if let (Some(digest), Some(context)) = (&options.digest, context) {
            let actual = hex(context.finish().as_ref());
            let expected = digest.value().to_ascii_lowercase();
            if actual != expected {
                return Err(Error::FileDigestMismatch {
                    algorithm: digest.algorithm(),
                    expected,
                    actual,
                    url: shown,
                });
            }
        }
        Ok(UnsignedFile {
            len,
            content_type,
            request_id,
            digest_checked: options.digest.is_some(),
        })
    }
}

impl RequestBuilder<'_> {
    /// Sends the request and streams the answer, a file WeChat Pay does not sign, to `out`, as
    /// [`Client::download`] does: for files on paths nobody declared, such as a `download_url`'s
    /// path and query (`v3/transferdownload/signfile?token=…`) or a fapiao file
    /// (`v3/new-tax-control-fapiao/download?…`).
    ///
    /// # Errors
    /// As [`Client::download`]; [`Error::InvalidRequest`] for a path that is not `v3/…`.
    pub async fn download<W: AsyncWrite + Unpin>(
        self,
        out: &mut W,
        options: DownloadOptions,
    ) -> Result<UnsignedFile, Error> {
        let (client, rendered, _) = self.render()?;
        client.download_rendered(&rendered, out, options).await
    }

    /// [`RequestBuilder::download`] into the file `path`, renamed into place only once complete
    /// and checked (see [`Client::download_to_file`]).
    ///
    /// # Errors
    /// As [`RequestBuilder::download`]; the `.part` file is removed on failure.
    pub async fn download_to_file(
        self,
        path: impl AsRef<Path>,
        options: DownloadOptions,
    ) -> Result<UnsignedFile, Error> {
        let (client, rendered, _) = self.render()?;
        let mut part = PartFile::create(path.as_ref()).await?;
        let result = client
            .download_rendered(&rendered, part.file(), options)
            .await;
        part.finish(result).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_parsed_from_answers() {
        let sha256 = "DE731F35146A0BEFADE5DB9D1E468D96C01CA8898119C674FEE9F11F4DBE5529";
        assert_eq!(
            Digest::from_hash("SHA256", sha256).unwrap(),
            Digest::Sha256(sha256.into())
        );
        assert_eq!(
            Digest::from_hash("sha1", "79bb0f45fc4c42234a918000b2668d689e2bde04")
                .unwrap()
                .algorithm(),
            "SHA1"
        );
        let sm3 = Digest::from_hash("SM3", sha256).unwrap_err();
        assert!(sm3.to_string().contains("SM3"), "{sm3}");
        assert!(Digest::from_hash("SHA256", "abc").is_err());
        assert!(Digest::from_hash("SHA1", sha256).is_err());
    }
}
