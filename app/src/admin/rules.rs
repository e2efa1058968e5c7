//! Who may do what in the console, and what to say after: the staff actions, the
//! invoice rule, the words for a refused action and for a done one, and the rejection
//! reason's rule (protocol's, checked before sending).

use protocol::ErrorCode;
use protocol::renewal::{self, ReasonError, RenewalStatus};
use protocol::staff::Role;

/// What the staff member tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// 通过.
    Approve,
    /// 驳回.
    Reject,
    /// 已到账.
    Received,
    /// 未到账.
    Missing,
    /// 标记已退款.
    RefundDone,
    /// 发票已开具.
    InvoiceIssued,
}

impl Act {
    /// Whether the reviewer role does it (else finance).
    pub fn is_review(self) -> bool {
        matches!(self, Act::Approve | Act::Reject)
    }
}

/// States in which the renewal is paid, so an invoice may be issued (the server's rule).
pub fn is_paid_state(status: Option<RenewalStatus>) -> bool {
    use RenewalStatus as S;
    matches!(
        status,
        Some(S::InReview | S::Approved | S::Issued | S::Completed)
    )
}

/// The words for a refused action when the code alone says too little: the catalogue
/// key, chosen by what was tried and who tried it. `None`: the code's own text.
pub fn explain(act: Act, code: Option<ErrorCode>, role: Option<Role>) -> Option<&'static str> {
    use ErrorCode as C;
    let reviewer = role.is_some_and(Role::can_review);
    match (act, code?) {
        // A reviewer's approve is FORBIDDEN only when they already approved (the role
        // itself may approve).
        (Act::Approve, C::Forbidden) if reviewer => Some("admin.explain.already_approved"),
        (a, C::Forbidden) if a.is_review() => Some("admin.explain.review_role"),
        (_, C::Forbidden) => Some("admin.explain.finance_role"),
        (Act::Approve | Act::Reject, C::IllegalTransition) => Some("admin.explain.not_in_review"),
        (Act::Received | Act::Missing, C::IllegalTransition) => {
            Some("admin.explain.not_pending_transfer")
        }
        (Act::InvoiceIssued, C::IllegalTransition) => Some("admin.explain.no_invoice"),
        (Act::Received | Act::Missing, C::NotFound) => Some("admin.explain.no_payment"),
        (Act::RefundDone, C::NotFound) => Some("admin.explain.no_refund"),
        (Act::Reject, C::ValidationFailed) => Some("admin.reject.reason_invalid"),
        (_, C::Unauthenticated) => Some("admin.session.expired"),
        (_, C::CsrfFailed) => Some("admin.explain.csrf"),
        _ => None,
    }
}

/// The catalogue key of what happened after a successful action (`status` is the
/// renewal's state afterwards).
pub fn outcome_key(act: Act, status: Option<RenewalStatus>) -> &'static str {
    match act {
        Act::Approve if status == Some(RenewalStatus::InReview) => "admin.done.approval_recorded",
        Act::Approve => "admin.done.approved",
        Act::Reject => "admin.done.rejected",
        Act::Received => "admin.done.received",
        Act::Missing => "admin.done.missing",
        Act::RefundDone => "admin.done.refund",
        Act::InvoiceIssued => "admin.done.invoice",
    }
}

/// The rejection reason's length, as the server counts it (trimmed, in characters).
pub fn reason_len(reason: &str) -> usize {
    reason.trim().chars().count()
}

/// The most characters a rejection reason may have.
pub const REASON_MAX: usize = renewal::REASON_MAX;

/// What is wrong with a rejection reason (protocol's rule, the server's
/// `reason.length`, checked first so the reviewer is told at once): the catalogue key
/// of the message.
pub fn reason_problem(reason: &str) -> Option<&'static str> {
    match renewal::check_reason(reason) {
        Ok(_) => None,
        Err(ReasonError::Missing) => Some("admin.reject.reason_missing"),
        Err(ReasonError::TooShort) => Some("admin.reject.reason_short"),
        Err(ReasonError::TooLong) => Some("admin.reject.reason_long"),
        Err(ReasonError::Control) => Some("admin.reject.reason_control"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::tests::exists;

    const ACTS: [Act; 6] = [
        Act::Approve,
        Act::Reject,
        Act::Received,
        Act::Missing,
        Act::RefundDone,
        Act::InvoiceIssued,
    ];

    #[test]
    fn every_key_is_in_the_catalogue() {
        for act in ACTS {
            for code in ErrorCode::ALL.map(Some) {
                for role in Role::ALL.iter().copied().map(Some).chain([None]) {
                    if let Some(key) = explain(act, code, role) {
                        exists(key);
                    }
                }
            }
            for status in RenewalStatus::ALL {
                exists(outcome_key(act, Some(status)));
            }
        }
        for r in ["", "x", &"字".repeat(501), "a\u{7}b"] {
            exists(reason_problem(r).expect("a problem"));
        }
    }

    #[test]
    fn invoices_only_for_paid_states() {
        use RenewalStatus as S;
        for s in [S::InReview, S::Approved, S::Issued, S::Completed] {
            assert!(is_paid_state(Some(s)), "{s:?}");
        }
        for s in [
            S::AwaitingPayment,
            S::AwaitingReconciliation,
            S::Rejected,
            S::Cancelled,
            S::Expired,
        ] {
            assert!(!is_paid_state(Some(s)), "{s:?}");
        }
        assert!(!is_paid_state(None));
    }

    #[test]
    fn rejection_reasons_follow_the_server_rule() {
        let cases: &[(&str, Option<&str>)] = &[
            ("", Some("admin.reject.reason_missing")),
            ("   ", Some("admin.reject.reason_missing")),
            ("不", Some("admin.reject.reason_short")),
            (" 不符 ", None),
            ("第一行\n第二行", None),
            ("tab\there", Some("admin.reject.reason_control")),
        ];
        for (reason, want) in cases {
            assert_eq!(reason_problem(reason), *want, "{reason:?}");
        }
        assert_eq!(reason_problem(&"字".repeat(500)), None);
        assert_eq!(
            reason_problem(&"字".repeat(501)),
            Some("admin.reject.reason_long")
        );
        assert_eq!(reason_len("  ab  "), 2);
    }

    #[test]
    fn refusals_are_explained_by_action_and_role() {
        let forbidden = Some(ErrorCode::Forbidden);
        assert_eq!(
            explain(Act::Approve, forbidden, Some(Role::Reviewer)),
            Some("admin.explain.already_approved")
        );
        assert_eq!(
            explain(Act::Approve, forbidden, Some(Role::Finance)),
            Some("admin.explain.review_role")
        );
        assert_eq!(
            explain(Act::Received, forbidden, Some(Role::Reviewer)),
            Some("admin.explain.finance_role")
        );
        assert_eq!(
            explain(
                Act::Reject,
                Some(ErrorCode::IllegalTransition),
                Some(Role::Admin)
            ),
            Some("admin.explain.not_in_review")
        );
        assert_eq!(
            explain(
                Act::InvoiceIssued,
                Some(ErrorCode::IllegalTransition),
                Some(Role::Finance)
            ),
            Some("admin.explain.no_invoice")
        );
        assert_eq!(explain(Act::Approve, None, Some(Role::Admin)), None);
    }

    #[test]
    fn outcomes_say_whether_more_approvals_are_needed() {
        assert_eq!(
            outcome_key(Act::Approve, Some(RenewalStatus::InReview)),
            "admin.done.approval_recorded"
        );
        assert_eq!(
            outcome_key(Act::Approve, Some(RenewalStatus::Approved)),
            "admin.done.approved"
        );
    }
}
