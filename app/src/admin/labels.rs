//! The catalogue keys (and badge classes) naming the server's codes every console page
//! shows: a renewal's state and the staff role (a renewal's page's own are
//! [`super::renewal_labels`]). Typed values only.

use protocol::renewal::RenewalStatus;
use protocol::staff::Role;

/// Every renewal state, in the order the status filter offers them (the queue's
/// default, `in_review`, first).
pub const STATUSES: [RenewalStatus; 9] = [
    RenewalStatus::InReview,
    RenewalStatus::AwaitingPayment,
    RenewalStatus::AwaitingReconciliation,
    RenewalStatus::Approved,
    RenewalStatus::Issued,
    RenewalStatus::Completed,
    RenewalStatus::Rejected,
    RenewalStatus::Cancelled,
    RenewalStatus::Expired,
];

/// The catalogue key naming a renewal state.
pub fn status_key(status: RenewalStatus) -> &'static str {
    use RenewalStatus as S;
    match status {
        S::AwaitingPayment => "admin.status.awaiting_payment",
        S::AwaitingReconciliation => "admin.status.awaiting_reconciliation",
        S::InReview => "admin.status.in_review",
        S::Approved => "admin.status.approved",
        S::Issued => "admin.status.issued",
        S::Completed => "admin.status.completed",
        S::Cancelled => "admin.status.cancelled",
        S::Rejected => "admin.status.rejected",
        S::Expired => "admin.status.expired",
    }
}

/// The badge class of a state: waiting on someone (warn), work for the CA (info),
/// finished well (ok), stopped or unknown (bad).
pub fn status_badge(status: Option<RenewalStatus>) -> &'static str {
    use RenewalStatus as S;
    match status {
        Some(S::AwaitingPayment | S::AwaitingReconciliation) => "badge warn",
        Some(S::InReview | S::Approved | S::Issued) => "badge info",
        Some(S::Completed) => "badge ok",
        Some(S::Cancelled | S::Rejected | S::Expired) | None => "badge bad",
    }
}

/// The catalogue key of a staff role.
pub fn role_key(role: Role) -> &'static str {
    match role {
        Role::Reviewer => "admin.role.reviewer",
        Role::Finance => "admin.role.finance",
        Role::Admin => "admin.role.admin",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::tests::exists;

    #[test]
    fn every_key_is_in_the_catalogue() {
        for s in RenewalStatus::ALL {
            exists(status_key(s));
        }
        for r in Role::ALL {
            exists(role_key(*r));
        }
    }

    #[test]
    fn the_filter_offers_every_state_once() {
        let mut offered = STATUSES.to_vec();
        offered.sort_by_key(|s| s.as_str());
        offered.dedup();
        assert_eq!(offered.len(), RenewalStatus::ALL.len());
        assert_eq!(status_badge(None), "badge bad");
    }
}
