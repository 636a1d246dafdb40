//! `wechatpay call`: one signed request through the client's escape hatch.

use http::Method;
use serde_json::value::RawValue;
use wechatpay::Client;

use crate::{Failure, exit};

/// The arguments of `wechatpay call`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The HTTP method: GET, POST, PUT, PATCH or DELETE.
    method: String,
    /// The API path as documented, e.g. v3/pay/transactions/out-trade-no/{out_trade_no} filled in.
    path: String,
    /// The JSON body, inline or as @FILE (sent byte for byte as given, after a check that it is JSON).
    #[arg(long, value_name = "JSON|@FILE")]
    json: Option<String>,
    /// A query parameter, repeatable: --query mchid=1900000001.
    #[arg(long, value_name = "KEY=VALUE")]
    query: Vec<String>,
}

pub async fn run(client: &Client, args: Args) -> Result<(), Failure> {
    let method = match args.method.to_ascii_uppercase().as_str() {
        "GET" => Method::GET,
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        "PATCH" => Method::PATCH,
        "DELETE" => Method::DELETE,
        other => {
            return Err(Failure::new(
                exit::USAGE,
                format!(
                    "`{other}` is not a method WeChat Pay uses: GET, POST, PUT, PATCH or DELETE"
                ),
            ));
        }
    };
    let query = args
        .query
        .iter()
        .map(|pair| {
            pair.split_once('=').ok_or_else(|| {
                Failure::new(
                    exit::USAGE,
                    format!("--query `{pair}`: expected KEY=VALUE, like --query mchid=1900000001"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let body = args.json.as_deref().map(read_json).transpose()?;
    let mut request = client.request(method, &args.path);
    if !query.is_empty() {
        request = request.query(&query);
    }
    if let Some(body) = &body {
        request = request.json(body);
    }
    let answer = request.send().await?;
    eprintln!(
        "{} Request-ID {}",
        answer.status(),
        answer.request_id().unwrap_or("(none)")
    );
    let text = answer.body();
    if text.is_empty() {
        return Ok(());
    }
    match serde_json::from_slice::<serde_json::Value>(text) {
        Ok(value) => println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        ),
        Err(_) => println!("{}", String::from_utf8_lossy(text)),
    }
    Ok(())
}

/// `--json` as given, or the contents of `@file`, checked to be one JSON value.
fn read_json(argument: &str) -> Result<Box<RawValue>, Failure> {
    let (text, origin) = match argument.strip_prefix('@') {
        Some(path) => (
            std::fs::read_to_string(path).map_err(|e| {
                Failure::new(
                    exit::FAILURE,
                    format!("--json @{path}: cannot read the file ({e})"),
                )
            })?,
            format!("--json @{path}"),
        ),
        None => (argument.to_owned(), "--json".to_owned()),
    };
    RawValue::from_string(text.trim().to_owned()).map_err(|e| {
        Failure::new(
            exit::USAGE,
            format!("{origin}: not JSON ({e}); pass a JSON object, e.g. --json '{{\"echo_message\":\"hello\"}}'"),
        )
    })
}
