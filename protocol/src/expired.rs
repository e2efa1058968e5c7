//! The expired-certificate path's application, as the server sends it (docs/api.md
//! §13): its states, the step it waits for, the verification transfer's and the
//! identity check's states, and the kinds of upload.

use crate::wire_enum::wire_enum;

wire_enum! {
    /// Where an application is (the server's `expired::state::AppStatus`).
    pub enum ApplicationStatus {
        /// The certificate is accepted; the details are missing.
        Started = "started",
        /// The details are saved; the bank account is next.
        DetailsSaved = "details_saved",
        /// A verification transfer went out; its code is awaited.
        TransferSent = "transfer_sent",
        /// The company's basic account is verified.
        BankVerified = "bank_verified",
        /// The signed and stamped form is uploaded.
        FormUploaded = "form_uploaded",
        /// The operator's identity check passed.
        IdentityVerified = "identity_verified",
        /// Submitted: a renewal now carries it.
        Submitted = "submitted",
        /// Withdrawn or abandoned.
        Cancelled = "cancelled",
    }
}

impl ApplicationStatus {
    /// Whether the applicant may still work on it (neither submitted nor cancelled).
    pub const fn is_open(self) -> bool {
        !matches!(self, Self::Submitted | Self::Cancelled)
    }
}

wire_enum! {
    /// The step an application waits for (the server's `next_step`).
    pub enum NextStep {
        /// Fill in the details.
        Details = "details",
        /// Give the company's bank account.
        BankAccount = "bank_account",
        /// Type the code of the verification transfer.
        BankCode = "bank_code",
        /// Upload the signed form.
        Form = "form",
        /// Pass the identity check.
        Identity = "identity",
        /// Submit.
        Submit = "submit",
        /// Pay (the renewal carries on).
        Pay = "pay",
        /// Nothing: cancelled.
        None = "none",
    }
}

wire_enum! {
    /// Where a verification transfer is.
    pub enum TransferStatus {
        /// Being sent to the bank.
        Sending = "sending",
        /// Sent; its code is awaited.
        Pending = "pending",
        /// The right code came back.
        Verified = "verified",
        /// Replaced by a later transfer.
        Superseded = "superseded",
        /// Too many wrong codes.
        Locked = "locked",
        /// The bank refused it.
        Failed = "failed",
    }
}

wire_enum! {
    /// An identity check's outcome.
    pub enum IdentityOutcome {
        /// The face matched the document.
        Passed = "passed",
        /// It did not.
        Failed = "failed",
        /// Still under way.
        Checking = "checking",
        /// The provider failed (not counted as an attempt).
        Error = "error",
    }
}

wire_enum! {
    /// What an uploaded file is.
    pub enum UploadKind {
        /// The signed and stamped application form.
        Form = "form",
        /// The front of the operator's identity document.
        IdFront = "id_front",
        /// Its back.
        IdBack = "id_back",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire_enum::assert_wire_names;

    // The literals are the ones server/src/expired/{state,store,bank,identity,uploads}.rs
    // write.
    #[test]
    fn wire_names_are_the_servers() {
        use ApplicationStatus as A;
        assert_wire_names!(
            ApplicationStatus,
            [
                (A::Started, "started"),
                (A::DetailsSaved, "details_saved"),
                (A::TransferSent, "transfer_sent"),
                (A::BankVerified, "bank_verified"),
                (A::FormUploaded, "form_uploaded"),
                (A::IdentityVerified, "identity_verified"),
                (A::Submitted, "submitted"),
                (A::Cancelled, "cancelled"),
            ]
        );
        assert_wire_names!(
            NextStep,
            [
                (NextStep::Details, "details"),
                (NextStep::BankAccount, "bank_account"),
                (NextStep::BankCode, "bank_code"),
                (NextStep::Form, "form"),
                (NextStep::Identity, "identity"),
                (NextStep::Submit, "submit"),
                (NextStep::Pay, "pay"),
                (NextStep::None, "none"),
            ]
        );
        assert_wire_names!(
            TransferStatus,
            [
                (TransferStatus::Sending, "sending"),
                (TransferStatus::Pending, "pending"),
                (TransferStatus::Verified, "verified"),
                (TransferStatus::Superseded, "superseded"),
                (TransferStatus::Locked, "locked"),
                (TransferStatus::Failed, "failed"),
            ]
        );
        assert_wire_names!(
            IdentityOutcome,
            [
                (IdentityOutcome::Passed, "passed"),
                (IdentityOutcome::Failed, "failed"),
                (IdentityOutcome::Checking, "checking"),
                (IdentityOutcome::Error, "error"),
            ]
        );
        assert_wire_names!(
            UploadKind,
            [
                (UploadKind::Form, "form"),
                (UploadKind::IdFront, "id_front"),
                (UploadKind::IdBack, "id_back"),
            ]
        );
    }

    #[test]
    fn only_submitted_and_cancelled_are_closed() {
        for s in ApplicationStatus::ALL {
            assert_eq!(
                s.is_open(),
                !matches!(
                    s,
                    ApplicationStatus::Submitted | ApplicationStatus::Cancelled
                )
            );
        }
    }
}
