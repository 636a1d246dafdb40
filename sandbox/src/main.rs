//! `wechatpay-sandbox`: the offline WeChat Pay API v3, for any client in any language.
//!
//! ```text
//! wechatpay-sandbox --listen 127.0.0.1:8080 [--keys-dir DIR]
//! ```
//!
//! Keys and ids come from the environment (`WECHATPAY_MCHID`, `WECHATPAY_MERCHANT_SERIAL`,
//! `WECHATPAY_MERCHANT_PRIVATE_KEY` or `WECHATPAY_MERCHANT_PUBLIC_KEY`,
//! `WECHATPAY_PLATFORM_PRIVATE_KEY`, `WECHATPAY_PUBLIC_KEY_ID`, `WECHATPAY_APIV3_KEY`), then from
//! the keys directory of an earlier run; whatever is still unset is generated. The keys are written
//! to the keys directory and every variable a client needs is printed as an `export` line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use wechatpay_sandbox::SandboxBuilder;

const HELP: &str = "\
The offline WeChat Pay API v3: checks request signatures as WeChat Pay does, signs its answers,
keeps papay, payment and refund state, and sends signed, encrypted callbacks.

Usage: wechatpay-sandbox [--listen ADDR] [--keys-dir DIR]

Options:
  --listen ADDR     the address to listen on [default: 127.0.0.1:0, a free port]
  --keys-dir DIR    where the keys are written, and read from when an earlier run left them
                    there [default: a new directory under the system's temporary directory]
  -h, --help        this text
  -V, --version     the version

Keys and ids come from WECHATPAY_MCHID, WECHATPAY_MERCHANT_SERIAL,
WECHATPAY_MERCHANT_PRIVATE_KEY (or WECHATPAY_MERCHANT_PUBLIC_KEY), WECHATPAY_PLATFORM_PRIVATE_KEY,
WECHATPAY_PUBLIC_KEY_ID and WECHATPAY_APIV3_KEY, then from the keys directory; whatever is still
unset is generated. It prints an `export` line for every variable a client needs, also written
to DIR/sandbox.env. In a shell or a CI job:

  wechatpay-sandbox --listen 127.0.0.1:8080 --keys-dir /tmp/wechatpay > /tmp/sandbox.env &
  until grep -q WECHATPAY_APIV3_KEY /tmp/sandbox.env; do sleep 0.2; done
  . /tmp/sandbox.env   # then run any WeChat Pay client against $WECHATPAY_BASE_URL
";

struct Args {
    listen: SocketAddr,
    keys_dir: Option<PathBuf>,
}

/// What the command line asks for: a run, or a text to print and exit 0.
enum Parsed {
    Run(Args),
    Print(String),
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Parsed, String> {
    let mut listen = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut keys_dir = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value; try --help"))
        };
        match name.as_str() {
            "--listen" => {
                let text = value("--listen")?;
                listen = text.parse().map_err(|e| {
                    format!("--listen {text}: not an address like 127.0.0.1:8080 ({e})")
                })?;
            }
            "--keys-dir" => keys_dir = Some(PathBuf::from(value("--keys-dir")?)),
            "-h" | "--help" => return Ok(Parsed::Print(HELP.to_owned())),
            "-V" | "--version" => {
                return Ok(Parsed::Print(format!(
                    "wechatpay-sandbox {}\n",
                    env!("CARGO_PKG_VERSION")
                )));
            }
            other => return Err(format!("unknown argument `{other}`; try --help")),
        }
    }
    Ok(Parsed::Run(Args { listen, keys_dir }))
}

async fn run(args: Args) -> Result<(), wechatpay::Error> {
    let keys_dir = args.keys_dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("wechatpay-sandbox-{}", std::process::id()))
    });
    let sandbox = SandboxBuilder::from_env_and_dir(&keys_dir)?
        .listen(args.listen)
        .start()
        .await?;
    let env = sandbox.write_env(&keys_dir)?;
    println!("# WeChat Pay sandbox listening on {}", sandbox.base_url());
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
    eprintln!(
        "stopped after {} requests on {} connections",
        sandbox.requests_received(),
        sandbox.connections_accepted()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Parsed::Run(args)) => args,
        Ok(Parsed::Print(text)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}");
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
