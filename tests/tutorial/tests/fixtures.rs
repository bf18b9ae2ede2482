use my_first_pack::Pack;
use plancheck_sdk::testing::*;
use plancheck_sdk::CheckOptions;

#[test]
fn the_house_natively_and_in_the_sandbox() {
    let wasm = build_component("my-first-pack");
    let expected = load_expected(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/expected.json"));
    let options = CheckOptions::default();
    for variant in [
        "house-ifc4-m",
        "house-ifc4-mm",
        "house-ifc2x3-mm",
        "house-ifc2x3-m",
        "house-ifc4-ft",
    ] {
        let path = format!("tests/fixtures/models/{variant}.ifc");
        let model = load_model(workspace_root().join(path));
        let native = run_native::<Pack>(&model, &options);
        let component = run_component(&wasm, &model, &options);
        assert_eq!(native, component, "{variant}: native and component differ");
        assert_findings(&native, &expected, variant);
    }
}
