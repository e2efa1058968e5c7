//! The catalogue keys (and badge classes) naming the expired path's codes: an
//! application's status and where it is stuck, a verification transfer's state, an
//! identity check's outcome, an upload's kind.

use protocol::expired::{ApplicationStatus, IdentityOutcome, TransferStatus, UploadKind};

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

/// The catalogue key of a verification transfer's state, and its badge class.
pub fn transfer_status(status: TransferStatus) -> (&'static str, &'static str) {
    use TransferStatus as T;
    match status {
        T::Sending => ("admin.expired.transfer.sending", "badge info"),
        T::Pending => ("admin.expired.transfer.pending", "badge warn"),
        T::Verified => ("admin.expired.transfer.verified", "badge ok"),
        T::Superseded => ("admin.expired.transfer.superseded", "badge"),
        T::Locked => ("admin.expired.transfer.locked", "badge bad"),
        T::Failed => ("admin.expired.transfer.failed", "badge bad"),
    }
}

/// The catalogue key of an identity check's outcome, and its badge class.
pub fn identity_outcome(outcome: IdentityOutcome) -> (&'static str, &'static str) {
    use IdentityOutcome as O;
    match outcome {
        O::Passed => ("admin.expired.identity.passed", "badge ok"),
        O::Failed => ("admin.expired.identity.failed", "badge bad"),
        O::Checking => ("admin.expired.identity.checking", "badge info"),
        O::Error => ("admin.expired.identity.error", "badge warn"),
    }
}

/// The catalogue key of an upload's kind.
pub fn upload_kind_key(kind: UploadKind) -> &'static str {
    match kind {
        UploadKind::Form => "admin.expired.upload.form",
        UploadKind::IdFront => "admin.expired.upload.id_front",
        UploadKind::IdBack => "admin.expired.upload.id_back",
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
        for t in TransferStatus::ALL {
            exists(transfer_status(*t).0);
        }
        for o in IdentityOutcome::ALL {
            exists(identity_outcome(*o).0);
        }
        for k in UploadKind::ALL {
            exists(upload_kind_key(*k));
        }
        assert_eq!(expired_status_badge(None), "badge warn");
    }
}
