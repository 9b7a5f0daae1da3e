//! Time as this crate takes it: whole seconds since 1970, passed in by the
//! caller (no clock is read here, so a test or a fuzzer picks the time).

use serde::{Deserialize, Serialize};

/// A moment, in whole seconds since 1970-01-01 UTC.
///
/// A newtype rather than a bare `u64`, so a count (a version, a length) can
/// never be passed where a time is meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixTime(u64);

impl UnixTime {
    /// 1970-01-01T00:00:00Z.
    pub const EPOCH: UnixTime = UnixTime(0);

    /// The moment `secs` seconds after 1970.
    pub const fn from_secs(secs: u64) -> UnixTime {
        UnixTime(secs)
    }

    /// Seconds since 1970.
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// `secs` later, stopping at the end of time instead of wrapping.
    pub const fn plus(self, secs: u64) -> UnixTime {
        UnixTime(self.0.saturating_add(secs))
    }

    /// Seconds from `earlier` to this moment (0 if `earlier` is later).
    pub const fn since(self, earlier: UnixTime) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl UnixTime {
    /// The UTC calendar date, as ISO 8601 (`2026-11-30`): unambiguous in
    /// every locale.
    pub fn iso_date(self) -> String {
        crate::gs1::Gs1Date::from_unix(self.0).to_string()
    }
}

impl std::fmt::Display for UnixTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::UnixTime;

    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(UnixTime::EPOCH.iso_date(), "1970-01-01");
        assert_eq!(UnixTime::from_secs(951_782_400).iso_date(), "2000-02-29");
        assert_eq!(UnixTime::from_secs(1_796_083_199).iso_date(), "2026-11-30");
        assert_eq!(UnixTime::from_secs(4_102_444_800).iso_date(), "2100-01-01");
    }
}
