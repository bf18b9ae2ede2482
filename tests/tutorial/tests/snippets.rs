//! The shorter listings of docs/writing-a-rule-pack.md, compiled and run
//! (`document.rs` checks the page quotes them verbatim).

use plancheck_sdk::prelude::*;

#[path = "snippets/parameters.rs"]
mod parameters;
#[path = "snippets/warning_bands.rs"]
mod warning_bands;

#[test]
fn warning_bands_warn() {
    let limits = warning_bands::corridor_limits();
    let reading = Reading::derived(1.0, "ClearWidth");
    let f = RuleDef {
        id: "corridor-width",
        title: "Corridor width",
        code: "IBC",
        edition: "2021",
        section: "Table 1020.3",
    }
    .assess_reading("c", "clear width", &reading, &limits);
    assert_eq!(f.outcome, Outcome::Warning);
}

#[test]
fn parameters_parse() {
    let mut options = CheckOptions::default();
    assert!(!parameters::egress_only(&options).unwrap());
    options.parameters = vec![("door-scope".into(), "egress".into())];
    assert!(parameters::egress_only(&options).unwrap());
    options.parameters = vec![("door-scope".into(), "some".into())];
    assert!(parameters::egress_only(&options).is_err());
    assert!(parameters::PARAMS.markdown().contains("`door-scope`"));
}
