//! How far one sync goes: bounds on the work a feed can make a device do.

/// Most root versions one sync will walk.
pub const MAX_ROOT_STEPS: u64 = 32;
/// A gap of more deltas than this is bridged with a base, when one exists.
pub const MAX_DELTA_RUN: u64 = 8;
/// Longest a timestamp may be valid (`expires - issued_at`). Feeds use about
/// a day; the cap bounds how long a stolen timestamp key can hold a device on
/// one timestamp before any newer one is accepted again.
pub const MAX_TIMESTAMP_LIFETIME: u64 = 31 * 86_400;
