//! Timestamps in the two ECMA-119 encodings, computed from `source_date_epoch` alone.
//!
//! Directory records use a 7-byte binary date (years 1900..=2155); volume descriptors use a
//! 17-byte digit string (years 1..=9999). Out-of-range epochs are clamped to the nearest
//! representable second instead of wrapping. All dates are UTC (offset 0). This module never
//! reads a clock.

use crate::output::calendar::{civil_from_days, days_from_civil};

const DAY: i64 = 86_400;

/// Broken-down UTC time: (year, month, day, hour, minute, second).
fn civil(epoch: i64, min_year: i64, max_year: i64) -> (i64, u32, u32, u32, u32, u32) {
    let lo = days_from_civil(min_year, 1, 1) * DAY;
    let hi = days_from_civil(max_year, 12, 31) * DAY + DAY - 1;
    let t = epoch.clamp(lo, hi);
    let (y, mo, d) = civil_from_days(t.div_euclid(DAY));
    let s = t.rem_euclid(DAY);
    (
        y,
        mo,
        d,
        (s / 3600) as u32,
        (s / 60 % 60) as u32,
        (s % 60) as u32,
    )
}

/// 7-byte recording date of a directory record (ECMA-119 9.1.5).
pub(crate) fn date7(epoch: i64) -> [u8; 7] {
    let (y, mo, d, h, mi, s) = civil(epoch, 1900, 2155);
    [
        (y - 1900) as u8,
        mo as u8,
        d as u8,
        h as u8,
        mi as u8,
        s as u8,
        0,
    ]
}

/// 17-byte volume date (ECMA-119 8.4.26.1): `YYYYMMDDHHMMSScc` then the offset byte.
pub(crate) fn date17(epoch: i64) -> [u8; 17] {
    let (y, mo, d, h, mi, s) = civil(epoch, 1, 9999);
    let text = format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}00");
    let mut out = [0u8; 17];
    out[..16].copy_from_slice(text.as_bytes());
    out
}

/// The "not specified" volume date: sixteen `0` digits and offset 0.
pub(crate) fn date17_unset() -> [u8; 17] {
    let mut out = [b'0'; 17];
    out[16] = 0;
    out
}

/// Seconds since the epoch of a 7-byte date, for readers; `None` when fields are out of range.
#[cfg(test)]
pub(crate) fn epoch_of_date7(d: &[u8; 7]) -> Option<i64> {
    if !(1..=12).contains(&d[1]) || !(1..=31).contains(&d[2]) || d[3] > 23 || d[4] > 59 || d[5] > 59
    {
        return None;
    }
    let days = days_from_civil(1900 + i64::from(d[0]), i64::from(d[1]), i64::from(d[2]));
    let offset = i64::from(d[6] as i8) * 15 * 60;
    Some(days * DAY + i64::from(d[3]) * 3600 + i64::from(d[4]) * 60 + i64::from(d[5]) - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates_encode_exactly() {
        assert_eq!(date7(0), [70, 1, 1, 0, 0, 0, 0]);
        assert_eq!(&date17(0), b"1970010100000000\0");
        // 2000-02-29 12:34:56 UTC, a leap day.
        assert_eq!(date7(951_827_696), [100, 2, 29, 12, 34, 56, 0]);
        assert_eq!(&date17(951_827_696)[..16], b"2000022912345600");
        // One second before the epoch.
        assert_eq!(date7(-1), [69, 12, 31, 23, 59, 59, 0]);
        assert_eq!(&date17(-1)[..16], b"1969123123595900");
    }

    #[test]
    fn out_of_range_epochs_clamp() {
        assert_eq!(date7(i64::MIN), [0, 1, 1, 0, 0, 0, 0]);
        assert_eq!(date7(i64::MAX), [255, 12, 31, 23, 59, 59, 0]);
        assert_eq!(&date17(i64::MIN)[..16], b"0001010100000000");
        assert_eq!(&date17(i64::MAX)[..16], b"9999123123595900");
        // Just below 1900 clamps for the record date but not for the volume date.
        let t = days_from_civil(1899, 12, 31) * DAY;
        assert_eq!(date7(t), [0, 1, 1, 0, 0, 0, 0]);
        assert_eq!(&date17(t)[..8], b"18991231");
        assert_eq!(&date17_unset(), b"0000000000000000\0");
    }

    #[test]
    fn date7_round_trips_over_many_days() {
        for t in (-2_208_988_800i64..5_000_000_000).step_by(7_777_777) {
            assert_eq!(epoch_of_date7(&date7(t)), Some(t), "epoch {t}");
        }
    }
}
