//! A shopper's photo of a suspected fake, without what it says about them.
//!
//! Phones write EXIF (GPS position, time, device serial), XMP, ICC profiles,
//! comments and thumbnails into a JPEG. A report promises "never sent:
//! precise location" (docs/CLONES.md), so a photo is rebuilt from the
//! segments a decoder needs — frame and scan headers, quantisation and
//! Huffman tables, restart interval, the entropy-coded data — and nothing
//! else, on the phone before upload and again by the collector before
//! storage (issue 30, finding 7). The one kept application segment is a
//! 12-byte Adobe APP14, whose colour-transform flag decoding needs.

/// Why a photo cannot be sent or stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the photo is not a complete JPEG: {0}")]
pub struct RedactError(&'static str);

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const APP14: u8 = 0xEE;

/// Segments a decoder needs: SOFn (C0–CF, with DHT C4 and DAC CC), DQT,
/// DNL, DRI, DHP and EXP.
fn needed(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF | 0xDB..=0xDF) && marker != SOS
}

/// The Adobe segment, only in its plain 12-byte form (no other data rides along).
fn adobe(payload: &[u8]) -> bool {
    payload.len() == 12 && payload.starts_with(b"Adobe")
}

/// The length of the entropy-coded data that starts `data`: up to the
/// first marker that is not a restart (RSTn) or a stuffed `FF 00`.
fn entropy_len(data: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < data.len() {
        if data[i] != 0xFF {
            i += 1;
            continue;
        }
        match data.get(i + 1)? {
            0x00 | 0xD0..=0xD7 => i += 2,
            0xFF => i += 1,
            _ => return Some(i),
        }
    }
    None
}

/// The same picture with every metadata segment gone, or an error for
/// anything that is not a whole baseline or progressive JPEG. Bytes after
/// the end-of-image marker are dropped too (a place to hide anything).
pub fn strip_metadata(jpeg: &[u8]) -> Result<Vec<u8>, RedactError> {
    if !jpeg.starts_with(&[0xFF, SOI]) {
        return Err(RedactError("no start-of-image marker"));
    }
    let mut out = Vec::with_capacity(jpeg.len());
    out.extend_from_slice(&[0xFF, SOI]);
    let (mut at, mut frames, mut scans) = (2usize, 0usize, 0usize);
    loop {
        // Fill bytes (FF FF …) may precede a marker.
        while jpeg.get(at) == Some(&0xFF) && jpeg.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(0xFF), Some(&marker)) = (jpeg.get(at), jpeg.get(at + 1)) else {
            return Err(RedactError("a segment does not start with a marker"));
        };
        at += 2;
        if marker == EOI {
            if frames == 0 || scans == 0 {
                return Err(RedactError("no frame or no scan"));
            }
            out.extend_from_slice(&[0xFF, EOI]);
            return Ok(out);
        }
        if marker == SOI || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            return Err(RedactError("a marker out of place"));
        }
        let length = jpeg.get(at..at + 2).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])));
        let length = length.filter(|&n| n >= 2).ok_or(RedactError("a segment's length is cut off"))?;
        let end = at.checked_add(length).filter(|&end| end <= jpeg.len());
        let end = end.ok_or(RedactError("a segment runs past the end"))?;
        let payload = &jpeg[at + 2..end];
        let keep = needed(marker) || marker == SOS || (marker == APP14 && adobe(payload));
        if keep {
            out.extend_from_slice(&jpeg[at - 2..end]);
        }
        frames += usize::from(matches!(marker, 0xC0..=0xCF) && ![0xC4, 0xC8, 0xCC].contains(&marker));
        at = end;
        if marker == SOS {
            scans += 1;
            let data = entropy_len(&jpeg[at..]).ok_or(RedactError("a scan is cut off"))?;
            out.extend_from_slice(&jpeg[at..at + data]);
            at += data;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A segment: marker and payload, with its length.
    pub fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(payload);
        s
    }

    /// The parts of a minimal JPEG (not decodable pixels, but every
    /// structure this module reads): tables, frame, scan with stuffed and
    /// restart bytes, end.
    pub fn jpeg(metadata: &[Vec<u8>]) -> Vec<u8> {
        let mut j = vec![0xFF, SOI];
        for m in metadata {
            j.extend_from_slice(m);
        }
        j.extend(segment(0xDB, &[0; 65]));
        j.extend(segment(0xC0, &[8, 0, 16, 0, 16, 1, 1, 0x11, 0]));
        j.extend(segment(0xC4, &[0; 20]));
        j.extend(segment(SOS, &[1, 1, 0, 0, 63, 0]));
        j.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        j.extend_from_slice(&[0xFF, EOI]);
        j
    }

    #[test]
    fn gps_comments_and_profiles_are_gone_and_the_picture_stays() {
        let clean = jpeg(&[]);
        let exif = segment(0xE1, b"Exif\0\0GPSLatitude 52 31 12.34 N GPSLongitude 13 24 56.78 E");
        let xmp = segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>device serial</x:xmpmeta>");
        let icc = segment(0xE2, b"ICC_PROFILE\0\x01\x01profile of a named device");
        let jfif = segment(0xE0, b"JFIF\0\x01\x02\0\0\x01\0\x01\x02\x02thumbnail");
        let comment = segment(0xFE, b"shot at 14 Elm Street");
        let adobe_ok = segment(APP14, b"Adobe\0\x64\0\0\0\0\x01");
        let mut marked = jpeg(&[jfif, exif, xmp, icc, comment, adobe_ok.clone()]);
        marked.extend_from_slice(b"trailing secrets");
        let stripped = strip_metadata(&marked).unwrap();
        for secret in
            [&b"GPS"[..], b"Exif", b"xmpmeta", b"ICC_PROFILE", b"Elm Street", b"thumbnail", b"trailing"]
        {
            assert!(
                !stripped.windows(secret.len()).any(|w| w == secret),
                "{:?} kept",
                String::from_utf8_lossy(secret)
            );
        }
        // Everything a decoder reads is kept, byte for byte, in order.
        let mut expected = vec![0xFF, SOI];
        expected.extend_from_slice(&adobe_ok);
        expected.extend_from_slice(&clean[2..]);
        assert_eq!(stripped, expected);
        assert_eq!(strip_metadata(&clean).unwrap(), clean, "a clean photo is unchanged");
        // An Adobe segment carrying more than its flag is metadata too.
        let long_adobe = segment(APP14, b"Adobe\0\x64\0\0\0\0\x01 and more");
        assert_eq!(strip_metadata(&jpeg(&[long_adobe])).unwrap(), clean);
    }

    #[test]
    fn broken_jpegs_are_refused_never_passed_on() {
        let good = jpeg(&[]);
        assert!(strip_metadata(b"GIF89a").is_err());
        assert!(strip_metadata(&[0xFF, SOI]).is_err());
        for cut in [3, 10, good.len() - 2, good.len() - 1] {
            assert!(strip_metadata(&good[..cut]).is_err(), "cut at {cut}");
        }
        // A segment whose length runs past the end.
        let mut long = vec![0xFF, SOI, 0xFF, 0xE1, 0xFF, 0xFF];
        long.extend_from_slice(&[0; 10]);
        assert!(strip_metadata(&long).is_err());
        // No frame, or no scan.
        assert!(strip_metadata(&[0xFF, SOI, 0xFF, EOI]).is_err());
        let mut no_scan = vec![0xFF, SOI];
        no_scan.extend(segment(0xC0, &[8, 0, 16, 0, 16, 1, 1, 0x11, 0]));
        no_scan.extend_from_slice(&[0xFF, EOI]);
        assert!(strip_metadata(&no_scan).is_err());
        // A length under 2.
        assert!(strip_metadata(&[0xFF, SOI, 0xFF, 0xE1, 0x00, 0x01, 0xFF, EOI]).is_err());
    }
}
