//! The renewal state machine: every state, every event, the one table of which event
//! moves which state where, and the one rule of which stage the customer sees for a
//! state. The server decides transitions with it; the app reads the same states.
//!
//! ```text
//! awaiting_payment ──bank_transfer_submitted──▶ awaiting_reconciliation
//!        │  ▲                                         │
//!        │  └──────────bank_transfer_refused──────────┤
//!        ├──paid──▶ in_review ◀──────paid──────────────┘
//!        ├──cancel──▶ cancelled            in_review ──approve──▶ approved ──issue──▶ issued
//!        └──expire──▶ expired              in_review ──reject───▶ rejected     issued ──reissue──▶ issued
//!                                                                              issued ──confirm──▶ completed
//! ```
//!
//! On the wire a state is its snake_case name (`"in_review"`); the names never change
//! once released, as they are stored and branched on.

use serde::{Deserialize, Serialize};

use crate::stage::Stage;

/// Where a renewal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RenewalStatus {
    /// Applied; nothing paid yet.
    AwaitingPayment,
    /// A bank transfer is declared and waits for finance.
    AwaitingReconciliation,
    /// Paid; waiting for the reviewers.
    InReview,
    /// Approved; the user may install.
    Approved,
    /// A certificate was issued and is not yet confirmed on the token.
    Issued,
    /// The new certificate is on the token.
    Completed,
    /// The user withdrew before paying.
    Cancelled,
    /// A reviewer refused (with a reason); the payment is refunded.
    Rejected,
    /// Nothing was paid in time.
    Expired,
}

/// What can happen to a renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// The user declared a bank transfer.
    BankTransferSubmitted,
    /// Finance found no such transfer.
    BankTransferRefused,
    /// The payment arrived (a gateway notice, a query, or finance's reconciliation).
    Paid,
    /// The user withdrew.
    Cancel,
    /// The unpaid application timed out.
    Expire,
    /// The last required reviewer approved.
    Approve,
    /// A reviewer refused.
    Reject,
    /// The certificate was issued.
    Issue,
    /// A certificate was issued again for a new key, superseding the unconfirmed one.
    Reissue,
    /// The token confirmed the new certificate.
    Confirm,
}

/// A transition the table does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a renewal that is {} cannot be {}", from.as_str(), event.past_tense())]
pub struct IllegalTransition {
    /// The state.
    pub from: RenewalStatus,
    /// The event refused.
    pub event: Event,
}

impl RenewalStatus {
    /// Every state.
    pub const ALL: [RenewalStatus; 9] = [
        Self::AwaitingPayment,
        Self::AwaitingReconciliation,
        Self::InReview,
        Self::Approved,
        Self::Issued,
        Self::Completed,
        Self::Cancelled,
        Self::Rejected,
        Self::Expired,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingPayment => "awaiting_payment",
            Self::AwaitingReconciliation => "awaiting_reconciliation",
            Self::InReview => "in_review",
            Self::Approved => "approved",
            Self::Issued => "issued",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::Rejected => "rejected",
            Self::Expired => "expired",
        }
    }

    /// Parses a stored name.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Whether the renewal still holds its certificate's one open slot.
    pub const fn is_open(self) -> bool {
        !matches!(
            self,
            Self::Completed | Self::Cancelled | Self::Rejected | Self::Expired
        )
    }

    /// The stage the customer sees (a closed renewal shows where it stopped).
    pub const fn stage(self) -> Stage {
        match self {
            Self::AwaitingPayment
            | Self::AwaitingReconciliation
            | Self::Cancelled
            | Self::Expired => Stage::Pay,
            Self::InReview | Self::Rejected => Stage::Review,
            Self::Approved | Self::Issued => Stage::Install,
            Self::Completed => Stage::Done,
        }
    }

    /// Where `event` moves this state, or why it cannot.
    pub fn next(self, event: Event) -> Result<RenewalStatus, IllegalTransition> {
        use Event as E;
        use RenewalStatus as S;
        let to = match (self, event) {
            (S::AwaitingPayment, E::BankTransferSubmitted) => S::AwaitingReconciliation,
            (S::AwaitingReconciliation, E::BankTransferRefused) => S::AwaitingPayment,
            (S::AwaitingPayment | S::AwaitingReconciliation, E::Paid) => S::InReview,
            (S::AwaitingPayment, E::Cancel) => S::Cancelled,
            (S::AwaitingPayment, E::Expire) => S::Expired,
            (S::InReview, E::Approve) => S::Approved,
            (S::InReview, E::Reject) => S::Rejected,
            (S::Approved, E::Issue) => S::Issued,
            (S::Issued, E::Reissue) => S::Issued,
            (S::Issued, E::Confirm) => S::Completed,
            (from, event) => return Err(IllegalTransition { from, event }),
        };
        Ok(to)
    }
}

impl Event {
    /// The audit action's name, `renewal.<event>`.
    pub const fn action(self) -> &'static str {
        match self {
            Self::BankTransferSubmitted => "renewal.bank_transfer_submitted",
            Self::BankTransferRefused => "renewal.bank_transfer_refused",
            Self::Paid => "renewal.paid",
            Self::Cancel => "renewal.cancelled",
            Self::Expire => "renewal.expired",
            Self::Approve => "renewal.approved",
            Self::Reject => "renewal.rejected",
            Self::Issue => "renewal.issued",
            Self::Reissue => "renewal.reissued",
            Self::Confirm => "renewal.completed",
        }
    }

    fn past_tense(self) -> &'static str {
        match self {
            Self::BankTransferSubmitted => "paid by bank transfer",
            Self::BankTransferRefused => "refused a bank transfer",
            Self::Paid => "paid",
            Self::Cancel => "cancelled",
            Self::Expire => "expired",
            Self::Approve => "approved",
            Self::Reject => "rejected",
            Self::Issue => "issued",
            Self::Reissue => "issued again",
            Self::Confirm => "completed",
        }
    }
}

/// The fewest characters a rejection reason may have (trimmed).
pub const REASON_MIN: usize = 2;

/// The most characters a rejection reason may have (trimmed).
pub const REASON_MAX: usize = 500;

/// What is wrong with a reviewer's rejection reason: the server refuses it as
/// `reason.length`, the console names the problem before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReasonError {
    /// Nothing but whitespace.
    #[error("a rejection needs a reason")]
    Missing,
    /// Fewer than [`REASON_MIN`] characters.
    #[error("the reason is shorter than {REASON_MIN} characters")]
    TooShort,
    /// More than [`REASON_MAX`] characters.
    #[error("the reason is longer than {REASON_MAX} characters")]
    TooLong,
    /// A control character other than a line break (it would garble the notices).
    #[error("the reason holds a control character")]
    Control,
}

/// Checks a rejection reason and gives it trimmed, as it is stored and sent on.
/// Characters are counted, not bytes: a Chinese reason has the same limit.
pub fn check_reason(reason: &str) -> Result<&str, ReasonError> {
    let reason = reason.trim();
    let n = reason.chars().count();
    if n == 0 {
        Err(ReasonError::Missing)
    } else if n < REASON_MIN {
        Err(ReasonError::TooShort)
    } else if n > REASON_MAX {
        Err(ReasonError::TooLong)
    } else if reason.chars().any(|c| c.is_control() && c != '\n') {
        Err(ReasonError::Control)
    } else {
        Ok(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Event as E;
    use RenewalStatus as S;

    const EVENTS: [Event; 10] = [
        E::BankTransferSubmitted,
        E::BankTransferRefused,
        E::Paid,
        E::Cancel,
        E::Expire,
        E::Approve,
        E::Reject,
        E::Issue,
        E::Reissue,
        E::Confirm,
    ];

    /// Every allowed transition; everything else must be refused.
    const ALLOWED: [(RenewalStatus, Event, RenewalStatus); 10] = [
        (
            S::AwaitingPayment,
            E::BankTransferSubmitted,
            S::AwaitingReconciliation,
        ),
        (
            S::AwaitingReconciliation,
            E::BankTransferRefused,
            S::AwaitingPayment,
        ),
        (S::AwaitingPayment, E::Paid, S::InReview),
        (S::AwaitingReconciliation, E::Paid, S::InReview),
        (S::AwaitingPayment, E::Cancel, S::Cancelled),
        (S::AwaitingPayment, E::Expire, S::Expired),
        (S::InReview, E::Approve, S::Approved),
        (S::InReview, E::Reject, S::Rejected),
        (S::Approved, E::Issue, S::Issued),
        (S::Issued, E::Confirm, S::Completed),
    ];

    #[test]
    fn the_whole_table() {
        for from in RenewalStatus::ALL {
            for event in EVENTS {
                let expected = ALLOWED
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == event)
                    .map(|(_, _, to)| *to)
                    .or((from == S::Issued && event == E::Reissue).then_some(S::Issued));
                assert_eq!(from.next(event).ok(), expected, "{from:?} + {event:?}");
            }
        }
    }

    #[test]
    fn cancel_after_payment_is_refused_with_words() {
        let err = S::InReview.next(E::Cancel).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a renewal that is in_review cannot be cancelled"
        );
    }

    #[test]
    fn closed_states_release_the_certificate() {
        let open: Vec<_> = RenewalStatus::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect();
        assert_eq!(
            open,
            [
                S::AwaitingPayment,
                S::AwaitingReconciliation,
                S::InReview,
                S::Approved,
                S::Issued
            ]
        );
        for s in RenewalStatus::ALL {
            assert_eq!(RenewalStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn stages() {
        assert_eq!(S::AwaitingPayment.stage(), Stage::Pay);
        assert_eq!(S::InReview.stage(), Stage::Review);
        assert_eq!(S::Issued.stage(), Stage::Install);
        assert_eq!(S::Completed.stage(), Stage::Done);
    }

    #[test]
    fn rejection_reasons() {
        let cases: [(&str, Result<&str, ReasonError>); 8] = [
            ("", Err(ReasonError::Missing)),
            ("   ", Err(ReasonError::Missing)),
            ("不", Err(ReasonError::TooShort)),
            (" 不行 ", Ok("不行")),
            ("two\nlines", Ok("two\nlines")),
            ("tab\there", Err(ReasonError::Control)),
            ("nul\0here", Err(ReasonError::Control)),
            ("ok", Ok("ok")),
        ];
        for (reason, want) in cases {
            assert_eq!(check_reason(reason), want, "{reason:?}");
        }
        assert!(check_reason(&"字".repeat(REASON_MAX)).is_ok());
        assert_eq!(
            check_reason(&"字".repeat(REASON_MAX + 1)),
            Err(ReasonError::TooLong)
        );
    }

    // The one status→stage rule, whole: the server sends it and the app draws it.
    #[test]
    fn every_state_has_its_stage() {
        let table = [
            (S::AwaitingPayment, Stage::Pay),
            (S::AwaitingReconciliation, Stage::Pay),
            (S::InReview, Stage::Review),
            (S::Approved, Stage::Install),
            (S::Issued, Stage::Install),
            (S::Completed, Stage::Done),
            (S::Cancelled, Stage::Pay),
            (S::Rejected, Stage::Review),
            (S::Expired, Stage::Pay),
        ];
        assert_eq!(table.len(), RenewalStatus::ALL.len());
        for (status, stage) in table {
            assert_eq!(status.stage(), stage, "{status:?}");
        }
    }

    // The stored and sent names are pinned: the database and older pages hold them.
    #[test]
    fn wire_names_are_pinned() {
        let names = [
            "awaiting_payment",
            "awaiting_reconciliation",
            "in_review",
            "approved",
            "issued",
            "completed",
            "cancelled",
            "rejected",
            "expired",
        ];
        for (status, name) in RenewalStatus::ALL.into_iter().zip(names) {
            assert_eq!(status.as_str(), name);
            let json = format!("\"{name}\"");
            assert_eq!(serde_json::to_string(&status).unwrap(), json);
            assert_eq!(
                serde_json::from_str::<RenewalStatus>(&json).unwrap(),
                status
            );
        }
        assert!(serde_json::from_str::<RenewalStatus>("\"paid\"").is_err());
    }
}
