//! The algorithm OIDs matched on, dotted.

/// id-ecPublicKey (RFC 5480).
pub(crate) const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
/// prime256v1 / secp256r1 / NIST P-256.
pub(crate) const P256: &str = "1.2.840.10045.3.1.7";
/// rsaEncryption (RFC 8017).
pub(crate) const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
/// sha1WithRSAEncryption.
pub(crate) const SHA1_WITH_RSA: &str = "1.2.840.113549.1.1.5";
/// sha1WithRSASignature (OIW).
pub(crate) const SHA1_WITH_RSA_OIW: &str = "1.3.14.3.2.29";
/// ecdsa-with-SHA1.
pub(crate) const ECDSA_WITH_SHA1: &str = "1.2.840.10045.4.1";
/// The SM2 curve (GM/T 0006), as the named curve of an id-ecPublicKey.
pub(crate) const SM2: &str = "1.2.156.10197.1.301";
/// SM2-with-SM3 signatures (GM/T 0006).
pub(crate) const SM3_WITH_SM2: &str = "1.2.156.10197.1.501";
