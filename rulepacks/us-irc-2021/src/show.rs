//! Printing lengths the way `docs/rulepacks/README.md` ("Messages") asks:
//! millimetres to at most **2** decimals, the code's unit beside.
//!
//! Written locally because the SDK's `CodeLength` `Display` prints
//! millimetres to 1 decimal, which turns this pack's riser limit
//! (7¾ in = 196.85 mm) into `196.8 mm` and makes the spec's own test vector
//! read like a bug (`196.9 mm (7.75 in) > 196.8 mm (7.75 in)`).

use plancheck_sdk::units::{trim, CodeLength, CodeUnit, M_PER_INCH};

/// `1000 mm (39.37 in)`, `2133.6 mm (7 ft)`, `850 mm (2 ft 9.46 in)`.
pub fn len(si: f64, unit: CodeUnit) -> String {
    let mm = trim(si * 1000.0, 2);
    match unit {
        CodeUnit::Millimetre => format!("{mm} mm"),
        CodeUnit::Inch => format!("{mm} mm ({} in)", trim(si / M_PER_INCH, 2)),
        CodeUnit::FeetInches => {
            // Round the inches first so 83.999 in prints as 7 ft, not 6 ft 12 in.
            let total = (si / M_PER_INCH * 100.0).round() / 100.0;
            let feet = (total / 12.0).floor();
            let rest = total - feet * 12.0;
            if rest.abs() < 0.005 {
                format!("{mm} mm ({} ft)", feet as i64)
            } else if feet <= 0.0 {
                format!("{mm} mm ({} in)", trim(rest, 2))
            } else {
                format!("{mm} mm ({} ft {} in)", feet as i64, trim(rest, 2))
            }
        }
    }
}

/// A limit as printed in messages.
pub fn limit(l: CodeLength) -> String {
    len(l.si, l.unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millimetres_to_two_decimals_with_the_code_unit() {
        assert_eq!(len(0.19685, CodeUnit::Inch), "196.85 mm (7.75 in)");
        assert_eq!(len(0.2, CodeUnit::Inch), "200 mm (7.87 in)");
        assert_eq!(len(0.1969, CodeUnit::Inch), "196.9 mm (7.75 in)");
        assert_eq!(len(2.1336, CodeUnit::FeetInches), "2133.6 mm (7 ft)");
        assert_eq!(len(2.032, CodeUnit::FeetInches), "2032 mm (6 ft 8 in)");
        assert_eq!(len(0.85, CodeUnit::FeetInches), "850 mm (2 ft 9.46 in)");
        assert_eq!(len(0.2, CodeUnit::FeetInches), "200 mm (7.87 in)");
        assert_eq!(len(2.1335999, CodeUnit::FeetInches), "2133.6 mm (7 ft)");
        assert_eq!(len(0.3, CodeUnit::Millimetre), "300 mm");
    }
}
