//! What a shopper reads for each verdict, written once for every app.
//!
//! The messages live in a table (`core/genuine/wording/en.txt`, one `id = text` a line
//! with `{name}` placeholders) from which [`describe`] builds a
//! [`VerdictCard`]: headline, tone, explanation, next step, product details
//! and notes. Kotlin and Swift get the same cards through the bindings, so
//! the apps only lay them out; a translation is the same table in another
//! language, checked by [`Wording::parse`] for every id and placeholder.

use genuine_format::UnixTime;
use genuine_format::verdict::{
    Authentic, ForgeryReason, Freshness, NotSignedReason, Product, RevocationReason, Verdict, Warning,
};
use std::collections::HashMap;

/// The English table, shipped in the library. It stays beside the `genuine`
/// crate, where the apps' tests and docs read it.
const ENGLISH: &str = include_str!("../../genuine/wording/en.txt");

/// What the shopper should feel, as a colour and a word: each verdict's
/// card has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    /// The brand minted it and nothing is wrong.
    Genuine,
    /// Genuine with something to know (expired), or not checkable yet.
    Caution,
    /// A real signature on a link the brand never registered: the product
    /// data checks out, the landing page may be a look-alike.
    LookAlikeLink,
    /// Revoked, recalled, copied or fake: do not trust the product.
    Danger,
    /// Not a Genuine code at all.
    Neutral,
}

impl Tone {
    /// The card's colour, as ARGB.
    pub fn argb(self) -> u32 {
        match self {
            Tone::Genuine => 0xFF1B_7F3B,
            Tone::Caution => 0xFFA1_5C00,
            Tone::LookAlikeLink => 0xFF8E_3BA8,
            Tone::Danger => 0xFFB3_261E,
            Tone::Neutral => 0xFF5F_6368,
        }
    }
}

/// A labelled line of product data, e.g. "Serial" and "A1B2".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Detail {
    /// The label.
    pub label: String,
    /// The value.
    pub value: String,
}

/// Everything a verdict's card shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerdictCard {
    /// Two or three words.
    pub title: String,
    /// How it should look.
    pub tone: Tone,
    /// The tone's name, for a badge or an accessibility label.
    pub tone_label: String,
    /// One or two sentences: what the check found.
    pub explanation: String,
    /// One sentence: what to do now.
    pub next_step: String,
    /// The product as signed (or, for a fake, as claimed).
    pub details: Vec<Detail>,
    /// Further things to know: the clock, how current the recall lists are.
    pub notes: Vec<String>,
}

/// Why an update failed, as the shopper is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncProblem {
    /// The server could not be reached; worth trying again.
    NetworkRetry,
    /// The server answered with something unusable.
    NetworkBadAnswer,
    /// The feed failed a safety check.
    FeedRefused,
    /// The app's storage failed.
    Storage,
    /// The app is set up wrongly.
    BadInput(String),
    /// A bug.
    Internal,
}

/// What the landing page says beside a card: whether its lists are current,
/// and where the shopper is (a look-alike host can serve a copy of this very
/// page, and only the address bar tells: the shopper's last check).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageNote<'a> {
    /// The feed could not be reached: the verdict rests on the keys the page
    /// was built with (`built`: its bundle's newest document).
    NotUpdated {
        /// When the page's trust bundle was made.
        built: UnixTime,
    },
    /// The feed answered with something a check refused.
    UpdateRefused {
        /// When the page's trust bundle was made.
        built: UnixTime,
    },
    /// The host the page is on, and the hosts the code's brand registered.
    Hosts {
        /// The page's host.
        here: &'a str,
        /// The brand's name.
        brand: &'a str,
        /// Its registered hosts.
        hosts: &'a [String],
    },
    /// The host the page is on, for a code of no brand it knows.
    Here {
        /// The page's host.
        here: &'a str,
    },
}

/// Why a wording table was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WordingError {
    /// A line that is not `id = text`.
    #[error("line {0}: expected `id = text`")]
    BadLine(usize),
    /// An id the English table has is missing.
    #[error("message '{0}' is missing")]
    Missing(String),
    /// An id the English table does not have.
    #[error("message '{0}' is not one Genuine uses")]
    Unknown(String),
    /// A message whose placeholders differ from the English one's.
    #[error("message '{id}' must use exactly the placeholders {expected}")]
    Placeholders {
        /// The message.
        id: String,
        /// The English message's placeholders.
        expected: String,
    },
}

/// A wording table: every message, in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wording {
    messages: HashMap<String, String>,
}

impl Default for Wording {
    fn default() -> Self {
        Wording::english()
    }
}

impl Wording {
    /// The English wording shipped with the library.
    pub fn english() -> Wording {
        Wording { messages: lines(ENGLISH).map(|(id, text)| (id.into(), text.into())).collect() }
    }

    /// A translation: the same ids as the English table, each with the same
    /// placeholders, so no card can miss a message or show a raw `{name}`.
    pub fn parse(text: &str) -> Result<Wording, WordingError> {
        let english = Wording::english();
        let mut messages = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (id, message) = line.split_once(" = ").ok_or(WordingError::BadLine(n + 1))?;
            let Some(model) = english.messages.get(id) else {
                return Err(WordingError::Unknown(id.into()));
            };
            if placeholders(model) != placeholders(message) {
                let expected = placeholders(model).join(", ");
                return Err(WordingError::Placeholders { id: id.into(), expected });
            }
            messages.insert(id.to_string(), message.to_string());
        }
        if let Some(id) = english.messages.keys().find(|id| !messages.contains_key(*id)) {
            return Err(WordingError::Missing(id.clone()));
        }
        Ok(Wording { messages })
    }

    /// A message with its placeholders filled in.
    fn say(&self, id: &str, args: &[(&str, &str)]) -> String {
        // Every id used below is in the English table, and a translation
        // has them all (parse checks), so a miss is a bug: show the id.
        let mut text = self.messages.get(id).cloned().unwrap_or_else(|| id.to_string());
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// The card for a verdict.
    pub fn describe(&self, verdict: &Verdict) -> VerdictCard {
        match verdict {
            Verdict::Authentic(a) => self.authentic(a),
            Verdict::Revoked { product, issuer, reason, since } => {
                let brand = issuer.brand_name.as_str();
                let since = UnixTime::from_secs(*since).iso_date();
                let batch = product.batch.clone().unwrap_or_else(|| self.say("unknown_batch", &[]));
                let key = match reason {
                    RevocationReason::KeyRevoked => "revoked.key",
                    RevocationReason::CodeRevoked => "revoked.code",
                    RevocationReason::BatchRecalled => "revoked.batch",
                    RevocationReason::CodeCloned => "revoked.cloned",
                };
                let args = [("brand", brand), ("since", since.as_str()), ("batch", batch.as_str())];
                self.card(key, Tone::Danger, &args, self.details(product, Some(brand)), Vec::new())
            }
            Verdict::Forged { claimed, reason } => {
                let explanation = match reason {
                    ForgeryReason::BadSignature => self.say("forged.bad_signature", &[]),
                    ForgeryReason::KeyOutOfScope { signer_brand } => {
                        self.say("forged.out_of_scope", &[("signer", signer_brand)])
                    }
                    ForgeryReason::KeyNotYetValid { sign_from } => self.say(
                        "forged.not_yet_valid",
                        &[("date", &UnixTime::from_secs(*sign_from).iso_date())],
                    ),
                    ForgeryReason::KeyExpired { verify_until } => self.say(
                        "forged.key_expired",
                        &[("date", &UnixTime::from_secs(*verify_until).iso_date())],
                    ),
                };
                VerdictCard {
                    title: self.say("forged.title", &[]),
                    tone: Tone::Danger,
                    tone_label: self.tone_label(Tone::Danger),
                    explanation,
                    next_step: self.say("forged.next", &[]),
                    details: self.details(claimed, None),
                    notes: Vec::new(),
                }
            }
            Verdict::UnknownIssuer { claimed, .. } => {
                self.card("unknown_issuer", Tone::Caution, &[], self.details(claimed, None), Vec::new())
            }
            Verdict::NotSigned { reason: NotSignedReason::UnsignedProductLink } => {
                self.card("not_signed.link", Tone::Neutral, &[], Vec::new(), Vec::new())
            }
            Verdict::NotSigned { reason: NotSignedReason::NotAProductLink } => {
                self.card("not_signed.other", Tone::Neutral, &[], Vec::new(), Vec::new())
            }
            Verdict::Malformed { .. } => self.card("malformed", Tone::Caution, &[], Vec::new(), Vec::new()),
        }
    }

    fn authentic(&self, a: &Authentic) -> VerdictCard {
        let brand = a.issuer.brand_name.as_str();
        let host = a.warnings.iter().find_map(|w| match w {
            Warning::UnregisteredHost { host } => Some(host.as_str()),
            _ => None,
        });
        let expiry = a.warnings.iter().find_map(|w| match w {
            Warning::ProductExpired { expiry } => Some(expiry.to_string()),
            _ => None,
        });
        // The link outranks expiry: a look-alike page is where a shopper
        // gets hurt, whatever the pack says.
        let (key, tone) = match (&host, &expiry) {
            (Some(_), _) => ("authentic.odd_link", Tone::LookAlikeLink),
            (None, Some(_)) => ("authentic.expired", Tone::Caution),
            (None, None) => ("authentic", Tone::Genuine),
        };
        let args =
            [("brand", brand), ("host", host.unwrap_or("")), ("expiry", expiry.as_deref().unwrap_or(""))];
        let mut details = self.details(&a.product, Some(brand));
        if host.is_some() {
            details.push(Detail { label: self.say("detail.link", &[]), value: a.product.host.clone() });
        }
        let mut notes: Vec<String> = a
            .warnings
            .iter()
            .filter_map(|w| match w {
                Warning::ClockBehind { device, signed_floor } => Some(self.say(
                    "note.clock_behind",
                    &[
                        ("device", &UnixTime::from_secs(*device).iso_date()),
                        ("floor", &UnixTime::from_secs(*signed_floor).iso_date()),
                    ],
                )),
                _ => None,
            })
            .collect();
        notes.push(self.freshness(&a.revocation));
        self.card(key, tone, &args, details, notes)
    }

    fn card(
        &self,
        key: &str,
        tone: Tone,
        args: &[(&str, &str)],
        details: Vec<Detail>,
        notes: Vec<String>,
    ) -> VerdictCard {
        VerdictCard {
            title: self.say(&format!("{key}.title"), args),
            tone,
            tone_label: self.tone_label(tone),
            explanation: self.say(&format!("{key}.explanation"), args),
            next_step: self.say(&format!("{key}.next"), args),
            details,
            notes,
        }
    }

    /// The tone's name.
    pub fn tone_label(&self, tone: Tone) -> String {
        let id = match tone {
            Tone::Genuine => "tone.genuine",
            Tone::Caution => "tone.caution",
            Tone::LookAlikeLink => "tone.look_alike_link",
            Tone::Danger => "tone.danger",
            Tone::Neutral => "tone.neutral",
        };
        self.say(id, &[])
    }

    fn details(&self, p: &Product, brand: Option<&str>) -> Vec<Detail> {
        let expiry = p.expiry.map(|e| e.to_string());
        let rows = [
            ("detail.brand", brand),
            ("detail.gtin", Some(p.gtin.as_str())),
            ("detail.serial", p.serial.as_deref()),
            ("detail.batch", p.batch.as_deref()),
            ("detail.variant", p.variant.as_deref()),
            ("detail.expiry", expiry.as_deref()),
        ];
        rows.into_iter()
            .filter_map(|(id, value)| Some(Detail { label: self.say(id, &[]), value: value?.to_string() }))
            .collect()
    }

    /// How current the recall and revocation lists are, in plain words.
    pub fn freshness(&self, f: &Freshness) -> String {
        match f {
            Freshness::Fresh => self.say("fresh.fresh", &[]),
            Freshness::Stale { days: 1 } => self.say("fresh.stale.one", &[]),
            Freshness::Stale { days } => self.say("fresh.stale.many", &[("days", &days.to_string())]),
            Freshness::Unknown => self.say("fresh.unknown", &[]),
        }
    }

    /// The status line under a scanner: when the phone last heard from the feed.
    pub fn status(&self, last_sync: Option<UnixTime>, freshness: &Freshness) -> String {
        let freshness = self.freshness(freshness);
        match last_sync {
            None => self.say("status.never", &[("freshness", &freshness)]),
            Some(at) => self.say("status.updated", &[("date", &at.iso_date()), ("freshness", &freshness)]),
        }
    }

    /// A note of the landing page.
    pub fn page_note(&self, note: &PageNote<'_>) -> String {
        match note {
            PageNote::NotUpdated { built } => self.say("page.not_updated", &[("date", &built.iso_date())]),
            PageNote::UpdateRefused { built } => {
                self.say("page.update_refused", &[("date", &built.iso_date())])
            }
            PageNote::Hosts { here, brand, hosts } => {
                let hosts = hosts.join(", ");
                self.say("page.hosts", &[("here", here), ("brand", brand), ("hosts", &hosts)])
            }
            PageNote::Here { here } => self.say("page.here", &[("here", here)]),
        }
    }

    /// Why an update failed, in words a shopper can act on.
    pub fn sync_problem(&self, problem: &SyncProblem) -> String {
        match problem {
            SyncProblem::NetworkRetry => self.say("problem.network_retry", &[]),
            SyncProblem::NetworkBadAnswer => self.say("problem.network_bad_answer", &[]),
            SyncProblem::FeedRefused => self.say("problem.feed_refused", &[]),
            SyncProblem::Storage => self.say("problem.storage", &[]),
            SyncProblem::BadInput(detail) => self.say("problem.bad_input", &[("detail", detail)]),
            SyncProblem::Internal => self.say("problem.internal", &[]),
        }
    }
}

/// The English wording, parsed once for the whole process.
pub fn english() -> &'static Wording {
    static ENGLISH_WORDING: std::sync::LazyLock<Wording> = std::sync::LazyLock::new(Wording::english);
    &ENGLISH_WORDING
}

/// The card for a verdict, in English.
pub fn describe(verdict: &Verdict) -> VerdictCard {
    english().describe(verdict)
}

fn lines(table: &str) -> impl Iterator<Item = (&str, &str)> {
    table
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
}

/// The `{name}`s of a message, sorted.
fn placeholders(text: &str) -> Vec<&str> {
    let mut names: Vec<&str> =
        text.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name)).collect();
    names.sort_unstable();
    names.dedup();
    names
}
