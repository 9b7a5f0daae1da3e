//! GS1 Digital Link URLs: the printed form of a code.
//!
//! `https://{host}{/prefix}/01/{gtin}[/22/{cpv}][/10/{batch}][/21/{serial}]?{ai}={value}&...&sig=...`
//!
//! The URL text is never what is signed: parsing turns it into [`Gs1Data`]
//! (what is signed) plus the parts that are not (host, path prefix, other
//! query keys), so a host change or a different percent-encoding leaves the
//! signature valid while any change to the product data breaks it.

use crate::ai::Role;
use crate::gs1::{AI_GTIN, Gs1Data, Gs1Error, Gtin, QUALIFIERS, looks_like_ai};

/// Longest text accepted as a code. Issued codes stay at or under 152
/// characters; the slack covers hand-made prefixes and extra query keys
/// without letting a hostile QR code make us parse kilobytes.
pub const MAX_LINK_LEN: usize = 512;

/// Name of the query key that carries the code signature.
pub const SIG_KEY: &str = "sig";

/// Why a text is not a readable Digital Link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Not an http(s) URL with a `/01/{gtin}` path: some other text.
    #[error("not a GS1 Digital Link")]
    NotALink,
    /// Longer than [`MAX_LINK_LEN`].
    #[error("longer than {MAX_LINK_LEN} characters")]
    TooLong,
    /// Userinfo, a bad host or a broken path.
    #[error("bad URL: {0}")]
    BadUrl(&'static str),
    /// A `%` escape that is not two hex digits, or decodes to invalid UTF-8.
    #[error("bad percent-encoding")]
    BadPercentEncoding,
    /// Path qualifiers out of order, repeated, or unknown.
    #[error("bad Digital Link path: {0}")]
    BadPath(&'static str),
    /// A numeric query key that is not a data attribute of GS1's AI table.
    #[error("query key '{0}' is not a GS1 application identifier")]
    UnknownAi(String),
    /// A query key appears twice.
    #[error("query key '{0}' appears more than once")]
    DuplicateKey(String),
    /// The GS1 data itself is invalid.
    #[error(transparent)]
    Gs1(#[from] Gs1Error),
}

/// A parsed Digital Link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitalLink {
    /// Lower-cased host (with port, if any, but never the scheme's default
    /// port: `t.example:443` is `t.example`). Not signed.
    pub host: String,
    /// Whether the link is `https`: a plain `http` page is open to anyone
    /// on the shopper's network, so it is never the brand's registered
    /// address (except on the device itself: see [`DigitalLink::origin`]).
    pub secure: bool,
    /// Path segments before `/01/`, kept verbatim. Not signed.
    pub path_prefix: String,
    /// The product data. This is what a signature covers.
    pub data: Gs1Data,
    /// The raw `sig` query value, if any.
    pub sig: Option<String>,
}

impl DigitalLink {
    /// Parses a Digital Link URL.
    pub fn parse(text: &str) -> Result<DigitalLink, LinkError> {
        let (secure, rest) = strip_scheme(text).ok_or(LinkError::NotALink)?;
        if text.len() > MAX_LINK_LEN {
            return Err(LinkError::TooLong);
        }
        let (authority, rest) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
        let host = parse_host(authority, if secure { ":443" } else { ":80" })?;
        let rest = rest.split('#').next().unwrap_or("");
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));

        let segments: Vec<&str> = path.split('/').skip(1).collect();
        // The primary key is the first `01` segment followed by a GTIN-looking
        // value; everything before it is the brand's own path prefix.
        let start = segments
            .windows(2)
            .position(|w| w[0] == AI_GTIN && is_gtin_shaped(w[1]))
            .ok_or(LinkError::NotALink)?;
        let path_prefix = segments[..start].iter().fold(String::new(), |p, s| p + "/" + s);
        let gtin = Gtin::parse(segments[start + 1])?;
        let mut data = Gs1Data::new(gtin);

        let mut next_qualifier = 0;
        let mut pairs = segments[start + 2..].chunks(2);
        for pair in pairs.by_ref() {
            let [ai, value] = pair else {
                return Err(LinkError::BadPath("an AI without a value"));
            };
            let rank = QUALIFIERS
                .iter()
                .position(|q| q == ai)
                .ok_or(LinkError::BadPath("only 22, 10 and 21 may follow the GTIN"))?;
            if rank < next_qualifier {
                return Err(LinkError::BadPath("qualifiers must be in the order 22, 10, 21"));
            }
            next_qualifier = rank + 1;
            data.insert(ai, &percent_decode(value)?)?;
        }

        let mut sig = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            // Keys are compared decoded: `%32%31` is `21` to a resolver, so it is to us.
            let key = percent_decode(key)?;
            if key == SIG_KEY {
                if sig.replace(value.to_string()).is_some() {
                    return Err(LinkError::DuplicateKey(SIG_KEY.into()));
                }
            } else if looks_like_ai(&key) {
                // A numeric key claims to be an AI; only data attributes of
                // GS1's (prefix-free) table are read, so the boundary between
                // an AI and its value cannot be moved (`21`+`8X6A` -> `218`+`X6A`).
                match crate::ai::lookup(&key).map(|spec| spec.role) {
                    Some(Role::Attribute) => data.insert(&key, &percent_decode(value)?)?,
                    Some(Role::PrimaryKey | Role::Qualifier) => {
                        return Err(LinkError::BadPath("path keys may not appear in the query"));
                    }
                    Some(Role::Reserved) | None => {
                        return Err(LinkError::UnknownAi(key.chars().take(8).collect()));
                    }
                }
            }
            // Other keys (utm_source, ...) are ignored and never signed, so
            // one given twice (`?utm=1&utm=2`) is as harmless as once.
        }
        Ok(DigitalLink { host, secure, path_prefix, data, sig })
    }

    /// The address the link opens, as brands register theirs: the host for
    /// an `https` link, and `http://host` otherwise — which no registered
    /// host matches, so a plain-`http` code gets the look-alike warning.
    /// Loopback hosts are the one exception: no network carries their
    /// traffic, and a brand's page under test runs there.
    pub fn origin(&self) -> String {
        if self.secure || is_loopback(&self.host) {
            self.host.clone()
        } else {
            format!("http://{}", self.host)
        }
    }

    /// Formats the link in the canonical form the issuer prints.
    pub fn to_url(&self) -> String {
        let mut url = format!("https://{}{}/01/{}", self.host, self.path_prefix, self.data.gtin());
        for q in QUALIFIERS {
            if let Some(v) = self.data.get(q) {
                url.push_str(&format!("/{q}/{}", percent_encode(v)));
            }
        }
        let mut sep = '?';
        for (ai, v) in self.data.attributes() {
            url.push_str(&format!("{sep}{ai}={}", percent_encode(v)));
            sep = '&';
        }
        if let Some(sig) = &self.sig {
            url.push_str(&format!("{sep}{SIG_KEY}={sig}"));
        }
        url
    }
}

/// Whether the scheme is `https`, and the rest of the text.
fn strip_scheme(text: &str) -> Option<(bool, &str)> {
    let lower = |n: usize| text.get(..n).map(str::to_ascii_lowercase);
    if lower(8).as_deref() == Some("https://") {
        Some((true, &text[8..]))
    } else if lower(7).as_deref() == Some("http://") {
        Some((false, &text[7..]))
    } else {
        None
    }
}

/// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
fn is_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => return v6.split(']').next() == Some("::1"),
        None => host.split(':').next().unwrap_or(""),
    };
    name == "localhost" || name.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// The lower-cased host, without the scheme's `default_port` (`:443`).
fn parse_host(authority: &str, default_port: &str) -> Result<String, LinkError> {
    let authority = authority.strip_suffix(default_port).unwrap_or(authority);
    // `https://brand.example@evil.example/` shows one host and opens another:
    // a classic look-alike trick, so userinfo is refused outright.
    if authority.contains('@') {
        return Err(LinkError::BadUrl("userinfo in URL"));
    }
    let ok = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']');
    if authority.is_empty() || authority.len() > 253 || !authority.bytes().all(ok) {
        return Err(LinkError::BadUrl("bad host"));
    }
    Ok(authority.to_ascii_lowercase())
}

fn is_gtin_shaped(s: &str) -> bool {
    (8..=14).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// Decodes `%XX` escapes; the result must be UTF-8.
pub fn percent_decode(s: &str) -> Result<String, LinkError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(LinkError::BadPercentEncoding)?;
            let hex = std::str::from_utf8(hex).map_err(|_| LinkError::BadPercentEncoding)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| LinkError::BadPercentEncoding)?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| LinkError::BadPercentEncoding)
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://id.acme.example/01/09506000134352/10/L2611/21/7QK4M2XR9P?17=281231&sig=abc";

    #[test]
    fn parses_the_design_example() {
        let link = DigitalLink::parse(URL).unwrap();
        assert_eq!(link.host, "id.acme.example");
        assert_eq!(link.path_prefix, "");
        assert_eq!(link.data.gtin().as_str(), "09506000134352");
        assert_eq!(link.data.batch(), Some("L2611"));
        assert_eq!(link.data.serial(), Some("7QK4M2XR9P"));
        assert_eq!(link.data.get("17"), Some("281231"));
        assert_eq!(link.sig.as_deref(), Some("abc"));
        assert_eq!(link.to_url(), URL);
    }

    #[test]
    fn keeps_a_path_prefix_and_ignores_other_keys() {
        let link =
            DigitalLink::parse("HTTPS://ID.Acme.example/p/x/01/9506000134352/21/A%2FB?utm=1&11=260101")
                .unwrap();
        assert_eq!(link.host, "id.acme.example");
        assert_eq!(link.path_prefix, "/p/x");
        assert_eq!(link.data.serial(), Some("A/B"));
        assert_eq!(link.sig, None);
        assert_eq!(link.to_url(), "https://id.acme.example/p/x/01/09506000134352/21/A%2FB?11=260101");
    }

    #[test]
    fn refuses_what_is_not_a_clean_link() {
        let bad = |s: &str| DigitalLink::parse(s).unwrap_err();
        assert_eq!(bad("hello"), LinkError::NotALink);
        assert_eq!(bad("https://example.com/"), LinkError::NotALink);
        assert_eq!(bad("https://a@b.example/01/09506000134352"), LinkError::BadUrl("userinfo in URL"));
        assert!(matches!(bad("https://a.example/01/09506000134352/21/S/10/B"), LinkError::BadPath(_)));
        assert!(matches!(bad("https://a.example/01/09506000134352/21"), LinkError::BadPath(_)));
        assert!(matches!(bad("https://a.example/01/09506000134352/99/x"), LinkError::BadPath(_)));
        assert!(matches!(bad("https://a.example/01/09506000134352?21=x"), LinkError::BadPath(_)));
        assert_eq!(bad("https://a.example/01/09506000134352/21/%zz"), LinkError::BadPercentEncoding);
        assert_eq!(bad("https://a.example/01/09506000134352/21/%ff"), LinkError::BadPercentEncoding);
        assert_eq!(
            bad("https://a.example/01/09506000134352/21/%1D"),
            LinkError::Gs1(Gs1Error::BadValue { ai: "21".into(), why: "has a character outside GS1 set 82" })
        );
        assert_eq!(bad("https://a.example/01/09506000134353"), LinkError::Gs1(Gs1Error::GtinCheckDigit));
        assert_eq!(
            bad("https://a.example/01/09506000134352?sig=a&sig=b"),
            LinkError::DuplicateKey("sig".into())
        );
        let long = format!("https://a.example/01/09506000134352?x={}", "a".repeat(600));
        assert_eq!(bad(&long), LinkError::TooLong);
    }

    /// Issue 30, finding 12: `http://` on the registered host verified
    /// GENUINE with no warning, `:443` gave a false look-alike warning, and
    /// `?utm=1&utm=2` was MALFORMED.
    #[test]
    fn the_scheme_and_default_ports_are_read_and_repeated_ignored_keys_are_harmless() {
        let link = |s: &str| DigitalLink::parse(s).unwrap();
        assert_eq!(link("https://T.example:443/01/09506000134352").host, "t.example");
        assert_eq!(link("https://[2001:db8::1]:443/01/09506000134352").host, "[2001:db8::1]");
        assert_eq!(link("https://t.example:8443/01/09506000134352").host, "t.example:8443");
        assert_eq!(link("http://t.example:80/01/09506000134352").host, "t.example");
        assert_eq!(link("http://t.example:443/01/09506000134352").host, "t.example:443");
        // What brands register is an https address: plain http is another.
        assert_eq!(link("https://t.example/01/09506000134352").origin(), "t.example");
        assert_eq!(link("HTTP://t.example/01/09506000134352").origin(), "http://t.example");
        for local in ["http://127.0.0.1:8080", "http://localhost:3000", "http://[::1]:9"] {
            let l = link(&format!("{local}/01/09506000134352"));
            assert_eq!(l.origin(), l.host, "{local}: loopback is the device itself");
        }
        assert_eq!(link("http://127.example/01/09506000134352").origin(), "http://127.example");
        let utm = link("https://t.example/01/09506000134352?utm=1&utm=2&17=281231");
        assert_eq!(utm.data.get("17"), Some("281231"));
        assert!(DigitalLink::parse("https://t.example/01/09506000134352?17=281231&17=281231").is_err());
    }

    #[test]
    fn percent_encoding_round_trips() {
        for s in ["A/B", "100%", "a&b=c", "x~y_z.-"] {
            assert_eq!(percent_decode(&percent_encode(s)).unwrap(), s);
        }
    }
}
