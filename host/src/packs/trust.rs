//! Trust roots: which publishers' keys the server accepts, for which
//! jurisdictions (`[trust]` in the configuration, docs/publishing.md).
//!
//! ```toml
//! [trust]
//! # allow_unsigned = false   # unset: only while no publisher is configured
//!
//! [[trust.publishers]]
//! id = "icc"
//! jurisdictions = ["US"]
//! keys = ["<base64 ed25519 public key from `plancheck pack keygen`>"]
//! ```
//!
//! An artifact is trusted when its statement names a configured publisher,
//! is signed with one of that publisher's keys, and declares a jurisdiction
//! the publisher may serve (`US` covers `US` and `US-*`, as on checks).

use serde::Deserialize;

use super::artifact::{self, Artifact};

/// `[trust]`: trust roots and the unsigned-pack switch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrustConfig {
    /// Accept unsigned components (bare `*.wasm`). Unset: accepted only
    /// while no publisher is configured (development), and said so loudly.
    pub allow_unsigned: Option<bool>,
    /// Trusted publishers.
    pub publishers: Vec<PublisherConfig>,
}

/// One trusted publisher.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublisherConfig {
    /// The publisher id its artifacts name (`plancheck pack sign --publisher`).
    pub id: String,
    /// Jurisdictions it may publish for (`US` also covers `US-*`).
    pub jurisdictions: Vec<String>,
    /// Its ed25519 public keys, base64 (the `.pub` file of `plancheck pack
    /// keygen`). Several allow key rotation.
    pub keys: Vec<String>,
}

/// Why a signed artifact is not trusted. [`label`](Self::label) is the
/// stable reason word.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    /// The statement names a publisher that is not configured.
    #[error("{name}: unknown publisher `{publisher}`: no [[trust.publishers]] entry has this id (trusted: {trusted})")]
    UnknownPublisher {
        /// File or upload name.
        name: String,
        /// The publisher named.
        publisher: String,
        /// The configured ids.
        trusted: String,
    },
    /// Signed with a key that is not the publisher's.
    #[error("{name}: wrong publisher: signed with key {signer}, which is not a key of publisher `{publisher}`")]
    WrongKey {
        /// File or upload name.
        name: String,
        /// The publisher named.
        publisher: String,
        /// Fingerprint of the signing key.
        signer: String,
    },
    /// The publisher may not publish for the declared jurisdiction.
    #[error("{name}: wrong publisher: `{publisher}` is trusted for {allowed}, not for jurisdiction `{jurisdiction}`")]
    WrongJurisdiction {
        /// File or upload name.
        name: String,
        /// The publisher named.
        publisher: String,
        /// The pack's jurisdiction.
        jurisdiction: String,
        /// What the publisher may serve.
        allowed: String,
    },
}

impl TrustError {
    /// `unknown_publisher` or `wrong_publisher`.
    pub fn label(&self) -> &'static str {
        match self {
            TrustError::UnknownPublisher { .. } => "unknown_publisher",
            TrustError::WrongKey { .. } | TrustError::WrongJurisdiction { .. } => "wrong_publisher",
        }
    }
}

/// The trust policy in force.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    config: TrustConfig,
}

impl Trust {
    /// Checks every configured key parses; the message names the publisher.
    pub fn new(config: TrustConfig) -> Result<Trust, String> {
        for p in &config.publishers {
            if p.id.trim().is_empty() {
                return Err("[[trust.publishers]]: `id` must not be empty".into());
            }
            if p.keys.is_empty() {
                return Err(format!("[[trust.publishers]] `{}`: no keys", p.id));
            }
            for k in &p.keys {
                artifact::public_key(k)
                    .map_err(|e| format!("[[trust.publishers]] `{}`: {e}", p.id))?;
            }
        }
        Ok(Trust { config })
    }

    /// Trusts nothing signed, accepts unsigned: what `plancheck check` uses
    /// for local files (the signature's integrity is still checked).
    pub fn local() -> Trust {
        Trust {
            config: TrustConfig {
                allow_unsigned: Some(true),
                publishers: vec![],
            },
        }
    }

    /// Whether unsigned components are accepted.
    pub fn allows_unsigned(&self) -> bool {
        self.config
            .allow_unsigned
            .unwrap_or(self.config.publishers.is_empty())
    }

    /// Whether this is development mode (unsigned accepted because no
    /// publisher is configured and `allow_unsigned` is unset).
    pub fn is_development(&self) -> bool {
        self.config.allow_unsigned.is_none() && self.config.publishers.is_empty()
    }

    /// The loud start-up notice when unsigned packs are accepted.
    pub fn notice(&self) -> Option<String> {
        if !self.allows_unsigned() {
            return None;
        }
        Some(if self.is_development() {
            "plancheck: development mode: no [trust] publishers are configured, so UNSIGNED packs are accepted; configure [[trust.publishers]] in production (docs/publishing.md)".into()
        } else {
            "plancheck: WARNING: trust.allow_unsigned = true: UNSIGNED packs are accepted (docs/publishing.md)".into()
        })
    }

    /// Whether the (already verified) artifact's signer is trusted for what
    /// it declares. With no publisher configured and unsigned packs
    /// accepted (development, [`Trust::local`]) any verified signature is
    /// accepted: it is at least as good as none.
    pub fn check(&self, name: &str, a: &Artifact) -> Result<(), TrustError> {
        if self.config.publishers.is_empty() && self.allows_unsigned() {
            return Ok(());
        }
        let s = &a.statement;
        let Some(p) = self.config.publishers.iter().find(|p| p.id == s.publisher) else {
            let ids: Vec<&str> = self
                .config
                .publishers
                .iter()
                .map(|p| p.id.as_str())
                .collect();
            return Err(TrustError::UnknownPublisher {
                name: name.into(),
                publisher: s.publisher.clone(),
                trusted: if ids.is_empty() {
                    "none".into()
                } else {
                    ids.join(", ")
                },
            });
        };
        let signer = artifact::public_key(&s.public_key).ok();
        let known = p
            .keys
            .iter()
            .any(|k| artifact::public_key(k).ok() == signer && signer.is_some());
        if !known {
            return Err(TrustError::WrongKey {
                name: name.into(),
                publisher: p.id.clone(),
                signer: a.signer(),
            });
        }
        let j = &s.manifest.jurisdiction;
        if !p.jurisdictions.iter().any(|own| covers(own, j)) {
            return Err(TrustError::WrongJurisdiction {
                name: name.into(),
                publisher: p.id.clone(),
                jurisdiction: j.clone(),
                allowed: p.jurisdictions.join(", "),
            });
        }
        Ok(())
    }
}

/// Whether jurisdiction `own` covers `j` (`US` covers `US` and `US-CA`),
/// case-insensitively.
pub fn covers(own: &str, j: &str) -> bool {
    let (own, j) = (own.to_ascii_uppercase(), j.to_ascii_uppercase());
    j == own || j.starts_with(&format!("{own}-"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packs::artifact::{generate_key, secret_key, sign, DeclaredManifest};

    fn artifact(publisher: &str, sk: &str, jurisdiction: &str) -> Artifact {
        let m = DeclaredManifest {
            id: "p".into(),
            version: "1".into(),
            jurisdiction: jurisdiction.into(),
            contract: "0.1.0".into(),
            name: "P".into(),
            code: "C".into(),
            edition: "1".into(),
        };
        let bytes = sign(b"c", m, publisher, &secret_key(sk).unwrap(), "t".into());
        Artifact::parse("a", &bytes).unwrap()
    }

    #[test]
    fn publisher_key_and_jurisdiction_must_all_match() {
        let (sk, pk) = generate_key().unwrap();
        let (other_sk, _) = generate_key().unwrap();
        let t = Trust::new(TrustConfig {
            allow_unsigned: None,
            publishers: vec![PublisherConfig {
                id: "icc".into(),
                jurisdictions: vec!["US".into()],
                keys: vec![pk],
            }],
        })
        .unwrap();
        assert!(!t.allows_unsigned());
        assert!(t.notice().is_none());
        t.check("a", &artifact("icc", &sk, "US-CA")).unwrap();
        let e = t.check("a", &artifact("nbs", &sk, "US")).unwrap_err();
        assert_eq!(e.label(), "unknown_publisher");
        assert!(e.to_string().contains("trusted: icc"), "{e}");
        let e = t.check("a", &artifact("icc", &other_sk, "US")).unwrap_err();
        assert_eq!(e.label(), "wrong_publisher");
        let e = t.check("a", &artifact("icc", &sk, "GB")).unwrap_err();
        assert_eq!(e.label(), "wrong_publisher");
        assert!(e.to_string().contains("not for jurisdiction `GB`"), "{e}");
    }

    #[test]
    fn development_mode_is_loud_and_explicit_settings_win() {
        let dev = Trust::new(TrustConfig::default()).unwrap();
        assert!(dev.allows_unsigned() && dev.is_development());
        assert!(dev.notice().unwrap().contains("UNSIGNED"));
        let strict = Trust::new(TrustConfig {
            allow_unsigned: Some(false),
            publishers: vec![],
        })
        .unwrap();
        assert!(!strict.allows_unsigned());
        let e = Trust::new(TrustConfig {
            allow_unsigned: None,
            publishers: vec![PublisherConfig {
                id: "x".into(),
                jurisdictions: vec![],
                keys: vec!["nope".into()],
            }],
        })
        .unwrap_err();
        assert!(e.contains("`x`"), "{e}");
    }
}
