//! Certificate revocation lists signed by the CA key (RFC 5280 §5): version 2, the
//! CA's name, thisUpdate and nextUpdate, one entry per revoked serial (with its reason
//! unless unspecified), the authority key identifier and the CRL number. A full CRL:
//! no issuing distribution point, so it covers certificates issued before their
//! distribution point was written too.

use rcgen::{
    CertificateRevocationListParams, Issuer, RevocationReason, RevokedCertParams, SerialNumber,
};
use time::OffsetDateTime;

use super::signer::Capturing;
use super::{Ca, CaError, whole_seconds};

/// An RFC 5280 revocation reason (§5.3.1). `certificateHold` and `removeFromCRL` are
/// left out: this CA does not suspend certificates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// unspecified (0): written as no reason code.
    Unspecified,
    /// keyCompromise (1).
    KeyCompromise,
    /// cACompromise (2).
    CaCompromise,
    /// affiliationChanged (3).
    AffiliationChanged,
    /// superseded (4).
    Superseded,
    /// cessationOfOperation (5).
    CessationOfOperation,
    /// privilegeWithdrawn (9).
    PrivilegeWithdrawn,
}

impl Reason {
    /// Every reason, in code order.
    pub const ALL: [Reason; 7] = [
        Self::Unspecified,
        Self::KeyCompromise,
        Self::CaCompromise,
        Self::AffiliationChanged,
        Self::Superseded,
        Self::CessationOfOperation,
        Self::PrivilegeWithdrawn,
    ];

    /// Its RFC 5280 name (`keyCompromise`), as stored and as the API takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "keyCompromise",
            Self::CaCompromise => "cACompromise",
            Self::AffiliationChanged => "affiliationChanged",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessationOfOperation",
            Self::PrivilegeWithdrawn => "privilegeWithdrawn",
        }
    }

    /// Its CRLReason code.
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::CaCompromise => 2,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::PrivilegeWithdrawn => 9,
        }
    }

    /// The reason named `name` (its RFC 5280 name, case-insensitive, `-`, `_` and spaces
    /// ignored: `key compromise`, `key-compromise` and `keyCompromise` all work).
    pub fn parse(name: &str) -> Option<Reason> {
        let wanted: String = name
            .chars()
            .filter(|c| *c != '-' && *c != '_' && !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().to_ascii_lowercase() == wanted)
    }

    fn rcgen(self) -> RevocationReason {
        match self {
            Self::Unspecified => RevocationReason::Unspecified,
            Self::KeyCompromise => RevocationReason::KeyCompromise,
            Self::CaCompromise => RevocationReason::CaCompromise,
            Self::AffiliationChanged => RevocationReason::AffiliationChanged,
            Self::Superseded => RevocationReason::Superseded,
            Self::CessationOfOperation => RevocationReason::CessationOfOperation,
            Self::PrivilegeWithdrawn => RevocationReason::PrivilegeWithdrawn,
        }
    }
}

/// One revoked certificate on a CRL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokedEntry {
    /// The serial number's bytes (big-endian, as in the certificate).
    pub serial: Vec<u8>,
    /// When the CA revoked it.
    pub revoked_at: OffsetDateTime,
    /// Why.
    pub reason: Reason,
}

impl Ca {
    /// Signs a full CRL numbered `number` valid from `this_update` to `next_update`
    /// listing `revoked`; its DER.
    pub fn sign_crl(
        &self,
        number: u64,
        this_update: OffsetDateTime,
        next_update: OffsetDateTime,
        revoked: &[RevokedEntry],
    ) -> Result<Vec<u8>, CaError> {
        let this_update = whole_seconds(this_update, "thisUpdate")?;
        let next_update = whole_seconds(next_update, "nextUpdate")?;
        let mut revoked_certs = Vec::with_capacity(revoked.len());
        for entry in revoked {
            revoked_certs.push(RevokedCertParams {
                serial_number: SerialNumber::from_slice(&entry.serial),
                revocation_time: whole_seconds(entry.revoked_at, "revocationDate")?,
                reason_code: Some(entry.reason.rcgen()),
                invalidity_date: None,
            });
        }
        let params = CertificateRevocationListParams {
            this_update,
            next_update,
            crl_number: SerialNumber::from_slice(&positive_integer(number)),
            issuing_distribution_point: None,
            revoked_certs,
            key_identifier_method: self.issuer.key_identifier_method.clone(),
        };
        let issuer = Issuer::from_params(&self.issuer, Capturing::new(&self.signer));
        let crl = params
            .signed_by(&issuer)
            .map_err(|e| issuer.key().error(e))?;
        Ok(crl.der().to_vec())
    }
}

/// `n` as the big-endian bytes of a positive INTEGER (a leading zero byte when the top
/// bit is set, so that it is not read as negative).
fn positive_integer(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let start = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len() - 1);
    let mut out = Vec::with_capacity(9);
    if bytes[start] & 0x80 != 0 {
        out.push(0);
    }
    out.extend_from_slice(&bytes[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_parse_by_their_rfc_names_in_any_spelling() {
        for reason in Reason::ALL {
            assert_eq!(Reason::parse(reason.as_str()), Some(reason));
        }
        assert_eq!(Reason::parse("key-compromise"), Some(Reason::KeyCompromise));
        assert_eq!(Reason::parse("key compromise"), Some(Reason::KeyCompromise));
        assert_eq!(Reason::parse("SUPERSEDED"), Some(Reason::Superseded));
        assert_eq!(Reason::parse("certificateHold"), None);
        assert_eq!(Reason::parse(""), None);
    }

    #[test]
    fn crl_numbers_are_positive_integers() {
        assert_eq!(positive_integer(0), vec![0]);
        assert_eq!(positive_integer(1), vec![1]);
        assert_eq!(positive_integer(0x80), vec![0, 0x80]);
        assert_eq!(positive_integer(0x0102), vec![1, 2]);
    }
}
