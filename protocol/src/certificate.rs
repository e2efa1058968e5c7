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
            ]
        );
    }
}
