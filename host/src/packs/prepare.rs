//! Turning bytes into a pack the host may serve, in the order the issue
//! fixes: **verify** (artifact signature, component digest, trust roots)
//! before anything else touches the bytes, then **compile** (or load from
//! the compile cache) with the contract checks, call `manifest` and compare
//! it with what was signed, then **smoke-test** (a check of an empty model
//! within the sandbox's limits). Any failure is a [`Refusal`] with a stable
//! reason word; nothing is registered.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use plancheck_model::{CheckOptions, Model};

use super::artifact::{self, Artifact, DeclaredManifest, Statement};
use super::trust::Trust;
use super::Pack;
use crate::bindings::CONTRACTS;
use crate::sandbox::{PluginError, Sandbox};

/// Why bytes were not accepted as a pack. `reason` is stable (API `reason`
/// member, metric label, audit detail); `message` names the file and the
/// problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    /// `unsigned`, `malformed`, `bad_signature`, `tampered`,
    /// `unknown_publisher`, `wrong_publisher`, `invalid_component`,
    /// `contract_version`, `missing_import`, `not_a_rule_pack`,
    /// `invalid_manifest`, `manifest_mismatch`, `smoke_test`,
    /// `unsupported_kind`, `io`.
    pub reason: &'static str,
    /// Which step refused: `verify`, `compile` or `smoke_test`.
    pub stage: &'static str,
    /// What is wrong, for people.
    pub message: String,
}

impl Refusal {
    fn new(reason: &'static str, stage: &'static str, message: String) -> Refusal {
        Refusal {
            reason,
            stage,
            message,
        }
    }

    fn plugin(stage: &'static str, e: PluginError) -> Refusal {
        let reason = match &e {
            PluginError::Invalid { .. } => "invalid_component",
            PluginError::ContractVersion { .. } => "contract_version",
            PluginError::MissingImport { .. } => "missing_import",
            PluginError::NotARulePack { .. } => "not_a_rule_pack",
            _ if stage == "smoke_test" => "smoke_test",
            _ => "invalid_manifest",
        };
        Refusal::new(reason, stage, e.to_string())
    }
}

/// What was verified about a signed artifact.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// The statement as signed.
    pub statement: Statement,
    /// Fingerprint of the signing key.
    pub signer: String,
}

/// A pack ready to be registered, and what its preparation took.
#[derive(Debug)]
pub struct Prepared {
    /// The pack.
    pub pack: Pack,
    /// Signature details (`None`: an unsigned component, development only).
    pub provenance: Option<Provenance>,
    /// Time to verify.
    pub verify: Duration,
    /// Time to compile (or load from the cache) and read the manifest.
    pub compile: Duration,
    /// Time of the smoke test (zero when skipped).
    pub smoke: Duration,
}

/// Verifies, compiles and (if `smoke`) smoke-tests `bytes`: a signed
/// artifact, or a bare component if `trust` allows unsigned ones. `name`
/// is used in messages; `path` is recorded as where the pack came from.
pub fn prepare(
    sandbox: &Sandbox,
    trust: &Trust,
    name: &str,
    path: &Path,
    bytes: &[u8],
    smoke: bool,
) -> Result<Prepared, Refusal> {
    let t = Instant::now();
    let (component, provenance): (&[u8], Option<Provenance>) = if artifact::is_artifact(bytes) {
        let a = Artifact::parse(name, bytes)
            .map_err(|e| Refusal::new(e.label(), "verify", e.to_string()))?;
        a.verify(name)
            .map_err(|e| Refusal::new(e.label(), "verify", e.to_string()))?;
        trust
            .check(name, &a)
            .map_err(|e| Refusal::new(e.label(), "verify", e.to_string()))?;
        if a.statement.kind != "rule-pack" {
            return Err(Refusal::new(
                "unsupported_kind",
                "verify",
                format!(
                    "{name}: the artifact is a `{}`; this host serves `rule-pack` artifacts",
                    a.statement.kind
                ),
            ));
        }
        let signer = a.signer();
        let start = bytes.len() - a.component.len();
        (
            &bytes[start..],
            Some(Provenance {
                statement: a.statement,
                signer,
            }),
        )
    } else if trust.allows_unsigned() {
        tracing::warn!(
            pack = name,
            "loading an UNSIGNED pack (unsigned packs are accepted by [trust])"
        );
        (bytes, None)
    } else {
        let e = artifact::ArtifactError::Unsigned(name.into());
        return Err(Refusal::new(
            e.label(),
            "verify",
            format!("{e}; this server accepts only packs signed by a [trust] publisher"),
        ));
    };
    let verify = t.elapsed();

    let t = Instant::now();
    let code = sandbox
        .load_pack(name, component, None)
        .map_err(|e| Refusal::plugin("compile", e))?;
    let manifest = sandbox
        .manifest(&code)
        .map_err(|e| Refusal::plugin("compile", e))?;
    validate_manifest(name, &manifest).map_err(|e| Refusal::plugin("compile", e))?;
    if let Some(p) = &provenance {
        let reported = DeclaredManifest::of(&manifest);
        if reported != p.statement.manifest {
            return Err(Refusal::new(
                "manifest_mismatch",
                "compile",
                format!(
                    "{name}: manifest mismatch: the artifact declares {} but the component reports {}",
                    declared(&p.statement.manifest),
                    declared(&reported)
                ),
            ));
        }
    }
    let compile = t.elapsed();

    let t = Instant::now();
    if smoke {
        smoke_test(sandbox, &code).map_err(|e| {
            Refusal::new(
                "smoke_test",
                "smoke_test",
                format!("{name}: failed its smoke test (a check of an empty model): {e}"),
            )
        })?;
    }
    let smoke = t.elapsed();
    Ok(Prepared {
        pack: Pack {
            manifest,
            code,
            path: path.to_path_buf(),
            publisher: provenance.as_ref().map(|p| p.statement.publisher.clone()),
            signer: provenance.as_ref().map(|p| p.signer.clone()),
        },
        provenance,
        verify,
        compile,
        smoke,
    })
}

fn declared(m: &DeclaredManifest) -> String {
    format!(
        "{}@{} (jurisdiction {}, contract {}, {} {} `{}`)",
        m.id, m.version, m.jurisdiction, m.contract, m.code, m.edition, m.name
    )
}

/// Runs the pack over an empty model with no options, in a fresh store
/// within the sandbox's limits. Any error fails it, except the pack's own
/// `invalid-option` answer: a pack that needs configuration (the IDS pack
/// without its `ids` parameter) has then loaded, run and answered within
/// the contract, which is what the smoke test is for.
pub fn smoke_test(sandbox: &Sandbox, code: &crate::sandbox::PackCode) -> Result<(), PluginError> {
    let model = Model::new("IFC4", vec![], vec![], &|c| {
        crate::input::supertypes("IFC4", c)
    })
    .map_err(|e| PluginError::Host {
        plugin: code.name().to_string(),
        detail: format!("cannot build the empty model: {e}"),
    })?;
    let (res, _) = sandbox.check(code, Arc::new(model), &CheckOptions::default());
    match res {
        Ok(_) => Ok(()),
        Err(PluginError::Pack {
            error: plancheck_model::PackError::InvalidOption(why),
            ..
        }) => {
            tracing::info!(
                pack = code.name(),
                "smoke test: the pack needs options ({why}); it answered within the contract"
            );
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// The manifest rules every pack must follow: a contract version this
/// host speaks, a well-formed id, unique rule ids.
pub fn validate_manifest(name: &str, m: &plancheck_model::Manifest) -> Result<(), PluginError> {
    let bad = |detail: String| PluginError::Host {
        plugin: name.into(),
        detail: format!("invalid manifest: {detail}"),
    };
    // (the sandbox already checked it agrees with the component's export)
    if !CONTRACTS.contains(&m.contract.as_str()) {
        return Err(PluginError::ContractVersion {
            plugin: name.into(),
            found: m.contract.clone(),
            supported: crate::bindings::supported(),
        });
    }
    if m.id.is_empty()
        || !m
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(bad(format!(
            "id `{}` must be non-empty lowercase letters, digits and '-'",
            m.id
        )));
    }
    if m.version.is_empty()
        || !m
            .version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-+_".contains(c))
    {
        return Err(bad(format!(
            "version `{}` must be non-empty letters, digits and `.-+_`",
            m.version
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for r in &m.rules {
        if !seen.insert(&r.id) {
            return Err(bad(format!("rule id `{}` appears twice", r.id)));
        }
    }
    Ok(())
}
