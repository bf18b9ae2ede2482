//! The instance graph (contract 0.2.0) of IFC models: any entity by class
//! with subtypes, attributes in schema order, inverse references, schema
//! facts from the EXPRESS-generated registry, and project unit factors.

use std::path::Path;

use plancheck::input::load_file;
use plancheck_model::{StepAtom, StepValue};

fn model(name: &str) -> plancheck_model::Model {
    load_file(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/models")
            .join(name),
    )
    .expect("fixture loads")
}

#[test]
fn instances_attributes_and_inverse_references() {
    let m = model("house-ifc4-mm.ifc");
    let g = m.graph().expect("an IFC model has a graph");
    // subtypes included; non-elements too
    let products = g.instances_of("IfcBuildingElement");
    let doors = g.instances_of("IFCDOOR");
    assert!(!doors.is_empty() && doors.iter().all(|d| products.contains(d)));
    assert!(!g.instances_of("IfcPropertySingleValue").is_empty());
    assert!(g.instances_of("IfcNotAnEntity").is_empty());
    assert!(g.instances_of("*").len() > products.len());
    // attributes in the schema's order, names from the schema
    let door = g.instances(&[doors[0]]).remove(0).expect("the door");
    assert_eq!(door.class, "IfcDoor");
    let class = g.entity_class("ifcdoor").expect("IfcDoor is in IFC4");
    assert_eq!(class.name, "IfcDoor");
    assert_eq!(class.attributes.len(), door.attributes.len());
    assert_eq!(class.attributes[..3], ["GlobalId", "OwnerHistory", "Name"]);
    assert_eq!(class.supertypes[0], "IfcBuildingElement");
    assert!(door.global_id().is_some_and(|g| g.len() == 22));
    // inverse: the door is in some relationship's RelatedObjects
    let rels = g.referencing(&[doors[0]]).remove(0);
    let rels = g.instances(&rels);
    assert!(
        rels.iter()
            .flatten()
            .any(|r| r.class == "IfcRelDefinesByProperties"),
        "{rels:?}"
    );
    // a typed value keeps its defined type; an unknown id is none
    let single = g.instances_of("IfcPropertySingleValue")[0];
    let p = g.instances(&[single, u32::MAX - 1]);
    assert!(p[1].is_none());
    match &p[0].as_ref().unwrap().attributes[2] {
        StepValue::Single(s) => {
            assert!(
                s.type_name.as_deref().is_some_and(|t| t.starts_with("Ifc")),
                "{s:?}"
            );
            assert!(!matches!(s.atom, StepAtom::Null));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unit_factors_follow_the_project() {
    let mm = model("house-ifc4-mm.ifc");
    let g = mm.graph().unwrap();
    assert_eq!(g.unit_scale("IfcPositiveLengthMeasure"), Some(0.001));
    assert_eq!(g.unit_scale("IFCLENGTHMEASURE"), Some(0.001));
    assert_eq!(g.unit_scale("IfcLabel"), Some(1.0));
    let ft = model("house-ifc4-ft.ifc");
    let f = ft.graph().unwrap().unit_scale("IfcLengthMeasure").unwrap();
    assert!((f - 0.3048).abs() < 1e-12, "{f}");
}

#[test]
fn ifc2x3_uses_its_own_schema_and_json_models_have_no_graph() {
    let m = model("house-ifc2x3-mm.ifc");
    let g = m.graph().unwrap();
    let flight = g.entity_class("IfcStairFlight").unwrap();
    assert!(flight.attributes.iter().any(|a| a == "NumberOfRiser"));
    assert!(g.entity_class("IfcBuiltElement").is_none());
    let json = plancheck::input::load_bytes(br#"{"schema":"IFC4"}"#, None, "m.json").unwrap();
    assert!(json.graph().is_none());
}
