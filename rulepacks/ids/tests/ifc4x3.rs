//! An IFC4X3 model (buildingSMART's ifc-gherkin-rules corpus, read in place
//! from `../shared/fixtures/ifc-corpus/`, never copied): IFC4X3-only
//! entities (IfcRoad, IfcAlignment) and a classification reference chain,
//! through the component in the sandbox. The IDS suite itself is IFC4 only.

use std::sync::Arc;

use plancheck_sdk::testing;
use plancheck_sdk::{CheckOptions, Outcome};

const IDS: &str = r#"<ids xmlns="http://standards.buildingsmart.org/IDS" xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <info><title>IFC4X3 infrastructure</title></info>
  <specifications>
    <specification name="Annotations are classified in Civil 3D" ifcVersion="IFC4X3_ADD2">
      <applicability><entity><name><simpleValue>IFCANNOTATION</simpleValue></name></entity></applicability>
      <requirements>
        <classification><system><simpleValue>Civil 3D</simpleValue></system></classification>
      </requirements>
    </specification>
    <specification name="Alignments are contained in a road" ifcVersion="IFC4X3_ADD2">
      <applicability><entity><name><simpleValue>IFCALIGNMENT</simpleValue></name></entity></applicability>
      <requirements>
        <partOf relation="IFCRELCONTAINEDINSPATIALSTRUCTURE"><entity><name><simpleValue>IFCROAD</simpleValue></name></entity></partOf>
      </requirements>
    </specification>
    <specification name="Roads belong to the project and say their type" ifcVersion="IFC4X3_ADD2">
      <applicability><entity><name><simpleValue>IFCROAD</simpleValue></name></entity></applicability>
      <requirements>
        <partOf relation="IFCRELAGGREGATES"><entity><name><simpleValue>IFCPROJECT</simpleValue></name></entity></partOf>
        <attribute><name><simpleValue>PredefinedType</simpleValue></name><value><simpleValue>NOTDEFINED</simpleValue></value></attribute>
      </requirements>
    </specification>
    <specification name="No walls in this model" ifcVersion="IFC4X3_ADD2">
      <applicability minOccurs="0" maxOccurs="0"><entity><name><simpleValue>IFCWALL</simpleValue></name></entity></applicability>
    </specification>
  </specifications>
</ids>"#;

#[test]
fn ifc4x3_entities_relations_and_classification_chains() {
    let path = testing::workspace_root()
        .join("../shared/fixtures/ifc-corpus/CLS/cls000/pass-cls000-classification_present.ifc");
    if !path.exists() {
        eprintln!("skipped: {} is missing", path.display());
        return;
    }
    let model = plancheck::input::load_file(&path).expect("loads");
    assert_eq!(model.schema(), "IFC4X3");
    let wasm = testing::build_component("ids");
    let sb = testing::sandbox();
    let code = sb
        .load_pack("ids", &std::fs::read(wasm).unwrap(), None)
        .unwrap();
    let opts = CheckOptions {
        rules: vec![],
        parameters: vec![("ids".into(), IDS.into())],
    };
    let (r, _) = sb.check(&code, Arc::new(model), &opts);
    let findings = r.expect("checks");
    let summaries: Vec<(&str, Outcome, &str)> = findings
        .iter()
        .filter(|f| f.rule == "ids.specification")
        .map(|f| (f.citation.section.as_str(), f.outcome, f.message.as_str()))
        .collect();
    assert_eq!(summaries.len(), 4, "{summaries:?}");
    for (name, outcome, message) in &summaries {
        assert_eq!(*outcome, Outcome::Pass, "{name}: {message}");
        assert!(
            !message.contains("no element matches") || name.contains("No walls"),
            "{name}: {message}"
        );
    }
}
