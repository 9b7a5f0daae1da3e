//! Bulk revocation from a file (brand tooling): one code, or `GTIN,serial`
//! (`GTIN,batch` for a recall), a line; every line checked against the
//! issuance journal before anything is queued.
//!
//! Threat: a typo or another brand's serial in a recall file would revoke a
//! code the brand never issued and leave the one meant unrevoked. So a line
//! the journal does not know refuses the whole file, with its line number.

use crate::journal::{Journal, JournalError};
use genuine_format::gs1::Gtin;
use genuine_format::link::DigitalLink;
use genuine_format::revocation::{Entry, ListKind, entry};

/// The longest line read (a code is at most 512 characters).
pub const MAX_LINE: usize = 512;

/// Why the codes are revoked: which list they go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Stolen or otherwise withdrawn: the revoked list.
    Stolen,
    /// Copied onto other items: the cloned list.
    Cloned,
    /// The batch is recalled: the recalled list, by batch.
    Recalled,
}

impl Reason {
    /// The list its entries go to.
    pub fn list(self) -> ListKind {
        match self {
            Reason::Stolen => ListKind::Revoked,
            Reason::Cloned => ListKind::Cloned,
            Reason::Recalled => ListKind::Recalled,
        }
    }
}

/// Why a file was refused (nothing was queued).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevokeFileError {
    /// A line that is neither a code nor `GTIN,value`.
    #[error("line {line}: {why}")]
    Line {
        /// 1-based.
        line: usize,
        /// What is wrong with it.
        why: String,
    },
    /// A serial or batch the journal never issued for this brand.
    #[error("line {line}: {what} was never issued by brand '{brand}' (not in the issuance journal)")]
    NotIssued {
        /// 1-based.
        line: usize,
        /// GTIN and serial or batch.
        what: String,
        /// The brand.
        brand: String,
    },
    /// The journal failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// The entries `text` names for `brand`, deduplicated, in file order.
pub fn read(
    text: &str,
    brand: &str,
    reason: Reason,
    journal: &Journal,
) -> Result<Vec<Entry>, RevokeFileError> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let bad = |why: String| RevokeFileError::Line { line, why };
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if l.len() > MAX_LINE {
            return Err(bad(format!("over {MAX_LINE} characters")));
        }
        let (gtin, value) = if l.contains("://") {
            let link = DigitalLink::parse(l).map_err(|e| bad(e.to_string()))?;
            let value = match reason {
                Reason::Recalled => link.data.batch(),
                _ => link.data.serial(),
            };
            let what = if reason == Reason::Recalled { "batch (AI 10)" } else { "serial (AI 21)" };
            let value = value.ok_or_else(|| bad(format!("the code has no {what}")))?.to_string();
            (link.data.gtin().as_str().to_string(), value)
        } else {
            let (g, v) = l
                .split_once([',', '\t', ' '])
                .ok_or_else(|| bad("expected a code or GTIN,serial (GTIN,batch to recall)".into()))?;
            let gtin = Gtin::parse(g.trim()).map_err(|e| bad(e.to_string()))?;
            let v = v.trim();
            if v.is_empty() || v.len() > 20 {
                return Err(bad("a serial or batch is 1 to 20 characters".into()));
            }
            (gtin.as_str().to_string(), v.to_string())
        };
        let issued = match reason {
            Reason::Recalled => journal.batch_issued(brand, &gtin, &value)?,
            _ => journal.brand_of_serial(&gtin, &value)?.as_deref() == Some(brand),
        };
        if !issued {
            return Err(RevokeFileError::NotIssued {
                line,
                what: format!("{gtin}/{value}"),
                brand: brand.into(),
            });
        }
        let e = entry(reason.list(), &gtin, &value);
        if seen.insert(e) {
            out.push(e);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::NewRun;

    const GTIN: &str = "09506000134352";

    fn journal(dir: &std::path::Path) -> Journal {
        let mut j = Journal::open(&dir.join("journal.db")).expect("journal");
        for (brand, out, serials) in [("acme", "a.csv", ["AAA", "BBB"]), ("other", "b.csv", ["CCC", "DDD"])] {
            let run = NewRun {
                brand,
                kid: 1,
                gtin: GTIN,
                batch: Some("L1"),
                host: "id.acme.example",
                elements: "",
                count: 2,
                out,
            };
            j.begin(&run, &serials.map(String::from), 1).expect("run");
        }
        j
    }

    #[test]
    fn codes_and_pairs_become_entries_once_each() {
        let dir = tempfile::tempdir().expect("tmp");
        let j = journal(dir.path());
        let text = format!(
            "# stolen pallet\n\n{GTIN},AAA\n9506000134352\tBBB\nhttps://id.acme.example/01/{GTIN}/21/AAA?sig=x\n"
        );
        let got = read(&text, "acme", Reason::Stolen, &j).expect("read");
        assert_eq!(got, vec![entry(ListKind::Revoked, GTIN, "AAA"), entry(ListKind::Revoked, GTIN, "BBB")]);
        let cloned = read(&format!("{GTIN},AAA"), "acme", Reason::Cloned, &j).expect("read");
        assert_eq!(cloned, vec![entry(ListKind::Cloned, GTIN, "AAA")]);
        let recalled =
            read(&format!("https://id.acme.example/01/{GTIN}/10/L1/21/AAA"), "acme", Reason::Recalled, &j)
                .expect("read");
        assert_eq!(recalled, vec![entry(ListKind::Recalled, GTIN, "L1")]);
    }

    #[test]
    fn a_serial_the_brand_never_issued_refuses_the_file_by_line() {
        let dir = tempfile::tempdir().expect("tmp");
        let j = journal(dir.path());
        // Never issued at all, and issued by another brand.
        for (text, line) in [(format!("{GTIN},AAA\n{GTIN},ZZZ"), 2), (format!("{GTIN},CCC"), 1)] {
            match read(&text, "acme", Reason::Stolen, &j) {
                Err(RevokeFileError::NotIssued { line: l, .. }) => assert_eq!(l, line),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(
            read(&format!("{GTIN},L2"), "acme", Reason::Recalled, &j),
            Err(RevokeFileError::NotIssued { .. })
        ));
    }

    #[test]
    fn malformed_lines_are_named() {
        let dir = tempfile::tempdir().expect("tmp");
        let j = journal(dir.path());
        for (text, line) in [
            ("just-a-serial".to_string(), 1),
            (format!("{GTIN},AAA\n09506000134353,AAA"), 2),
            (format!("{GTIN},"), 1),
            (format!("https://id.acme.example/01/{GTIN}"), 1),
            ("x".repeat(MAX_LINE + 1), 1),
        ] {
            match read(&text, "acme", Reason::Stolen, &j) {
                Err(RevokeFileError::Line { line: l, .. }) => assert_eq!(l, line, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
