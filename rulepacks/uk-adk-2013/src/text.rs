//! Local helpers the SDK does not have (yet): millimetre and degree
//! formatting for ADK messages, an angle tolerance, and whole-word keyword
//! matching on element names.

use plancheck_sdk::units::{trim, LENGTH_TOLERANCE_M};

/// Angles within this many radians count as equal (docs/rulepacks/README.md).
pub const ANGLE_TOLERANCE_RAD: f64 = 1e-9;

/// `a <= b` within [`ANGLE_TOLERANCE_RAD`].
pub fn angle_le(a: f64, b: f64) -> bool {
    a <= b + ANGLE_TOLERANCE_RAD
}

/// A length in metres printed in millimetres, at most 2 decimals, trailing
/// zeros dropped (`190 mm`, `177.8 mm`). ADK's unit is the millimetre, so
/// nothing is printed beside it.
pub fn mm(si: f64) -> String {
    format!("{} mm", trim(si * 1000.0, 2))
}

/// `value` printed so that it does not read as equal to `limit` when it is
/// not (within tolerance): 170.004 mm against 170 mm prints `170.004 mm`, not
/// `170 mm > 170 mm`.
pub fn mm_vs(value: f64, limit: f64) -> String {
    distinct(value, limit, LENGTH_TOLERANCE_M, 1000.0, 2, " mm")
}

/// An angle in radians printed in degrees to 0.1° (`43.2°`, `42°`).
pub fn deg(rad: f64) -> String {
    format!("{}°", trim(rad.to_degrees(), 1))
}

/// As [`deg`], but with enough decimals not to read as equal to `limit`.
pub fn deg_vs(value: f64, limit: f64) -> String {
    distinct(
        value,
        limit,
        ANGLE_TOLERANCE_RAD,
        180.0 / std::f64::consts::PI,
        1,
        "°",
    )
}

fn distinct(value: f64, limit: f64, tol: f64, scale: f64, decimals: usize, unit: &str) -> String {
    let lim = trim(limit * scale, decimals);
    let mut d = decimals;
    let mut s = trim(value * scale, d);
    if (value - limit).abs() > tol {
        while s == lim && d < decimals + 6 {
            d += 1;
            s = trim(value * scale, d);
        }
    }
    format!("{s}{unit}")
}

/// Splits a name into lower-case words: anything that is not a letter
/// separates words (spaces, `_`, `-`, `.`, `/`, digits ...), as in the
/// space-name convention of docs/rulepacks/README.md.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The first of `keywords` that appears as a whole word in `text`
/// (case-insensitive). Whole words, not substrings, so that `flight` does
/// not match "Flightpath" and `lower` does not match "Flowers"; the keyword
/// lists in the spec carry their plural and variant forms for this reason.
pub fn find_keyword<'k>(text: &str, keywords: &[&'k str]) -> Option<&'k str> {
    let ws = words(text);
    keywords.iter().copied().find(|k| ws.iter().any(|w| w == k))
}

/// Joins names as `a`, `a and b`, `a, b and c` (or with `or`).
pub fn join(items: &[&str], conj: &str) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].to_string(),
        n => format!("{} {conj} {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millimetres() {
        assert_eq!(mm(0.19), "190 mm");
        assert_eq!(mm(0.1778), "177.8 mm");
        assert_eq!(mm(0.17500000000000002), "175 mm");
        assert_eq!(mm(0.19685), "196.85 mm");
        assert_eq!(mm(2.0), "2000 mm");
    }

    #[test]
    fn values_near_a_limit_do_not_print_as_the_limit() {
        assert_eq!(mm_vs(0.170004, 0.170), "170.004 mm");
        assert_eq!(mm_vs(0.1700004, 0.170), "170 mm"); // within 1 µm: equal
        assert_eq!(mm_vs(0.2, 0.17), "200 mm");
        assert_eq!(deg_vs(42.04f64.to_radians(), 42f64.to_radians()), "42.04°");
        assert_eq!(deg_vs(45f64.to_radians(), 42f64.to_radians()), "45°");
    }

    #[test]
    fn degrees() {
        assert_eq!(deg(42f64.to_radians()), "42°");
        assert_eq!(deg((0.22f64 / 0.24).atan()), "42.5°");
        assert_eq!(deg((0.22f64 / 0.245).atan()), "41.9°");
    }

    #[test]
    fn keywords_match_whole_words_case_insensitively() {
        let k = ["stair", "stairs", "flight"];
        assert_eq!(find_keyword("Stair balustrade", &k), Some("stair"));
        assert_eq!(find_keyword("GUARD_STAIRS-01", &k), Some("stairs"));
        assert_eq!(find_keyword("rail2flight", &k), Some("flight"));
        assert_eq!(find_keyword("Upstairs landing", &k), None);
        assert_eq!(find_keyword("Flightpath", &k), None);
        assert_eq!(find_keyword("", &k), None);
    }

    #[test]
    fn joins() {
        assert_eq!(join(&["a"], "and"), "a");
        assert_eq!(join(&["a", "b"], "or"), "a or b");
        assert_eq!(join(&["a", "b", "c"], "and"), "a, b and c");
    }
}
