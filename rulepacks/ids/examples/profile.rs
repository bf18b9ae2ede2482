//! Where an IDS check's time goes on a large model (load, graph index,
//! inverse index, the pack natively, the pack in the sandbox):
//! `cargo run --release -p ids --example profile -- MODEL.ifc FILE.ids`.

use std::sync::Arc;
use std::time::Instant;

use plancheck_sdk::{CheckOptions, ModelView, RulePack};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (ifc, ids) = (&args[1], &args[2]);
    let xml = std::fs::read_to_string(ids).unwrap();
    let opts = CheckOptions {
        rules: vec![],
        parameters: vec![("ids".into(), xml)],
    };
    let t = Instant::now();
    let model = Arc::new(plancheck::input::load_file(std::path::Path::new(ifc)).unwrap());
    println!("load          {:?}", t.elapsed());
    let t = Instant::now();
    let all = model.instances_of("*");
    println!("graph index   {:?} ({} instances)", t.elapsed(), all.len());
    let t = Instant::now();
    let _ = model.referencing(&all[..1]);
    println!("inverse index {:?}", t.elapsed());
    let t = Instant::now();
    let f = ids::Pack::check(model.as_ref(), &opts).unwrap();
    println!("native check  {:?} ({} findings)", t.elapsed(), f.len());
    if std::env::var_os("NATIVE_ONLY").is_some() {
        for _ in 0..5 {
            let t = Instant::now();
            let f = ids::Pack::check(model.as_ref(), &opts).unwrap();
            println!("native check  {:?} ({} findings)", t.elapsed(), f.len());
        }
        return;
    }
    let sb = plancheck::sandbox::Sandbox::new(Default::default()).unwrap();
    let wasm = std::fs::read(plancheck_sdk::testing::build_component("ids")).unwrap();
    let code = sb.load_pack("ids", &wasm, None).unwrap();
    for _ in 0..2 {
        let t = Instant::now();
        let (r, stats) = sb.check(&code, model.clone(), &opts);
        println!(
            "sandbox check {:?} (run {:?}, {} findings)",
            t.elapsed(),
            stats.run,
            r.unwrap().len()
        );
    }
}
