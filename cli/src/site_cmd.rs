//! `genuine site build`: the brand's landing page as static files. The page
//! verifies the code in its own address in the shopper's browser, with the
//! WebAssembly build of the verifier (`bindings/wasm/pkg`, embedded here
//! when the CLI is built, so a release CLI needs no toolchain) and the
//! bundle and anchor made from the state, as `genuine bundle` makes them.

use crate::CliError;
use crate::state::StateArgs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The page and its script, style, the module and its glue: (path under
/// the site, contents).
const ASSETS: &[(&str, &[u8])] = &[
    ("genuine/page.js", include_bytes!("../../bindings/wasm/site/page.js")),
    ("genuine/page.css", include_bytes!("../../bindings/wasm/site/page.css")),
    ("genuine/icon.svg", include_bytes!("../../bindings/wasm/site/icon.svg")),
    ("genuine/index.js", include_bytes!("../../bindings/wasm/pkg/index.js")),
    ("genuine/genuine_wasm.js", include_bytes!("../../bindings/wasm/pkg/genuine_wasm.js")),
    ("genuine/genuine_wasm_bg.wasm", include_bytes!("../../bindings/wasm/pkg/genuine_wasm_bg.wasm")),
];
const INDEX: &str = include_str!("../../bindings/wasm/site/index.html");

#[derive(clap::Subcommand)]
pub enum SiteAction {
    /// Write the landing page (index.html, its script, the .wasm, the bundle and anchor) to DIR
    Build {
        /// Output directory: serve it from the brand's registered host, next to the feed
        #[arg(long, default_value = "site")]
        out: PathBuf,
        /// The feed's base URL as the page fetches it (default: the page's own host, `/`)
        #[arg(long, default_value = "/")]
        feed: String,
        /// Whose page it is: the brand's name is shown at the top
        #[arg(long)]
        brand: Option<String>,
        /// Seconds the page waits for each feed file before it says it could not update
        #[arg(long, default_value_t = 8)]
        feed_timeout: u64,
        #[command(flatten)]
        state: StateArgs,
    },
}

/// The page's Content-Security-Policy: its own files only, no inline script
/// or style, no eval but WebAssembly's compile, fetches to itself and the feed.
pub fn csp(feed_origin: Option<&str>) -> String {
    let connect = match feed_origin {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".into(),
    };
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; \
         connect-src {connect}; base-uri 'none'; form-action 'none'"
    )
}

/// The origin of an absolute feed URL (for the CSP), `None` for a path on
/// the page's own host; refused unless it is a plain http(s) URL.
fn feed_origin(feed: &str) -> Result<Option<String>, CliError> {
    if feed.starts_with('/') && !feed.starts_with("//") {
        let ok = feed.chars().all(|c| c.is_ascii_alphanumeric() || "-._~/".contains(c));
        return if ok { Ok(None) } else { Err(CliError::msg(format!("--feed {feed:?}: not a plain path"))) };
    }
    genuine::FeedBase::new(feed).map_err(|e| CliError::msg(format!("--feed: {e}")))?;
    let (scheme, rest) = feed.split_once("://").unwrap_or(("", feed));
    let host = rest.split('/').next().unwrap_or("");
    Ok(Some(format!("{}://{}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase())))
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub fn site(action: SiteAction) -> Result<ExitCode, CliError> {
    let SiteAction::Build { out, feed, brand, feed_timeout, state } = action;
    let a = state.load()?;
    a.check_prefixes().map_err(CliError::msg)?;
    let name = match &brand {
        Some(id) => {
            let b = a.brands.get(id).ok_or_else(|| CliError::msg(format!("no brand '{id}' in the state")))?;
            b.record.name.clone()
        }
        None => "Product check".into(),
    };
    let origin = feed_origin(&feed)?;
    let bundle = a.bundle().map_err(CliError::msg)?.encode();
    let config = serde_json::json!({
        "feed": feed,
        "feed_timeout_ms": feed_timeout.saturating_mul(1000),
        "built_at": crate::now_secs(),
    });
    let index = INDEX
        .replace("{{CSP}}", &escape_html(&csp(origin.as_deref())))
        .replace("{{NAME}}", &escape_html(&name));
    let mut files: Vec<(&str, Vec<u8>)> = ASSETS.iter().map(|(p, b)| (*p, b.to_vec())).collect();
    files.push(("index.html", index.into_bytes()));
    files.push(("genuine/trust.bundle", bundle));
    files.push(("genuine/anchor.txt", a.anchor.to_text().into_bytes()));
    files.push(("genuine/site.json", config.to_string().into_bytes()));
    for (path, bytes) in &files {
        write(&out.join(path), bytes)?;
    }
    println!(
        "wrote the landing page to {}: serve it from {}'s registered host, with the feed at {feed}",
        out.display(),
        name
    );
    Ok(ExitCode::SUCCESS)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| CliError::msg(format!("{}: {e}", dir.display())))?;
    }
    std::fs::write(path, bytes).map_err(|e| CliError::msg(format!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csp_names_only_the_page_and_its_feed() {
        assert_eq!(feed_origin("/").unwrap(), None);
        assert_eq!(feed_origin("https://Feed.Example/v/").unwrap().as_deref(), Some("https://feed.example"));
        for bad in [
            "//evil.example/",
            "javascript:alert(1)",
            "https://x.example/a b",
            "/a'b",
            "https://x/;script-src *",
        ] {
            assert!(feed_origin(bad).is_err(), "{bad}");
        }
        let policy = csp(Some("https://feed.example"));
        assert!(policy.contains("connect-src 'self' https://feed.example;"));
        assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"));
    }
}
