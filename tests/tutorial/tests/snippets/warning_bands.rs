use plancheck_sdk::prelude::*;

/// Table 1020.3: 44 in, or 36 in for an occupant load under 50.
pub fn corridor_limits() -> Limits {
    Limits::at_least(CodeLength::inches(44.0)).band_below(
        Some(CodeLength::inches(36.0)),
        "Table 1020.3 for an occupant load under 50",
        "complies only where the corridor's occupant load is less than 50",
    )
}
