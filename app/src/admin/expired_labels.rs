//! The catalogue keys (and badge classes) naming the expired path's codes the list
//! shows: an application's status and where it is stuck (a renewal's page's own, a
//! transfer's state, an identity check's outcome, an upload's kind, are in
//! `expired_detail`).

use protocol::expired::ApplicationStatus;

/// The catalogue key naming an application status.
pub fn expired_status_key(status: ApplicationStatus) -> &'static str {
    use ApplicationStatus as A;
    match status {
        A::Started => "admin.expired.status.started",
        A::DetailsSaved => "admin.expired.status.details_saved",
        A::TransferSent => "admin.expired.status.transfer_sent",
        A::BankVerified => "admin.expired.status.bank_verified",
        A::FormUploaded => "admin.expired.status.form_uploaded",
        A::IdentityVerified => "admin.expired.status.identity_verified",
        A::Submitted => "admin.expired.status.submitted",
        A::Cancelled => "admin.expired.status.cancelled",
    }
}

/// The badge of an application status: still with the applicant (warn), handed over
/// as a renewal (ok), given up (bad).
pub fn expired_status_badge(status: Option<ApplicationStatus>) -> &'static str {
    match status {
        Some(ApplicationStatus::Submitted) => "badge ok",
        Some(ApplicationStatus::Cancelled) => "badge bad",
        _ => "badge warn",
    }
}

/// The catalogue key of where an applicant in this status is stuck: the step they
/// have not done yet (the server's `next_step`, in words for support).
pub fn stuck_key(status: ApplicationStatus) -> &'static str {
    use ApplicationStatus as A;
    match status {
        A::Started => "admin.expired.stuck.details",
        A::DetailsSaved => "admin.expired.stuck.bank_account",
        A::TransferSent => "admin.expired.stuck.bank_code",
        A::BankVerified => "admin.expired.stuck.form",
        A::FormUploaded => "admin.expired.stuck.identity",
        A::IdentityVerified => "admin.expired.stuck.submit",
        A::Submitted => "admin.expired.stuck.renewal",
        A::Cancelled => "admin.expired.stuck.none",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::tests::exists;

    #[test]
    fn every_key_is_in_the_catalogue() {
        for s in ApplicationStatus::ALL {
            exists(expired_status_key(*s));
            exists(stuck_key(*s));
        }
        assert_eq!(expired_status_badge(None), "badge warn");
    }
}
