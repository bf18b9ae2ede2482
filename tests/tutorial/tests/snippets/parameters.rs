use plancheck_sdk::params::{Param, Params};
use plancheck_sdk::prelude::*;

pub const PARAMS: Params = Params::new(
    "my-first-pack",
    &[Param::one_of(
        "door-scope",
        &["all", "egress"],
        "all",
        "Which doors are checked.",
    )],
);

pub fn egress_only(options: &CheckOptions) -> Result<bool, PackError> {
    let given = PARAMS.parse(options)?;
    Ok(given.get("door-scope") == "egress")
}
