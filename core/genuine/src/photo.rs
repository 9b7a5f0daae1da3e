//! A photo's codes: PNG, JPEG or WebP bytes decoded to luma (the scanner
//! refuses huge images before decoding them), then scanned. The CLI and
//! the Python package read photos here.

use genuine_scan::{DecodedImage, ImageError, ScanError, ScannedCode, Scanner};

/// Why a photo could not be scanned; the words are the decoder's.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PhotoError {
    /// Not an image, a broken one, or one over the size limits.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// Decoded, but not a frame the scanner takes.
    #[error(transparent)]
    Frame(#[from] ScanError),
}

/// Every code in a photo, found by `scanner` (at its effort: photos want
/// the default, [`Effort::Photo`](crate::Effort::Photo)).
pub fn scan_photo(scanner: &mut Scanner, bytes: &[u8]) -> Result<Vec<ScannedCode>, PhotoError> {
    let image = DecodedImage::decode(bytes)?;
    let frame = image.frame()?;
    Ok(scanner.scan(&frame))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_that_are_no_image_are_an_image_error() {
        let err = scan_photo(&mut Scanner::new(), b"GIF89a not really").unwrap_err();
        assert!(matches!(err, PhotoError::Image(_)), "{err}");
        assert!(err.to_string().starts_with("cannot read image"), "{err}");
    }
}
