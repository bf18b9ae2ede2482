//! Configuration of `plancheck serve`: defaults, then an optional TOML file
//! (`--config` / `PLANCHECK_CONFIG`), then `PLANCHECK_*` environment
//! variables, then command-line flags. Every key is documented with its
//! default in docs/configuration.md.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::sandbox::SandboxConfig;

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default packs directory (also the CLI's `--packs-dir` default).
pub const DEFAULT_PACKS_DIR: &str = ".plancheck/packs";
/// Default data directory (also the CLI's `--data-dir` default).
pub const DEFAULT_DATA_DIR: &str = ".plancheck";
/// Default largest accepted request body: 64 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 << 20;
/// Default per-request timeout, milliseconds.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 30_000;
/// Default CPU time per pack call, milliseconds (also the CLI's default).
pub const DEFAULT_CPU_TIME_MS: u64 = 5000;
/// Default memory per pack instance, MiB (also the CLI's default).
pub const DEFAULT_MEMORY_MIB: usize = 256;
/// Default memory a pack's slot keeps resident between calls, MiB
/// ([`crate::sandbox::DEFAULT_KEEP_RESIDENT`]).
pub const DEFAULT_KEEP_RESIDENT_MIB: usize = crate::sandbox::DEFAULT_KEEP_RESIDENT >> 20;

/// The server's configuration. Field names are the TOML keys.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// Directory of installed rule packs.
    pub packs_dir: PathBuf,
    /// Data directory (compiled-pack cache under `compiled/`).
    pub data_dir: PathBuf,
    /// Largest accepted request body, bytes (larger → 413).
    pub max_body_bytes: usize,
    /// How many checks may run at once; further requests wait.
    pub max_concurrent_checks: usize,
    /// Bound on a whole request, milliseconds (→ 504).
    pub request_timeout_ms: u64,
    /// CPU time limit per pack call, milliseconds.
    pub cpu_time_ms: u64,
    /// Memory limit per pack instance, MiB.
    pub memory_mib: usize,
    /// Memory each pack slot keeps resident between calls, MiB (0: return
    /// every page to the kernel after each call).
    pub keep_resident_mib: usize,
    /// The result cache (`[cache]`).
    pub cache: crate::cache::CacheConfig,
    /// Logs and span export (`[telemetry]`, docs/telemetry.md).
    pub telemetry: crate::telemetry::TelemetryConfig,
    /// Tokens, keys and roles (`[auth]`, docs/auth.md).
    #[serde(default)]
    pub auth: crate::auth::AuthConfig,
    /// Live sessions over WebSocket (`[live]`, docs/live.md).
    pub live: crate::live::LiveConfig,
    /// Published pack versions and the watched directory (`[packs]`,
    /// docs/publishing.md).
    pub packs: crate::packs::lifecycle::PacksConfig,
    /// Trust roots for signed packs (`[trust]`, docs/publishing.md).
    pub trust: crate::packs::trust::TrustConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: DEFAULT_LISTEN.parse().expect("valid default address"),
            packs_dir: DEFAULT_PACKS_DIR.into(),
            data_dir: DEFAULT_DATA_DIR.into(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_concurrent_checks: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            request_timeout_ms: DEFAULT_REQUEST_TIMEOUT_MS,
            cpu_time_ms: DEFAULT_CPU_TIME_MS,
            memory_mib: DEFAULT_MEMORY_MIB,
            keep_resident_mib: DEFAULT_KEEP_RESIDENT_MIB,
            cache: crate::cache::CacheConfig::default(),
            telemetry: crate::telemetry::TelemetryConfig::default(),
            auth: crate::auth::AuthConfig::default(),
            live: crate::live::LiveConfig::default(),
            packs: crate::packs::lifecycle::PacksConfig::default(),
            trust: crate::packs::trust::TrustConfig::default(),
        }
    }
}

/// Why the configuration could not be loaded; the message names the file,
/// key and line, or the environment variable.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Parses TOML text; `name` is used in messages. Unknown keys are errors
    /// naming the key and its line.
    pub fn from_toml(text: &str, name: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            match line {
                Some(l) => ConfigError(format!("{name}:{l}: {}", e.message())),
                None => ConfigError(format!("{name}: {}", e.message())),
            }
        })
    }

    /// Reads a TOML file.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError(format!(
                "cannot read the configuration file {}: {e}",
                path.display()
            ))
        })?;
        Config::from_toml(&text, &path.display().to_string())
    }

    /// Defaults, then `file` (or `PLANCHECK_CONFIG`) if given, then the
    /// environment (`var` reads it; tests pass a map).
    pub fn load(
        file: Option<&Path>,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let from_env = var("PLANCHECK_CONFIG").map(PathBuf::from);
        let mut c = match file.map(Path::to_path_buf).or(from_env) {
            Some(p) => Config::from_file(&p)?,
            None => Config::default(),
        };
        c.apply_env(var)?;
        Ok(c)
    }

    /// Applies `PLANCHECK_<KEY>` overrides (key upper-cased).
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            v.trim()
                .parse()
                .map_err(|e| ConfigError(format!("environment variable {name}=`{v}`: {e}")))
        }
        macro_rules! over {
            ($field:ident, $name:literal) => {
                if let Some(v) = var($name) {
                    self.$field = parse($name, &v)?;
                }
            };
        }
        over!(listen, "PLANCHECK_LISTEN");
        over!(packs_dir, "PLANCHECK_PACKS_DIR");
        over!(data_dir, "PLANCHECK_DATA_DIR");
        over!(max_body_bytes, "PLANCHECK_MAX_BODY_BYTES");
        over!(max_concurrent_checks, "PLANCHECK_MAX_CONCURRENT_CHECKS");
        over!(request_timeout_ms, "PLANCHECK_REQUEST_TIMEOUT_MS");
        over!(cpu_time_ms, "PLANCHECK_CPU_TIME_MS");
        over!(memory_mib, "PLANCHECK_MEMORY_MIB");
        over!(keep_resident_mib, "PLANCHECK_KEEP_RESIDENT_MIB");
        macro_rules! over_live {
            ($field:ident, $name:literal) => {
                if let Some(v) = var($name) {
                    self.live.$field = parse($name, &v)?;
                }
            };
        }
        over_live!(client_queue, "PLANCHECK_LIVE_CLIENT_QUEUE");
        over_live!(room_inbox, "PLANCHECK_LIVE_ROOM_INBOX");
        over_live!(ping_interval_secs, "PLANCHECK_LIVE_PING_INTERVAL_SECS");
        over_live!(pong_timeout_secs, "PLANCHECK_LIVE_PONG_TIMEOUT_SECS");
        over_live!(room_linger_secs, "PLANCHECK_LIVE_ROOM_LINGER_SECS");
        if let Some(v) = var("PLANCHECK_LIVE_MAX_MESSAGE_BYTES") {
            self.live.max_message_bytes = Some(parse("PLANCHECK_LIVE_MAX_MESSAGE_BYTES", &v)?);
        }
        self.live.validate().map_err(ConfigError)?;
        self.telemetry
            .apply_env(&var)
            .map_err(|e| ConfigError(e.to_string()))?;
        if let Some(v) = var("PLANCHECK_CACHE_ENABLED") {
            self.cache.enabled = parse("PLANCHECK_CACHE_ENABLED", &v)?;
        }
        if let Some(v) = var("PLANCHECK_CACHE_MAX_BYTES") {
            self.cache.max_bytes = parse("PLANCHECK_CACHE_MAX_BYTES", &v)?;
        }
        if let Some(v) = var("PLANCHECK_CACHE_TTL_SECS") {
            self.cache.ttl_secs = parse("PLANCHECK_CACHE_TTL_SECS", &v)?;
        }
        macro_rules! over_auth {
            ($field:ident, $name:literal) => {
                if let Some(v) = var($name) {
                    self.auth.$field = parse($name, &v)?;
                }
            };
            (path $field:ident, $name:literal) => {
                if let Some(v) = var($name) {
                    self.auth.$field = Some(v.trim()).filter(|v| !v.is_empty()).map(PathBuf::from);
                }
            };
        }
        over_auth!(algorithm, "PLANCHECK_AUTH_ALGORITHM");
        over_auth!(issuer, "PLANCHECK_AUTH_ISSUER");
        over_auth!(audience, "PLANCHECK_AUTH_AUDIENCE");
        over_auth!(leeway_secs, "PLANCHECK_AUTH_LEEWAY_SECS");
        over_auth!(path secret_file, "PLANCHECK_AUTH_SECRET_FILE");
        over_auth!(path public_key_file, "PLANCHECK_AUTH_PUBLIC_KEY_FILE");
        over_auth!(path private_key_file, "PLANCHECK_AUTH_PRIVATE_KEY_FILE");
        over_auth!(token_ttl_secs, "PLANCHECK_AUTH_TOKEN_TTL_SECS");
        if let Some(v) = var("PLANCHECK_PACKS_KEEP_VERSIONS") {
            self.packs.keep_versions = parse("PLANCHECK_PACKS_KEEP_VERSIONS", &v)?;
        }
        if let Some(v) = var("PLANCHECK_PACKS_WATCH_DIR") {
            self.packs.watch_dir = Some(v.trim()).filter(|v| !v.is_empty()).map(PathBuf::from);
        }
        if let Some(v) = var("PLANCHECK_PACKS_WATCH_INTERVAL_MS") {
            self.packs.watch_interval_ms = parse("PLANCHECK_PACKS_WATCH_INTERVAL_MS", &v)?;
        }
        if let Some(v) = var("PLANCHECK_TRUST_ALLOW_UNSIGNED") {
            self.trust.allow_unsigned = match v.trim() {
                "" => None,
                t => Some(parse("PLANCHECK_TRUST_ALLOW_UNSIGNED", t)?),
            };
        }
        Ok(())
    }

    /// The per-request timeout.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// The sandbox configuration this describes.
    pub fn sandbox_config(&self) -> SandboxConfig {
        SandboxConfig {
            cpu_time: Duration::from_millis(self.cpu_time_ms),
            memory_bytes: self.memory_mib << 20,
            keep_resident: self.keep_resident_mib << 20,
            cache_dir: Some(self.data_dir.join("compiled")),
            ..SandboxConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_file_then_env() {
        let c = Config::load(None, |_| None).unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.max_body_bytes, 64 << 20);
        let c = Config::from_toml("listen = \"0.0.0.0:9000\"\nmax_body_bytes = 10\n", "t").unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.max_body_bytes, 10);
        assert_eq!(c.cpu_time_ms, DEFAULT_CPU_TIME_MS);
        let mut c = c;
        c.apply_env(|k| (k == "PLANCHECK_MAX_BODY_BYTES").then(|| "20".to_string()))
            .unwrap();
        assert_eq!(c.max_body_bytes, 20);
        let e = c
            .apply_env(|k| (k == "PLANCHECK_CPU_TIME_MS").then(|| "x".to_string()))
            .unwrap_err();
        assert!(e.0.contains("PLANCHECK_CPU_TIME_MS"), "{e}");
    }

    #[test]
    fn auth_section_and_env() {
        use crate::auth::Algorithm;
        let c =
            Config::from_toml("[auth]\nalgorithm = \"EdDSA\"\nissuer = \"city\"\n", "t").unwrap();
        assert_eq!(c.auth.algorithm, Algorithm::EdDSA);
        assert_eq!(c.auth.issuer, "city");
        assert_eq!(c.auth.audience, "plancheck");
        let mut c = c;
        let env = |k: &str| match k {
            "PLANCHECK_AUTH_ALGORITHM" => Some("RS256".to_string()),
            "PLANCHECK_AUTH_PUBLIC_KEY_FILE" => Some("/k.pem".to_string()),
            "PLANCHECK_AUTH_LEEWAY_SECS" => Some("5".to_string()),
            _ => None,
        };
        c.apply_env(env).unwrap();
        assert_eq!(c.auth.algorithm, Algorithm::RS256);
        assert_eq!(c.auth.public_key_file, Some(PathBuf::from("/k.pem")));
        assert_eq!(c.auth.leeway_secs, 5);
        let e = c
            .apply_env(|k| (k == "PLANCHECK_AUTH_ALGORITHM").then(|| "none".to_string()))
            .unwrap_err();
        assert!(e.0.contains("PLANCHECK_AUTH_ALGORITHM"), "{e}");
        let e = Config::from_toml("[auth]\n\nsecret = 1\n", "p.toml").unwrap_err();
        assert!(
            e.0.starts_with("p.toml:3:") && e.0.contains("secret"),
            "{e}"
        );
    }

    /// The example in docs/configuration.md is every key at its default
    /// (but the address and the CPU-dependent check bound).
    #[test]
    fn docs_example_is_the_defaults() {
        let doc = include_str!("../../docs/configuration.md");
        let start = doc
            .find("Example, every key at its default")
            .expect("the example heading");
        let block = &doc[start..];
        let block = &block[block.find("```toml\n").expect("a toml block") + 8..];
        let block = &block[..block.find("```").expect("the block's end")];
        let c = Config::from_toml(block, "docs/configuration.md").unwrap();
        let want = Config {
            listen: c.listen,
            max_concurrent_checks: c.max_concurrent_checks,
            ..Config::default()
        };
        assert_eq!(c, want);
    }

    #[test]
    fn packs_and_trust_sections() {
        let c = Config::from_toml(
            "[packs]\nkeep_versions = 2\nwatch_dir = \"/srv/drop\"\n\n[trust]\nallow_unsigned = false\n\n[[trust.publishers]]\nid = \"icc\"\njurisdictions = [\"US\"]\nkeys = [\"AAAA\"]\n",
            "t",
        )
        .unwrap();
        assert_eq!(c.packs.keep_versions, 2);
        assert_eq!(c.packs.watch_dir, Some(PathBuf::from("/srv/drop")));
        assert_eq!(c.trust.allow_unsigned, Some(false));
        assert_eq!(c.trust.publishers[0].jurisdictions, ["US"]);
        let mut c = c;
        c.apply_env(|k| match k {
            "PLANCHECK_TRUST_ALLOW_UNSIGNED" => Some("".into()),
            "PLANCHECK_PACKS_WATCH_DIR" => Some("".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.trust.allow_unsigned, None);
        assert_eq!(c.packs.watch_dir, None);
        let e = Config::from_toml("[[trust.publishers]]\nid = \"x\"\nkey = \"k\"\n", "p.toml")
            .unwrap_err();
        assert!(e.0.starts_with("p.toml:"), "{e}");
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let e =
            Config::from_toml("listen = \"127.0.0.1:1\"\n\nbogus_key = 3\n", "p.toml").unwrap_err();
        assert!(e.0.starts_with("p.toml:3:"), "{e}");
        assert!(e.0.contains("bogus_key"), "{e}");
    }
}
