use plancheck_sdk::testing::*;
use plancheck_sdk::CheckOptions;
use my_first_pack::Pack;

#[test]
fn the_house_natively_and_in_the_sandbox() {
    let model = load_model(workspace_root().join("tests/fixtures/models/house-ifc4-mm.ifc"));
    let options = CheckOptions::default();
    let native = run_native::<Pack>(&model, &options);
    let component = run_component(&build_component("my-first-pack"), &model, &options);
    assert_eq!(native, component);
    let expected = load_expected(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/expected.json"));
    assert_findings(&native, &expected, "house-ifc4-mm");
}
