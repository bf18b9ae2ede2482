//! Signed pack artifacts (`*.pcpack`): a WebAssembly component, the
//! manifest it declares, and its publisher's ed25519 signature, in one file
//! (docs/publishing.md).
//!
//! ```text
//! plancheck-artifact/1\n          magic line
//! {"publisher":..., ...}\n        the statement: one line of JSON
//! <base64 ed25519 signature>\n    over the first two lines, exactly as written
//! <component bytes>               the rest of the file
//! ```
//!
//! The statement names the publisher, its public key, the component's
//! SHA-256 and size, and the manifest fields the host checks before anything
//! else touches the component (id, version, jurisdiction, contract). The
//! signature covers the statement, and through the digest the component, so
//! a flipped byte anywhere is caught. The digest is the same SHA-256 that
//! keys the compile cache.
//!
//! Our own format rather than, say, a signed OCI image or minisign: it is
//! one file (atomic rename in a watched directory), parsing is forty lines
//! with no new dependency, and ed25519 comes from `ed25519-dalek`, which
//! `jsonwebtoken` already pulls in.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

/// First line of every artifact.
pub const MAGIC: &[u8] = b"plancheck-artifact/1\n";
/// File extension of artifacts.
pub const EXTENSION: &str = "pcpack";
/// The statement line may not be longer than this (bytes).
pub const MAX_STATEMENT: usize = 64 << 10;

/// The manifest fields an artifact declares (and the host compares with
/// what the component itself reports).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredManifest {
    /// Pack id, e.g. `us-ibc-2021`.
    pub id: String,
    /// The pack's version, e.g. `1.2.0`.
    pub version: String,
    /// ISO 3166 jurisdiction, e.g. `US`.
    pub jurisdiction: String,
    /// Contract version the component targets, e.g. `0.1.0`.
    pub contract: String,
    /// Display name.
    pub name: String,
    /// The code, e.g. `IBC`.
    pub code: String,
    /// The code's edition.
    pub edition: String,
}

impl DeclaredManifest {
    /// The declared fields of a full manifest.
    pub fn of(m: &plancheck_model::Manifest) -> DeclaredManifest {
        DeclaredManifest {
            id: m.id.clone(),
            version: m.version.clone(),
            jurisdiction: m.jurisdiction.clone(),
            contract: m.contract.clone(),
            name: m.name.clone(),
            code: m.code.clone(),
            edition: m.edition.clone(),
        }
    }
}

/// The component an artifact carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentRef {
    /// SHA-256 of the component bytes, lowercase hex.
    pub sha256: String,
    /// Size of the component, bytes.
    pub bytes: u64,
}

/// What the publisher signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// What the component is: `rule-pack` (later `report-template`,
    /// `integration`).
    pub kind: String,
    /// The publisher's id, as configured in `[trust]`.
    pub publisher: String,
    /// The signing key, ed25519 public key, base64 (32 bytes).
    pub public_key: String,
    /// The component.
    pub component: ComponentRef,
    /// The manifest the component declares.
    pub manifest: DeclaredManifest,
    /// When it was signed, RFC 3339 (informational).
    pub signed_at: String,
}

/// A parsed artifact. Parsing checks the shape only; [`Artifact::verify`]
/// checks the signature and the component digest.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// The statement.
    pub statement: Statement,
    /// The statement line as signed (without its newline).
    statement_line: Vec<u8>,
    /// The signature.
    signature: Signature,
    /// The component bytes.
    pub component: Vec<u8>,
}

/// Why an artifact cannot be read or does not verify. [`label`](Self::label)
/// is the stable reason word of the API, metrics and audit log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArtifactError {
    /// A bare component, or a file without the artifact header.
    #[error("{0}: unsigned: not a signed plancheck artifact (sign it with `plancheck pack sign`)")]
    Unsigned(String),
    /// The header is there but broken.
    #[error("{name}: malformed artifact: {detail}")]
    Malformed {
        /// File or upload name.
        name: String,
        /// What is wrong.
        detail: String,
    },
    /// The signature does not verify with the key the statement names.
    #[error(
        "{0}: bad signature: the statement was changed after signing, or signed with another key"
    )]
    BadSignature(String),
    /// The component is not the one the statement names.
    #[error("{name}: tampered: the component's SHA-256 is {found} ({found_bytes} bytes), but the signed statement says {expected} ({expected_bytes} bytes)")]
    Tampered {
        /// File or upload name.
        name: String,
        /// Digest signed.
        expected: String,
        /// Size signed.
        expected_bytes: u64,
        /// Digest of the bytes received.
        found: String,
        /// Size received.
        found_bytes: u64,
    },
}

impl ArtifactError {
    /// `unsigned`, `malformed`, `bad_signature` or `tampered`.
    pub fn label(&self) -> &'static str {
        match self {
            ArtifactError::Unsigned(_) => "unsigned",
            ArtifactError::Malformed { .. } => "malformed",
            ArtifactError::BadSignature(_) => "bad_signature",
            ArtifactError::Tampered { .. } => "tampered",
        }
    }
}

/// Whether `bytes` look like an artifact (start with [`MAGIC`]).
pub fn is_artifact(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

impl Artifact {
    /// Splits an artifact into statement, signature and component. `name`
    /// is used in messages. A bare component is [`ArtifactError::Unsigned`].
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Artifact, ArtifactError> {
        let malformed = |detail: String| ArtifactError::Malformed {
            name: name.into(),
            detail,
        };
        let Some(rest) = bytes.strip_prefix(MAGIC) else {
            return Err(ArtifactError::Unsigned(name.into()));
        };
        let window = &rest[..rest.len().min(MAX_STATEMENT + 1)];
        let end = window.iter().position(|&b| b == b'\n').ok_or_else(|| {
            malformed(format!(
                "no statement line (at most {MAX_STATEMENT} bytes) after the header"
            ))
        })?;
        let statement_line = &rest[..end];
        let rest = &rest[end + 1..];
        let statement: Statement = serde_json::from_slice(statement_line)
            .map_err(|e| malformed(format!("the statement is not valid: {e}")))?;
        let end = rest
            .iter()
            .take(200)
            .position(|&b| b == b'\n')
            .ok_or_else(|| malformed("no signature line after the statement".into()))?;
        let sig = std::str::from_utf8(&rest[..end])
            .ok()
            .and_then(|s| B64.decode(s.trim()).ok())
            .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
            .ok_or_else(|| malformed("the signature line is not 64 bytes of base64".into()))?;
        Ok(Artifact {
            statement,
            statement_line: statement_line.to_vec(),
            signature: Signature::from_bytes(&sig),
            component: rest[end + 1..].to_vec(),
        })
    }

    /// Checks the signature against the statement's own key, then the
    /// component's size and SHA-256 against the statement. Whether that key
    /// is trusted is [`super::trust::Trust`]'s business.
    pub fn verify(&self, name: &str) -> Result<(), ArtifactError> {
        let key =
            public_key(&self.statement.public_key).map_err(|detail| ArtifactError::Malformed {
                name: name.into(),
                detail,
            })?;
        key.verify(&signed_bytes(&self.statement_line), &self.signature)
            .map_err(|_| ArtifactError::BadSignature(name.into()))?;
        let found = super::compile_cache::digest(&self.component);
        let found_bytes = self.component.len() as u64;
        if found != self.statement.component.sha256 || found_bytes != self.statement.component.bytes
        {
            return Err(ArtifactError::Tampered {
                name: name.into(),
                expected: self.statement.component.sha256.clone(),
                expected_bytes: self.statement.component.bytes,
                found,
                found_bytes,
            });
        }
        Ok(())
    }

    /// Fingerprint of the signing key: the first 16 hex digits of the
    /// SHA-256 of the public key bytes.
    pub fn signer(&self) -> String {
        fingerprint(&self.statement.public_key)
    }
}

/// Fingerprint of a base64 public key (first 16 hex digits of its SHA-256).
pub fn fingerprint(public_key_b64: &str) -> String {
    let raw = B64.decode(public_key_b64.trim()).unwrap_or_default();
    super::compile_cache::digest(&raw)[..16].to_string()
}

fn signed_bytes(statement_line: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(MAGIC.len() + statement_line.len() + 1);
    v.extend_from_slice(MAGIC);
    v.extend_from_slice(statement_line);
    v.push(b'\n');
    v
}

/// Parses a base64 ed25519 public key.
pub fn public_key(b64: &str) -> Result<VerifyingKey, String> {
    let raw = B64
        .decode(b64.trim())
        .map_err(|e| format!("public key is not base64: {e}"))?;
    let raw: [u8; 32] = raw
        .as_slice()
        .try_into()
        .map_err(|_| format!("public key is {} bytes, not 32", raw.len()))?;
    VerifyingKey::from_bytes(&raw).map_err(|e| format!("not an ed25519 public key: {e}"))
}

/// Parses a base64 ed25519 secret key (the 32-byte seed).
pub fn secret_key(b64: &str) -> Result<SigningKey, String> {
    let raw = B64
        .decode(b64.trim())
        .map_err(|e| format!("secret key is not base64: {e}"))?;
    let raw: [u8; 32] = raw
        .as_slice()
        .try_into()
        .map_err(|_| format!("secret key is {} bytes, not 32", raw.len()))?;
    Ok(SigningKey::from_bytes(&raw))
}

/// A new key pair from the operating system's randomness: (secret, public),
/// both base64.
pub fn generate_key() -> Result<(String, String), String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| format!("no randomness from the OS: {e}"))?;
    let key = SigningKey::from_bytes(&seed);
    Ok((B64.encode(seed), B64.encode(key.verifying_key().as_bytes())))
}

/// Builds a signed `rule-pack` artifact of `component` declaring `manifest`.
pub fn sign(
    component: &[u8],
    manifest: DeclaredManifest,
    publisher: &str,
    key: &SigningKey,
    signed_at: String,
) -> Vec<u8> {
    sign_kind("rule-pack", component, manifest, publisher, key, signed_at)
}

/// As [`sign`], for an artifact of another `kind` (report templates and
/// integrations, later; tests).
pub fn sign_kind(
    kind: &str,
    component: &[u8],
    manifest: DeclaredManifest,
    publisher: &str,
    key: &SigningKey,
    signed_at: String,
) -> Vec<u8> {
    let statement = Statement {
        kind: kind.into(),
        publisher: publisher.into(),
        public_key: B64.encode(key.verifying_key().as_bytes()),
        component: ComponentRef {
            sha256: super::compile_cache::digest(component),
            bytes: component.len() as u64,
        },
        manifest,
        signed_at,
    };
    let line = serde_json::to_vec(&statement).expect("statement serialises");
    let sig = key.sign(&signed_bytes(&line));
    let mut out = Vec::with_capacity(component.len() + line.len() + 200);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&line);
    out.push(b'\n');
    out.extend_from_slice(B64.encode(sig.to_bytes()).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(component);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> DeclaredManifest {
        DeclaredManifest {
            id: "us-test".into(),
            version: "1.0.0".into(),
            jurisdiction: "US".into(),
            contract: "0.1.0".into(),
            name: "Test".into(),
            code: "T".into(),
            edition: "1".into(),
        }
    }

    fn signed(component: &[u8]) -> (Vec<u8>, String) {
        let (sk, pk) = generate_key().unwrap();
        let key = secret_key(&sk).unwrap();
        (
            sign(
                component,
                manifest(),
                "icc",
                &key,
                "2026-12-03T00:00:00Z".into(),
            ),
            pk,
        )
    }

    #[test]
    fn round_trip_verifies() {
        let (bytes, pk) = signed(b"\0asm component");
        let a = Artifact::parse("a.pcpack", &bytes).unwrap();
        a.verify("a.pcpack").unwrap();
        assert_eq!(a.statement.public_key, pk);
        assert_eq!(a.component, b"\0asm component");
        assert_eq!(a.statement.manifest, manifest());
        assert_eq!(a.signer().len(), 16);
    }

    #[test]
    fn a_bare_component_is_unsigned() {
        let e = Artifact::parse("x.wasm", b"\0asm\x0d\0\x01\0").unwrap_err();
        assert_eq!(e.label(), "unsigned");
        assert!(e.to_string().contains("plancheck pack sign"), "{e}");
    }

    #[test]
    fn a_flipped_component_byte_is_tampered() {
        let (mut bytes, _) = signed(b"\0asm component");
        let n = bytes.len();
        bytes[n - 1] ^= 1;
        let a = Artifact::parse("a", &bytes).unwrap();
        let e = a.verify("a").unwrap_err();
        assert_eq!(e.label(), "tampered", "{e}");
        assert!(e.to_string().contains("signed statement says"), "{e}");
    }

    #[test]
    fn a_changed_statement_is_a_bad_signature() {
        let (bytes, _) = signed(b"\0asm component");
        let text = String::from_utf8_lossy(&bytes).replace("\"1.0.0\"", "\"9.0.0\"");
        let a = Artifact::parse("a", text.as_bytes()).unwrap();
        assert_eq!(a.verify("a").unwrap_err().label(), "bad_signature");
    }

    #[test]
    fn broken_headers_are_malformed() {
        for bad in [
            &b"plancheck-artifact/1\nnot json\nsig\n"[..],
            b"plancheck-artifact/1\n{\"kind\":1}\n",
            b"plancheck-artifact/1\n",
        ] {
            let e = Artifact::parse("m", bad).unwrap_err();
            assert_eq!(e.label(), "malformed", "{e}");
        }
        let (bytes, _) = signed(b"c");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let mut lines: Vec<&str> = text.splitn(4, '\n').collect();
        lines[2] = "AAAA";
        let e = Artifact::parse("m", lines.join("\n").as_bytes()).unwrap_err();
        assert!(e.to_string().contains("64 bytes of base64"), "{e}");
    }
}
