//! A rule pack that misbehaves on request, for the sandbox tests. The
//! `mode` parameter picks the misbehaviour; without one it behaves and
//! reports one finding per door, so the same component also shows the host
//! still works after each failure.

use plancheck_sdk::prelude::*;

const RULE: RuleDef = RuleDef {
    id: "door-count",
    title: "Reports every door",
    code: "TEST",
    edition: "1",
    section: "1.1",
};

/// The pack.
pub struct Hostile;

fn report(message: String) -> Finding {
    RULE.finding(Outcome::Pass, "probe", message)
}

#[inline(never)]
fn recurse(n: u64) -> u64 {
    if std::hint::black_box(n) == u64::MAX {
        return 0;
    }
    recurse(n + 1).wrapping_add(std::hint::black_box(1))
}

impl RulePack for Hostile {
    fn manifest() -> Manifest {
        Manifest {
            id: "hostile".into(),
            name: "Hostile test pack".into(),
            jurisdiction: "ZZ".into(),
            code: "TEST".into(),
            edition: "1".into(),
            version: "0.0.1".into(),
            contract: CONTRACT_VERSION.into(),
            rules: vec![RULE.info()],
        }
    }

    fn check(model: &dyn ModelView, options: &CheckOptions) -> Result<Vec<Finding>, PackError> {
        match options.parameter("mode").unwrap_or("good") {
            "loop" => {
                let mut i: u64 = 0;
                loop {
                    i = std::hint::black_box(i.wrapping_add(1));
                }
            }
            "memory" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 8 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "stack" => {
                std::hint::black_box(recurse(0));
                Ok(vec![])
            }
            "panic" => panic!("rule table corrupted: expected 3 limits, found 2"),
            "trap" => {
                #[cfg(target_arch = "wasm32")]
                core::arch::wasm32::unreachable();
                #[cfg(not(target_arch = "wasm32"))]
                std::process::abort();
            }
            "error" => Err(PackError::InvalidOption(
                "mode `error` asked for an error".into(),
            )),
            "undeclared" => Ok(vec![RuleDef {
                id: "not-in-manifest",
                ..RULE
            }
            .finding(
                Outcome::Violation,
                "door-0",
                "a rule the manifest never declared",
            )]),
            // What the sandbox lets a pack see: each probe reports what it
            // found as the finding's message, for the test to inspect.
            "probe-env" => {
                let vars: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
                let args = std::env::args().count();
                let cwd = std::env::current_dir().map(|p| p.display().to_string());
                Ok(vec![report(format!(
                    "env vars: {vars:?}; args: {args}; cwd: {cwd:?}; stdout write: {:?}",
                    std::io::Write::write_all(&mut std::io::stdout(), b"hello host\n")
                        .map_err(|e| e.kind())
                ))])
            }
            "probe-fs" => {
                let root = std::fs::read_dir("/")
                    .map(|d| d.count())
                    .map_err(|e| e.kind());
                let etc = std::fs::read_to_string("/etc/passwd")
                    .map(|s| s.len())
                    .map_err(|e| e.kind());
                let data = std::fs::read_to_string("/data/limits.txt").map_err(|e| e.kind());
                let write = std::fs::write("/data/evil.txt", b"x").map_err(|e| e.kind());
                Ok(vec![report(format!(
                    "root: {root:?}; etc: {etc:?}; data: {data:?}; write: {write:?}"
                ))])
            }
            "probe-net" => {
                let addr = options.parameter("addr").unwrap_or("127.0.0.1:9");
                let tcp = std::net::TcpStream::connect(addr)
                    .map(|_| "connected")
                    .map_err(|e| e.kind());
                let dns = std::net::ToSocketAddrs::to_socket_addrs(&("localhost", 80))
                    .map(|a| a.count())
                    .map_err(|e| e.kind());
                Ok(vec![report(format!("tcp: {tcp:?}; dns: {dns:?}"))])
            }
            "good" => Ok(Select::class("IfcDoor")
                .run(model)
                .iter()
                .map(|d| RULE.finding(Outcome::Pass, d.id(), format!("door {}", d.label())))
                .collect()),
            other => Err(PackError::InvalidOption(format!("unknown mode `{other}`"))),
        }
    }
}

plancheck_sdk::export_pack!(Hostile);
