//! A rule pack built against `plancheck:plugin@0.1.0` exactly as it shipped
//! (`wit/v0.1.0/plancheck.wit`), with wit-bindgen directly rather than the
//! SDK (which targets the newest contract): a jurisdiction's signed 0.1.0
//! pack must keep loading and checking on a host that serves 0.2.0.
//! One finding per door: its width, queried in a batch.
#![cfg(target_arch = "wasm32")]

wit_bindgen::generate!({
    path: "../../../wit/v0.1.0",
    world: "rule-pack",
});

use exports::plancheck::plugin::rules::Guest;
use plancheck::plugin::{model::BuildingModel, types::*};

struct Pack;

impl Guest for Pack {
    fn manifest() -> PackManifest {
        PackManifest {
            id: "contract-v0-1".into(),
            name: "A 0.1.0 pack".into(),
            jurisdiction: "ZZ".into(),
            code: "TEST".into(),
            edition: "1".into(),
            version: "0.0.1".into(),
            contract: "0.1.0".into(),
            rules: vec![RuleInfo {
                id: "door-width".into(),
                title: "Door width is stated".into(),
                citation: Citation {
                    code: "TEST".into(),
                    edition: "1".into(),
                    section: "1".into(),
                },
            }],
        }
    }
    fn check(m: &BuildingModel, _o: CheckOptions) -> Result<Vec<Finding>, PackError> {
        let rows = m.query(&Query {
            class: "IfcDoor".into(),
            storey: None,
            attributes: vec!["OverallWidth".into()],
            properties: vec![],
        });
        Ok(rows
            .into_iter()
            .map(|r| {
                let width = match r.attributes.first() {
                    Some(Some(Value::Measure(m))) => Some(m.si),
                    _ => None,
                };
                Finding {
                    rule: "door-width".into(),
                    citation: None,
                    outcome: if width.is_some() {
                        Outcome::Pass
                    } else {
                        Outcome::NotAssessable
                    },
                    elements: vec![r.id],
                    message: format!("width {width:?} (schema {})", m.schema()),
                    measured: None,
                    limit: None,
                }
            })
            .collect())
    }
}

export!(Pack);
