//! The real server for end-to-end tests: `plancheck serve` started as a
//! process on a loopback port (the `plancheck-e2e-server` binary of this
//! crate is `plancheck`'s own `main`), with its own data directory, driven
//! over HTTP with ureq. Killed when dropped, so a failing test never leaves
//! one behind.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::workspace_root;

/// The server binary of this crate; use as `server_bin!()` in a test file.
#[macro_export]
macro_rules! server_bin {
    () => {
        std::path::Path::new(env!("CARGO_BIN_EXE_plancheck-e2e-server"))
    };
}

/// The rule packs every server test installs.
pub const PACKS: [&str; 3] = ["us-ibc-2021", "us-irc-2021", "uk-adk-2013"];

/// Builds the three rule packs once (per test process) and installs them
/// into a packs directory under `target/`.
pub fn packs_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let built = crate::build_components(&PACKS);
        let dir = workspace_root().join("target").join("e2e-packs");
        std::fs::create_dir_all(&dir).unwrap();
        for (p, src) in PACKS.iter().zip(built) {
            let dst = dir.join(format!("{p}.wasm"));
            // Copy only when changed: a running server of another test
            // process may be reading it.
            let same = std::fs::read(&dst).ok() == std::fs::read(&src).ok();
            if !same {
                let tmp = dir.join(format!(".{p}.{}.tmp", std::process::id()));
                std::fs::copy(&src, &tmp).unwrap();
                std::fs::rename(&tmp, &dst).unwrap();
            }
        }
        dir
    })
}

/// Compiled-pack cache shared by every test server (write-then-rename, safe
/// across processes); each server's data dir links `compiled/` to it.
fn shared_compiled_dir() -> PathBuf {
    let d = workspace_root().join("target").join("e2e-compiled");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A committed model fixture's bytes (`tests/fixtures/models/<name>`).
pub fn model_bytes(name: &str) -> Vec<u8> {
    std::fs::read(crate::fixture("models").join(name)).unwrap()
}

/// How to start a server.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Packs directory (default: [`packs_dir`]).
    pub packs_dir: Option<PathBuf>,
    /// Data directory (default: a fresh temporary one).
    pub data_dir: Option<PathBuf>,
    /// Extra `serve` arguments.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
}

/// A running `plancheck serve`.
pub struct Server {
    child: Child,
    bin: PathBuf,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Its data directory.
    pub data_dir: PathBuf,
    /// Every line the server wrote to stdout so far.
    pub stdout: Arc<Mutex<Vec<String>>>,
    _tmp: Option<tempfile::TempDir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh data directory whose compiled-pack cache is the shared one.
pub fn fresh_data_dir() -> tempfile::TempDir {
    let tmp = tempfile::Builder::new()
        .prefix("plancheck-e2e-")
        .tempdir()
        .unwrap();
    link_compiled(tmp.path());
    tmp
}

fn link_compiled(dir: &Path) {
    let link = dir.join("compiled");
    if !link.exists() {
        #[cfg(unix)]
        std::os::unix::fs::symlink(shared_compiled_dir(), &link).unwrap();
    }
}

impl Server {
    /// Starts a server with the default options and waits until it is
    /// ready (packs compiled).
    pub fn start(bin: &Path) -> Server {
        Server::start_with(bin, Options::default()).ready()
    }

    /// Starts a server; returns once it listens (not necessarily ready).
    pub fn start_with(bin: &Path, opts: Options) -> Server {
        let (data_dir, tmp) = match opts.data_dir {
            Some(d) => {
                std::fs::create_dir_all(&d).unwrap();
                link_compiled(&d);
                (d, None)
            }
            None => {
                let t = fresh_data_dir();
                (t.path().to_path_buf(), Some(t))
            }
        };
        let packs = opts.packs_dir.unwrap_or_else(|| packs_dir().to_path_buf());
        let mut cmd = Command::new(bin);
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .args(&opts.args)
            .arg("--packs-dir")
            .arg(&packs)
            .arg("--data-dir")
            .arg(&data_dir);
        clear_env(&mut cmd);
        for (k, v) in &opts.env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start plancheck serve");
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        {
            let lines = lines.clone();
            std::thread::spawn(move || {
                let mut tx = Some(tx);
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if let Some(addr) = line.trim().strip_prefix("plancheck: listening on ") {
                        if let Some(tx) = tx.take() {
                            let _ = tx.send(addr.to_string());
                        }
                    }
                    lines.lock().unwrap().push(line);
                }
            });
        }
        let base = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(b) => b,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "the server never said it was listening; stdout: {:?}",
                    lines.lock().unwrap()
                )
            }
        };
        let addr = base.trim_start_matches("http://").to_string();
        Server {
            child,
            bin: bin.to_path_buf(),
            base,
            addr,
            data_dir,
            stdout: lines,
            _tmp: tmp,
        }
    }

    /// Waits until `/readyz` says 200.
    pub fn ready(self) -> Self {
        let t = Instant::now();
        loop {
            let r = self.get("/readyz", None);
            if r.status == 200 {
                return self;
            }
            assert_eq!(r.status, 503, "{}", r.body);
            assert!(t.elapsed() < Duration::from_secs(300), "never ready");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Mints a token with this server's configuration and data dir
    /// (`plancheck token`), as an admin would for a local setup.
    pub fn token(&self, role: &str, sub: &str) -> String {
        self.token_with(role, sub, &[])
    }

    /// As [`Server::token`] with extra arguments (`--jurisdiction US`, ...).
    pub fn token_with(&self, role: &str, sub: &str, extra: &[&str]) -> String {
        let mut cmd = Command::new(&self.bin);
        cmd.args(["token", "--role", role, "--sub", sub])
            .args(extra)
            .arg("--data-dir")
            .arg(&self.data_dir);
        clear_env(&mut cmd);
        let out = cmd.output().expect("run plancheck token");
        assert!(
            out.status.success(),
            "plancheck token failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// Kills the process at once (SIGKILL): no shutdown, no flush.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and waits for the exit status (Unix).
    #[cfg(unix)]
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        self.child.wait().unwrap()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `GET`, with a bearer token if given.
    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut r = agent().get(format!("{}{path}", self.base));
        if let Some(t) = token {
            r = r.header("Authorization", format!("Bearer {t}"));
        }
        reply(r.call())
    }

    /// `POST` a body, with a bearer token if given.
    pub fn post(&self, path: &str, content_type: &str, body: &[u8], token: Option<&str>) -> Reply {
        let mut r = agent()
            .post(format!("{}{path}", self.base))
            .header("Content-Type", content_type);
        if let Some(t) = token {
            r = r.header("Authorization", format!("Bearer {t}"));
        }
        reply(r.send(body))
    }

    /// `POST` with arbitrary headers (e.g. a malformed Authorization).
    pub fn post_with_headers(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut r = agent().post(format!("{}{path}", self.base));
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        reply(r.send(body))
    }

    /// `GET` with arbitrary headers.
    pub fn get_with_headers(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut r = agent().get(format!("{}{path}", self.base));
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        reply(r.call())
    }

    /// Any method, with a bearer token if given.
    pub fn request(&self, method: &str, path: &str, token: Option<&str>) -> Reply {
        let req = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        let req = match token {
            Some(t) => req.header("Authorization", format!("Bearer {t}")),
            None => req,
        };
        reply(agent().run(req.body(()).unwrap()))
    }
}

fn clear_env(cmd: &mut Command) {
    for (k, _) in std::env::vars() {
        if k.starts_with("PLANCHECK_") {
            cmd.env_remove(k);
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// A response: status, content type, headers, body.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: String,
    /// Every header, lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl Reply {
    /// The body as JSON (panics with the body if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Asserts a 200 and returns the JSON body.
    pub fn ok(&self) -> Value {
        assert_eq!(self.status, 200, "{}", self.body);
        self.json()
    }

    /// Asserts a problem+json of this status and type slug; returns it.
    pub fn problem(&self, status: u16, slug: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(
            self.content_type, "application/problem+json",
            "{}",
            self.body
        );
        let v = self.json();
        assert_eq!(v["type"], format!("urn:plancheck:problem:{slug}"), "{v}");
        assert_eq!(v["status"], status, "{v}");
        assert!(!v["title"].as_str().unwrap().is_empty(), "{v}");
        assert!(!v["detail"].as_str().unwrap().is_empty(), "{v}");
        v
    }
}

fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut r = r.expect("HTTP exchange");
    let headers: Vec<(String, String)> = r
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                v.to_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let content_type = headers
        .iter()
        .find(|(k, _)| k == "content-type")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    Reply {
        status: r.status().as_u16(),
        content_type,
        headers,
        body: r
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_string()
            .unwrap(),
    }
}
