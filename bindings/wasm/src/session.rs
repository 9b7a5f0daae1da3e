//! The verifier's state between calls from JavaScript, in plain Rust (so
//! the host's tests run it): the memory store, the sync in progress and how
//! the last one ended. Conversions only; the rules are the core's.

use genuine_format::UnixTime;
use genuine_format::trust::TrustAnchor;
use genuine_format::verdict::Verdict;
use genuine_state::{MemoryState, TrustState};
use genuine_sync::{Answers, FeedBase, FetchError, Round, SyncError, TransportError, fetched, sync_round};
use genuine_sync::{HttpResponse, SyncReport};
use genuine_verify::wording::{self, PageNote, SyncProblem};
use serde_json::json;

/// How the last sync ended, for the note beside the card.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Updated {
    /// No sync has run.
    Never,
    /// Checked and applied, but for these brands, whose documents were
    /// refused (their state stays as the bundle had it).
    Synced(Vec<String>),
    /// Refused: the shopper's kind of problem.
    Failed(SyncProblem),
}

/// A sync in progress: the feed and the answers fetched so far.
struct Run {
    base: FeedBase,
    answers: Answers,
}

/// The memory store behind a `Verifier`, and its syncs.
pub struct Session {
    state: MemoryState,
    run: Option<Run>,
    updated: Updated,
    /// The newest document of the bundle the page was opened with.
    built: UnixTime,
}

/// What one round of a sync ended in.
#[derive(Debug)]
pub enum SyncStep {
    /// Fetch this file (its URL, with at most `cap` bytes) and answer.
    Need {
        /// The feed path, to answer with.
        path: String,
        /// Its URL.
        url: String,
        /// Most bytes to read.
        cap: u64,
    },
    /// Checked and applied.
    Synced(SyncReport),
    /// Refused; nothing changed.
    Refused {
        /// The shopper's kind of problem: `network_retry`, `network_bad_answer`,
        /// `feed_refused`, `storage`, `bad_input`.
        problem: &'static str,
        /// What exactly, for a log.
        detail: String,
    },
}

impl SyncStep {
    /// As JSON for JavaScript.
    pub fn to_json(&self) -> String {
        let value = match self {
            SyncStep::Need { path, url, cap } => json!({ "need": { "path": path, "url": url, "cap": cap } }),
            SyncStep::Synced(report) => json!({ "synced": report }),
            SyncStep::Refused { problem, detail } => {
                json!({ "refused": { "problem": problem, "detail": detail } })
            }
        };
        value.to_string()
    }
}

impl Session {
    /// A memory store trusting `anchor` (an anchor file's text), with `bundle` imported.
    pub fn open(anchor: &str, bundle: &[u8], now: UnixTime) -> Result<Session, String> {
        let anchor = TrustAnchor::from_text(anchor).map_err(|e| format!("anchor: {e}"))?;
        let mut state = MemoryState::new(&anchor);
        state.import_bundle(bundle, now).map_err(|e| format!("bundle: {e}"))?;
        let held = state.held();
        let built = held
            .brands()
            .map(|(id, b)| b.doc.issued_at.max(held.keyset(id).map_or(0, |k| k.doc.issued_at)))
            .max()
            .unwrap_or(0);
        Ok(Session { state, run: None, updated: Updated::Never, built: UnixTime::from_secs(built) })
    }

    /// Starts a sync from the feed at `feed_url`.
    pub fn sync_begin(&mut self, feed_url: &str) -> Result<(), String> {
        let base = FeedBase::new(feed_url).map_err(|e| e.to_string())?;
        self.run = Some(Run { base, answers: Answers::new() });
        Ok(())
    }

    /// One round of the sync begun last.
    pub fn sync_round(&mut self, now: UnixTime) -> SyncStep {
        let Some(run) = &self.run else {
            return self.refused(SyncProblem::BadInput("no sync begun".into()), "no sync begun".into());
        };
        let outcome = sync_round(&mut self.state, &run.answers, now);
        let step = match outcome {
            Ok(Round::Need(file)) => match run.base.url(&file.path) {
                Ok(url) => return SyncStep::Need { path: file.path, url, cap: file.cap },
                Err(e) => Err(SyncError::Fetch(e)),
            },
            Ok(Round::Synced(report)) => Ok(report),
            Err(e) => Err(e),
        };
        self.run = None;
        match step {
            Ok(report) => {
                self.updated = Updated::Synced(report.refused.iter().map(|r| r.brand_id.clone()).collect());
                SyncStep::Synced(report)
            }
            Err(e) => self.refused(problem(&e), e.to_string()),
        }
    }

    fn refused(&mut self, problem: SyncProblem, detail: String) -> SyncStep {
        let name = match &problem {
            SyncProblem::NetworkRetry => "network_retry",
            SyncProblem::NetworkBadAnswer => "network_bad_answer",
            SyncProblem::FeedRefused => "feed_refused",
            SyncProblem::Storage => "storage",
            SyncProblem::BadInput(_) => "bad_input",
            SyncProblem::Internal => "internal",
        };
        self.updated = Updated::Failed(problem);
        SyncStep::Refused { problem: name, detail }
    }

    /// The answer for `path` in the sync in progress.
    pub fn sync_answer(&mut self, path: &str, status: u16, body: Vec<u8>, etag: Option<String>) {
        if let Some(run) = &mut self.run {
            let outcome = fetched(path, u64::MAX, false, Ok(HttpResponse { status, etag, body }));
            run.answers.answer(path, outcome);
        }
    }

    /// `path` could not be fetched.
    pub fn sync_failed(&mut self, path: &str, failure: &str, detail: &str) {
        if let Some(run) = &mut self.run {
            let error = match failure {
                "timeout" => TransportError::Timeout,
                "too_large" => TransportError::TooLarge,
                _ => TransportError::Failed(detail.chars().take(200).collect()),
            };
            run.answers.answer(path, fetched(path, 0, false, Err(error)));
        }
    }

    /// A code's verdict, its card and the page's notes, as JSON.
    pub fn verify(&self, text: &str, now: UnixTime) -> Result<String, String> {
        let verdict = genuine_verify::verify(&self.state, text, now).map_err(|e| e.to_string())?;
        let words = wording::english();
        let card = words.describe(&verdict);
        let index = self.state.key_index().map_err(|e| e.to_string())?;
        let brand = match &verdict {
            Verdict::Authentic(a) => Some((&a.product.host, &a.issuer)),
            Verdict::Revoked { product, issuer, .. } => Some((&product.host, issuer)),
            _ => None,
        };
        let claimed_host = match &verdict {
            Verdict::Forged { claimed, .. } | Verdict::UnknownIssuer { claimed, .. } => Some(&claimed.host),
            _ => None,
        };
        let host_note = match (brand, claimed_host) {
            (Some((here, issuer)), _) => Some(words.page_note(&PageNote::Hosts {
                here,
                brand: &issuer.brand_name,
                hosts: index.hosts_of(&issuer.brand_id),
            })),
            (None, Some(here)) => Some(words.page_note(&PageNote::Here { here })),
            (None, None) => None,
        };
        let refused_brand = |refused: &[String]| brand.is_some_and(|(_, i)| refused.contains(&i.brand_id));
        let update_note = match &self.updated {
            Updated::Synced(refused) if refused_brand(refused) => {
                Some(words.page_note(&PageNote::UpdateRefused { built: self.built }))
            }
            Updated::Synced(_) => None,
            Updated::Failed(SyncProblem::FeedRefused) => {
                Some(words.page_note(&PageNote::UpdateRefused { built: self.built }))
            }
            Updated::Never | Updated::Failed(_) => {
                Some(words.page_note(&PageNote::NotUpdated { built: self.built }))
            }
        };
        let value = json!({
            "verdict": verdict.kind(),
            "result": verdict,
            "tone_rgb": format!("#{:06x}", card.tone.argb() & 0xFF_FFFF),
            "card": card,
            "updated": update_note.is_none() && matches!(self.updated, Updated::Synced(_)),
            "notes": { "update": update_note, "host": host_note },
        });
        Ok(value.to_string())
    }

    /// How current the state is at `now`.
    pub fn status(&self, now: UnixTime) -> String {
        let last = self.state.last_timestamp();
        let freshness = genuine_format::verdict::Freshness::at(last, now);
        let words = wording::english().status(last, &freshness);
        json!({ "last_sync": last.map(UnixTime::as_secs), "freshness": freshness, "words": words })
            .to_string()
    }
}

/// The shopper's kind of problem for a refused sync (as the phones' SDK maps it).
fn problem(e: &SyncError) -> SyncProblem {
    match e {
        e if e.is_transient() => SyncProblem::NetworkRetry,
        SyncError::Cancelled => SyncProblem::NetworkRetry,
        SyncError::Fetch(FetchError::Pending(_)) => SyncProblem::Internal,
        SyncError::Fetch(_) => SyncProblem::NetworkBadAnswer,
        SyncError::Store(_) => SyncProblem::Storage,
        _ => SyncProblem::FeedRefused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genuine_tests::demo::{self, NOW};

    fn opened(a: &genuine_issuer::authority::Authority) -> Session {
        Session::open(&a.anchor.to_text(), &a.bundle().unwrap().encode(), UnixTime::from_secs(NOW)).unwrap()
    }

    /// Runs a sync in rounds, answering from the feed directory (a missing
    /// file a 404) and letting `answer` replace any answer.
    fn synced(s: &mut Session, dir: &std::path::Path, hostile: Option<(&str, u16, Vec<u8>)>) -> String {
        s.sync_begin("https://feed.example/base/").unwrap();
        for _ in 0..64 {
            let step = s.sync_round(UnixTime::from_secs(NOW + 60));
            let SyncStep::Need { path, url, cap } = step else { return step.to_json() };
            assert_eq!(url, format!("https://feed.example/base/{path}"));
            assert!(cap > 0);
            match (&hostile, std::fs::read(dir.join(&path))) {
                (Some((p, status, body)), _) if *p == path => {
                    s.sync_answer(&path, *status, body.clone(), None)
                }
                (_, Ok(body)) => s.sync_answer(&path, 200, body, Some("\"e\"".into())),
                (_, Err(_)) => s.sync_answer(&path, 404, Vec::new(), None),
            }
        }
        panic!("no end of rounds");
    }

    fn checked(s: &Session, text: &str) -> serde_json::Value {
        serde_json::from_str(&s.verify(text, UnixTime::from_secs(NOW + 60)).unwrap()).unwrap()
    }

    #[test]
    fn a_page_opens_syncs_in_rounds_and_verifies_with_the_notes_it_needs() {
        let mut a = demo::authority();
        let feed = tempfile::tempdir().unwrap();
        let fixtures = demo::fixtures(&a);
        let genuine = &fixtures[0].text;
        let mut s = opened(&a);
        // Before any sync: the bundle's verdict, said to be not updated.
        let before = checked(&s, genuine);
        assert_eq!(before["verdict"], "authentic");
        assert_eq!(before["updated"], false);
        assert!(before["notes"]["update"].as_str().unwrap().contains("Couldn't reach"), "{before}");
        assert!(before["notes"]["host"].as_str().unwrap().contains("id.acme.example"), "{before}");
        assert_eq!(before["tone_rgb"], "#1b7f3b");

        let link = genuine_format::link::DigitalLink::parse(genuine).unwrap();
        a.revoke(
            "acme",
            genuine_format::revocation::ListKind::Revoked,
            link.data.gtin(),
            link.data.serial().unwrap(),
        )
        .unwrap();
        a.publish(feed.path(), NOW, 86_400, false).unwrap();
        let done = synced(&mut s, feed.path(), None);
        assert!(done.starts_with("{\"synced\""), "{done}");
        let after = checked(&s, genuine);
        assert_eq!(after["verdict"], "revoked");
        assert_eq!(after["updated"], true);
        assert!(after["notes"]["update"].is_null());

        // A hostile answer: refused with a problem the page can word, the state as it was.
        let mut s = opened(&a);
        let refused = synced(&mut s, feed.path(), Some(("v1/timestamp", 200, vec![0xA5; 64])));
        assert!(refused.contains("\"problem\":\"feed_refused\""), "{refused}");
        assert_eq!(checked(&s, genuine)["verdict"], "authentic");
        assert!(checked(&s, genuine)["notes"]["update"].as_str().unwrap().contains("failed a safety check"));
        let mut s = opened(&a);
        let refused = synced(&mut s, feed.path(), Some(("v1/timestamp", 503, Vec::new())));
        assert!(refused.contains("\"problem\":\"network_retry\""), "{refused}");
        s.sync_begin("https://feed.example/").unwrap();
        s.sync_failed("v1/root/2", "too_large", "");
        let step = s.sync_round(UnixTime::from_secs(NOW));
        assert!(step.to_json().contains("network_bad_answer"), "{}", step.to_json());
    }

    #[test]
    fn bad_openings_are_errors_not_panics() {
        let a = demo::authority();
        let bundle = a.bundle().unwrap().encode();
        assert!(Session::open("not an anchor", &bundle, UnixTime::from_secs(NOW)).is_err());
        assert!(Session::open(&a.anchor.to_text(), b"\xff\x00junk", UnixTime::from_secs(NOW)).is_err());
        let mut s = opened(&a);
        assert!(s.sync_begin("javascript:alert(1)").is_err());
        assert!(s.sync_round(UnixTime::from_secs(NOW)).to_json().contains("bad_input"));
        assert_eq!(checked(&s, "https://example.com/x")["verdict"], "not_signed");
        assert_eq!(checked(&s, &"x".repeat(100_000))["verdict"], "not_signed");
    }
}
