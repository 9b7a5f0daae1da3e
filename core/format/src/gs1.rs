//! GS1 element strings: application identifiers (AIs), GTINs and their values.
//!
//! Everything here is about the *data* a code carries, not its URL form (see
//! [`crate::link`]). Values are checked against the GS1 rules a signer must
//! follow, so that what is signed can never contain a separator or a control
//! character that would make two different element strings sign alike.

use crate::ai::{Format, Role};
use std::collections::BTreeMap;
use std::fmt;

/// AI of the GTIN, the primary key of every Genuine code.
pub const AI_GTIN: &str = "01";
/// AI of the consumer product variant (path qualifier).
pub const AI_CPV: &str = "22";
/// AI of the batch or lot number (path qualifier).
pub const AI_BATCH: &str = "10";
/// AI of the serial number (path qualifier).
pub const AI_SERIAL: &str = "21";
/// AI of the expiry date (YYMMDD).
pub const AI_EXPIRY: &str = "17";
/// AI of the production date (YYMMDD).
pub const AI_PRODUCTION: &str = "11";
/// AI of the best-before date (YYMMDD).
pub const AI_BEST_BEFORE: &str = "15";

/// Path qualifiers in the order GS1 Digital Link requires them after the GTIN.
pub const QUALIFIERS: [&str; 3] = [AI_CPV, AI_BATCH, AI_SERIAL];

/// Longest value any AI may carry (AI 8030 allows 90 characters).
pub const MAX_VALUE_LEN: usize = 90;
/// Most data attributes a code may carry, to bound the work of one verify.
pub const MAX_ATTRIBUTES: usize = 16;

/// Why some GS1 data is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Gs1Error {
    /// A GTIN must have 8, 12, 13 or 14 digits.
    #[error("GTIN must have 8, 12, 13 or 14 digits")]
    GtinLength,
    /// The GTIN's last digit does not match the others.
    #[error("GTIN check digit is wrong")]
    GtinCheckDigit,
    /// Not an AI of GS1's table that a product link may carry.
    #[error("'{0}' is not a GS1 application identifier a product link may carry")]
    BadAi(String),
    /// The same AI appears twice.
    #[error("AI ({0}) appears more than once")]
    DuplicateAi(String),
    /// A value breaks the format of its AI.
    #[error("value of AI ({ai}) is invalid: {why}")]
    BadValue {
        /// The AI whose value is wrong.
        ai: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// Too many data attributes.
    #[error("more than {MAX_ATTRIBUTES} data attributes")]
    TooManyAttributes,
}

/// A GTIN, always held as its 14-digit form with a valid check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin(String);

impl Gtin {
    /// Parses a GTIN-8, -12, -13 or -14, checks its check digit and pads it to 14 digits.
    pub fn parse(digits: &str) -> Result<Gtin, Gs1Error> {
        if !matches!(digits.len(), 8 | 12 | 13 | 14) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Gs1Error::GtinLength);
        }
        let padded = format!("{digits:0>14}");
        let (body, check) = padded.split_at(13);
        if check_digit(body) != check.as_bytes()[0] - b'0' {
            return Err(Gs1Error::GtinCheckDigit);
        }
        Ok(Gtin(padded))
    }

    /// The 14 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits that follow the indicator digit, where a GS1 company prefix starts.
    ///
    /// GTIN-12 and GTIN-8 get leading zeros here, exactly as GS1 maps U.P.C.
    /// company prefixes into the GTIN-13 space.
    pub fn prefix_space(&self) -> &str {
        &self.0[1..13]
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// GS1 mod-10 check digit of the digits given (weights 3,1,3,... from the right).
pub fn check_digit(body: &str) -> u8 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Is this key all digits, so that it claims to be an AI? (Whether GS1
/// defines it is [`crate::ai::lookup`]'s answer.)
pub(crate) fn looks_like_ai(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit())
}

/// GS1 character set 82: the only characters an alphanumeric AI value may hold.
///
/// It has no control characters, no space and no 0x1D (the separator in the
/// signed message), which is what keeps the signed encoding unambiguous.
pub(crate) fn is_cset82(b: u8) -> bool {
    matches!(b, b'!' | b'"' | b'%'..=b'?' | b'A'..=b'Z' | b'_' | b'a'..=b'z')
}

/// A calendar date from a GS1 YYMMDD field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Gs1Date {
    /// Full year (2000 + YY).
    pub year: u16,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day, 1 to 31; a GS1 day of 00 is read as the last day of the month.
    pub day: u8,
}

impl Gs1Date {
    /// Parses YYMMDD. Years are read as 20YY (documented in FORMAT.md).
    pub fn parse(text: &str) -> Option<Gs1Date> {
        if text.len() != 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n = |i: usize| (text.as_bytes()[i] - b'0') * 10 + (text.as_bytes()[i + 1] - b'0');
        let (yy, month, day) = (n(0), n(2), n(4));
        let year = 2000 + u16::from(yy);
        if !(1..=12).contains(&month) {
            return None;
        }
        let last = days_in_month(year, month);
        let day = if day == 0 { last } else { day };
        (day <= last).then_some(Gs1Date { year, month, day })
    }

    /// The UTC day that contains a unix time.
    pub fn from_unix(secs: u64) -> Gs1Date {
        // Inverse of `days_from_civil` (H. Hinnant's algorithm).
        let z = (secs / 86_400) as i64 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
        Gs1Date { year, month, day }
    }

    /// Unix time of the first second after this day ends (UTC).
    pub fn end_unix(&self) -> u64 {
        let days = days_from_civil(i64::from(self.year), self.month, self.day) + 1;
        u64::try_from(days * 86_400).unwrap_or(0)
    }
}

impl fmt::Display for Gs1Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Checks a value against the format the AI table gives its AI.
fn check_value(ai: &str, format: Format, value: &str) -> Result<(), Gs1Error> {
    let bad = |why| Gs1Error::BadValue { ai: ai.to_string(), why };
    match format {
        Format::Date => Gs1Date::parse(value).map(|_| ()).ok_or(bad("not a YYMMDD date")),
        Format::Digits(min, max) => {
            let len_ok = (usize::from(min)..=usize::from(max)).contains(&value.len());
            if len_ok && value.bytes().all(|b| b.is_ascii_digit()) {
                Ok(())
            } else {
                Err(bad("must be digits, as many as GS1 allows"))
            }
        }
        Format::Text(_) if value.is_empty() => Err(bad("is empty")),
        Format::Text(max) if value.len() > usize::from(max) => Err(bad("longer than GS1 allows")),
        Format::Text(_) if !value.bytes().all(is_cset82) => Err(bad("has a character outside GS1 set 82")),
        Format::Text(_) => Ok(()),
    }
}

/// The GS1 data of one product code: its GTIN plus qualifiers and attributes.
///
/// Elements are kept sorted bytewise by AI, the order the signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gs1Data {
    gtin: Gtin,
    elements: BTreeMap<String, String>,
}

impl Gs1Data {
    /// Starts the data of a product with its GTIN.
    pub fn new(gtin: Gtin) -> Gs1Data {
        Gs1Data { gtin, elements: BTreeMap::new() }
    }

    /// Adds one element (not the GTIN), checking the AI and its value.
    ///
    /// Only a qualifier or data attribute of GS1's AI table is accepted: the
    /// table is prefix-free, so no element can be re-read with another AI.
    pub fn insert(&mut self, ai: &str, value: &str) -> Result<(), Gs1Error> {
        let spec = crate::ai::lookup(ai)
            .filter(|s| matches!(s.role, Role::Qualifier | Role::Attribute))
            .ok_or_else(|| Gs1Error::BadAi(ai.chars().take(8).collect()))?;
        check_value(ai, spec.format, value)?;
        let attributes = self.elements.keys().filter(|k| !QUALIFIERS.contains(&k.as_str()));
        if !QUALIFIERS.contains(&ai) && attributes.count() >= MAX_ATTRIBUTES {
            return Err(Gs1Error::TooManyAttributes);
        }
        if self.elements.insert(ai.to_string(), value.to_string()).is_some() {
            return Err(Gs1Error::DuplicateAi(ai.to_string()));
        }
        Ok(())
    }

    /// Builder form of [`Gs1Data::insert`].
    pub fn with(mut self, ai: &str, value: &str) -> Result<Gs1Data, Gs1Error> {
        self.insert(ai, value)?;
        Ok(self)
    }

    /// The GTIN.
    pub fn gtin(&self) -> &Gtin {
        &self.gtin
    }

    /// The value of an AI, if present (not the GTIN: use [`Gs1Data::gtin`]).
    pub fn get(&self, ai: &str) -> Option<&str> {
        self.elements.get(ai).map(String::as_str)
    }

    /// The serial number (AI 21).
    pub fn serial(&self) -> Option<&str> {
        self.get(AI_SERIAL)
    }

    /// The batch or lot (AI 10).
    pub fn batch(&self) -> Option<&str> {
        self.get(AI_BATCH)
    }

    /// A date attribute, parsed.
    pub fn date(&self, ai: &str) -> Option<Gs1Date> {
        self.get(ai).and_then(Gs1Date::parse)
    }

    /// Every element including the GTIN, sorted bytewise by AI.
    pub fn elements(&self) -> impl Iterator<Item = (&str, &str)> {
        let gtin = std::iter::once((AI_GTIN, self.gtin.as_str()));
        let mut all: Vec<(&str, &str)> =
            gtin.chain(self.elements.iter().map(|(k, v)| (k.as_str(), v.as_str()))).collect();
        all.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        all.into_iter()
    }

    /// The data attributes (everything that is not a path key), sorted by AI.
    pub fn attributes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.elements
            .iter()
            .filter(|(k, _)| !QUALIFIERS.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtin_forms_normalise_to_14_digits() {
        assert_eq!(Gtin::parse("09506000134352").unwrap().as_str(), "09506000134352");
        assert_eq!(Gtin::parse("9506000134352").unwrap().as_str(), "09506000134352");
        assert_eq!(Gtin::parse("614141000036").unwrap().as_str(), "00614141000036");
        assert_eq!(Gtin::parse("95010007").unwrap().as_str(), "00000095010007");
    }

    #[test]
    fn gtin_check_digit_and_length_are_enforced() {
        assert_eq!(Gtin::parse("09506000134353"), Err(Gs1Error::GtinCheckDigit));
        assert_eq!(Gtin::parse("0950600013435"), Err(Gs1Error::GtinCheckDigit));
        assert_eq!(Gtin::parse("123456789"), Err(Gs1Error::GtinLength));
        assert_eq!(Gtin::parse("0950600013435x"), Err(Gs1Error::GtinLength));
        assert_eq!(Gtin::parse(""), Err(Gs1Error::GtinLength));
    }

    #[test]
    fn dates_follow_gs1_rules() {
        assert_eq!(Gs1Date::parse("281231"), Some(Gs1Date { year: 2028, month: 12, day: 31 }));
        assert_eq!(Gs1Date::parse("280200").map(|d| d.day), Some(29));
        assert_eq!(Gs1Date::parse("270200").map(|d| d.day), Some(28));
        assert_eq!(Gs1Date::parse("271301"), None);
        assert_eq!(Gs1Date::parse("270431"), None);
        assert_eq!(Gs1Date::parse("2704"), None);
        assert_eq!(Gs1Date { year: 1970, month: 1, day: 1 }.end_unix(), 86_400);
        for date in ["240229", "261128", "991231", "000301"] {
            let d = Gs1Date::parse(date).unwrap();
            assert_eq!(Gs1Date::from_unix(d.end_unix() - 1), d);
        }
    }

    #[test]
    fn values_outside_set_82_or_too_long_are_refused() {
        let data = Gs1Data::new(Gtin::parse("09506000134352").unwrap());
        assert!(data.clone().with("21", "ABC\u{1d}").is_err());
        assert!(data.clone().with("21", "AB C").is_err());
        assert!(data.clone().with("21", &"A".repeat(21)).is_err());
        assert!(data.clone().with("17", "281301").is_err());
        assert!(data.clone().with("01", "09506000134352").is_err());
        assert!(data.clone().with("1x", "1").is_err());
        let dup = data.clone().with("21", "A").unwrap();
        assert_eq!(dup.with("21", "B"), Err(Gs1Error::DuplicateAi("21".into())));
    }

    #[test]
    fn elements_are_sorted_bytewise_with_the_gtin() {
        let data = Gs1Data::new(Gtin::parse("09506000134352").unwrap())
            .with("21", "S1")
            .unwrap()
            .with("17", "281231")
            .unwrap()
            .with("10", "L1")
            .unwrap()
            .with("7003", "2812310000")
            .unwrap();
        let ais: Vec<&str> = data.elements().map(|(ai, _)| ai).collect();
        assert_eq!(ais, ["01", "10", "17", "21", "7003"]);
    }
}
