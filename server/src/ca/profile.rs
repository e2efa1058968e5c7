//! What an issued certificate may be used for: key usage, extended key usage and
//! certificate policies, configured per project.

use rcgen::{CustomExtension, ExtendedKeyUsagePurpose, KeyUsagePurpose};
use serde::{Deserialize, Serialize};

use super::CaError;
use super::der;

/// The certificatePolicies extension's OID, 2.5.29.32.
const CERTIFICATE_POLICIES: &[u64] = &[2, 5, 29, 32];

/// The key usages an end-entity certificate may carry (RFC 5280 §4.2.1.3).
///
/// In configuration files they are written in snake case: `"digital_signature"`,
/// `"non_repudiation"`, `"key_encipherment"`, `"data_encipherment"`, `"key_agreement"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyUsage {
    /// digitalSignature.
    DigitalSignature,
    /// nonRepudiation (contentCommitment).
    NonRepudiation,
    /// keyEncipherment (RSA keys).
    KeyEncipherment,
    /// dataEncipherment.
    DataEncipherment,
    /// keyAgreement (EC keys).
    KeyAgreement,
}

impl KeyUsage {
    fn purpose(self) -> KeyUsagePurpose {
        match self {
            Self::DigitalSignature => KeyUsagePurpose::DigitalSignature,
            Self::NonRepudiation => KeyUsagePurpose::ContentCommitment,
            Self::KeyEncipherment => KeyUsagePurpose::KeyEncipherment,
            Self::DataEncipherment => KeyUsagePurpose::DataEncipherment,
            Self::KeyAgreement => KeyUsagePurpose::KeyAgreement,
        }
    }
}

/// The extended key usages an end-entity certificate may carry (RFC 5280 §4.2.1.12).
///
/// In configuration files: `"client_auth"`, `"email_protection"`, `"code_signing"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtKeyUsage {
    /// id-kp-clientAuth.
    ClientAuth,
    /// id-kp-emailProtection.
    EmailProtection,
    /// id-kp-codeSigning.
    CodeSigning,
}

impl ExtKeyUsage {
    fn purpose(self) -> ExtendedKeyUsagePurpose {
        match self {
            Self::ClientAuth => ExtendedKeyUsagePurpose::ClientAuth,
            Self::EmailProtection => ExtendedKeyUsagePurpose::EmailProtection,
            Self::CodeSigning => ExtendedKeyUsagePurpose::CodeSigning,
        }
    }
}

/// A project's certificate profile.
///
/// Deserializes from a table such as
/// `{ key_usage = ["digital_signature"], extended_key_usage = ["client_auth"],
/// policy_oids = ["1.2.156.112562.2.1.1.1"] }`; a missing field takes its value from
/// [`Profile::default`] and an unknown field is an error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Profile {
    /// Key usages (the extension is critical). At least one is required.
    pub key_usage: Vec<KeyUsage>,
    /// Extended key usages; none omits the extension.
    pub extended_key_usage: Vec<ExtKeyUsage>,
    /// Certificate policy OIDs, dotted (`1.2.156.112562.2.1.1.1`); none omits the
    /// extension. Written without qualifiers, non-critical.
    pub policy_oids: Vec<String>,
}

impl Default for Profile {
    /// digitalSignature + nonRepudiation; clientAuth + emailProtection; no policies.
    fn default() -> Self {
        Self {
            key_usage: vec![KeyUsage::DigitalSignature, KeyUsage::NonRepudiation],
            extended_key_usage: vec![ExtKeyUsage::ClientAuth, ExtKeyUsage::EmailProtection],
            policy_oids: Vec::new(),
        }
    }
}

/// A profile turned into what rcgen writes.
pub(crate) struct Extensions {
    pub(crate) key_usages: Vec<KeyUsagePurpose>,
    pub(crate) extended_key_usages: Vec<ExtendedKeyUsagePurpose>,
    pub(crate) custom: Vec<CustomExtension>,
}

impl Profile {
    /// Checks the profile as [`Ca::issue`](super::Ca::issue) would: at least one key
    /// usage, well-formed and distinct policy OIDs. Call it when loading configuration
    /// to report a bad profile at start-up rather than at the first issuance.
    pub fn validate(&self) -> Result<(), CaError> {
        self.extensions().map(|_| ())
    }

    pub(crate) fn extensions(&self) -> Result<Extensions, CaError> {
        if self.key_usage.is_empty() {
            return Err(CaError::InvalidProfile(
                "key_usage is empty: name at least one (e.g. \"digital_signature\")".into(),
            ));
        }
        let mut key_usages = Vec::new();
        for usage in &self.key_usage {
            let purpose = usage.purpose();
            if !key_usages.contains(&purpose) {
                key_usages.push(purpose);
            }
        }
        let mut extended_key_usages = Vec::new();
        for usage in &self.extended_key_usage {
            let purpose = usage.purpose();
            if !extended_key_usages.contains(&purpose) {
                extended_key_usages.push(purpose);
            }
        }
        let mut policies: Vec<Vec<u64>> = Vec::new();
        for dotted in &self.policy_oids {
            let arcs = der::parse_oid(dotted)
                .map_err(|e| CaError::InvalidProfile(format!("policy_oids: {e}")))?;
            if policies.contains(&arcs) {
                return Err(CaError::InvalidProfile(format!(
                    "policy_oids names {dotted} twice (RFC 5280 allows each policy once)"
                )));
            }
            policies.push(arcs);
        }
        let mut custom = Vec::new();
        if !policies.is_empty() {
            custom.push(CustomExtension::from_oid_content(
                CERTIFICATE_POLICIES,
                der::certificate_policies(&policies),
            ));
        }
        Ok(Extensions {
            key_usages,
            extended_key_usages,
            custom,
        })
    }
}
