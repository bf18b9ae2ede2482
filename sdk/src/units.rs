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
    /// A value in metres printed in millimetres only (`190 mm`), as codes
    /// in millimetres state their limits.
    pub const fn metres(si: f64) -> Self {
        CodeLength {
            si,
            unit: CodeUnit::Millimetre,
        }
    }
    /// A measured value (metres) to be printed in `unit`.
    pub const fn measured(si: f64, unit: CodeUnit) -> Self {
        CodeLength { si, unit }
    }
}

impl CodeLength {
    /// This (measured) value printed against `limit`: as [`Display`], but
    /// with more millimetre decimals where two would print it equal to the
    /// limit it is compared with (`170.004 mm > 170 mm`, not
    /// `170 mm > 170 mm`). Values within [`LENGTH_TOLERANCE_M`] of the limit
    /// count as equal and print as usual.
    ///
    /// [`Display`]: fmt::Display
    pub fn distinct_from(self, limit: CodeLength) -> Distinct {
        Distinct {
            value: self.si * 1000.0,
            decimals: distinct_decimals(self.si, limit.si, LENGTH_TOLERANCE_M, 1000.0, 2),
            unit: Some(self),
        }
    }
}

impl fmt::Display for CodeLength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_trim(f, self.si * 1000.0, 2)?;
        f.write_str(" mm")?;
        write_code_unit(f, self.si, self.unit)
    }
}

/// Writes ` (7.48 in)`, ` (7 ft 6 in)` or nothing (millimetre codes).
fn write_code_unit(f: &mut fmt::Formatter<'_>, si: f64, unit: CodeUnit) -> fmt::Result {
    match unit {
        CodeUnit::Millimetre => Ok(()),
        CodeUnit::Inch => {
            f.write_str(" (")?;
            write_trim(f, si / M_PER_INCH, 2)?;
            f.write_str(" in)")
        }
        CodeUnit::FeetInches => {
            // Round the inches first, so 83.999 in prints as 7 ft rather
            // than 6 ft 12 in.
            let total = (si / M_PER_INCH * 100.0).round() / 100.0;
            let feet = (total / 12.0).floor();
            let rest = total - feet * 12.0;
            if rest.abs() < 0.005 {
                write!(f, " ({} ft)", feet as i64)
            } else if feet <= 0.0 {
                f.write_str(" (")?;
                write_trim(f, rest, 2)?;
                f.write_str(" in)")
            } else {
                write!(f, " ({} ft ", feet as i64)?;
                write_trim(f, rest, 2)?;
                f.write_str(" in)")
            }
        }
    }
}

/// A value printed with as many decimals as it takes not to read as equal
/// to the limit it fails; see [`CodeLength::distinct_from`] and
/// [`Angle::distinct_from`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Distinct {
    /// The value in the printed unit (millimetres or degrees).
    value: f64,
    decimals: usize,
    /// `Some` for a length (millimetres, then the code's unit); `None` for
    /// an angle (degrees).
    unit: Option<CodeLength>,
}

impl fmt::Display for Distinct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_trim(f, self.value, self.decimals)?;
        match self.unit {
            Some(l) => {
                f.write_str(" mm")?;
                write_code_unit(f, l.si, l.unit)
            }
            None => f.write_str("°"),
        }
    }
}

/// How many decimals `value` needs (from `decimals` up to 6 more) so that it
/// does not print as `limit` does, unless the two are equal within `tol`.
fn distinct_decimals(value: f64, limit: f64, tol: f64, scale: f64, decimals: usize) -> usize {
    let mut d = decimals;
    if (value - limit).abs() > tol {
        while d < decimals + 6 && prints_equal(value * scale, d, limit * scale, decimals) {
            d += 1;
        }
    }
    d
}

/// Whether `trim(a, da) == trim(b, db)`.
fn prints_equal(a: f64, da: usize, b: f64, db: usize) -> bool {
    match (scaled(a, da), scaled(b, db)) {
        (Some(x), Some(y)) => {
            i128::from(x) * 10i128.pow(db.min(9) as u32)
                == i128::from(y) * 10i128.pow(da.min(9) as u32)
        }
        _ => trim(a, da) == trim(b, db),
    }
}

/// `v × 10^d` rounded half away from zero, if it fits the integer path of
/// [`write_trim`].
fn scaled(v: f64, d: usize) -> Option<i64> {
    let pow = 10u64.pow(d.min(9) as u32);
    let s = (v * pow as f64).round();
    (s.is_finite() && s.abs() < 9.0e15).then_some(s as i64)
}

/// Formats `v` with at most `decimals` decimals (up to 9), trimming
/// trailing zeros: `trim(177.8, 2)` is `177.8`, `trim(2000.0, 2)` is `2000`.
/// [`write_trim`] writes the same into a message without the `String`.
pub fn trim(v: f64, decimals: usize) -> String {
    let mut s = String::with_capacity(12);
    let _ = write_trim(&mut s, v, decimals);
    s
}

/// Writes `v` as [`trim`] formats it.
///
/// Rounds half away from zero on `v × 10^decimals` and prints integers:
/// core's float formatting needs 128-bit multiplications that wasm emulates,
/// and messages format several numbers per finding.
pub fn write_trim(out: &mut impl fmt::Write, v: f64, decimals: usize) -> fmt::Result {
    let d = decimals.min(9);
    let Some(n) = scaled(v, d) else {
        let s = format!("{v:.d$}");
        return out.write_str(if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.')
        } else {
            &s
        });
    };
    let pow = 10u64.pow(d as u32);
    let abs = n.unsigned_abs();
    let (int, mut frac) = (abs / pow, abs % pow);
    if n < 0 {
        out.write_char('-')?;
    }
    write!(out, "{int}")?;
    if frac != 0 {
        let mut width = d;
        while frac % 10 == 0 {
            frac /= 10;
            width -= 1;
        }
        write!(out, ".{frac:0width$}")?;
    }
    Ok(())
}

/// Angles within this many radians count as equal (docs/rulepacks/README.md).
pub const ANGLE_TOLERANCE_RAD: f64 = 1e-9;

/// A plane angle in radians, printed in degrees to 0.1° (`42.5°`, `42°`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Angle(pub f64);

impl Angle {
    /// An angle stated in degrees.
    pub fn degrees(v: f64) -> Self {
        Angle(v.to_radians())
    }

    /// This (measured) angle printed against `limit` with enough decimals
    /// not to read as equal to it (`42.04° > 42°`), unless the two are equal
    /// within [`ANGLE_TOLERANCE_RAD`].
    pub fn distinct_from(self, limit: Angle) -> Distinct {
        Distinct {
            value: self.0.to_degrees(),
            decimals: distinct_decimals(self.0, limit.0, ANGLE_TOLERANCE_RAD, 1f64.to_degrees(), 1),
            unit: None,
        }
    }
}

impl fmt::Display for Angle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_trim(f, self.0.to_degrees(), 1)?;
        f.write_str("°")
    }
}

/// `a <= b` within [`ANGLE_TOLERANCE_RAD`] (radians).
pub fn angle_le(a: f64, b: f64) -> bool {
    a <= b + ANGLE_TOLERANCE_RAD
}

/// `a >= b` within [`ANGLE_TOLERANCE_RAD`] (radians).
pub fn angle_ge(a: f64, b: f64) -> bool {
    a + ANGLE_TOLERANCE_RAD >= b
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
        assert_eq!(
            CodeLength::metres(0.17500000000000002).to_string(),
            "175 mm"
        );
        assert_eq!(CodeLength::metres(0.19685).to_string(), "196.85 mm");
        assert_eq!(CodeLength::inches(7.75).to_string(), "196.85 mm (7.75 in)");
    }

    #[test]
    fn trim_matches_core_formatting() {
        let huge = format!("{:.2}", 1e300_f64);
        let huge = huge.trim_end_matches('0').trim_end_matches('.').to_string();
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
            (1e300, 2, huge.as_str()),
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
    fn feet_and_inches_round_the_inches_first() {
        let fi = |si| CodeLength::measured(si, CodeUnit::FeetInches).to_string();
        assert_eq!(fi(2.1336), "2133.6 mm (7 ft)");
        assert_eq!(fi(2.032), "2032 mm (6 ft 8 in)");
        assert_eq!(fi(0.85), "850 mm (2 ft 9.46 in)");
        assert_eq!(fi(0.2), "200 mm (7.87 in)");
        assert_eq!(fi(2.1335999), "2133.6 mm (7 ft)");
        assert_eq!(fi(2.2), "2200 mm (7 ft 2.61 in)");
        // 95.996 in: 8 ft, not "7 ft 12 in".
        assert_eq!(fi(2.4383), "2438.3 mm (8 ft)");
        assert_eq!(
            CodeLength::measured(0.17782, CodeUnit::Inch).to_string(),
            "177.82 mm (7 in)"
        );
    }

    #[test]
    fn failing_values_never_print_as_their_limit() {
        let mm = |v: f64| CodeLength::millimetres(v);
        let d = |v: f64, l: f64| mm(v).distinct_from(mm(l)).to_string();
        assert_eq!(d(170.004, 170.0), "170.004 mm");
        assert_eq!(d(170.0004, 170.0), "170 mm"); // within 1 µm: equal
        assert_eq!(d(200.0, 170.0), "200 mm");
        assert_eq!(d(169.99, 170.0), "169.99 mm");
        assert_eq!(d(170.0011, 170.0), "170.001 mm");
        assert_eq!(
            CodeLength::inches(7.0)
                .distinct_from(CodeLength::inches(7.0))
                .to_string(),
            "177.8 mm (7 in)"
        );
        assert_eq!(
            CodeLength::measured(0.177802, CodeUnit::Inch)
                .distinct_from(CodeLength::inches(7.0))
                .to_string(),
            "177.802 mm (7 in)"
        );
        let a = |deg: f64| Angle::degrees(deg);
        assert_eq!(a(42.0).to_string(), "42°");
        assert_eq!(Angle((0.22f64 / 0.24).atan()).to_string(), "42.5°");
        assert_eq!(a(42.04).distinct_from(a(42.0)).to_string(), "42.04°");
        assert_eq!(a(45.0).distinct_from(a(42.0)).to_string(), "45°");
        assert!(angle_le(a(42.0).0, 42f64.to_radians() - 1e-10));
        assert!(!angle_le(a(42.0).0, 42f64.to_radians() - 1e-8));
        assert!(angle_ge(0.5, 0.5 + 1e-10));
    }

    #[test]
    fn write_trim_writes_in_place() {
        let mut s = String::from("rise ");
        write_trim(&mut s, 0.19685 * 1000.0, 2).unwrap();
        assert_eq!(s, "rise 196.85");
    }

    #[test]
    fn boundaries_are_inclusive_within_tolerance() {
        // 177.8 mm read from a millimetre export vs 7 in.
        assert!(le(177.8 / 1000.0, inch(7.0)));
        assert!(!le(177.9 / 1000.0, inch(7.0)));
        assert!(ge(279.4 / 1000.0, inch(11.0)));
    }
}
