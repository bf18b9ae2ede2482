//! IDS over HTTP, as a client would: the real `plancheck serve` on loopback
//! with the `ids` pack installed, a model POSTed with the IDS as the pack's
//! parameter (`param=ids.ids=<the XML, URL-encoded>`), findings in the
//! stored validation. An invalid IDS is a pack error in the report, the
//! server carries on.

use plancheck_e2e::server::{model_bytes, Options, Server};
use plancheck_e2e::{build_components, server_bin, workspace_root};

/// A packs dir with the `ids` pack.
fn ids_packs() -> std::path::PathBuf {
    let built = build_components(&["ids"]).remove(0);
    let dir = workspace_root().join("target").join("e2e-ids-packs");
    std::fs::create_dir_all(&dir).unwrap();
    let dst = dir.join("ids.wasm");
    if std::fs::read(&dst).ok() != std::fs::read(&built).ok() {
        let tmp = dir.join(format!(".ids.{}.tmp", std::process::id()));
        std::fs::copy(&built, &tmp).unwrap();
        std::fs::rename(&tmp, &dst).unwrap();
    }
    dir
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[test]
fn an_ids_check_over_http() {
    let s = Server::start_with(
        server_bin!(),
        Options {
            packs_dir: Some(ids_packs()),
            ..Options::default()
        },
    )
    .ready();
    let t = s.token("client", "acme");
    let ids =
        std::fs::read_to_string(workspace_root().join("tests/fixtures/ids/house.ids")).unwrap();
    let path = format!(
        "/v1/checks?project=house&pack=ids&param={}",
        encode(&format!("ids.ids={ids}"))
    );
    let v = s
        .post(
            &path,
            "application/x-step",
            &model_bytes("house-ifc4-mm.ifc"),
            Some(&t),
        )
        .ok();
    let pack = &v["report"]["packs"][0];
    assert_eq!(pack["pack"], "ids", "{v}");
    assert!(pack.get("error").is_none(), "{v}");
    let findings = pack["findings"].as_array().unwrap();
    let summary = |name: &str| {
        findings
            .iter()
            .find(|f| {
                f["rule"] == "ids.specification"
                    && f["citation"]["section"].as_str().unwrap().contains(name)
            })
            .unwrap_or_else(|| panic!("{name}: {v}"))
    };
    assert_eq!(summary("Doors state a fire rating")["outcome"], "violation");
    assert_eq!(summary("Storeys belong to a building")["outcome"], "pass");
    assert!(v["summary"]["violations"].as_u64().unwrap() > 0, "{v}");

    // an invalid IDS: the pack refuses, the report says why, the server is fine
    let bad = ids.replace(" ifcVersion=\"IFC2X3 IFC4\"", "");
    let path = format!(
        "/v1/checks?project=house&pack=ids&param={}",
        encode(&format!("ids.ids={bad}"))
    );
    let r = s.post(
        &path,
        "application/x-step",
        &model_bytes("house-ifc4-mm.ifc"),
        Some(&t),
    );
    let body = r.body.clone();
    assert!(
        body.contains("not valid IDS 1.0") && body.contains("ifcVersion"),
        "{} {body}",
        r.status
    );
    assert_eq!(s.get("/healthz", None).status, 200);
}
