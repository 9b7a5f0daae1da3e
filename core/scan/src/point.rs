//! A point in frame coordinates: where a code's corners are reported.

/// A point in frame coordinates (pixels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Point {
    /// Column.
    pub x: i32,
    /// Row.
    pub y: i32,
}
