//! A renewed certificate's state, as the server stores it in `certificates.status`
//! and sends it with the renewal.

use crate::wire_enum::wire_enum;

wire_enum! {
    /// Where an issued certificate is.
    pub enum CertificateStatus {
        /// Issued; the token has not confirmed it yet.
        Issued = "issued",
        /// The token holds it.
        Confirmed = "confirmed",
        /// Replaced by a later issue for a new key.
        Superseded = "superseded",
        /// Revoked by the CA (a customer's report, staff).
        Revoked = "revoked",
    }
}

wire_enum! {
    /// What a project issues: one certificate, or a signing and an encryption
    /// certificate under one subject, the encryption key from the CA's KMC.
    pub enum CertificateKind {
        /// One signing certificate, its key made on the token.
        Single = "single",
        /// A signing and an encryption certificate, renewed together.
        Dual = "dual",
    }
}

wire_enum! {
    /// A project's rule for the certificate being renewed once the new one is
    /// confirmed (docs/revocation.md). A project that says nothing keeps it valid.
    #[derive(Default)]
    pub enum OldCertificate {
        /// It stays valid until its notAfter (the default).
        #[default]
        KeepValid = "keep_valid",
        /// It is revoked with reason `superseded` when the renewal is confirmed.
        RevokeSuperseded = "revoke_superseded",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire_enum::assert_wire_names;

    // server/src/api/renewals.rs and reminders.rs write and read these names.
    #[test]
    fn wire_names_are_the_servers() {
        assert_wire_names!(
            CertificateStatus,
            [
                (CertificateStatus::Issued, "issued"),
                (CertificateStatus::Confirmed, "confirmed"),
                (CertificateStatus::Superseded, "superseded"),
                (CertificateStatus::Revoked, "revoked"),
            ]
        );
        assert_wire_names!(
            CertificateKind,
            [
                (CertificateKind::Single, "single"),
                (CertificateKind::Dual, "dual"),
            ]
        );
        // server/src/projects.rs reads these names from a project's settings.
        assert_wire_names!(
            OldCertificate,
            [
                (OldCertificate::KeepValid, "keep_valid"),
                (OldCertificate::RevokeSuperseded, "revoke_superseded"),
            ]
        );
        assert_eq!(OldCertificate::default(), OldCertificate::KeepValid);
    }
}
