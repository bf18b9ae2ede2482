//! The real contract, re-versioned as `plancheck:plugin@0.9.0` (a future
//! contract): loading it must fail naming both versions.
#![cfg(target_arch = "wasm32")]

wit_bindgen::generate!({
    path: "wit",
    world: "rule-pack",
});

use exports::plancheck::plugin::rules::Guest;
use plancheck::plugin::{model::BuildingModel, types::*};

struct Pack;

impl Guest for Pack {
    fn manifest() -> PackManifest {
        PackManifest {
            id: "wrong-version".into(),
            name: "Wrong version".into(),
            jurisdiction: "ZZ".into(),
            code: "TEST".into(),
            edition: "1".into(),
            version: "0.0.1".into(),
            contract: "0.9.0".into(),
            rules: vec![],
        }
    }
    fn check(_m: &BuildingModel, _o: CheckOptions) -> Result<Vec<Finding>, PackError> {
        Ok(vec![])
    }
}

export!(Pack);
