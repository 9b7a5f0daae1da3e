//! What a scan returns: one QR code found in a frame.

use crate::point::Point;

/// One QR code found in a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedCode {
    /// The decoded bytes, as the code carries them.
    pub bytes: Vec<u8>,
    /// The bytes as text: UTF-8, else Shift_JIS, else ISO-8859-1 (see [`decode_text`](crate::decode_text)).
    pub text: String,
    /// Corners: top-left, top-right, bottom-right, bottom-left of the code.
    pub corners: [Point; 4],
}
