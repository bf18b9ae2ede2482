//! Shared helpers for the end-to-end tests: fixture paths, the plugin
//! crates to build, and small model builders.

use std::path::PathBuf;

pub mod server;

pub use plancheck_sdk::testing::{build_component, build_components, workspace_root};

/// `../shared/fixtures/<rel>` beside the checkout, failing loudly if absent.
pub fn shared_fixture(rel: &str) -> PathBuf {
    let p = workspace_root()
        .join("..")
        .join("shared")
        .join("fixtures")
        .join(rel);
    assert!(
        p.exists(),
        "shared fixture {} is missing: tests expect ../shared/fixtures beside the checkout",
        p.display()
    );
    p
}

/// `tests/fixtures/<rel>` in this repository.
pub fn fixture(rel: &str) -> PathBuf {
    workspace_root().join("tests").join("fixtures").join(rel)
}

/// A small model with `doors` doors and a wall, built in memory.
pub fn doors_model(doors: usize) -> plancheck_model::Model {
    use plancheck_model::{Element, Model};
    let mut elements: Vec<Element> = (0..doors)
        .map(|i| {
            let mut e = Element::new(format!("door-{i}"), "IfcDoor");
            e.name = Some(format!("Door {i}"));
            e
        })
        .collect();
    elements.push(Element::new("wall-0", "IfcWall"));
    Model::new("IFC4", vec![], elements, &|c| {
        plancheck::input::supertypes("IFC4", c)
    })
    .expect("model")
}
