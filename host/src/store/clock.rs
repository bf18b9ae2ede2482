//! Wall-clock timestamps for stored records: milliseconds since the Unix
//! epoch, and their RFC 3339 form (`2024-02-29T23:59:59.999Z`).
//!
//! Hand-written (Howard Hinnant's `civil_from_days`) rather than a date
//! crate: the store only ever formats UTC instants at millisecond precision,
//! which is twenty lines, while `time` or `chrono` would be a new direct
//! dependency of the host for this one formatter (`time` is only in
//! Cargo.lock through other crates).

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, now (0 if the clock is before 1970).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// `ms` milliseconds after the Unix epoch as RFC 3339 UTC with milliseconds,
/// e.g. `1970-01-01T00:00:00.000Z`.
pub fn rfc3339_ms(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, sod) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60,
        ms % 1000
    )
}

/// (year, month 1..=12, day 1..=31) of the day `days` after 1970-01-01, in
/// the proleptic Gregorian calendar. Eras are 400-year cycles starting on
/// 0000-03-01, so the leap day is the last day of a (March-based) year.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468; // days since 0000-03-01
    let era = z / 146_097;
    let doe = z % 146_097; // day of era, [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of March-based year, [0, 365]
    let mp = (5 * doy + 2) / 153; // month from March, [0, 11]
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        // Checked against `date -u -d @SECONDS +%FT%T`.
        let cases = [
            (0, "1970-01-01T00:00:00.000Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (1_000_000_000_123, "2001-09-09T01:46:40.123Z"),
            (1_582_934_400_007, "2020-02-29T00:00:00.007Z"),
            (1_709_251_199_999, "2024-02-29T23:59:59.999Z"),
            (4_102_444_800_000, "2100-01-01T00:00:00.000Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        ];
        for (ms, want) in cases {
            assert_eq!(rfc3339_ms(ms), want, "{ms}");
        }
    }

    #[test]
    fn days_are_contiguous() {
        // Every day from 1970 to 2400 follows the previous one: the next day
        // of the month, or the 1st after the month's last day.
        let month_len = |y: u64, m: u64| match m {
            2 if y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400)) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let mut prev = civil_from_days(0);
        assert_eq!(prev, (1970, 1, 1));
        for day in 1..(430 * 366) {
            let cur = civil_from_days(day);
            let (y, m, d) = prev;
            let want = if d < month_len(y, m) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
            assert_eq!(cur, want, "day {day}");
            prev = cur;
        }
    }

    #[test]
    fn now_is_after_2024() {
        assert!(now_ms() > 1_704_067_200_000);
    }
}
