//! Authentication and authorization for `plancheck serve` (docs/auth.md).
//!
//! * Who: a caller presents a JWT bearer token; [`Authenticator::verify`]
//!   checks it (one configured algorithm, signature, `exp`/`nbf`/`iat` with a
//!   small leeway, `iss`, `aud`, `sub`, `role`) and yields a [`Caller`], or an
//!   [`AuthFailure`] with a stable [`AuthFailure::reason`] label (→ 401).
//! * What: [`allows`] is the permission matrix, the one place that decides
//!   what a [`Role`] may do; [`may_publish`] adds the publisher's
//!   jurisdiction scope. [`matrix_markdown`] renders the matrix; a test keeps
//!   docs/auth.md identical to it.
//! * Keys: HS256 with a shared secret by default (on defaults, a development
//!   key generated once under the data directory), or RS256 / EdDSA public
//!   keys in PEM ([`AuthConfig`]).
//!
//! Nothing here knows about HTTP; the axum side is [`crate::api::auth`].

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// File name of the generated development signing key, in the data directory.
pub const DEV_KEY_FILE: &str = "dev-signing-key";
/// Smallest accepted HS256 secret, bytes (after base64 decoding).
pub const MIN_SECRET_BYTES: usize = 32;
/// The `reason` label of a valid token without the permission (403).
pub const FORBIDDEN: &str = "forbidden";

// ---------------------------------------------------------------- roles

/// What a caller is. Serialised lower-case (`"admin"`, ...), as in the
/// token's `role` claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages packs and plugins, reads everything.
    Admin,
    /// Publishes packs for its own jurisdiction (the token's `jurisdiction`).
    Publisher,
    /// Submits validations and reads its own.
    Client,
    /// Reads.
    Viewer,
}

impl Role {
    /// Every role, in matrix order.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Publisher, Role::Client, Role::Viewer];

    /// The lower-case name (`admin`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Publisher => "publisher",
            Role::Client => "client",
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of [`Role::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}` (expected admin, publisher, client or viewer)")]
pub struct ParseRoleError(pub String);

impl FromStr for Role {
    type Err = ParseRoleError;

    fn from_str(s: &str) -> Result<Role, ParseRoleError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| ParseRoleError(s.to_string()))
    }
}

// ---------------------------------------------------------- permissions

/// Something a caller may be allowed to do. Handlers name the permission
/// they need; [`allows`] decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// List installed packs and their rules.
    ReadPacks,
    /// Install, remove and reload any pack or plugin.
    ManagePacks,
    /// Publish a pack; a publisher only for its own jurisdiction
    /// ([`may_publish`]).
    PublishPacks,
    /// Submit models for checking.
    CreateValidations,
    /// Read validations the caller submitted (same `sub`).
    ReadOwnValidations,
    /// Read every caller's validations.
    ReadAllValidations,
    /// Read the audit log.
    ReadAudit,
    /// Join a live session read-only (WebSocket).
    WatchLive,
    /// Send models and changes into a live session.
    DriveLive,
}

impl Permission {
    /// Every permission, in matrix order.
    pub const ALL: [Permission; 9] = [
        Permission::ReadPacks,
        Permission::ManagePacks,
        Permission::PublishPacks,
        Permission::CreateValidations,
        Permission::ReadOwnValidations,
        Permission::ReadAllValidations,
        Permission::ReadAudit,
        Permission::WatchLive,
        Permission::DriveLive,
    ];

    /// The snake_case name used in messages and docs (`manage_packs`).
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ReadPacks => "read_packs",
            Permission::ManagePacks => "manage_packs",
            Permission::PublishPacks => "publish_packs",
            Permission::CreateValidations => "create_validations",
            Permission::ReadOwnValidations => "read_own_validations",
            Permission::ReadAllValidations => "read_all_validations",
            Permission::ReadAudit => "read_audit",
            Permission::WatchLive => "watch_live",
            Permission::DriveLive => "drive_live",
        }
    }

    /// What the permission grants, one line.
    pub fn description(self) -> &'static str {
        match self {
            Permission::ReadPacks => "list installed packs and their rules",
            Permission::ManagePacks => {
                "activate, roll back, deactivate and reload any pack or plugin"
            }
            Permission::PublishPacks => "upload a signed pack version (docs/publishing.md)",
            Permission::CreateValidations => "submit models for checking",
            Permission::ReadOwnValidations => "read validations the caller submitted (same `sub`)",
            Permission::ReadAllValidations => "read every caller's validations",
            Permission::ReadAudit => "read the audit log",
            Permission::WatchLive => "join a live session read-only (WebSocket)",
            Permission::DriveLive => "send models and changes into a live session",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The permission matrix: whether `role` has `perm`. This is the one place
/// that decides; everything else asks it. [`Permission::PublishPacks`] is
/// further scoped for publishers by [`may_publish`].
pub fn allows(role: Role, perm: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Admin => true,
        Role::Publisher => matches!(
            perm,
            ReadPacks
                | PublishPacks
                | CreateValidations
                | ReadOwnValidations
                | WatchLive
                | DriveLive
        ),
        Role::Client => matches!(
            perm,
            ReadPacks | CreateValidations | ReadOwnValidations | WatchLive | DriveLive
        ),
        Role::Viewer => matches!(
            perm,
            ReadPacks | ReadOwnValidations | ReadAllValidations | WatchLive
        ),
    }
}

/// Whether `caller` may publish a pack for `jurisdiction`: admins for any;
/// publishers for their own jurisdiction and its subdivisions (a `US`
/// publisher may publish `US` and `US-CA` packs, not `GB`), compared
/// case-insensitively as `--jurisdiction` selection does; nobody else.
pub fn may_publish(caller: &Caller, jurisdiction: &str) -> bool {
    if !caller.can(Permission::PublishPacks) {
        return false;
    }
    match caller.role {
        Role::Admin => true,
        _ => caller
            .jurisdiction
            .as_deref()
            .is_some_and(|own| jurisdiction_covers(own, jurisdiction)),
    }
}

/// `own` is `j` or a parent of it (`US` covers `US` and `US-CA`).
fn jurisdiction_covers(own: &str, j: &str) -> bool {
    let own = own.to_ascii_uppercase();
    let j = j.to_ascii_uppercase();
    !own.is_empty() && (j == own || j.starts_with(&format!("{own}-")))
}

/// The permission matrix as a markdown table (rows: permissions; columns:
/// roles), exactly as in docs/auth.md.
pub fn matrix_markdown() -> String {
    let mut s = String::from("| permission | grants |");
    for r in Role::ALL {
        s.push_str(&format!(" {r} |"));
    }
    s.push_str("\n|---|---|");
    for _ in Role::ALL {
        s.push_str("---|");
    }
    s.push('\n');
    for p in Permission::ALL {
        s.push_str(&format!("| `{p}` | {} |", p.description()));
        for r in Role::ALL {
            let cell = match (allows(r, p), r, p) {
                (false, _, _) => "no",
                (true, Role::Publisher, Permission::PublishPacks) => "own jurisdiction",
                (true, _, _) => "yes",
            };
            s.push_str(&format!(" {cell} |"));
        }
        s.push('\n');
    }
    s
}

// -------------------------------------------------------------- callers

/// An authenticated caller: who, in what role, and (publishers) for which
/// jurisdiction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's subject (`sub`): a user or client id.
    pub sub: String,
    /// The token's role.
    pub role: Role,
    /// The token's jurisdiction (always present for publishers).
    pub jurisdiction: Option<String>,
}

impl Caller {
    /// Whether this caller's role has `perm` ([`allows`]). For publishing a
    /// given pack ask [`may_publish`].
    pub fn can(&self, perm: Permission) -> bool {
        allows(self.role, perm)
    }
}

/// The claims of a Plancheck token. Times are seconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: the caller's id.
    pub sub: String,
    /// The caller's role.
    pub role: Role,
    /// Issuer; must equal `auth.issuer`.
    pub iss: String,
    /// Audience; must equal `auth.audience`.
    pub aud: String,
    /// Expiry.
    pub exp: u64,
    /// Issued at.
    #[serde(default)]
    pub iat: u64,
    /// The publisher's jurisdiction (ISO code, e.g. `US`, `GB-ENG`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
}

// --------------------------------------------------------------- config

/// A token signing algorithm Plancheck accepts. Exactly one is configured;
/// tokens with any other `alg` are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Algorithm {
    /// HMAC-SHA256 with a shared secret (`secret_file`).
    #[default]
    HS256,
    /// RSASSA-PKCS1-v1_5 with SHA-256; verified with `public_key_file`.
    RS256,
    /// Ed25519; verified with `public_key_file`.
    EdDSA,
}

impl Algorithm {
    /// The JOSE name (`HS256`, `RS256`, `EdDSA`).
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::RS256 => "RS256",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    fn jwt(self) -> jsonwebtoken::Algorithm {
        match self {
            Algorithm::HS256 => jsonwebtoken::Algorithm::HS256,
            Algorithm::RS256 => jsonwebtoken::Algorithm::RS256,
            Algorithm::EdDSA => jsonwebtoken::Algorithm::EdDSA,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An algorithm name Plancheck does not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown algorithm `{0}` (expected HS256, RS256 or EdDSA)")]
pub struct ParseAlgorithmError(pub String);

impl FromStr for Algorithm {
    type Err = ParseAlgorithmError;

    fn from_str(s: &str) -> Result<Algorithm, ParseAlgorithmError> {
        [Algorithm::HS256, Algorithm::RS256, Algorithm::EdDSA]
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| ParseAlgorithmError(s.to_string()))
    }
}

/// Default `auth.issuer`.
pub const DEFAULT_ISSUER: &str = "plancheck";
/// Default `auth.audience`.
pub const DEFAULT_AUDIENCE: &str = "plancheck";
/// Default `auth.leeway_secs`.
pub const DEFAULT_LEEWAY_SECS: u64 = 30;
/// Default `auth.token_ttl_secs` (one day).
pub const DEFAULT_TOKEN_TTL_SECS: u64 = 86_400;

/// The `[auth]` section of the configuration (docs/auth.md). Field names
/// are the TOML keys.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// The one accepted signing algorithm: `HS256` (shared secret), `RS256`
    /// or `EdDSA` (public key). Tokens with any other `alg`, including
    /// `none`, are refused.
    pub algorithm: Algorithm,
    /// Required `iss` claim.
    pub issuer: String,
    /// Required `aud` claim.
    pub audience: String,
    /// Clock-skew allowance for `exp`, `nbf` and `iat`, seconds.
    pub leeway_secs: u64,
    /// HS256 only: file holding the shared secret, base64 (standard
    /// alphabet), at least 32 bytes decoded. Unset: `<data_dir>/dev-signing-key`,
    /// generated on first use (32 random bytes, mode 0600) — for development.
    pub secret_file: Option<PathBuf>,
    /// RS256 / EdDSA: the PEM public key (`-----BEGIN PUBLIC KEY-----`) that
    /// verifies tokens. Required for those algorithms.
    pub public_key_file: Option<PathBuf>,
    /// RS256 / EdDSA: the PEM private key (PKCS#8) used only by
    /// `plancheck token` to mint tokens; the server never reads it.
    pub private_key_file: Option<PathBuf>,
    /// Lifetime of tokens minted by `plancheck token`, seconds.
    pub token_ttl_secs: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            algorithm: Algorithm::HS256,
            issuer: DEFAULT_ISSUER.into(),
            audience: DEFAULT_AUDIENCE.into(),
            leeway_secs: DEFAULT_LEEWAY_SECS,
            secret_file: None,
            public_key_file: None,
            private_key_file: None,
            token_ttl_secs: DEFAULT_TOKEN_TTL_SECS,
        }
    }
}

// --------------------------------------------------------------- errors

/// Why the authenticator could not be built or a token minted: a
/// configuration or key-file problem; the message names the key or file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AuthError(pub String);

/// Why a token was refused (→ 401). [`AuthFailure::reason`] is a stable
/// label for metrics and clients; `Display` is a human message that never
/// contains the token or values taken from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// No token was presented.
    Missing,
    /// Not a JWT (not three base64url parts, not JSON, wrong claim types,
    /// not a `Bearer` credential); says what.
    Malformed(&'static str),
    /// An unsigned token (`alg: none`).
    AlgNone,
    /// Signed with an algorithm other than the configured one.
    AlgorithmNotAllowed {
        /// The configured algorithm.
        expected: Algorithm,
    },
    /// The signature does not verify with the configured key.
    BadSignature,
    /// `exp` is past (beyond the leeway).
    Expired,
    /// `nbf` or `iat` is in the future (beyond the leeway).
    NotYetValid,
    /// `iss` is not the configured issuer.
    WrongIssuer,
    /// `aud` does not contain the configured audience.
    WrongAudience,
    /// A required claim is absent: `exp`, `iss`, `aud`, `sub`, `role`, or
    /// `jurisdiction` on a publisher token.
    MissingClaim(&'static str),
    /// `role` is not one of admin, publisher, client, viewer.
    UnknownRole,
}

impl AuthFailure {
    /// Every failure label, in [`AuthFailure`] order.
    pub const REASONS: [&'static str; 11] = [
        "missing",
        "malformed",
        "alg_none",
        "algorithm_not_allowed",
        "bad_signature",
        "expired",
        "not_yet_valid",
        "wrong_issuer",
        "wrong_audience",
        "missing_claim",
        "unknown_role",
    ];

    /// The stable snake_case label (`expired`, `bad_signature`, ...): the
    /// problem's `reason` member and the metrics label.
    pub fn reason(&self) -> &'static str {
        match self {
            AuthFailure::Missing => "missing",
            AuthFailure::Malformed(_) => "malformed",
            AuthFailure::AlgNone => "alg_none",
            AuthFailure::AlgorithmNotAllowed { .. } => "algorithm_not_allowed",
            AuthFailure::BadSignature => "bad_signature",
            AuthFailure::Expired => "expired",
            AuthFailure::NotYetValid => "not_yet_valid",
            AuthFailure::WrongIssuer => "wrong_issuer",
            AuthFailure::WrongAudience => "wrong_audience",
            AuthFailure::MissingClaim(_) => "missing_claim",
            AuthFailure::UnknownRole => "unknown_role",
        }
    }
}

impl fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthFailure::Missing => {
                f.write_str("no bearer token; send `Authorization: Bearer <token>`")
            }
            AuthFailure::Malformed(what) => write!(f, "malformed bearer token: {what}"),
            AuthFailure::AlgNone => f.write_str("unsigned tokens (alg `none`) are not accepted"),
            AuthFailure::AlgorithmNotAllowed { expected } => write!(
                f,
                "token signing algorithm not accepted; this server accepts only {expected}"
            ),
            AuthFailure::BadSignature => f.write_str("token signature does not verify"),
            AuthFailure::Expired => f.write_str("token has expired"),
            AuthFailure::NotYetValid => {
                f.write_str("token is not valid yet (`nbf` or `iat` in the future)")
            }
            AuthFailure::WrongIssuer => f.write_str("token issuer (`iss`) is not accepted here"),
            AuthFailure::WrongAudience => {
                f.write_str("token audience (`aud`) does not name this server")
            }
            AuthFailure::MissingClaim(c) => write!(f, "token has no `{c}` claim"),
            AuthFailure::UnknownRole => {
                f.write_str("token `role` is not one of admin, publisher, client, viewer")
            }
        }
    }
}

impl std::error::Error for AuthFailure {}

// -------------------------------------------------------- authenticator

/// Verifies tokens (and mints them for `plancheck token`). Build once at
/// start-up with [`Authenticator::new`]; share behind an `Arc`.
pub struct Authenticator {
    algorithm: Algorithm,
    decoding: DecodingKey,
    /// HS256: the secret; RS256/EdDSA: none (see `private_key_file`).
    encoding: Option<EncodingKey>,
    private_key_file: Option<PathBuf>,
    validation: Validation,
    issuer: String,
    audience: String,
    leeway: u64,
    token_ttl: Duration,
    dev_key: Option<PathBuf>,
    dev_key_generated: bool,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("algorithm", &self.algorithm)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .field("dev_key", &self.dev_key)
            .finish_non_exhaustive()
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, AuthError> {
    std::fs::read(path)
        .map_err(|e| AuthError(format!("cannot read the {what} {}: {e}", path.display())))
}

/// Decodes a base64 secret file's contents.
fn decode_secret(text: &[u8], path: &Path) -> Result<Vec<u8>, AuthError> {
    let text = std::str::from_utf8(text).unwrap_or("").trim();
    let secret = STANDARD.decode(text).map_err(|_| {
        AuthError(format!(
            "{}: not a base64 signing secret (standard alphabet, e.g. `head -c 32 /dev/urandom | base64`)",
            path.display()
        ))
    })?;
    if secret.len() < MIN_SECRET_BYTES {
        return Err(AuthError(format!(
            "{}: the signing secret is {} bytes; at least {MIN_SECRET_BYTES} are required",
            path.display(),
            secret.len()
        )));
    }
    Ok(secret)
}

/// Reads the development key, or generates it (32 random bytes, base64,
/// mode 0600, written to a temporary file and renamed into place).
/// Returns the secret and whether it was generated.
fn dev_secret(path: &Path) -> Result<(Vec<u8>, bool), AuthError> {
    match std::fs::read(path) {
        Ok(text) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                if let Ok(m) = std::fs::metadata(path) {
                    if m.permissions().mode() & 0o077 != 0 {
                        tracing::warn!(
                            "the development signing key {} is readable by others (chmod 600 it)",
                            path.display()
                        );
                    }
                }
            }
            let secret = decode_secret(&text, path).map_err(|e| {
                AuthError(format!(
                    "{e} (delete the file to generate a new development key)"
                ))
            })?;
            Ok((secret, false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut secret = vec![0u8; MIN_SECRET_BYTES];
            getrandom::fill(&mut secret)
                .map_err(|e| AuthError(format!("cannot generate a signing key: {e}")))?;
            write_private(path, format!("{}\n", STANDARD.encode(&secret)).as_bytes()).map_err(
                |e| {
                    AuthError(format!(
                        "cannot write the development signing key {}: {e}",
                        path.display()
                    ))
                },
            )?;
            Ok((secret, true))
        }
        Err(e) => Err(AuthError(format!(
            "cannot read the development signing key {}: {e}",
            path.display()
        ))),
    }
}

/// Writes `contents` to `path` atomically with mode 0600 (unix).
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    if !dir.as_os_str().is_empty() {
        std::fs::create_dir_all(dir)?;
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("key");
    let nonce = getrandom::u64().unwrap_or(0);
    let tmp = dir.join(format!(".{name}.{}.{nonce:016x}.tmp", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let result = (|| {
        let mut f = opts.open(&tmp)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        f.write_all(contents)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn pem_error(path: &Path, what: &str, e: jsonwebtoken::errors::Error) -> AuthError {
    AuthError(format!(
        "{}: not {what} in PEM format ({e})",
        path.display()
    ))
}

impl Authenticator {
    /// Builds the authenticator from `config`; `data_dir` holds the
    /// development key when HS256 has no `secret_file`. Errors name the
    /// configuration key or file: a missing or unreadable key file, a bad
    /// PEM, a secret that is too short, a key that does not fit the
    /// algorithm.
    pub fn new(config: &AuthConfig, data_dir: &Path) -> Result<Authenticator, AuthError> {
        let alg = config.algorithm;
        let mut dev_key = None;
        let mut dev_key_generated = false;
        let (decoding, encoding) = match alg {
            Algorithm::HS256 => {
                if config.public_key_file.is_some() || config.private_key_file.is_some() {
                    return Err(AuthError(
                        "auth.public_key_file and auth.private_key_file are for RS256 and EdDSA; HS256 uses auth.secret_file".into(),
                    ));
                }
                let secret = match &config.secret_file {
                    Some(p) => {
                        decode_secret(&read_file(p, "signing secret (auth.secret_file)")?, p)?
                    }
                    None => {
                        let p = data_dir.join(DEV_KEY_FILE);
                        let (secret, generated) = dev_secret(&p)?;
                        dev_key = Some(p);
                        dev_key_generated = generated;
                        secret
                    }
                };
                (
                    DecodingKey::from_secret(&secret),
                    Some(EncodingKey::from_secret(&secret)),
                )
            }
            Algorithm::RS256 | Algorithm::EdDSA => {
                if config.secret_file.is_some() {
                    return Err(AuthError(format!(
                        "auth.secret_file is for HS256; {alg} verifies with auth.public_key_file"
                    )));
                }
                let Some(p) = &config.public_key_file else {
                    return Err(AuthError(format!(
                        "auth.algorithm = \"{alg}\" needs auth.public_key_file (a PEM public key)"
                    )));
                };
                let pem = read_file(p, "public key (auth.public_key_file)")?;
                let key = if alg == Algorithm::RS256 {
                    DecodingKey::from_rsa_pem(&pem)
                        .map_err(|e| pem_error(p, "an RSA public key", e))?
                } else {
                    let key = DecodingKey::from_ed_pem(&pem)
                        .map_err(|e| pem_error(p, "an Ed25519 public key", e))?;
                    // The verifier needs exactly 32 key bytes on the curve.
                    let ok = key
                        .try_get_as_bytes()
                        .map(|b| b.len() == 32)
                        .unwrap_or(false)
                        && jsonwebtoken::crypto::verify("", b"", &key, alg.jwt()).is_ok();
                    if !ok {
                        return Err(AuthError(format!(
                            "{}: not a valid Ed25519 public key",
                            p.display()
                        )));
                    }
                    key
                };
                (key, None)
            }
        };
        let mut validation = Validation::new(alg.jwt());
        validation.leeway = config.leeway_secs;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        Ok(Authenticator {
            algorithm: alg,
            decoding,
            encoding,
            private_key_file: config.private_key_file.clone(),
            validation,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            leeway: config.leeway_secs,
            token_ttl: Duration::from_secs(config.token_ttl_secs),
            dev_key,
            dev_key_generated,
        })
    }

    /// The configured algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The configured lifetime of minted tokens (`auth.token_ttl_secs`).
    pub fn token_ttl(&self) -> Duration {
        self.token_ttl
    }

    /// The development signing key's path, if it is in use (HS256 without
    /// `secret_file`).
    pub fn dev_key(&self) -> Option<&Path> {
        self.dev_key.as_deref()
    }

    /// Whether [`Authenticator::new`] generated the development key (rather
    /// than reusing it).
    pub fn dev_key_generated(&self) -> bool {
        self.dev_key_generated
    }

    /// What the server prints when it runs on the development key, or
    /// `None` with a configured key. Names `--data-dir` when the data
    /// directory is not the default.
    pub fn dev_key_notice(&self) -> Option<String> {
        self.dev_key.as_ref().map(|p| {
            let dir = p.parent().unwrap_or(Path::new(""));
            let data_dir = if dir == Path::new(crate::config::DEFAULT_DATA_DIR) {
                String::new()
            } else {
                format!(" --data-dir {}", dir.display())
            };
            format!(
                "development signing key{}: {} (set auth.secret_file in production); mint a token with `plancheck token{data_dir} --role client --sub you`",
                if self.dev_key_generated { " generated" } else { "" },
                p.display()
            )
        })
    }

    /// Checks a token and yields its caller. Only the configured algorithm
    /// is accepted; `exp`, `iss`, `aud`, `sub` and `role` are required;
    /// `exp`, `nbf` and `iat` are checked with the configured leeway;
    /// publisher tokens need `jurisdiction`.
    pub fn verify(&self, token: &str) -> Result<Caller, AuthFailure> {
        let token = token.trim();
        if token.is_empty() {
            return Err(AuthFailure::Malformed("empty token"));
        }
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() != 3 {
            return Err(AuthFailure::Malformed("not three dot-separated parts"));
        }
        let header: Value = URL_SAFE_NO_PAD
            .decode(parts[0].trim_end_matches('='))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(AuthFailure::Malformed("the header is not base64url JSON"))?;
        let alg = header
            .get("alg")
            .and_then(Value::as_str)
            .ok_or(AuthFailure::Malformed("the header has no `alg`"))?;
        if alg.eq_ignore_ascii_case("none") {
            return Err(AuthFailure::AlgNone);
        }
        if alg != self.algorithm.as_str() {
            return Err(AuthFailure::AlgorithmNotAllowed {
                expected: self.algorithm,
            });
        }
        let data = jsonwebtoken::decode::<Value>(token, &self.decoding, &self.validation)
            .map_err(|e| self.failure(e.into_kind()))?;
        let claims = data
            .claims
            .as_object()
            .ok_or(AuthFailure::Malformed("the claims are not a JSON object"))?;
        let now = now();
        match claims.get("iat") {
            None => {}
            Some(v) => match v.as_u64() {
                Some(iat) if iat > now.saturating_add(self.leeway) => {
                    return Err(AuthFailure::NotYetValid)
                }
                Some(_) => {}
                None => return Err(AuthFailure::Malformed("`iat` is not a number")),
            },
        }
        let sub = match claims.get("sub") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::String(_)) | None => return Err(AuthFailure::MissingClaim("sub")),
            Some(_) => return Err(AuthFailure::Malformed("`sub` is not a string")),
        };
        let role = match claims.get("role") {
            Some(Value::String(s)) => s.parse::<Role>().map_err(|_| AuthFailure::UnknownRole)?,
            None | Some(Value::Null) => return Err(AuthFailure::MissingClaim("role")),
            Some(_) => return Err(AuthFailure::Malformed("`role` is not a string")),
        };
        let jurisdiction = match claims.get("jurisdiction") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(AuthFailure::Malformed("`jurisdiction` is not a string")),
        };
        if role == Role::Publisher && jurisdiction.is_none() {
            return Err(AuthFailure::MissingClaim("jurisdiction"));
        }
        Ok(Caller {
            sub,
            role,
            jurisdiction,
        })
    }

    fn failure(&self, kind: ErrorKind) -> AuthFailure {
        match kind {
            ErrorKind::InvalidSignature => AuthFailure::BadSignature,
            ErrorKind::ExpiredSignature => AuthFailure::Expired,
            ErrorKind::ImmatureSignature => AuthFailure::NotYetValid,
            ErrorKind::InvalidIssuer => AuthFailure::WrongIssuer,
            ErrorKind::InvalidAudience => AuthFailure::WrongAudience,
            ErrorKind::MissingRequiredClaim(c) => AuthFailure::MissingClaim(match c.as_str() {
                "exp" => "exp",
                "iss" => "iss",
                "aud" => "aud",
                "sub" => "sub",
                _ => "nbf",
            }),
            ErrorKind::InvalidClaimFormat(_) => {
                AuthFailure::Malformed("`exp` or `nbf` is not a number")
            }
            ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                AuthFailure::AlgorithmNotAllowed {
                    expected: self.algorithm,
                }
            }
            ErrorKind::InvalidToken => AuthFailure::Malformed("not a JWT"),
            ErrorKind::Base64(_) => AuthFailure::Malformed("a part is not base64url"),
            ErrorKind::Json(_) | ErrorKind::Utf8(_) => {
                AuthFailure::Malformed("a part is not UTF-8 JSON")
            }
            other => {
                // A key the crypto backend cannot use: a configuration problem,
                // but to the caller the token simply does not verify.
                tracing::error!("token verification failed on the configured key: {other:?}");
                AuthFailure::BadSignature
            }
        }
    }

    /// Signs `claims` with the configured algorithm: HS256 with the secret;
    /// RS256 / EdDSA with `auth.private_key_file` (read now), an error if
    /// it is not configured. Does not check the claims (see
    /// [`Authenticator::mint`]).
    pub fn sign(&self, claims: &Claims) -> Result<String, AuthError> {
        let header = Header::new(self.algorithm.jwt());
        let loaded;
        let key = match &self.encoding {
            Some(k) => k,
            None => {
                let Some(p) = &self.private_key_file else {
                    return Err(AuthError(format!(
                        "minting {} tokens needs auth.private_key_file (a PEM private key); the server itself only holds the public key",
                        self.algorithm
                    )));
                };
                let pem = read_file(p, "private key (auth.private_key_file)")?;
                loaded = match self.algorithm {
                    Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem)
                        .map_err(|e| pem_error(p, "an RSA private key", e))?,
                    _ => EncodingKey::from_ed_pem(&pem)
                        .map_err(|e| pem_error(p, "an Ed25519 private key (PKCS#8)", e))?,
                };
                &loaded
            }
        };
        let token = jsonwebtoken::encode(&header, claims, key).map_err(|e| {
            AuthError(match &self.private_key_file {
                Some(p) if self.encoding.is_none() => {
                    format!("cannot sign with {}: {e}", p.display())
                }
                _ => format!("cannot sign the token: {e}"),
            })
        })?;
        Ok(token)
    }

    /// Mints a token for `sub` in `role`, valid for `ttl` from now, with the
    /// configured issuer and audience. A publisher needs a `jurisdiction`;
    /// other roles must not have one.
    pub fn mint(
        &self,
        sub: &str,
        role: Role,
        jurisdiction: Option<&str>,
        ttl: Duration,
    ) -> Result<String, AuthError> {
        if sub.trim().is_empty() {
            return Err(AuthError("the subject (sub) must not be empty".into()));
        }
        let jurisdiction = jurisdiction.map(str::trim).filter(|j| !j.is_empty());
        match (role, jurisdiction) {
            (Role::Publisher, None) => {
                return Err(AuthError(
                    "a publisher token needs a jurisdiction (e.g. --jurisdiction US)".into(),
                ))
            }
            (Role::Publisher, Some(_)) | (_, None) => {}
            (r, Some(_)) => {
                return Err(AuthError(format!(
                    "a jurisdiction is only meaningful for publisher tokens, not {r}"
                )))
            }
        }
        let iat = now();
        let claims = Claims {
            sub: sub.to_string(),
            role,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: iat.saturating_add(ttl.as_secs()),
            iat,
            jurisdiction: jurisdiction.map(str::to_string),
        };
        self.sign(&claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/auth")
    }

    fn hs() -> (tempfile::TempDir, Authenticator) {
        let d = tempfile::tempdir().unwrap();
        let a = Authenticator::new(&AuthConfig::default(), d.path()).unwrap();
        (d, a)
    }

    fn claims(a: &Authenticator, role: Role) -> Claims {
        let now = now();
        Claims {
            sub: "acme".into(),
            role,
            iss: a.issuer.clone(),
            aud: a.audience.clone(),
            exp: now + 600,
            iat: now,
            jurisdiction: (role == Role::Publisher).then(|| "US".into()),
        }
    }

    /// Signs arbitrary JSON claims with the authenticator's own key.
    fn sign_json(a: &Authenticator, claims: &Value) -> String {
        let key = a.encoding.as_ref().unwrap();
        jsonwebtoken::encode(&Header::new(a.algorithm.jwt()), claims, key).unwrap()
    }

    fn b64(v: &Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    }

    #[test]
    fn matrix_is_as_specified() {
        use Permission::*;
        for p in Permission::ALL {
            assert!(allows(Role::Admin, p), "{p}");
        }
        let yes = |r: Role| -> Vec<Permission> {
            Permission::ALL
                .into_iter()
                .filter(|p| allows(r, *p))
                .collect()
        };
        assert_eq!(
            yes(Role::Publisher),
            [
                ReadPacks,
                PublishPacks,
                CreateValidations,
                ReadOwnValidations,
                WatchLive,
                DriveLive
            ]
        );
        assert_eq!(
            yes(Role::Client),
            [
                ReadPacks,
                CreateValidations,
                ReadOwnValidations,
                WatchLive,
                DriveLive
            ]
        );
        assert_eq!(
            yes(Role::Viewer),
            [ReadPacks, ReadOwnValidations, ReadAllValidations, WatchLive]
        );
    }

    #[test]
    fn docs_contain_the_matrix_and_every_reason() {
        let doc =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/auth.md"))
                .unwrap();
        let table = matrix_markdown();
        assert!(
            doc.contains(&table),
            "docs/auth.md must contain exactly this table:\n{table}"
        );
        for r in AuthFailure::REASONS.iter().chain([&FORBIDDEN]) {
            assert!(
                doc.contains(&format!("`{r}`")),
                "docs/auth.md: reason `{r}`"
            );
        }
    }

    #[test]
    fn publishing_is_scoped_to_the_jurisdiction() {
        let c = |role, j: Option<&str>| Caller {
            sub: "x".into(),
            role,
            jurisdiction: j.map(Into::into),
        };
        assert!(may_publish(&c(Role::Admin, None), "GB"));
        let us = c(Role::Publisher, Some("US"));
        assert!(may_publish(&us, "US"));
        assert!(may_publish(&us, "us-ca"));
        assert!(!may_publish(&us, "USA"));
        assert!(!may_publish(&us, "GB"));
        assert!(!may_publish(&c(Role::Publisher, Some("US-CA")), "US"));
        assert!(!may_publish(&c(Role::Publisher, None), "US"));
        assert!(!may_publish(&c(Role::Client, Some("US")), "US"));
        assert!(!may_publish(&c(Role::Viewer, None), "US"));
    }

    #[test]
    fn roles_and_algorithms_parse_and_print() {
        for r in Role::ALL {
            assert_eq!(r.to_string().parse::<Role>().unwrap(), r);
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        let e = "root".parse::<Role>().unwrap_err();
        assert!(e.to_string().contains("`root`"), "{e}");
        assert_eq!("EdDSA".parse::<Algorithm>().unwrap(), Algorithm::EdDSA);
        assert!("none".parse::<Algorithm>().is_err());
        assert!("HS512".parse::<Algorithm>().is_err());
    }

    #[test]
    fn auth_config_from_toml() {
        #[derive(Deserialize)]
        struct W {
            auth: AuthConfig,
        }
        let w: W = toml::from_str(
            "[auth]\nalgorithm = \"RS256\"\npublic_key_file = \"k.pem\"\nleeway_secs = 5\n",
        )
        .unwrap();
        assert_eq!(w.auth.algorithm, Algorithm::RS256);
        assert_eq!(w.auth.public_key_file.as_deref(), Some(Path::new("k.pem")));
        assert_eq!(w.auth.leeway_secs, 5);
        assert_eq!(w.auth.issuer, "plancheck");
        assert_eq!(w.auth.token_ttl_secs, 86_400);
        assert!(toml::from_str::<W>("[auth]\nalgorithm = \"none\"\n").is_err());
        assert!(toml::from_str::<W>("[auth]\nbogus = 1\n").is_err());
    }

    #[test]
    fn round_trip_per_role() {
        let (_d, a) = hs();
        for role in Role::ALL {
            let j = (role == Role::Publisher).then_some("US");
            let t = a.mint("acme", role, j, Duration::from_secs(60)).unwrap();
            let c = a.verify(&t).unwrap();
            assert_eq!(c.sub, "acme");
            assert_eq!(c.role, role);
            assert_eq!(c.jurisdiction.as_deref(), j);
        }
    }

    #[test]
    fn mint_checks_its_arguments() {
        let (_d, a) = hs();
        let e = a
            .mint("acme", Role::Publisher, None, Duration::from_secs(60))
            .unwrap_err();
        assert!(e.0.contains("jurisdiction"), "{e}");
        assert!(a
            .mint("acme", Role::Client, Some("US"), Duration::from_secs(60))
            .is_err());
        assert!(a
            .mint(" ", Role::Client, None, Duration::from_secs(60))
            .is_err());
    }

    #[test]
    fn expiry_respects_the_leeway() {
        let (_d, a) = hs();
        let mut c = claims(&a, Role::Client);
        c.exp = now() - 10; // within the 30 s leeway
        assert!(a.verify(&a.sign(&c).unwrap()).is_ok());
        c.exp = now() - 100;
        assert_eq!(a.verify(&a.sign(&c).unwrap()), Err(AuthFailure::Expired));
        let mut c = claims(&a, Role::Client);
        c.iat = now() + 3600;
        assert_eq!(
            a.verify(&a.sign(&c).unwrap()),
            Err(AuthFailure::NotYetValid)
        );
        c.iat = now() + 10;
        assert!(a.verify(&a.sign(&c).unwrap()).is_ok());
        let mut v = serde_json::to_value(claims(&a, Role::Client)).unwrap();
        v["nbf"] = (now() + 3600).into();
        assert_eq!(a.verify(&sign_json(&a, &v)), Err(AuthFailure::NotYetValid));
    }

    #[test]
    fn forged_tokens_fail() {
        let (_d, a) = hs();
        let (_d2, other) = hs();
        let t = other
            .mint("acme", Role::Admin, None, Duration::from_secs(60))
            .unwrap();
        assert_eq!(a.verify(&t), Err(AuthFailure::BadSignature));
        // A tampered payload (role upgraded) keeps the old signature.
        let t = a
            .mint("acme", Role::Viewer, None, Duration::from_secs(60))
            .unwrap();
        let parts: Vec<&str> = t.split('.').collect();
        let mut v: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        v["role"] = "admin".into();
        let forged = format!("{}.{}.{}", parts[0], b64(&v), parts[2]);
        assert_eq!(a.verify(&forged), Err(AuthFailure::BadSignature));
    }

    #[test]
    fn wrong_issuer_or_audience_fails() {
        let (_d, a) = hs();
        let mut c = claims(&a, Role::Client);
        c.aud = "someone-else".into();
        assert_eq!(
            a.verify(&a.sign(&c).unwrap()),
            Err(AuthFailure::WrongAudience)
        );
        let mut c = claims(&a, Role::Client);
        c.iss = "evil".into();
        assert_eq!(
            a.verify(&a.sign(&c).unwrap()),
            Err(AuthFailure::WrongIssuer)
        );
        // An audience list containing ours is fine.
        let mut v = serde_json::to_value(claims(&a, Role::Client)).unwrap();
        v["aud"] = serde_json::json!(["other", "plancheck"]);
        assert!(a.verify(&sign_json(&a, &v)).is_ok());
    }

    #[test]
    fn alg_none_is_refused() {
        let (_d, a) = hs();
        let header = serde_json::json!({"alg": "none", "typ": "JWT"});
        let body = serde_json::to_value(claims(&a, Role::Admin)).unwrap();
        let t = format!("{}.{}.", b64(&header), b64(&body));
        assert_eq!(a.verify(&t), Err(AuthFailure::AlgNone));
        let header = serde_json::json!({"alg": "None"});
        let t = format!("{}.{}.", b64(&header), b64(&body));
        assert_eq!(a.verify(&t).unwrap_err().reason(), "alg_none");
        let header = serde_json::json!({"alg": "HS512"});
        let t = format!("{}.{}.", b64(&header), b64(&body));
        assert_eq!(
            a.verify(&t),
            Err(AuthFailure::AlgorithmNotAllowed {
                expected: Algorithm::HS256
            })
        );
    }

    #[test]
    fn malformed_tokens_fail() {
        let (_d, a) = hs();
        for t in [
            "",
            "abc",
            "a.b.c",
            "a.b",
            "a.b.c.d",
            "...",
            "eyJhbGciOiJIUzI1NiJ9.%%%.x",
        ] {
            let e = a.verify(t).unwrap_err();
            assert_eq!(e.reason(), "malformed", "{t:?}: {e:?}");
        }
        // The header is fine, the payload is not JSON.
        let header = b64(&serde_json::json!({"alg": "HS256"}));
        let t = format!("{header}.{}.sig", URL_SAFE_NO_PAD.encode("not json"));
        assert_eq!(a.verify(&t).unwrap_err().reason(), "bad_signature");
    }

    #[test]
    fn claims_are_required_and_checked() {
        let (_d, a) = hs();
        let base = serde_json::to_value(claims(&a, Role::Client)).unwrap();
        for (k, reason) in [
            ("role", "missing_claim"),
            ("sub", "missing_claim"),
            ("exp", "missing_claim"),
            ("aud", "missing_claim"),
            ("iss", "missing_claim"),
        ] {
            let mut v = base.clone();
            v.as_object_mut().unwrap().remove(k);
            let e = a.verify(&sign_json(&a, &v)).unwrap_err();
            assert_eq!(e.reason(), reason, "without {k}: {e:?}");
            assert!(e.to_string().contains(k), "{e}");
        }
        let mut v = base.clone();
        v["role"] = "root".into();
        assert_eq!(a.verify(&sign_json(&a, &v)), Err(AuthFailure::UnknownRole));
        let mut v = base.clone();
        v["role"] = 1.into();
        assert_eq!(
            a.verify(&sign_json(&a, &v)).unwrap_err().reason(),
            "malformed"
        );
        let mut v = base.clone();
        v["role"] = "publisher".into();
        assert_eq!(
            a.verify(&sign_json(&a, &v)),
            Err(AuthFailure::MissingClaim("jurisdiction"))
        );
        let mut v = base.clone();
        v["exp"] = "tomorrow".into();
        assert_eq!(
            a.verify(&sign_json(&a, &v)),
            Err(AuthFailure::MissingClaim("exp"))
        );
        let mut v = base;
        v["iat"] = "now".into();
        assert_eq!(
            a.verify(&sign_json(&a, &v)).unwrap_err().reason(),
            "malformed"
        );
    }

    #[test]
    fn messages_never_echo_the_token_and_fit_a_header() {
        let failures = [
            AuthFailure::Missing,
            AuthFailure::Malformed("not a JWT"),
            AuthFailure::AlgNone,
            AuthFailure::AlgorithmNotAllowed {
                expected: Algorithm::RS256,
            },
            AuthFailure::BadSignature,
            AuthFailure::Expired,
            AuthFailure::NotYetValid,
            AuthFailure::WrongIssuer,
            AuthFailure::WrongAudience,
            AuthFailure::MissingClaim("sub"),
            AuthFailure::UnknownRole,
        ];
        let reasons: Vec<&str> = failures.iter().map(AuthFailure::reason).collect();
        assert_eq!(reasons, AuthFailure::REASONS);
        for f in failures {
            let m = f.to_string();
            assert!(
                m.chars().all(|c| c.is_ascii_graphic() || c == ' ') && !m.contains(['"', '\\']),
                "{m}"
            );
        }
    }

    fn pk_config(alg: Algorithm, name: &str) -> AuthConfig {
        AuthConfig {
            algorithm: alg,
            public_key_file: Some(keys_dir().join(format!("{name}-public.pem"))),
            private_key_file: Some(keys_dir().join(format!("{name}-private.pem"))),
            ..AuthConfig::default()
        }
    }

    #[test]
    fn rs256_and_eddsa_round_trip() {
        let d = tempfile::tempdir().unwrap();
        for (alg, name) in [(Algorithm::RS256, "rsa"), (Algorithm::EdDSA, "ed25519")] {
            let a = Authenticator::new(&pk_config(alg, name), d.path()).unwrap();
            assert_eq!(a.dev_key(), None);
            let t = a
                .mint(
                    "acme",
                    Role::Publisher,
                    Some("GB-ENG"),
                    Duration::from_secs(60),
                )
                .unwrap();
            let c = a.verify(&t).unwrap();
            assert_eq!(
                (c.role, c.jurisdiction.as_deref()),
                (Role::Publisher, Some("GB-ENG"))
            );
            // The server (no private key) verifies but cannot mint.
            let server = AuthConfig {
                private_key_file: None,
                ..pk_config(alg, name)
            };
            let s = Authenticator::new(&server, d.path()).unwrap();
            assert_eq!(s.verify(&t).unwrap(), c);
            let e = s
                .mint("acme", Role::Client, None, Duration::from_secs(60))
                .unwrap_err();
            assert!(e.0.contains("private_key_file"), "{e}");
        }
        assert!(!d.path().join(DEV_KEY_FILE).exists());
    }

    #[test]
    fn key_confusion_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let rs = Authenticator::new(&pk_config(Algorithm::RS256, "rsa"), d.path()).unwrap();
        let (_d, hs) = hs();
        // An HS256 token to an RS256 server.
        let t = hs
            .mint("acme", Role::Admin, None, Duration::from_secs(60))
            .unwrap();
        assert_eq!(
            rs.verify(&t),
            Err(AuthFailure::AlgorithmNotAllowed {
                expected: Algorithm::RS256
            })
        );
        // The classic attack: header says RS256, HMAC'd with the public key.
        let pem = std::fs::read(keys_dir().join("rsa-public.pem")).unwrap();
        let msg = format!(
            "{}.{}",
            b64(&serde_json::json!({"alg": "RS256", "typ": "JWT"})),
            b64(&serde_json::to_value(claims(&rs, Role::Admin)).unwrap())
        );
        let sig = jsonwebtoken::crypto::sign(
            msg.as_bytes(),
            &EncodingKey::from_secret(&pem),
            jsonwebtoken::Algorithm::HS256,
        )
        .unwrap();
        assert_eq!(
            rs.verify(&format!("{msg}.{sig}")),
            Err(AuthFailure::BadSignature)
        );
        // An EdDSA token to the RS256 server.
        let ed = Authenticator::new(&pk_config(Algorithm::EdDSA, "ed25519"), d.path()).unwrap();
        let t = ed
            .mint("acme", Role::Admin, None, Duration::from_secs(60))
            .unwrap();
        assert_eq!(rs.verify(&t).unwrap_err().reason(), "algorithm_not_allowed");
    }

    #[test]
    fn key_errors_name_the_file() {
        let d = tempfile::tempdir().unwrap();
        let missing = d.path().join("nope.pem");
        let cfg = AuthConfig {
            algorithm: Algorithm::RS256,
            public_key_file: Some(missing.clone()),
            ..AuthConfig::default()
        };
        let e = Authenticator::new(&cfg, d.path()).unwrap_err();
        assert!(e.0.contains(&missing.display().to_string()), "{e}");
        // An Ed25519 key where an RSA key is expected.
        let cfg = AuthConfig {
            public_key_file: Some(keys_dir().join("ed25519-public.pem")),
            ..cfg
        };
        let e = Authenticator::new(&cfg, d.path()).unwrap_err();
        assert!(
            e.0.contains("ed25519-public.pem") && e.0.contains("RSA"),
            "{e}"
        );
        let junk = d.path().join("junk.pem");
        std::fs::write(&junk, "not a pem").unwrap();
        let cfg = AuthConfig {
            algorithm: Algorithm::EdDSA,
            public_key_file: Some(junk.clone()),
            ..AuthConfig::default()
        };
        let e = Authenticator::new(&cfg, d.path()).unwrap_err();
        assert!(e.0.contains("junk.pem"), "{e}");
        // No public key at all.
        let cfg = AuthConfig {
            algorithm: Algorithm::EdDSA,
            ..AuthConfig::default()
        };
        let e = Authenticator::new(&cfg, d.path()).unwrap_err();
        assert!(e.0.contains("public_key_file"), "{e}");
        // A bad private key shows up when minting, naming the file.
        let cfg = AuthConfig {
            private_key_file: Some(junk),
            ..pk_config(Algorithm::EdDSA, "ed25519")
        };
        let a = Authenticator::new(&cfg, d.path()).unwrap();
        let e = a
            .mint("acme", Role::Client, None, Duration::from_secs(60))
            .unwrap_err();
        assert!(e.0.contains("junk.pem"), "{e}");
        // HS256 secrets: missing, not base64, too short.
        let short = d.path().join("short");
        std::fs::write(&short, STANDARD.encode([1u8; 8])).unwrap();
        for (file, what) in [
            (missing, "nope.pem"),
            (junk_secret(d.path()), "bad"),
            (short, "short"),
        ] {
            let cfg = AuthConfig {
                secret_file: Some(file),
                ..AuthConfig::default()
            };
            let e = Authenticator::new(&cfg, d.path()).unwrap_err();
            assert!(e.0.contains(what), "{e}");
        }
        assert!(!d.path().join(DEV_KEY_FILE).exists());
    }

    fn junk_secret(dir: &Path) -> PathBuf {
        let p = dir.join("bad");
        std::fs::write(&p, "not base64!").unwrap();
        p
    }

    #[test]
    fn a_configured_secret_file_is_used() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("secret");
        std::fs::write(&p, format!("{}\n", STANDARD.encode([7u8; 48]))).unwrap();
        let cfg = AuthConfig {
            secret_file: Some(p),
            ..AuthConfig::default()
        };
        let a = Authenticator::new(&cfg, d.path()).unwrap();
        assert_eq!(a.dev_key(), None);
        assert_eq!(a.dev_key_notice(), None);
        let b = Authenticator::new(&cfg, d.path()).unwrap();
        let t = a
            .mint("acme", Role::Viewer, None, Duration::from_secs(60))
            .unwrap();
        assert_eq!(b.verify(&t).unwrap().role, Role::Viewer);
        assert!(!d.path().join(DEV_KEY_FILE).exists());
    }

    #[test]
    fn dev_key_is_generated_once_with_mode_0600() {
        let d = tempfile::tempdir().unwrap();
        let data = d.path().join("data"); // does not exist yet
        let a = Authenticator::new(&AuthConfig::default(), &data).unwrap();
        let path = data.join(DEV_KEY_FILE);
        assert_eq!(a.dev_key(), Some(path.as_path()));
        assert!(a.dev_key_generated());
        let notice = a.dev_key_notice().unwrap();
        assert!(notice.contains("generated"), "{notice}");
        assert!(
            notice.contains(&format!(
                "plancheck token --data-dir {} --role",
                data.display()
            )),
            "{notice}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(STANDARD.decode(text.trim()).unwrap().len(), 32);
        // No temporary files left behind.
        assert_eq!(std::fs::read_dir(&data).unwrap().count(), 1);

        let b = Authenticator::new(&AuthConfig::default(), &data).unwrap();
        assert!(!b.dev_key_generated());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        let t = a
            .mint("acme", Role::Client, None, Duration::from_secs(60))
            .unwrap();
        assert_eq!(b.verify(&t).unwrap().sub, "acme");

        std::fs::write(&path, "garbage").unwrap();
        let e = Authenticator::new(&AuthConfig::default(), &data).unwrap_err();
        assert!(e.0.contains(DEV_KEY_FILE) && e.0.contains("delete"), "{e}");
    }
}
