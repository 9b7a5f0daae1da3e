//! `genuine collect send`: what a phone sends to its brand's collector, from
//! the command line, so that copied-code detection can be tried (and a
//! collector checked) without a phone. Nothing here builds the wire format:
//! a new install's store verifies the code and queues the report, and the
//! SDK's own `upload_reports` / `report_fake` send it (docs/CLONES.md).

use crate::CliError;
use crate::verify_cmd::{Input, codes_in, fresh_phone};
use genuine::reporting::{FAKE_REASONS, FakeReportError, report_fake, upload_reports};
use genuine::{CancelToken, HttpRequest, HttpResponse, PostRequest, Transport, TransportError};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

/// What to send, and as which phone.
#[derive(clap::Args)]
pub struct SendArgs {
    /// The code: its URL, or an image file with it
    code: String,
    /// Where the phone was, as a geohash (cut to 5 characters, a cell about
    /// 5 km across, as the SDK cuts it)
    #[arg(long, value_name = "GEOHASH")]
    place: Option<String>,
    /// The network this phone stands for, sent as X-Forwarded-For. Only a
    /// collector started with --demo (or one that trusts the sender as its
    /// proxy) takes it; any other counts the sender's own address
    #[arg(long, value_name = "ADDRESS")]
    network: Option<IpAddr>,
    /// Send a shopper's report of a suspected fake, for this reason, instead
    /// of a scan report
    #[arg(long, value_name = "REASON", value_parser = FAKE_REASONS)]
    report: Option<String>,
    /// The report's note (with --report)
    #[arg(long, requires = "report", default_value = "")]
    note: String,
    /// The report's photo, one JPEG (with --report; its metadata is dropped
    /// before it is sent)
    #[arg(long, requires = "report")]
    photo: Option<PathBuf>,
    /// Pinned root keys of the phone's app [default: the embedded demo anchor]
    #[arg(long)]
    anchor: Option<PathBuf>,
    /// Trust bundle the app ships, which names the brand's collector
    /// [default: the embedded demo bundle, with the demo anchor]
    #[arg(long)]
    bundle: Option<PathBuf>,
}

/// How long the collector has to answer.
const TIMEOUT: Duration = Duration::from_secs(20);

/// The SDK's reqwest transport, with the network this phone stands for as
/// a header, keeping the collector's last answer to show it.
struct Phone {
    http: genuine::ReqwestTransport,
    answer: Mutex<Option<String>>,
}

impl Phone {
    fn new(network: Option<IpAddr>) -> Result<Phone, CliError> {
        let mut builder = genuine::ReqwestTransport::client_builder().map_err(CliError::msg)?;
        if let Some(network) = network {
            let mut headers = reqwest::header::HeaderMap::new();
            let value =
                reqwest::header::HeaderValue::from_str(&network.to_string()).map_err(CliError::msg)?;
            headers.insert("x-forwarded-for", value);
            builder = builder.default_headers(headers);
        }
        let client = builder.build().map_err(CliError::msg)?;
        let http = genuine::ReqwestTransport::with_client(client).map_err(CliError::msg)?;
        Ok(Phone { http, answer: Mutex::new(None) })
    }

    fn answer(&self) -> String {
        self.answer.lock().map(|a| a.clone()).ok().flatten().unwrap_or_else(|| "no answer".into())
    }
}

impl Transport for Phone {
    fn get(&self, request: &HttpRequest<'_>) -> Result<HttpResponse, TransportError> {
        self.http.get(request)
    }

    fn post(&self, request: &PostRequest<'_>) -> Result<HttpResponse, TransportError> {
        let result = self.http.post(request);
        let said = match &result {
            Ok(r) => format!("{} answered {}: {}", request.url, r.status, String::from_utf8_lossy(&r.body)),
            Err(e) => format!("{}: {e}", request.url),
        };
        if let Ok(mut answer) = self.answer.lock() {
            *answer = Some(said);
        }
        result
    }
}

/// Why a brand's phones would send nothing: its record names no collector.
fn no_collector(brand: &str) -> CliError {
    CliError::msg(format!(
        "brand '{brand}' names no collector, so its phones send nothing: \
         `genuine brand edit --brand {brand} --collector URL`, then `genuine bundle`, and send with that bundle"
    ))
}

pub fn send(args: &SendArgs) -> Result<ExitCode, CliError> {
    let input = Input::guess(args.code.clone())?;
    let codes = codes_in(&input)?;
    let mut phone = fresh_phone(args.anchor.as_deref(), args.bundle.as_deref())?;
    let transport = Phone::new(args.network)?;
    let now = genuine::device_now();
    let cancel = CancelToken::default();
    let from = args.network.map_or(String::new(), |n| format!(" as network {n}"));
    if let Some(reason) = &args.report {
        let photo = match &args.photo {
            Some(path) => Some(
                std::fs::read(path).map_err(|e| CliError::msg(format!("--photo {}: {e}", path.display())))?,
            ),
            None => None,
        };
        for code in &codes {
            let place = args.place.as_deref();
            report_fake(
                &mut phone,
                &transport,
                code,
                reason,
                &args.note,
                photo.as_deref(),
                place,
                now,
                TIMEOUT,
                &cancel,
            )
            .map_err(|e| match e {
                FakeReportError::NoCollector(brand) => no_collector(&brand),
                FakeReportError::Network(_) => CliError::msg(format!("{e} ({})", transport.answer())),
                e => CliError::msg(e),
            })?;
            println!("reported a suspected fake{from}: {}", transport.answer());
        }
        return Ok(ExitCode::SUCCESS);
    }
    // A phone whose user turned reporting on, scanning the codes: only
    // GENUINE and REVOKED verdicts are reported (the collector verifies again).
    phone.set_reporting(true).map_err(CliError::msg)?;
    let mut brand = String::new();
    for code in &codes {
        let verdict = genuine::verify(&phone, code, now).map_err(CliError::msg)?;
        let queued = genuine::reporting::record_scan(&mut phone, code, &verdict, now, args.place.as_deref())
            .map_err(CliError::msg)?;
        match &verdict {
            genuine::Verdict::Authentic(a) if queued => brand.clone_from(&a.issuer.brand_id),
            genuine::Verdict::Revoked { issuer, .. } if queued => brand.clone_from(&issuer.brand_id),
            _ => {
                let said = crate::report::human(&verdict, code, args.anchor.is_none());
                return Err(CliError::msg(format!(
                    "a phone reports only GENUINE and REVOKED codes, and this one is not: {}",
                    said.lines().next().unwrap_or_default()
                )));
            }
        }
    }
    let sent = upload_reports(&mut phone, &transport, TIMEOUT, &cancel).map_err(CliError::msg)?;
    if sent.no_collector > 0 {
        return Err(no_collector(&brand));
    }
    if sent.sent == 0 {
        return Err(CliError::msg(format!("the collector did not take it: {}", transport.answer())));
    }
    println!("sent {} scan report(s) from a new install{from}: {}", sent.sent, transport.answer());
    Ok(ExitCode::SUCCESS)
}
