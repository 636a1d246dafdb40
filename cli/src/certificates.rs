//! `wechatpay certificates download`: what the official `CertificateDownloader` tools do.

use std::path::PathBuf;

use wechatpay::{Client, ClientBuilder};

use crate::{Failure, exit};

/// Downloads, decrypts and verifies the platform certificates, and writes each as
/// `DIR/wechatpay_<serial>.pem`.
pub async fn download(out: PathBuf) -> Result<(), Failure> {
    // A merchant downloading its first certificates has none to verify with yet: the answer is
    // then verified with the certificates it lists, each authenticated by the APIv3 key.
    let client: Client = ClientBuilder::from_env()?
        .platform_certificates_from_api()
        .build()?;
    let certificates = client.download_certificates().await?;
    if certificates.is_empty() {
        return Err(Failure::new(
            exit::FAILURE,
            "WeChat Pay listed no certificate that is still valid",
        ));
    }
    std::fs::create_dir_all(&out).map_err(|e| {
        Failure::new(
            exit::FAILURE,
            format!("cannot create the directory {} ({e})", out.display()),
        )
    })?;
    for certificate in &certificates {
        let path = out.join(format!("wechatpay_{}.pem", certificate.serial));
        std::fs::write(&path, &certificate.pem).map_err(|e| {
            Failure::new(
                exit::FAILURE,
                format!("cannot write {} ({e})", path.display()),
            )
        })?;
        println!(
            "{}  valid {} .. {}  {}",
            certificate.serial,
            certificate.effective_time,
            certificate.expire_time,
            path.display()
        );
    }
    Ok(())
}
