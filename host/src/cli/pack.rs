//! `plancheck pack keygen | sign | verify | inspect`: a thin shell over
//! [`crate::packs::artifact`], [`crate::packs::trust`] and
//! [`crate::packs::prepare`] (docs/publishing.md).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde_json::json;

use super::{write_out, CliError, Format};
use crate::packs::artifact::{self, Artifact, DeclaredManifest};
use crate::packs::prepare::{prepare, validate_manifest};
use crate::packs::trust::Trust;
use crate::sandbox::Sandbox;

/// `plancheck pack ...`.
#[derive(Debug, Subcommand)]
pub enum PackCommand {
    /// Generate an ed25519 publisher key pair: NAME.key (secret, mode 0600)
    /// and NAME.pub (the public key for [[trust.publishers]] keys).
    Keygen {
        /// Path prefix of the two files, e.g. `keys/icc`.
        #[arg(long, value_name = "NAME")]
        out: PathBuf,
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
    },
    /// Sign a component: writes a `.pcpack` artifact declaring the
    /// component's own manifest.
    Sign {
        /// The component (`*.wasm`).
        component: PathBuf,
        /// The secret key file (`plancheck pack keygen`).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The publisher id, as configured in [[trust.publishers]].
        #[arg(long, value_name = "ID")]
        publisher: String,
        /// Output file (default: the component's path with `.pcpack`).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Data directory (compile cache).
        #[arg(long, env = "PLANCHECK_DATA_DIR", default_value = crate::config::DEFAULT_DATA_DIR)]
        data_dir: PathBuf,
    },
    /// Verify an artifact as the server would: signature, digest, trust
    /// roots of the configuration, compilation, manifest, smoke test.
    Verify {
        /// The artifact (`*.pcpack`), or a bare component.
        artifact: PathBuf,
        /// Configuration file whose [trust] applies (also PLANCHECK_CONFIG);
        /// without one only the signature and digest are checked.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Data directory (compile cache).
        #[arg(long, env = "PLANCHECK_DATA_DIR", default_value = crate::config::DEFAULT_DATA_DIR)]
        data_dir: PathBuf,
    },
    /// Print an artifact's manifest, contract version, imports, digest and
    /// signer.
    Inspect {
        /// The artifact (`*.pcpack`), or a bare component.
        artifact: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Data directory (compile cache).
        #[arg(long, env = "PLANCHECK_DATA_DIR", default_value = crate::config::DEFAULT_DATA_DIR)]
        data_dir: PathBuf,
    },
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError(format!("cannot read {}: {e}", path.display())))
}

fn write_atomic(path: &Path, bytes: &[u8], secret: bool) -> Result<(), CliError> {
    let tmp = path.with_file_name(format!(
        ".{}.tmp{}",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let err = |e: std::io::Error| CliError(format!("cannot write {}: {e}", path.display()));
    {
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if secret {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = secret;
        let mut f = o.open(&tmp).map_err(err)?;
        f.write_all(bytes).map_err(err)?;
        f.sync_all().map_err(err)?;
    }
    std::fs::rename(&tmp, path).map_err(err)
}

fn sandbox(data_dir: &Path) -> Result<Sandbox, CliError> {
    Sandbox::new(crate::sandbox::SandboxConfig {
        cache_dir: Some(data_dir.join("compiled")),
        ..Default::default()
    })
    .map_err(|e| CliError(format!("cannot start the sandbox: {e:#}")))
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Runs a `pack` subcommand; returns the exit code (0 ok, 2 refused).
pub fn run(cmd: PackCommand, out: &mut dyn Write) -> Result<i32, CliError> {
    match cmd {
        PackCommand::Keygen { out: prefix, force } => {
            let key = prefix.with_extension("key");
            let public = prefix.with_extension("pub");
            for p in [&key, &public] {
                if p.exists() && !force {
                    return Err(CliError(format!(
                        "{} exists; pass --force to overwrite it",
                        p.display()
                    )));
                }
            }
            if let Some(d) = key.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(d)
                    .map_err(|e| CliError(format!("cannot create {}: {e}", d.display())))?;
            }
            let (sk, pk) = artifact::generate_key().map_err(CliError)?;
            write_atomic(&key, format!("{sk}\n").as_bytes(), true)?;
            write_atomic(&public, format!("{pk}\n").as_bytes(), false)?;
            write_out(
                out,
                &format!(
                    "secret key: {} (keep it secret)\npublic key: {} ({pk})\nfingerprint: {}\ntrust it with:\n  [[trust.publishers]]\n  id = \"<publisher id>\"\n  jurisdictions = [\"<ISO code>\"]\n  keys = [\"{pk}\"]\n",
                    key.display(),
                    public.display(),
                    artifact::fingerprint(&pk)
                ),
            )?;
            Ok(0)
        }
        PackCommand::Sign {
            component,
            key,
            publisher,
            out: dest,
            data_dir,
        } => {
            let bytes = read(&component)?;
            if artifact::is_artifact(&bytes) {
                return Err(CliError(format!(
                    "{} is already a signed artifact",
                    component.display()
                )));
            }
            let sk = String::from_utf8_lossy(&read(&key)?).into_owned();
            let sk = artifact::secret_key(&sk)
                .map_err(|e| CliError(format!("{}: {e}", key.display())))?;
            if publisher.trim().is_empty() {
                return Err(CliError("--publisher must not be empty".into()));
            }
            // Read the manifest the component reports, so the artifact
            // declares exactly that.
            let sb = sandbox(&data_dir)?;
            let name = name_of(&component);
            let code = sb
                .load_pack(&name, &bytes, None)
                .map_err(|e| CliError(e.to_string()))?;
            let m = sb.manifest(&code).map_err(|e| CliError(e.to_string()))?;
            validate_manifest(&name, &m).map_err(|e| CliError(e.to_string()))?;
            let signed_at = crate::store::rfc3339_ms(crate::store::now_ms());
            let art = artifact::sign(&bytes, DeclaredManifest::of(&m), &publisher, &sk, signed_at);
            let dest = dest.unwrap_or_else(|| component.with_extension(artifact::EXTENSION));
            write_atomic(&dest, &art, false)?;
            write_out(
                out,
                &format!(
                    "signed {}@{} ({} {}, jurisdiction {}) as publisher `{publisher}` (key {}): {}\n",
                    m.id,
                    m.version,
                    m.code,
                    m.edition,
                    m.jurisdiction,
                    artifact::fingerprint(&base64_public(&sk)),
                    dest.display()
                ),
            )?;
            Ok(0)
        }
        PackCommand::Verify {
            artifact: path,
            config,
            data_dir,
        } => {
            let bytes = read(&path)?;
            let from_env = std::env::var("PLANCHECK_CONFIG").ok().map(PathBuf::from);
            let trust = match config.or(from_env) {
                Some(c) => {
                    let cfg = crate::config::Config::from_file(&c)
                        .map_err(|e| CliError(e.to_string()))?;
                    Trust::new(cfg.trust).map_err(|e| CliError(format!("[trust]: {e}")))?
                }
                None => Trust::local(),
            };
            let sb = sandbox(&data_dir)?;
            let name = name_of(&path);
            match prepare(&sb, &trust, &name, &path, &bytes, true) {
                Ok(p) => {
                    let m = &p.pack.manifest;
                    write_out(
                        out,
                        &format!(
                            "ok: {}@{} (jurisdiction {}), {}, sha256 {}; compiled and smoke-tested\n",
                            m.id,
                            m.version,
                            m.jurisdiction,
                            match &p.provenance {
                                Some(pr) => format!(
                                    "signed by `{}` (key {}){}",
                                    pr.statement.publisher,
                                    pr.signer,
                                    if trust.is_development() || trust.allows_unsigned() {
                                        ", trust roots not checked (no [trust] publishers)"
                                    } else {
                                        ", a trusted publisher"
                                    }
                                ),
                                None => "UNSIGNED".into(),
                            },
                            p.pack.code.digest()
                        ),
                    )?;
                    Ok(0)
                }
                Err(r) => {
                    write_out(out, &format!("refused ({}): {}\n", r.reason, r.message))?;
                    Ok(2)
                }
            }
        }
        PackCommand::Inspect {
            artifact: path,
            format,
            data_dir,
        } => {
            let bytes = read(&path)?;
            let name = name_of(&path);
            let (statement, signature, component) = if artifact::is_artifact(&bytes) {
                let a = Artifact::parse(&name, &bytes).map_err(|e| CliError(e.to_string()))?;
                let sig = match a.verify(&name) {
                    Ok(()) => "valid".to_string(),
                    Err(e) => format!("INVALID: {e}"),
                };
                let signer = a.signer();
                (Some((a.statement.clone(), signer)), sig, a.component)
            } else {
                (None, "none (unsigned)".to_string(), bytes)
            };
            let sb = sandbox(&data_dir)?;
            let digest = crate::packs::compile_cache::digest(&component);
            let (imports, exports) = sb
                .interface(&name, &component)
                .map_err(|e| CliError(e.to_string()))?;
            let manifest = sb
                .load_pack(&name, &component, None)
                .and_then(|c| sb.manifest(&c));
            let manifest_json = match &manifest {
                Ok(m) => json!(m),
                Err(e) => json!({"error": e.to_string()}),
            };
            let v = json!({
                "file": path.display().to_string(),
                "digest": digest,
                "bytes": component.len(),
                "signature": signature,
                "publisher": statement.as_ref().map(|(s, _)| s.publisher.clone()),
                "signer": statement.as_ref().map(|(_, f)| f.clone()),
                "signed_at": statement.as_ref().map(|(s, _)| s.signed_at.clone()),
                "declared": statement.as_ref().map(|(s, _)| json!(s.manifest)),
                "contract": manifest.as_ref().ok().map(|m| m.contract.clone()),
                "manifest": manifest_json,
                "imports": imports,
                "exports": exports,
            });
            let text = match format {
                Format::Json => format!("{}\n", serde_json::to_string_pretty(&v).expect("json")),
                Format::Table => {
                    let mut s = String::new();
                    let line = |s: &mut String, k: &str, v: String| {
                        s.push_str(&format!("{k:<11} {v}\n"));
                    };
                    line(&mut s, "file", path.display().to_string());
                    line(
                        &mut s,
                        "digest",
                        format!("sha256:{digest} ({} bytes)", component.len()),
                    );
                    line(&mut s, "signature", signature.clone());
                    if let Some((st, fp)) = &statement {
                        line(&mut s, "publisher", st.publisher.clone());
                        line(&mut s, "signer", format!("{fp} ({})", st.public_key));
                        line(&mut s, "signed at", st.signed_at.clone());
                    }
                    match &manifest {
                        Ok(m) => {
                            line(
                                &mut s,
                                "pack",
                                format!("{}@{} — {}", m.id, m.version, m.name),
                            );
                            line(
                                &mut s,
                                "code",
                                format!(
                                    "{} {}, jurisdiction {}",
                                    m.code, m.edition, m.jurisdiction
                                ),
                            );
                            line(
                                &mut s,
                                "contract",
                                format!("plancheck:plugin@{}", m.contract),
                            );
                            line(&mut s, "rules", m.rules.len().to_string());
                        }
                        Err(e) => line(&mut s, "manifest", format!("unavailable: {e}")),
                    }
                    line(&mut s, "imports", imports.join(", "));
                    line(&mut s, "exports", exports.join(", "));
                    s
                }
            };
            write_out(out, &text)?;
            Ok(0)
        }
    }
}

fn base64_public(sk: &ed25519_dalek::SigningKey) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(sk.verifying_key().as_bytes())
}
