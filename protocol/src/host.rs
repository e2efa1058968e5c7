//! The native-messaging contract between the extension and `certrenew-host`
//! (docs/protocol.md): the request envelope and its strict parse, each command's arguments
//! and result, and the response envelope.
//!
//! Parsing happens in two steps so that a bad request still gets an answer carrying
//! its id: [`parse_request`] checks the envelope (`v`, `id`, `origin`, `cmd`) and then
//! the command's arguments, and on failure returns a [`Rejection`] with the id when it
//! could be read.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value, json};
use zeroize::Zeroize;

use crate::PROTOCOL_VERSION;
use crate::envelope::Envelope;
use crate::error_code::ErrorCode;
use crate::ids::{
    CertSha256, Challenge, IdError, KeyId, PayloadSha256, Pin, RequestId, TokenSerial, WebOrigin,
};
use crate::tbs::Purpose;

/// Bytes that travel as standard base64 (certificates, CSRs, signatures).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Base64Bytes(pub Vec<u8>);

impl std::fmt::Debug for Base64Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Base64Bytes({} bytes)", self.0.len())
    }
}

impl Serialize for Base64Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Base64Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD
            .decode(text.as_bytes())
            .map(Base64Bytes)
            .map_err(|_| serde::de::Error::custom("not standard base64"))
    }
}

/// A key algorithm the host can generate on a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyAlgorithm {
    /// ECDSA on NIST P-256.
    #[serde(rename = "ec-p256")]
    EcP256,
    /// RSA with a 2048-bit modulus.
    #[serde(rename = "rsa-2048")]
    Rsa2048,
    /// SM2 (GB/T 32918, curve OID 1.2.156.10197.1.301), signing SM3withSM2 with the
    /// distinguishing ID `1234567812345678` (GM/T 0009). On a token it uses the
    /// vendor mechanisms of the module's profile (docs/protocol.md, SM2).
    #[serde(rename = "sm2", alias = "sm2-sm3")]
    Sm2,
}

/// A signature algorithm as named on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignatureAlgorithm {
    /// ECDSA P-256 over SHA-256, DER-encoded `SEQUENCE { r, s }`.
    #[serde(rename = "ecdsa-p256-sha256")]
    EcdsaP256Sha256,
    /// RSA PKCS#1 v1.5 with SHA-256.
    #[serde(rename = "rsa-pkcs1-sha256")]
    RsaPkcs1Sha256,
    /// SM2 over `e = SM3(Z ‖ M)`, Z with the distinguishing ID `1234567812345678`,
    /// DER-encoded `SEQUENCE { r, s }` (GM/T 0009; OID 1.2.156.10197.1.501).
    #[serde(rename = "sm2-sm3")]
    Sm2Sm3,
}

/// What a certificate's key usage allows, in the customer's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Usage {
    /// Signing only (digitalSignature / nonRepudiation).
    Sign,
    /// Encryption only (keyEncipherment / dataEncipherment / keyAgreement).
    Encrypt,
    /// Both, or no key-usage extension at all.
    Both,
}

/// The purposes a page may ask `sign` for; `rekey` and `installed` signatures are
/// made only inside `generate_csr` and `install_certificate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignPurpose {
    /// Opening a session.
    Login,
    /// Signing an application.
    Apply,
}

impl From<SignPurpose> for Purpose {
    fn from(value: SignPurpose) -> Self {
        match value {
            SignPurpose::Login => Purpose::Login,
            SignPurpose::Apply => Purpose::Apply,
        }
    }
}

/// `sign`: a TBS signature by a certificate's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignArgs {
    /// The token's serial.
    pub token: TokenSerial,
    /// The certificate whose key signs.
    pub cert_sha256: CertSha256,
    /// `login` or `apply`.
    pub purpose: SignPurpose,
    /// The server's challenge.
    pub challenge: Challenge,
    /// What the signature commits to; required for `apply`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_sha256: Option<PayloadSha256>,
}

/// `generate_csr`: a new key pair on the token, its CSR and the old key's binding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerateCsrArgs {
    /// The token's serial.
    pub token: TokenSerial,
    /// The certificate being renewed (its subject and its key are used).
    pub cert_sha256: CertSha256,
    /// The new key's algorithm.
    pub algorithm: KeyAlgorithm,
    /// The server's challenge for the binding signature.
    pub challenge: Challenge,
    /// The renewal is of a signing and encryption pair: the new signing key can also
    /// open the KMC's envelope (`CKA_UNWRAP` for RSA, `CKA_DERIVE` for EC).
    #[serde(default)]
    pub dual: bool,
}

/// The encryption half of a dual install: the KMC's certificate and the envelope
/// carrying its private key to the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptionInstall {
    /// The new encryption certificate's DER.
    pub certificate: Base64Bytes,
    /// Its private key, enveloped to the new signing key.
    pub envelope: Envelope,
    /// The old encryption certificate: kept on the token with its key, relabelled as
    /// history, so data encrypted to it stays readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep: Option<CertSha256>,
    /// Former encryption certificates (history) to delete with their keys, under the
    /// project's policy (docs/protocol.md §9 `install_certificate`, `remove`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove: Option<HistoryRemoval>,
}

/// The most history certificates one install may remove.
pub const MAX_HISTORY_REMOVALS: usize = 16;

/// History certificates a dual install deletes: only those marked history, of the new
/// pair's subject and issuer, whose notAfter is at least `after_days` days past.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRemoval {
    /// The project's `remove_old_encryption_after_days`.
    pub after_days: u32,
    /// The history certificates to delete (at most [`MAX_HISTORY_REMOVALS`]).
    #[serde(default)]
    pub certificates: Vec<CertSha256>,
}

/// `install_certificate`: write the new certificate, then retire the old one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallCertificateArgs {
    /// The token's serial.
    pub token: TokenSerial,
    /// The new key (from `generate_csr`).
    pub key_id: KeyId,
    /// The new certificate's DER.
    pub certificate: Base64Bytes,
    /// The old certificate to delete with its keys once the new one is in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retire: Option<CertSha256>,
    /// The server's challenge for the `installed` confirmation.
    pub challenge: Challenge,
    /// The encryption certificate and its enveloped key, for a dual renewal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<EncryptionInstall>,
}

/// `import_encryption_key`: key recovery, an escrowed encryption key re-delivered to a
/// token, enveloped to a signing key already on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportEncryptionKeyArgs {
    /// The token's serial.
    pub token: TokenSerial,
    /// The signing certificate whose key opens the envelope.
    pub cert_sha256: CertSha256,
    /// The encryption certificate and its envelope (`keep` is ignored).
    pub encryption: EncryptionInstall,
    /// The server's challenge for the `installed` confirmation.
    pub challenge: Challenge,
}

/// `discard_key`: delete a key pair that no certificate uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscardKeyArgs {
    /// The token's serial.
    pub token: TokenSerial,
    /// The abandoned key.
    pub key_id: KeyId,
}

/// A command with its checked arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// `hello`: versions, capabilities, modules.
    Hello,
    /// `list_certificates`: every token and certificate, no PIN.
    ListCertificates,
    /// `sign`.
    Sign(SignArgs),
    /// `generate_csr`.
    GenerateCsr(GenerateCsrArgs),
    /// `install_certificate`.
    InstallCertificate(InstallCertificateArgs),
    /// `discard_key`.
    DiscardKey(DiscardKeyArgs),
    /// `import_encryption_key`.
    ImportEncryptionKey(ImportEncryptionKeyArgs),
}

impl Command {
    /// Every command name, as in `hello`'s capabilities.
    pub const NAMES: [&'static str; 7] = [
        "hello",
        "list_certificates",
        "sign",
        "generate_csr",
        "install_certificate",
        "discard_key",
        "import_encryption_key",
    ];

    /// The `hello` capability of a host that installs dual pairs and imports
    /// enveloped encryption keys.
    pub const DUAL_CAPABILITY: &'static str = "dual-certificates";

    /// The wire name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Hello => "hello",
            Self::ListCertificates => "list_certificates",
            Self::Sign(_) => "sign",
            Self::GenerateCsr(_) => "generate_csr",
            Self::InstallCertificate(_) => "install_certificate",
            Self::DiscardKey(_) => "discard_key",
            Self::ImportEncryptionKey(_) => "import_encryption_key",
        }
    }

    /// Whether the command logs in to a token (and so may carry a PIN).
    pub fn needs_login(&self) -> bool {
        !matches!(self, Self::Hello | Self::ListCertificates)
    }
}

/// A checked request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The caller's id, echoed in the answer.
    pub id: RequestId,
    /// The web page's origin as the browser reported it.
    pub origin: WebOrigin,
    /// The command.
    pub command: Command,
    /// The PIN the extension added, if any. Kept apart from the arguments so that no
    /// error message about the arguments can ever quote it.
    pub pin: Option<Pin>,
}

/// Why a request was not accepted; becomes an error answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// The request's id when it could be read.
    pub id: Option<RequestId>,
    /// The error code.
    pub code: ErrorCode,
    /// What was wrong, for a person.
    pub message: String,
    /// Machine-readable details (`null` when none).
    pub details: Value,
}

impl Rejection {
    fn new(id: Option<&RequestId>, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            id: id.cloned(),
            code,
            message: message.into(),
            details: Value::Null,
        }
    }

    /// The answer to send for this rejection.
    pub fn into_response(self) -> Response {
        Response::error(self.id, self.code, self.message, self.details)
    }
}

/// Parses and checks one request message (the JSON bytes of a frame).
pub fn parse_request(bytes: &[u8]) -> Result<Request, Rejection> {
    let mut value: Value = serde_json::from_slice(bytes).map_err(|e| {
        Rejection::new(
            None,
            ErrorCode::BadRequest,
            format!("the message is not JSON: {e}"),
        )
    })?;
    let parsed = parse_value(&mut value);
    // What is left of the message may still hold the PIN (a request refused before
    // the PIN was taken out of it): wipe every string in it.
    scrub(&mut value);
    parsed
}

fn scrub(value: &mut Value) {
    match value {
        Value::String(s) => s.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(scrub),
        Value::Object(map) => map.values_mut().for_each(scrub),
        _ => {}
    }
}

fn parse_value(value: &mut Value) -> Result<Request, Rejection> {
    let Value::Object(map) = value else {
        return Err(Rejection::new(
            None,
            ErrorCode::BadRequest,
            "the message is not a JSON object",
        ));
    };
    // The version is checked first, so that a future major version is told so even
    // if its envelope differs; the id is echoed whenever it can be read.
    let readable_id = match map.get("id") {
        Some(Value::String(id)) => RequestId::parse(id).ok(),
        _ => None,
    };
    match map.get("v") {
        Some(v) if v.as_u64() == Some(u64::from(PROTOCOL_VERSION)) => {}
        Some(v) if v.is_u64() => {
            let mut rejection = Rejection::new(
                readable_id.as_ref(),
                ErrorCode::UnsupportedVersion,
                format!(
                    "protocol version {v} is not supported; this host speaks version {PROTOCOL_VERSION}"
                ),
            );
            rejection.details = json!({ "supported": [PROTOCOL_VERSION] });
            return Err(rejection);
        }
        Some(_) => {
            let message = "\"v\" must be a whole number";
            return Err(Rejection::new(
                readable_id.as_ref(),
                ErrorCode::BadRequest,
                message,
            ));
        }
        None => {
            let message = "\"v\" is missing";
            return Err(Rejection::new(
                readable_id.as_ref(),
                ErrorCode::BadRequest,
                message,
            ));
        }
    }
    let id = match (readable_id, map.get("id")) {
        (Some(id), _) => id,
        (None, Some(Value::String(_))) => {
            let message = IdError::RequestId.to_string();
            return Err(Rejection::new(None, ErrorCode::BadRequest, message));
        }
        (None, Some(_)) => {
            let message = "\"id\" must be a string";
            return Err(Rejection::new(None, ErrorCode::BadRequest, message));
        }
        (None, None) => {
            return Err(Rejection::new(
                None,
                ErrorCode::BadRequest,
                "\"id\" is missing",
            ));
        }
    };
    let id_ref = Some(&id);
    let origin = match map.get("origin") {
        Some(Value::String(origin)) => WebOrigin::parse(origin)
            .map_err(|e| Rejection::new(id_ref, ErrorCode::OriginRefused, e.to_string()))?,
        Some(_) => {
            return Err(Rejection::new(
                id_ref,
                ErrorCode::BadRequest,
                "\"origin\" must be a string",
            ));
        }
        None => {
            return Err(Rejection::new(
                id_ref,
                ErrorCode::BadRequest,
                "\"origin\" is missing",
            ));
        }
    };
    let cmd = match map.get("cmd") {
        Some(Value::String(cmd)) => cmd.clone(),
        Some(_) => {
            return Err(Rejection::new(
                id_ref,
                ErrorCode::BadRequest,
                "\"cmd\" must be a string",
            ));
        }
        None => {
            return Err(Rejection::new(
                id_ref,
                ErrorCode::BadRequest,
                "\"cmd\" is missing",
            ));
        }
    };
    let mut args = match map.remove("args") {
        Some(Value::Object(args)) => args,
        None | Some(Value::Null) => Map::new(),
        Some(_) => {
            return Err(Rejection::new(
                id_ref,
                ErrorCode::BadRequest,
                "\"args\" must be an object",
            ));
        }
    };
    // The PIN leaves the argument map before anything can quote it in an error.
    let pin = match args.remove("pin") {
        None | Some(Value::Null) => None,
        Some(Value::String(pin)) => Some(
            Pin::try_from(pin)
                .map_err(|e| Rejection::new(id_ref, ErrorCode::PinInvalid, e.to_string()))?,
        ),
        Some(_) => {
            return Err(Rejection::new(
                id_ref,
                ErrorCode::BadRequest,
                "\"pin\" must be a string",
            ));
        }
    };
    let command = parse_command(&cmd, args, id_ref)?;
    if pin.is_some() && !command.needs_login() {
        return Err(Rejection::new(
            id_ref,
            ErrorCode::BadRequest,
            format!("{cmd} takes no PIN"),
        ));
    }
    if let Command::Sign(SignArgs {
        purpose: SignPurpose::Apply,
        payload_sha256: None,
        ..
    }) = &command
    {
        return Err(Rejection::new(
            id_ref,
            ErrorCode::BadRequest,
            "an apply signature needs payload_sha256",
        ));
    }
    Ok(Request {
        id,
        origin,
        command,
        pin,
    })
}

fn parse_command(
    cmd: &str,
    args: Map<String, Value>,
    id: Option<&RequestId>,
) -> Result<Command, Rejection> {
    fn typed<T: serde::de::DeserializeOwned>(
        cmd: &str,
        args: Map<String, Value>,
        id: Option<&RequestId>,
    ) -> Result<T, Rejection> {
        serde_json::from_value(Value::Object(args))
            .map_err(|e| Rejection::new(id, ErrorCode::BadRequest, format!("{cmd}: {e}")))
    }
    Ok(match cmd {
        // Unknown arguments are ignored, as unknown fields are everywhere: a newer
        // extension may send an optional argument an older host does not know.
        "hello" => Command::Hello,
        "list_certificates" => Command::ListCertificates,
        "sign" => Command::Sign(typed(cmd, args, id)?),
        "generate_csr" => Command::GenerateCsr(typed(cmd, args, id)?),
        "install_certificate" => Command::InstallCertificate(typed(cmd, args, id)?),
        "discard_key" => Command::DiscardKey(typed(cmd, args, id)?),
        "import_encryption_key" => Command::ImportEncryptionKey(typed(cmd, args, id)?),
        other => {
            let shown: String = other.chars().take(64).collect();
            let mut rejection = Rejection::new(
                id,
                ErrorCode::UnknownCommand,
                format!("unknown command {shown:?}"),
            );
            rejection.details = json!({ "known": Command::NAMES });
            return Err(rejection);
        }
    })
}

/// A module as `hello` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleStatus {
    /// The module's file path.
    pub path: String,
    /// Whether it loaded and initialised.
    pub loaded: bool,
    /// The library's own description, when loaded.
    pub description: Option<String>,
    /// Why it failed to load, when it did.
    pub error: Option<String>,
    /// The token vendor whose driver this is, from the host's built-in driver list
    /// (`飞天诚信 Feitian`); absent for a file that list does not name, and from
    /// hosts older than this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
}

/// `hello`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelloResult {
    /// The protocol major version.
    pub protocol: u32,
    /// The host's version, `x.y.z`.
    pub host_version: String,
    /// Commands and features this host supports.
    pub capabilities: Vec<String>,
    /// Every configured PKCS#11 module and whether it loaded.
    pub modules: Vec<ModuleStatus>,
    /// Token vendors whose USB key is plugged in (by its USB vendor id) while none of
    /// their drivers from the host's built-in list is installed; empty from hosts
    /// older than this field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_drivers: Vec<MissingDriver>,
}

/// A token vendor whose key is present but whose driver is not (`hello`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingDriver {
    /// The vendor, Chinese and English (`飞天诚信 Feitian`).
    pub vendor: String,
    /// The USB vendor id seen, four lowercase hex digits (`096e`).
    pub usb_vendor_id: String,
}

/// A token as `list_certificates` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSummary {
    /// The serial number: how the token is named in later commands.
    pub serial: TokenSerial,
    /// The label.
    pub label: String,
    /// The manufacturer.
    pub manufacturer: String,
    /// The model.
    pub model: String,
    /// The module path it was found through.
    pub module: String,
    /// Whether the PIN is entered on the device (protected authentication path).
    pub pin_pad: bool,
    /// A wrong PIN was entered since the last right one.
    pub pin_count_low: bool,
    /// One more wrong PIN locks the token.
    pub pin_final_try: bool,
    /// The PIN is locked.
    pub pin_locked: bool,
}

/// A certificate as `list_certificates` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateSummary {
    /// The DER.
    pub der: Base64Bytes,
    /// The SHA-256 of the DER: how the certificate is named.
    pub sha256: CertSha256,
    /// Its `CKA_ID`, which names its key pair; `null` when the object has none.
    pub key_id: Option<KeyId>,
    /// The object's label.
    pub label: String,
    /// The subject, RFC 4514, non-ASCII kept as UTF-8.
    pub subject: String,
    /// The issuer, RFC 4514.
    pub issuer: String,
    /// The serial number, lowercase hex.
    pub serial: String,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// What the key usage allows.
    pub usage: Usage,
    /// Whether a key pair for it is known on the token (a private key visible without
    /// login, or its public key object).
    pub has_private_key: bool,
    /// A former encryption certificate kept after a renewal so that old data stays
    /// readable; never offered for renewal.
    #[serde(default)]
    pub history: bool,
}

/// A signing and an encryption certificate issued together: same subject and issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificatePair {
    /// The signing certificate's `sha256`.
    pub signing: CertSha256,
    /// The encryption certificate's `sha256`.
    pub encryption: CertSha256,
}

/// One token and its certificates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenCertificates {
    /// The token.
    pub token: TokenSummary,
    /// Its certificates.
    pub certificates: Vec<CertificateSummary>,
    /// Which of them form signing and encryption pairs; a certificate in no pair is
    /// renewed alone.
    #[serde(default)]
    pub pairs: Vec<CertificatePair>,
}

/// `list_certificates`' result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListCertificatesResult {
    /// Every token present.
    pub tokens: Vec<TokenCertificates>,
}

/// `sign`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignResult {
    /// The signature algorithm.
    pub algorithm: SignatureAlgorithm,
    /// The signature over the TBS.
    pub signature: Base64Bytes,
    /// The signing certificate's DER.
    pub certificate: Base64Bytes,
}

/// `generate_csr`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerateCsrResult {
    /// The new key's id.
    pub key_id: KeyId,
    /// The PKCS#10 request's DER, signed by the new key.
    pub csr: Base64Bytes,
    /// The old key's `rekey` signature (payload: SHA-256 of the CSR DER).
    pub binding_signature: Base64Bytes,
    /// The algorithm of the binding signature (the OLD key's).
    pub algorithm: SignatureAlgorithm,
    /// The new key's algorithm.
    pub key_algorithm: KeyAlgorithm,
}

/// `install_certificate`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallCertificateResult {
    /// The installed certificate, as `list_certificates` would show it.
    pub certificate: CertificateSummary,
    /// Whether the old certificate and its keys are gone.
    pub retired: bool,
    /// The new key's `installed` signature.
    pub confirmation_signature: Base64Bytes,
    /// The algorithm of the confirmation signature (the NEW key's).
    pub algorithm: SignatureAlgorithm,
    /// The installed encryption certificate, for a dual renewal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_certificate: Option<CertificateSummary>,
    /// Certificates left on the token on purpose (the old encryption certificate).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<CertSha256>,
}

/// `import_encryption_key`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportEncryptionKeyResult {
    /// The imported encryption certificate, as `list_certificates` would show it.
    pub certificate: CertificateSummary,
    /// The signing key's `installed` signature; its payload line is the encryption
    /// certificate's SHA-256.
    pub confirmation_signature: Base64Bytes,
    /// The algorithm of the confirmation signature.
    pub algorithm: SignatureAlgorithm,
}

/// `discard_key`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscardKeyResult {
    /// The discarded key's id.
    pub key_id: KeyId,
    /// How many objects (private and public key) were deleted.
    pub deleted: u32,
}

/// An error as it travels in a response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The stable code.
    pub code: ErrorCode,
    /// What happened, for a person.
    pub message: String,
    /// Machine-readable details.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub details: Value,
}

/// A response envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// The protocol major version.
    pub v: u32,
    /// The request's id; `null` when the request had no readable id.
    pub id: Option<RequestId>,
    /// Whether it succeeded.
    pub ok: bool,
    /// The result when `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// The error when not `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

impl Response {
    /// A success answer.
    pub fn success(id: RequestId, result: Value) -> Self {
        Self {
            v: PROTOCOL_VERSION,
            id: Some(id),
            ok: true,
            result: Some(result),
            error: None,
        }
    }

    /// An error answer.
    pub fn error(
        id: Option<RequestId>,
        code: ErrorCode,
        message: impl Into<String>,
        details: Value,
    ) -> Self {
        Self {
            v: PROTOCOL_VERSION,
            id,
            ok: false,
            result: None,
            error: Some(ErrorBody {
                code,
                message: message.into(),
                details,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reject(json: &str) -> Rejection {
        parse_request(json.as_bytes()).expect_err(json)
    }

    const CH: &str = "AAAAAAAAAAAAAAAAAAAAAA==";

    // Refusals before the PIN is taken out (a bad version, id or origin) left it in
    // the parsed tree, freed without being wiped.
    #[test]
    fn a_refused_request_leaves_no_pin_in_the_parsed_message() {
        for envelope in [
            json!({"v": 9, "id": "a", "origin": "https://ca.example.com"}),
            json!({"v": 1, "id": "a", "origin": "ftp://nope"}),
            json!({"v": 1, "id": "a", "origin": "https://ca.example.com"}),
            json!({"v": 1, "id": 7, "origin": "https://ca.example.com", "cmd": "sign"}),
        ] {
            let mut value = envelope;
            value["args"] = json!({"pin": "123456", "nested": ["123456"]});
            assert!(parse_value(&mut value).is_err());
            scrub(&mut value);
            assert_eq!(value["args"]["pin"], json!(""), "{value}");
            assert_eq!(value["args"]["nested"][0], json!(""), "{value}");
        }
    }

    #[test]
    fn accepts_hello() {
        let req = parse_request(
            br#"{"v":1,"id":"a","origin":"https://ca.example.com","cmd":"hello","extra":1}"#,
        )
        .unwrap();
        assert_eq!(req.command, Command::Hello);
        assert_eq!(req.id.as_str(), "a");
        assert!(req.pin.is_none());
    }

    #[test]
    fn accepts_sign_with_pin_kept_apart() {
        let json = format!(
            r#"{{"v":1,"id":"a","origin":"http://127.0.0.1:8080","cmd":"sign","args":{{"token":"T1","cert_sha256":"{}","pin":"123456","purpose":"login","challenge":"{CH}"}}}}"#,
            "ab".repeat(32)
        );
        let req = parse_request(json.as_bytes()).unwrap();
        assert_eq!(req.pin.as_ref().map(Pin::expose), Some("123456"));
        assert!(matches!(
            req.command,
            Command::Sign(SignArgs {
                purpose: SignPurpose::Login,
                ..
            })
        ));
    }

    #[test]
    fn rejections_table() {
        let cases: &[(&str, ErrorCode, bool)] = &[
            ("not json", ErrorCode::BadRequest, false),
            ("[1,2]", ErrorCode::BadRequest, false),
            (
                r#"{"v":1,"cmd":"hello","origin":"https://a.cn"}"#,
                ErrorCode::BadRequest,
                false,
            ),
            (
                r#"{"v":1,"id":5,"cmd":"hello","origin":"https://a.cn"}"#,
                ErrorCode::BadRequest,
                false,
            ),
            (
                r#"{"v":2,"id":"x","cmd":"hello","origin":"https://a.cn"}"#,
                ErrorCode::UnsupportedVersion,
                true,
            ),
            (
                r#"{"v":"1","id":"x","cmd":"hello","origin":"https://a.cn"}"#,
                ErrorCode::BadRequest,
                true,
            ),
            (
                r#"{"id":"x","cmd":"hello","origin":"https://a.cn"}"#,
                ErrorCode::BadRequest,
                true,
            ),
            (
                r#"{"v":1,"id":"x","cmd":"hello","origin":"http://evil.example"}"#,
                ErrorCode::OriginRefused,
                true,
            ),
            (
                r#"{"v":1,"id":"x","cmd":"hello"}"#,
                ErrorCode::BadRequest,
                true,
            ),
            (
                r#"{"v":1,"id":"x","cmd":"format_token","origin":"https://a.cn"}"#,
                ErrorCode::UnknownCommand,
                true,
            ),
            (
                r#"{"v":1,"id":"x","cmd":"sign","origin":"https://a.cn","args":{}}"#,
                ErrorCode::BadRequest,
                true,
            ),
            (
                r#"{"v":1,"id":"x","cmd":"hello","origin":"https://a.cn","args":{"pin":"1234"}}"#,
                ErrorCode::BadRequest,
                true,
            ),
            (
                r#"{"v":1,"id":"x","cmd":"hello","origin":"https://a.cn","args":[]}"#,
                ErrorCode::BadRequest,
                true,
            ),
            (
                r#"{"v":1,"id":"x","cmd":"discard_key","origin":"https://a.cn","args":{"token":"T","key_id":"ABC"}}"#,
                ErrorCode::BadRequest,
                true,
            ),
        ];
        for (json, code, has_id) in cases {
            let r = reject(json);
            assert_eq!(r.code, *code, "{json}");
            assert_eq!(r.id.is_some(), *has_id, "{json}");
        }
    }

    #[test]
    fn unknown_fields_and_arguments_are_ignored() {
        let json = r#"{"v":1,"id":"a","origin":"https://a.cn","cmd":"discard_key","future":true,"args":{"token":"T","key_id":"0a","flag":1}}"#;
        assert!(matches!(
            parse_request(json.as_bytes()).unwrap().command,
            Command::DiscardKey(_)
        ));
        let hello =
            br#"{"v":1,"id":"a","origin":"https://a.cn","cmd":"hello","args":{"verbose":true}}"#;
        assert_eq!(parse_request(hello).unwrap().command, Command::Hello);
    }

    #[test]
    fn a_future_version_is_named_even_without_an_id() {
        let r = reject(r#"{"v":2,"cmd":"hello"}"#);
        assert_eq!(r.code, ErrorCode::UnsupportedVersion);
        assert_eq!(r.id, None);
        assert_eq!(r.details, json!({"supported": [1]}));
    }

    #[test]
    fn apply_needs_payload_and_rekey_is_not_signable() {
        let base = format!(
            r#""token":"T1","cert_sha256":"{}","challenge":"{CH}""#,
            "ab".repeat(32)
        );
        let apply = format!(
            r#"{{"v":1,"id":"a","origin":"https://a.cn","cmd":"sign","args":{{{base},"purpose":"apply"}}}}"#
        );
        assert_eq!(reject(&apply).code, ErrorCode::BadRequest);
        let rekey = format!(
            r#"{{"v":1,"id":"a","origin":"https://a.cn","cmd":"sign","args":{{{base},"purpose":"rekey"}}}}"#
        );
        assert_eq!(reject(&rekey).code, ErrorCode::BadRequest);
    }

    #[test]
    fn a_pin_is_never_quoted_in_an_error() {
        let json = r#"{"v":1,"id":"a","origin":"https://a.cn","cmd":"sign","args":{"pin":"secret-pin-4711","token":7}}"#;
        let r = reject(json);
        assert!(!r.message.contains("4711"), "{}", r.message);
        let json = r#"{"v":1,"id":"a","origin":"https://a.cn","cmd":"sign","args":{"pin":"bad\npin-4711"}}"#;
        let r = reject(json);
        assert_eq!(r.code, ErrorCode::PinInvalid);
        assert!(!r.message.contains("4711"));
    }

    #[test]
    fn response_shapes() {
        let ok = Response::success(RequestId::parse("a").unwrap(), json!({"x":1}));
        assert_eq!(
            serde_json::to_value(&ok).unwrap(),
            json!({"v":1,"id":"a","ok":true,"result":{"x":1}})
        );
        let err = Response::error(None, ErrorCode::BadRequest, "bad", Value::Null);
        assert_eq!(
            serde_json::to_value(&err).unwrap(),
            json!({"v":1,"id":null,"ok":false,"error":{"code":"BAD_REQUEST","message":"bad"}})
        );
    }
}
