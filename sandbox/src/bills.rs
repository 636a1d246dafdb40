//! The sandbox's bills: trade and fund-flow bills generated row by row, of any size, served as an
//! unsigned stream whose SHA-1 the signed bill answer gave, as WeChat Pay serves them.

use std::pin::Pin;
use std::task::{Context, Poll};

use aws_lc_rs::digest;
use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

/// What one download token stands for.
#[derive(Debug, Clone)]
pub(crate) struct BillSpec {
    pub(crate) kind: BillKind,
    pub(crate) bill_date: String,
    pub(crate) rows: u64,
    pub(crate) gzip: bool,
    /// Flip one byte in the stream (a meddling proxy): the digest no longer matches.
    pub(crate) tamper: bool,
    /// Serve a gzip bomb of this many unpacked bytes instead of the rows (gzip bills only).
    pub(crate) bomb: Option<u64>,
}

/// Which bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BillKind {
    Trade,
    FundFlow,
}

/// About 64 KiB of text per chunk.
const CHUNK: usize = 64 * 1024;

impl BillSpec {
    /// Row `index` of the bill (the header is row 0), in WeChat Pay's backtick-quoted CSV style.
    fn row(&self, index: u64, out: &mut Vec<u8>) {
        use std::io::Write as _;
        let date = &self.bill_date;
        let _ = match (self.kind, index) {
            (BillKind::Trade, 0) => writeln!(
                out,
                "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率"
            ),
            (BillKind::Trade, i) => writeln!(
                out,
                "`{date} 10:{:02}:{:02},`wxd678efh567hg6787,`1900000001,`0,`,`42000000{:012},`papay{:012},`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`PAP,`SUCCESS,`OTHERS,`CNY,`{}.{:02},`0.00,`0,`0,`0.00,`0.00,`,`,`月度会员,`,`0.00600,`0.60%",
                i / 60 % 60,
                i % 60,
                i,
                i,
                10 + i % 90,
                i % 100
            ),
            (BillKind::FundFlow, 0) => writeln!(
                out,
                "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）,资金变更提交申请人,备注,业务凭证号"
            ),
            (BillKind::FundFlow, i) => writeln!(
                out,
                "`{date} 11:{:02}:{:02},`42000000{:012},`{:020},`交易,`交易,`收入,`{}.00,`{}.00,`system,`,`papay{:012}",
                i / 60 % 60,
                i % 60,
                i,
                i,
                10 + i % 90,
                1000 + i,
                i
            ),
        };
    }

    /// A fresh stream of the bill's bytes.
    pub(crate) fn body(&self) -> BillBody {
        BillBody {
            spec: self.clone(),
            bomb: self
                .bomb
                .filter(|_| self.gzip)
                .map(|inflated| Bytes::from(gzip_bomb(inflated))),
            next_row: 0,
            encoder: self
                .gzip
                .then(|| flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast())),
            finished: false,
            tampered: false,
            file: None,
        }
    }

    /// The SHA-1 of the bytes the stream sends, hex (the gzip file when compressed): the
    /// bill is generated once more to compute it, so no bill is ever held in memory.
    pub(crate) fn sha1(&self) -> String {
        let mut context = digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY);
        let mut body = BillSpec {
            tamper: false,
            ..self.clone()
        }
        .body();
        while let Some(chunk) = body.next_chunk() {
            context.update(&chunk);
        }
        context
            .finish()
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A gzip file of `inflated` zero bytes, about a thousand times smaller: the compressed form of
/// one MiB of zeros repeats, so the file is built without compressing all of it (and its CRC
/// combined per MiB), in milliseconds even for gigabytes.
fn gzip_bomb(inflated: u64) -> Vec<u8> {
    use flate2::{Compress, Compression, Crc, FlushCompress};
    const MIB: usize = 1024 * 1024;
    /// Compresses all of `input` and flushes as `flush` says.
    fn deflate(compress: &mut Compress, input: &[u8], flush: FlushCompress) -> Vec<u8> {
        let mut out = Vec::with_capacity(input.len() / 512 + 1024);
        let start = compress.total_in();
        loop {
            out.reserve(64 * 1024);
            let consumed = usize::try_from(compress.total_in() - start).unwrap_or(usize::MAX);
            let status = compress
                .compress_vec(&input[consumed..], &mut out, flush)
                .unwrap_or(flate2::Status::StreamEnd);
            let consumed = usize::try_from(compress.total_in() - start).unwrap_or(usize::MAX);
            // Done at the end of the stream, or once all input is in and the flush left room
            // unused (so nothing more is pending).
            let room_left = out.len() < out.capacity();
            if status == flate2::Status::StreamEnd
                || (consumed == input.len() && room_left && !matches!(flush, FlushCompress::Finish))
            {
                return out;
            }
        }
    }
    let zeros = vec![0u8; MIB];
    let mut mib_crc = Crc::new();
    mib_crc.update(&zeros);
    let mut crc = Crc::new();
    // gzip header: deflate, no name, no time, maximum compression, unknown OS.
    let mut file = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255];
    let mut compress = Compress::new(Compression::best(), false);
    let mut previous: Option<Vec<u8>> = None;
    let mut repeating = false;
    for _ in 0..inflated / MIB as u64 {
        let segment = match &previous {
            Some(segment) if repeating => segment.clone(),
            _ => {
                // Each MiB ends with a sync flush (byte-aligned, the window all zeros): once two
                // in a row come out the same, every further one would too.
                let segment = deflate(&mut compress, &zeros, FlushCompress::Sync);
                repeating = previous.as_ref() == Some(&segment);
                segment
            }
        };
        file.extend_from_slice(&segment);
        crc.combine(&mib_crc);
        previous = Some(segment);
    }
    let rest = usize::try_from(inflated % MIB as u64).unwrap_or(0);
    file.extend(deflate(
        &mut compress,
        &zeros[..rest],
        FlushCompress::Finish,
    ));
    let mut rest_crc = Crc::new();
    rest_crc.update(&zeros[..rest]);
    crc.combine(&rest_crc);
    file.extend_from_slice(&crc.sum().to_le_bytes());
    // ISIZE: the length modulo 2^32.
    file.extend_from_slice(&((inflated & 0xFFFF_FFFF) as u32).to_le_bytes());
    file
}

/// The streamed bill: rows are generated (and compressed) chunk by chunk.
pub(crate) struct BillBody {
    spec: BillSpec,
    /// A gzip bomb, served instead of the rows: what is left of it to send.
    bomb: Option<Bytes>,
    next_row: u64,
    encoder: Option<flate2::write::GzEncoder<Vec<u8>>>,
    finished: bool,
    tampered: bool,
    /// A stored file (complaint image, e-receipt): its type, and the pause before each chunk
    /// (a slow body).
    file: Option<FileMode>,
}

/// How a stored file is served ([`BillBody::file`]).
struct FileMode {
    content_type: &'static str,
    pause: Option<std::time::Duration>,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

/// The chunk size of a file served slowly.
const SLOW_CHUNK: usize = 512;

impl BillBody {
    /// A stored file, served as it is (unsigned, in chunks), with a pause before each chunk when
    /// `pause` is given.
    pub(crate) fn file(
        bytes: Bytes,
        content_type: &'static str,
        pause: Option<std::time::Duration>,
    ) -> Self {
        let mut body = BillSpec {
            kind: BillKind::Trade,
            bill_date: String::new(),
            rows: 0,
            gzip: false,
            tamper: false,
            bomb: None,
        }
        .body();
        body.bomb = Some(bytes);
        body.file = Some(FileMode {
            content_type,
            pause,
            sleep: None,
        });
        body
    }

    /// The `Content-Type` of a stored file.
    pub(crate) fn content_type(&self) -> Option<&'static str> {
        self.file.as_ref().map(|file| file.content_type)
    }

    fn next_chunk(&mut self) -> Option<Bytes> {
        if let (Some(bomb), Some(FileMode { pause: Some(_), .. })) = (&mut self.bomb, &self.file) {
            if bomb.is_empty() {
                self.finished = true;
                return None;
            }
            return Some(bomb.split_to(bomb.len().min(SLOW_CHUNK)));
        }
        use std::io::Write as _;
        if let Some(bomb) = &mut self.bomb {
            if bomb.is_empty() {
                self.finished = true;
                return None;
            }
            return Some(bomb.split_to(bomb.len().min(CHUNK)));
        }
        loop {
            if self.finished {
                return None;
            }
            let mut text = Vec::with_capacity(CHUNK + 512);
            while text.len() < CHUNK && self.next_row <= self.spec.rows {
                self.spec.row(self.next_row, &mut text);
                self.next_row += 1;
            }
            let last = self.next_row > self.spec.rows;
            let mut chunk = match &mut self.encoder {
                None => text,
                Some(encoder) => {
                    // Writing to a Vec cannot fail.
                    let _ = encoder.write_all(&text);
                    if last {
                        let encoder = self.encoder.take()?;
                        encoder.finish().unwrap_or_default()
                    } else {
                        std::mem::take(encoder.get_mut())
                    }
                }
            };
            if last {
                self.finished = true;
            }
            if self.spec.tamper && !self.tampered && chunk.len() > 64 {
                let middle = chunk.len() / 2;
                chunk[middle] ^= 0x01;
                self.tampered = true;
            }
            if !chunk.is_empty() {
                return Some(Bytes::from(chunk));
            }
        }
    }
}

impl Body for BillBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Some(FileMode {
            pause: Some(pause),
            sleep,
            ..
        }) = &mut this.file
            && !this.finished
        {
            let timer = sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(*pause)));
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            *sleep = None;
        }
        Poll::Ready(this.next_chunk().map(|chunk| Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.finished
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gzip_bomb_is_a_valid_gzip_file_of_the_size_asked() {
        use std::io::Read as _;
        for inflated in [0u64, 1000, 3 * 1024 * 1024 + 17, 9 * 1024 * 1024] {
            let bomb = gzip_bomb(inflated);
            assert!(bomb.len() as u64 <= inflated / 500 + 1024, "{}", bomb.len());
            let mut decoder = flate2::read::GzDecoder::new(&bomb[..]);
            let mut unpacked = Vec::new();
            decoder.read_to_end(&mut unpacked).unwrap();
            assert_eq!(unpacked.len() as u64, inflated);
            assert!(unpacked.iter().all(|&b| b == 0));
        }
    }
}
