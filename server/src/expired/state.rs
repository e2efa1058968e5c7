//! The expired-path application's own states, before it becomes a renewal: the one
//! table of which step moves it where. Once submitted, the renewal state machine
//! (`renewal::state`) takes over, unchanged.
//!
//! ```text
//! started ─details─▶ details_saved ─send_transfer─▶ transfer_sent ─verify_bank─▶ bank_verified
//!    bank_verified ─upload_form─▶ form_uploaded ─pass_identity─▶ identity_verified ─submit─▶ submitted
//! details again from any open state ─▶ details_saved (everything after it is redone)
//! send_transfer again (corrected account) ─▶ transfer_sent (the old code is void)
//! any open state ─cancel─▶ cancelled
//! ```

/// Where an application is: protocol's type, the one the app reads.
pub use protocol::expired::ApplicationStatus;

/// A step of the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEvent {
    /// Details saved (again).
    SaveDetails,
    /// A verification transfer was sent (again).
    SendTransfer,
    /// The right code was typed.
    VerifyBank,
    /// The signed form was uploaded.
    UploadForm,
    /// The identity check passed.
    PassIdentity,
    /// Submitted for payment and review.
    Submit,
    /// Withdrawn.
    Cancel,
}

/// A step the table does not allow here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an application that is {} cannot take the step {}", from.as_str(), event.as_str())]
pub struct IllegalStep {
    /// The state.
    pub from: ApplicationStatus,
    /// The step refused.
    pub event: AppEvent,
}

/// The table: where a step moves an application's state.
pub trait Steps {
    /// Where `event` moves this state, or why it cannot.
    fn next(self, event: AppEvent) -> Result<ApplicationStatus, IllegalStep>;
}

impl Steps for ApplicationStatus {
    fn next(self, event: AppEvent) -> Result<ApplicationStatus, IllegalStep> {
        use AppEvent as E;
        use ApplicationStatus as S;
        let to = match (self, event) {
            (from, E::SaveDetails) if from.is_open() => S::DetailsSaved,
            (S::DetailsSaved | S::TransferSent, E::SendTransfer) => S::TransferSent,
            (S::TransferSent, E::VerifyBank) => S::BankVerified,
            (S::BankVerified | S::FormUploaded, E::UploadForm) => S::FormUploaded,
            // A better scan after the identity check does not undo the check.
            (S::IdentityVerified, E::UploadForm) => S::IdentityVerified,
            (S::FormUploaded, E::PassIdentity) => S::IdentityVerified,
            (S::IdentityVerified, E::Submit) => S::Submitted,
            (from, E::Cancel) if from.is_open() => S::Cancelled,
            (from, event) => return Err(IllegalStep { from, event }),
        };
        Ok(to)
    }
}

impl AppEvent {
    /// The step's name, and its audit action `expired.<name>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SaveDetails => "details_saved",
            Self::SendTransfer => "transfer_sent",
            Self::VerifyBank => "bank_verified",
            Self::UploadForm => "form_uploaded",
            Self::PassIdentity => "identity_passed",
            Self::Submit => "submitted",
            Self::Cancel => "cancelled",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AppEvent as E;
    use ApplicationStatus as S;

    const EVENTS: [AppEvent; 7] = [
        E::SaveDetails,
        E::SendTransfer,
        E::VerifyBank,
        E::UploadForm,
        E::PassIdentity,
        E::Submit,
        E::Cancel,
    ];

    #[test]
    fn the_whole_table() {
        let open = |s: S| s.is_open();
        for &from in ApplicationStatus::ALL {
            for event in EVENTS {
                let expected = match (from, event) {
                    (f, E::SaveDetails) if open(f) => Some(S::DetailsSaved),
                    (f, E::Cancel) if open(f) => Some(S::Cancelled),
                    (S::DetailsSaved | S::TransferSent, E::SendTransfer) => Some(S::TransferSent),
                    (S::TransferSent, E::VerifyBank) => Some(S::BankVerified),
                    (S::BankVerified | S::FormUploaded, E::UploadForm) => Some(S::FormUploaded),
                    (S::IdentityVerified, E::UploadForm) => Some(S::IdentityVerified),
                    (S::FormUploaded, E::PassIdentity) => Some(S::IdentityVerified),
                    (S::IdentityVerified, E::Submit) => Some(S::Submitted),
                    _ => None,
                };
                assert_eq!(from.next(event).ok(), expected, "{from:?} + {event:?}");
            }
        }
    }

    #[test]
    fn the_order_cannot_be_skipped() {
        assert!(S::DetailsSaved.next(E::VerifyBank).is_err());
        assert!(S::BankVerified.next(E::PassIdentity).is_err());
        assert!(S::FormUploaded.next(E::Submit).is_err());
        assert_eq!(
            S::Submitted.next(E::Cancel).unwrap_err().to_string(),
            "an application that is submitted cannot take the step cancelled"
        );
        assert_eq!(ApplicationStatus::ALL.len(), 8);
        for &s in ApplicationStatus::ALL {
            assert_eq!(ApplicationStatus::parse(s.as_str()), Some(s));
        }
    }
}
