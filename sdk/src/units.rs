//! Units: everything inside is SI (metres); limits are written in the code's
//! own unit and printed millimetres first (at most two decimals) with that
//! unit beside, e.g. `190 mm (7.48 in) > 177.8 mm (7 in)`.

use std::fmt;

/// Metres per inch (exact).
pub const M_PER_INCH: f64 = 0.0254;
/// Metres per foot (exact).
pub const M_PER_FOOT: f64 = 0.3048;

/// Comparisons treat values this close (metres: a thousandth of a millimetre)
/// as equal, so a riser exported as 177.8 mm meets a 7 in limit.
pub const LENGTH_TOLERANCE_M: f64 = 1e-6;

/// Millimetres to metres.
pub fn mm(v: f64) -> f64 {
    v / 1000.0
}

/// Inches to metres.
pub fn inch(v: f64) -> f64 {
    v * M_PER_INCH
}

/// Feet to metres.
pub fn ft(v: f64) -> f64 {
    v * M_PER_FOOT
}

/// Degrees to radians.
pub fn deg(v: f64) -> f64 {
    v.to_radians()
}

/// The unit a code states its limits in; used to print values beside millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeUnit {
    /// Millimetres only (UK, EU codes).
    Millimetre,
    /// Inches (`7.48 in`).
    Inch,
    /// Feet and inches (`7 ft 6 in`).
    FeetInches,
}

/// A length as a code states it: the SI value plus the unit to print it in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodeLength {
    /// Metres.
    pub si: f64,
    /// The code's unit.
    pub unit: CodeUnit,
}

impl CodeLength {
    /// A limit stated in inches.
    pub const fn inches(v: f64) -> Self {
        CodeLength {
            si: v * M_PER_INCH,
            unit: CodeUnit::Inch,
        }
    }
    /// A limit stated in feet and inches.
    pub const fn feet_inches(feet: f64, inches: f64) -> Self {
        CodeLength {
            si: feet * M_PER_FOOT + inches * M_PER_INCH,
            unit: CodeUnit::FeetInches,
        }
    }
    /// A limit stated in millimetres.
    pub const fn millimetres(v: f64) -> Self {
        CodeLength {
            si: v / 1000.0,
            unit: CodeUnit::Millimetre,
        }
    }
    /// A measured value (metres) to be printed in `unit`.
    pub const fn measured(si: f64, unit: CodeUnit) -> Self {
        CodeLength { si, unit }
    }
}

impl fmt::Display for CodeLength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} mm", trim(self.si * 1000.0, 2))?;
        match self.unit {
            CodeUnit::Millimetre => Ok(()),
            CodeUnit::Inch => write!(f, " ({} in)", trim(self.si / M_PER_INCH, 2)),
            CodeUnit::FeetInches => {
                let total_in = self.si / M_PER_INCH;
                let feet = (total_in / 12.0 + 1e-9).floor();
                let rest = total_in - feet * 12.0;
                if rest.abs() < 0.005 {
                    write!(f, " ({} ft)", feet as i64)
                } else if feet == 0.0 {
                    write!(f, " ({} in)", trim(rest, 2))
                } else {
                    write!(f, " ({} ft {} in)", feet as i64, trim(rest, 2))
                }
            }
        }
    }
}

/// Formats `v` with at most `decimals` decimals (up to 9), trimming
/// trailing zeros: `trim(177.8, 2)` is `177.8`, `trim(2000.0, 2)` is `2000`.
///
/// Rounds half away from zero on `v × 10^decimals` and prints integers:
/// core's float formatting needs 128-bit multiplications that wasm emulates,
/// and messages format several numbers per finding.
pub fn trim(v: f64, decimals: usize) -> String {
    use std::fmt::Write;
    let d = decimals.min(9);
    let pow = 10u64.pow(d as u32);
    let scaled = (v * pow as f64).round();
    if !scaled.is_finite() || scaled.abs() >= 9.0e15 {
        let s = format!("{v:.d$}");
        return if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        };
    }
    let n = scaled as i64;
    let abs = n.unsigned_abs();
    let (int, mut frac) = (abs / pow, abs % pow);
    let mut s = String::with_capacity(12);
    if n < 0 {
        s.push('-');
    }
    let _ = write!(s, "{int}");
    if frac != 0 {
        let mut width = d;
        while frac % 10 == 0 {
            frac /= 10;
            width -= 1;
        }
        let _ = write!(s, ".{frac:0width$}");
    }
    s
}

/// `a <= b` within [`LENGTH_TOLERANCE_M`].
pub fn le(a: f64, b: f64) -> bool {
    a <= b + LENGTH_TOLERANCE_M
}

/// `a >= b` within [`LENGTH_TOLERANCE_M`].
pub fn ge(a: f64, b: f64) -> bool {
    a + LENGTH_TOLERANCE_M >= b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_mm_with_the_code_unit() {
        assert_eq!(CodeLength::inches(7.0).to_string(), "177.8 mm (7 in)");
        assert_eq!(
            CodeLength::measured(0.190, CodeUnit::Inch).to_string(),
            "190 mm (7.48 in)"
        );
        assert_eq!(
            CodeLength::feet_inches(7.0, 6.0).to_string(),
            "2286 mm (7 ft 6 in)"
        );
        assert_eq!(
            CodeLength::feet_inches(12.0, 0.0).to_string(),
            "3657.6 mm (12 ft)"
        );
        assert_eq!(CodeLength::millimetres(2000.0).to_string(), "2000 mm");
        assert_eq!(CodeLength::inches(7.75).to_string(), "196.85 mm (7.75 in)");
    }

    #[test]
    fn trim_matches_core_formatting() {
        for (v, d, want) in [
            (177.8, 1, "177.8"),
            (177.79999999999998, 2, "177.8"),
            (2000.0, 2, "2000"),
            (196.85, 2, "196.85"),
            (7.874015748031496, 2, "7.87"),
            (0.004, 2, "0"),
            (-0.004, 2, "0"),
            (-3.25, 1, "-3.3"),
            (0.05, 2, "0.05"),
            (12.5, 0, "13"),
            (
                1e300,
                2,
                &format!("{:.2}", 1e300_f64)[..]
                    .trim_end_matches('0')
                    .trim_end_matches('.')
                    .to_string(),
            ),
        ] {
            assert_eq!(trim(v, d), want, "trim({v}, {d})");
        }
        // Agrees with core's formatting away from exact half-way cases.
        let mut x = 0.0137_f64;
        for _ in 0..2000 {
            x = x * 1.37 % 5000.0 + 0.731;
            let core = format!("{x:.2}");
            let core = core.trim_end_matches('0').trim_end_matches('.');
            assert_eq!(trim(x, 2), core, "{x}");
        }
    }

    #[test]
    fn boundaries_are_inclusive_within_tolerance() {
        // 177.8 mm read from a millimetre export vs 7 in.
        assert!(le(177.8 / 1000.0, inch(7.0)));
        assert!(!le(177.9 / 1000.0, inch(7.0)));
        assert!(ge(279.4 / 1000.0, inch(11.0)));
    }
}
