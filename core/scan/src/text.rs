//! Decoded QR bytes as text. QR byte mode carries no declared encoding in
//! most codes: UTF-8 when it is valid, else Shift_JIS (the QR standard's
//! other common encoding, used by Japanese codes) when it decodes cleanly,
//! else ISO-8859-1 (the standard's default).

/// The text of a code's bytes.
pub fn decode_text(bytes: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_string();
    }
    let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
    if !had_errors {
        return text.into_owned();
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_encoding_that_fits() {
        assert_eq!(decode_text("héllo".as_bytes()), "héllo");
        // "日本" in Shift_JIS.
        assert_eq!(decode_text(&[0x93, 0xfa, 0x96, 0x7b]), "日本");
        // Not valid Shift_JIS (0xff): ISO-8859-1.
        assert_eq!(decode_text(&[0x41, 0xff]), "Aÿ");
    }
}
