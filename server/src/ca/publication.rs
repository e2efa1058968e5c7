//! Where relying parties find revocation status: the URLs written into every
//! certificate issued once they are set (CRL distribution points, and authority
//! information access with the OCSP responder and the CA certificate), and the
//! delegated OCSP responder certificates the CA issues.

use der::Encode;
use der::asn1::{Ia5String, ObjectIdentifier};
use rcgen::{
    CertificateParams, CrlDistributionPoint, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyUsagePurpose, SerialNumber,
};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_cert::ext::pkix::AuthorityInfoAccessSyntax;
use x509_cert::ext::pkix::name::GeneralName;

use super::signer::Capturing;
use super::{Ca, CaError, Issued, random_serial, whole_seconds};

/// authorityInfoAccess, 1.3.6.1.5.5.7.1.1.
const AUTHORITY_INFO_ACCESS: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 1, 1];
/// id-ad-ocsp.
const AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
/// id-ad-caIssuers.
const AD_CA_ISSUERS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2");
/// id-pkix-ocsp-nocheck, 1.3.6.1.5.5.7.48.1.5 (RFC 6960 §4.2.2.2.1).
const OCSP_NOCHECK: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 48, 1, 5];
/// DER NULL, the no-check extension's value.
const NULL: [u8; 2] = [0x05, 0x00];

/// The URLs of the CA's revocation services.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publication {
    /// The full CRL, DER (`<origin>/crl/<ca id>.crl`).
    pub crl_url: String,
    /// The OCSP responder (`<origin>/ocsp`).
    pub ocsp_url: String,
    /// The signing CA certificate, DER (`<origin>/ca/<ca id>.cer`).
    pub ca_issuers_url: String,
}

impl Publication {
    /// The URLs under `origin` (no trailing slash) for the CA `ca_id`.
    pub fn under(origin: &str, ca_id: &str) -> Publication {
        let origin = origin.trim_end_matches('/');
        Publication {
            crl_url: format!("{origin}/crl/{ca_id}.crl"),
            ocsp_url: format!("{origin}/ocsp"),
            ca_issuers_url: format!("{origin}/ca/{ca_id}.cer"),
        }
    }

    /// Sets the CRL distribution point and the authority information access of `params`.
    pub(crate) fn apply(&self, params: &mut CertificateParams) -> Result<(), CaError> {
        params.crl_distribution_points = vec![CrlDistributionPoint {
            uris: vec![self.crl_url.clone()],
        }];
        let uri = |url: &str| {
            Ia5String::new(url)
                .map(GeneralName::UniformResourceIdentifier)
                .map_err(|e| CaError::Build(format!("the url {url:?}: {e}")))
        };
        let access = AuthorityInfoAccessSyntax(vec![
            x509_cert::ext::pkix::AccessDescription {
                access_method: AD_OCSP,
                access_location: uri(&self.ocsp_url)?,
            },
            x509_cert::ext::pkix::AccessDescription {
                access_method: AD_CA_ISSUERS,
                access_location: uri(&self.ca_issuers_url)?,
            },
        ]);
        let value = access
            .to_der()
            .map_err(|e| CaError::Build(format!("authority information access: {e}")))?;
        params
            .custom_extensions
            .push(CustomExtension::from_oid_content(
                AUTHORITY_INFO_ACCESS,
                value,
            ));
        Ok(())
    }
}

impl Ca {
    /// A short stable name of the signing CA: the first 8 bytes of the SHA-256 of its
    /// subjectPublicKeyInfo, hex. It names the CRL and certificate URLs.
    pub fn id(&self) -> String {
        hex::encode(&Sha256::digest(&self.spki_der)[..8])
    }

    /// Writes the revocation URLs under `origin` into every certificate issued from now.
    pub fn publish_under(&mut self, origin: &str) {
        self.publication = Some(Publication::under(origin, &self.id()));
    }

    /// The revocation URLs, once [`Ca::publish_under`] set them.
    pub fn publication(&self) -> Option<&Publication> {
        self.publication.as_ref()
    }

    /// Issues a delegated OCSP responder certificate (RFC 6960 §4.2.2.2) for the key
    /// `spki_der` (a DER SubjectPublicKeyInfo): extended key usage id-kp-OCSPSigning,
    /// key usage digitalSignature, the id-pkix-ocsp-nocheck extension (relying parties
    /// do not check its own status, so keep it short-lived), key identifiers.
    pub fn issue_responder(
        &self,
        spki_der: &[u8],
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<Issued, CaError> {
        let not_before = whole_seconds(not_before, "not_before")?;
        let not_after = whole_seconds(not_after, "not_after")?.min(self.not_after);
        if not_after <= not_before {
            return Err(CaError::InvalidValidity(
                "the responder certificate would end before it starts".into(),
            ));
        }
        let public_key = rcgen::SubjectPublicKeyInfo::from_der(spki_der)
            .map_err(|e| CaError::Unsupported(e.to_string()))?;
        let serial = random_serial()?;
        let mut name = DistinguishedName::new();
        name.push(
            DnType::OrganizationName,
            rcgen::DnValue::Utf8String("certrenew".into()),
        );
        name.push(
            DnType::CommonName,
            rcgen::DnValue::Utf8String(format!("certrenew OCSP responder {}", self.id())),
        );
        let mut params = CertificateParams::default();
        params.not_before = not_before;
        params.not_after = not_after;
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        params.distinguished_name = name;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::OcspSigning];
        params.custom_extensions = vec![CustomExtension::from_oid_content(
            OCSP_NOCHECK,
            NULL.to_vec(),
        )];
        params.use_authority_key_identifier_extension = true;
        params.key_identifier_method = KeyIdMethod::Sha256;
        let issuer = Issuer::from_params(&self.issuer, Capturing::new(&self.signer));
        let der = params
            .signed_by(&public_key, &issuer)
            .map_err(|e| issuer.key().error(e))?
            .der()
            .to_vec();
        Ok(Issued {
            sha256_hex: hex::encode(Sha256::digest(&der)),
            serial_hex: hex::encode(serial),
            der,
            not_before,
            not_after,
        })
    }
}
