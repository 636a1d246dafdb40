//! Runs the WeChat Pay sandbox on its own, so any WeChat Pay client can be pointed at it.
//!
//! ```text
//! cargo run --example sandbox -- --listen 127.0.0.1:8080 [--keys-dir DIR]
//! ```
//!
//! Keys and ids come from the environment (`WECHATPAY_MCHID`, `WECHATPAY_MERCHANT_SERIAL`,
//! `WECHATPAY_MERCHANT_PRIVATE_KEY` or `WECHATPAY_MERCHANT_PUBLIC_KEY`,
//! `WECHATPAY_PLATFORM_PRIVATE_KEY`, `WECHATPAY_PUBLIC_KEY_ID`); whatever is unset is generated.
//! The keys are written to the keys directory (default: a new temporary one) and
//! printed as `export` lines. Stops on Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use wechatpay::sandbox::SandboxBuilder;

struct Args {
    listen: SocketAddr,
    keys_dir: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut listen = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut keys_dir =
        std::env::temp_dir().join(format!("wechatpay-sandbox-{}", std::process::id()));
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--listen" => {
                let text = value("--listen")?;
                listen = text.parse().map_err(|e| {
                    format!("--listen {text}: not an address like 127.0.0.1:8080 ({e})")
                })?;
            }
            "--keys-dir" => keys_dir = PathBuf::from(value("--keys-dir")?),
            "-h" | "--help" => {
                return Err("usage: sandbox [--listen 127.0.0.1:PORT] [--keys-dir DIR]".into());
            }
            other => return Err(format!("unknown argument `{other}`; try --help")),
        }
    }
    Ok(Args { listen, keys_dir })
}

async fn run(args: Args) -> Result<(), wechatpay::Error> {
    let sandbox = SandboxBuilder::from_env()?
        .listen(args.listen)
        .start()
        .await?;
    let env = sandbox.write_env(&args.keys_dir)?;
    println!("WeChat Pay sandbox listening on {}", sandbox.base_url());
    println!("# point a client at it with:");
    for (name, value) in env {
        println!("export {name}={value}");
    }
    tokio::signal::ctrl_c()
        .await
        .map_err(|source| wechatpay::Error::Io {
            what: "waiting for Ctrl-C".into(),
            source,
        })?;
    println!(
        "stopped after {} requests on {} connections",
        sandbox.requests_received(),
        sandbox.connections_accepted()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
