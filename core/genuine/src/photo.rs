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
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Read(std::io::Error),
    /// The file is larger than any image the scanner takes.
    #[error("a file of {0} bytes, over the {limit} MB an image may be", limit = MAX_PHOTO_FILE >> 20)]
    TooLarge(u64),
}

/// The largest image file read (128 MiB): a 64-megapixel PNG of noise is
/// 67 MB; a larger file is padding (a 456×456 code padded with 600 MB of
/// ancillary chunks cost 632 MB read whole), refused before it is read.
pub const MAX_PHOTO_FILE: u64 = 128 << 20;

/// Reads an image file of at most [`MAX_PHOTO_FILE`] bytes, checking its
/// size before reading and reading at most one byte more (a file that
/// grows meanwhile is still refused).
pub fn read_photo(path: &std::path::Path) -> Result<Vec<u8>, PhotoError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(PhotoError::Read)?;
    let size = file.metadata().map_err(PhotoError::Read)?.len();
    if size > MAX_PHOTO_FILE {
        return Err(PhotoError::TooLarge(size));
    }
    let mut bytes = Vec::new();
    file.take(MAX_PHOTO_FILE + 1).read_to_end(&mut bytes).map_err(PhotoError::Read)?;
    if bytes.len() as u64 > MAX_PHOTO_FILE {
        return Err(PhotoError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
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
    fn a_file_over_the_limit_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("padded.png");
        let file = std::fs::File::create(&path).unwrap();
        // Sparse: the size is claimed, not written.
        file.set_len(MAX_PHOTO_FILE + 1).unwrap();
        assert!(matches!(read_photo(&path), Err(PhotoError::TooLarge(n)) if n == MAX_PHOTO_FILE + 1));
        file.set_len(10).unwrap();
        assert_eq!(read_photo(&path).unwrap(), vec![0; 10]);
        assert!(matches!(read_photo(&dir.path().join("none.png")), Err(PhotoError::Read(_))));
    }

    #[test]
    fn bytes_that_are_no_image_are_an_image_error() {
        let err = scan_photo(&mut Scanner::new(), b"GIF89a not really").unwrap_err();
        assert!(matches!(err, PhotoError::Image(_)), "{err}");
        assert!(err.to_string().starts_with("cannot read image"), "{err}");
    }
}
