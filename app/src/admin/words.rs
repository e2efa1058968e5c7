//! The console's pure rules: catalogue keys for the server's codes (states, roles,
//! methods, audit actions), who may do what, the query strings of the lists, and the
//! rejection reason's rule (protocol's, checked before sending). No DOM, so every
//! function here is tested natively.

use protocol::ErrorCode;
use protocol::business_no::BusinessNo;
use protocol::renewal::{self, ReasonError, RenewalStatus};

/// Every renewal state, in the order the status filter offers them (the queue's
/// default, `in_review`, first).
pub const STATUSES: [&str; 9] = [
    RenewalStatus::InReview.as_str(),
    RenewalStatus::AwaitingPayment.as_str(),
    RenewalStatus::AwaitingReconciliation.as_str(),
    RenewalStatus::Approved.as_str(),
    RenewalStatus::Issued.as_str(),
    RenewalStatus::Completed.as_str(),
    RenewalStatus::Rejected.as_str(),
    RenewalStatus::Cancelled.as_str(),
    RenewalStatus::Expired.as_str(),
];

/// The queue's default filter: what reviewers work on.
pub const DEFAULT_STATUS: &str = RenewalStatus::InReview.as_str();

/// Rows asked for per queue load (the server's maximum).
pub const QUEUE_LIMIT: usize = 200;

/// Audit rows per page.
pub const AUDIT_PAGE: usize = 50;

/// The catalogue key naming a renewal state (its wire name as sent; `None` for one
/// this page does not know, whose raw name is shown).
pub fn status_key(status: &str) -> Option<&'static str> {
    use RenewalStatus as S;
    Some(match RenewalStatus::parse(status)? {
        S::AwaitingPayment => "admin.status.awaiting_payment",
        S::AwaitingReconciliation => "admin.status.awaiting_reconciliation",
        S::InReview => "admin.status.in_review",
        S::Approved => "admin.status.approved",
        S::Issued => "admin.status.issued",
        S::Completed => "admin.status.completed",
        S::Cancelled => "admin.status.cancelled",
        S::Rejected => "admin.status.rejected",
        S::Expired => "admin.status.expired",
    })
}

/// The badge class of a state: waiting on someone (warn), work for the CA (info),
/// finished well (ok), stopped (bad).
pub fn status_badge(status: &str) -> &'static str {
    use RenewalStatus as S;
    match RenewalStatus::parse(status) {
        Some(S::AwaitingPayment | S::AwaitingReconciliation) => "badge warn",
        Some(S::InReview | S::Approved | S::Issued) => "badge info",
        Some(S::Completed) => "badge ok",
        Some(S::Cancelled | S::Rejected | S::Expired) | None => "badge bad",
    }
}

/// The catalogue key of a staff role.
pub fn role_key(role: &str) -> Option<&'static str> {
    Some(match role {
        "reviewer" => "admin.role.reviewer",
        "finance" => "admin.role.finance",
        "admin" => "admin.role.admin",
        _ => return None,
    })
}

/// Whether a role may approve and reject (docs/api.md §9: reviewer, or admin).
pub fn can_review(role: &str) -> bool {
    matches!(role, "reviewer" | "admin")
}

/// Whether a role may reconcile, mark refunds and invoices (finance, or admin).
pub fn can_finance(role: &str) -> bool {
    matches!(role, "finance" | "admin")
}

/// States in which the renewal is paid, so an invoice may be issued (the server's rule).
pub fn is_paid_state(status: Option<RenewalStatus>) -> bool {
    use RenewalStatus as S;
    matches!(
        status,
        Some(S::InReview | S::Approved | S::Issued | S::Completed)
    )
}

/// The catalogue key of an operator's identity document kind.
pub fn id_type_key(id_type: &str) -> Option<&'static str> {
    Some(match id_type {
        "resident_id" => "admin.id_type.resident_id",
        "passport" => "admin.id_type.passport",
        "hk_macao_permit" => "admin.id_type.hk_macao_permit",
        "taiwan_permit" => "admin.id_type.taiwan_permit",
        "foreign_permanent_id" => "admin.id_type.foreign_permanent_id",
        _ => return None,
    })
}

/// The catalogue key of a payment method.
pub fn method_key(method: &str) -> Option<&'static str> {
    Some(match method {
        "alipay" => "admin.method.alipay",
        "unionpay" => "admin.method.unionpay",
        "wechat" => "admin.method.wechat",
        "bank_transfer" => "admin.method.bank_transfer",
        _ => return None,
    })
}

/// The catalogue key of a payment attempt's state, and its badge class.
pub fn payment_status(status: &str) -> (Option<&'static str>, &'static str) {
    match status {
        "pending" => (Some("admin.pay_status.pending"), "badge warn"),
        "paid" => (Some("admin.pay_status.paid"), "badge ok"),
        "failed" => (Some("admin.pay_status.failed"), "badge bad"),
        "closed" => (Some("admin.pay_status.closed"), "badge"),
        "refunded" => (Some("admin.pay_status.refunded"), "badge info"),
        _ => (None, "badge"),
    }
}

/// The catalogue key of a refund's state.
pub fn refund_status_key(status: &str) -> Option<&'static str> {
    Some(match status {
        "pending" => "admin.refund_status.pending",
        "done" => "admin.refund_status.done",
        _ => return None,
    })
}

/// The catalogue key of an invoice kind.
pub fn invoice_kind_key(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "electronic" => "admin.invoice_kind.electronic",
        "paper" => "admin.invoice_kind.paper",
        _ => return None,
    })
}

/// The catalogue key of an invoice's state.
pub fn invoice_status_key(status: &str) -> Option<&'static str> {
    Some(match status {
        "requested" => "admin.invoice_status.requested",
        "issued" => "admin.invoice_status.issued",
        _ => return None,
    })
}

/// The catalogue key of an audit action (docs/api.md §6 and the server's other rows).
pub fn action_key(action: &str) -> Option<&'static str> {
    Some(match action {
        "renewal.submitted" => "admin.action.renewal.submitted",
        "renewal.paid" => "admin.action.renewal.paid",
        "renewal.cancelled" => "admin.action.renewal.cancelled",
        "renewal.expired" => "admin.action.renewal.expired",
        "renewal.approval_recorded" => "admin.action.renewal.approval_recorded",
        "renewal.approved" => "admin.action.renewal.approved",
        "renewal.rejected" => "admin.action.renewal.rejected",
        "renewal.issued" => "admin.action.renewal.issued",
        "renewal.reissued" => "admin.action.renewal.reissued",
        "renewal.completed" => "admin.action.renewal.completed",
        "renewal.bank_transfer_submitted" => "admin.action.renewal.bank_transfer_submitted",
        "renewal.bank_transfer_refused" => "admin.action.renewal.bank_transfer_refused",
        "payment.started" => "admin.action.payment.started",
        "payment.paid" => "admin.action.payment.paid",
        "payment.failed" => "admin.action.payment.failed",
        "payment.closed" => "admin.action.payment.closed",
        "refund.opened" => "admin.action.refund.opened",
        "refund.done" => "admin.action.refund.done",
        "invoice.issued" => "admin.action.invoice.issued",
        "session.opened" => "admin.action.session.opened",
        "certificate.revoked" => "admin.action.certificate.revoked",
        "staff.login" => "admin.action.staff.login",
        "staff.login_failed" => "admin.action.staff.login_failed",
        "staff.logout" => "admin.action.staff.logout",
        "staff.saved" => "admin.action.staff.saved",
        _ => return None,
    })
}

/// An audit actor split into the catalogue key of its kind and the rest
/// (`staff:alice` → 工作人员, `alice`); a certificate hash is shortened.
pub fn actor_parts(actor: &str) -> (Option<&'static str>, String) {
    let (kind, rest) = actor.split_once(':').unwrap_or((actor, ""));
    let key = match kind {
        "user" => "admin.actor.user",
        "staff" => "admin.actor.staff",
        "gateway" => "admin.actor.gateway",
        "system" => "admin.actor.system",
        "anonymous" => "admin.actor.anonymous",
        _ => return (None, actor.to_owned()),
    };
    let rest = if kind == "user" {
        short_hash(rest)
    } else {
        rest.to_owned()
    };
    (Some(key), rest)
}

/// The catalogue key of a timeline row's `by` (`user`, `staff`, `gateway`, `system`).
pub fn by_key(by: &str) -> Option<&'static str> {
    actor_parts(by).0
}

/// The first 12 characters of a hash, with an ellipsis when cut.
pub fn short_hash(hash: &str) -> String {
    match hash.char_indices().nth(12) {
        Some((i, _)) => format!("{}…", &hash[..i]),
        None => hash.to_owned(),
    }
}

/// Whether a string is a business number (17 digits), so an audit subject can link to
/// its renewal.
pub fn is_business_no(s: &str) -> bool {
    BusinessNo::parse(s).is_ok()
}

/// Percent-encodes a query value (RFC 3986 unreserved characters are kept).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The queue's filters as the user set them.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Filters {
    /// A state, or empty for all.
    pub status: String,
    /// A project id, or empty for all.
    pub project: String,
    /// Part of a business number or subject.
    pub q: String,
}

impl Filters {
    /// What reviewers see first: applications in review, every project.
    pub fn initial() -> Self {
        Filters {
            status: DEFAULT_STATUS.to_owned(),
            ..Filters::default()
        }
    }
}

/// `{base}?limit={limit}&…`: the filters that are set, trimmed and encoded (the
/// console's lists all ask this way).
pub fn list_path(base: &str, limit: usize, filters: &[(&str, &str)]) -> String {
    let mut path = format!("{base}?limit={limit}");
    for (name, value) in filters {
        let value = value.trim();
        if !value.is_empty() {
            path.push_str(&format!("&{name}={}", encode(value)));
        }
    }
    path
}

/// `/admin/renewals?…` for the filters; empty filters are left out, `q` is trimmed.
pub fn queue_path(f: &Filters) -> String {
    list_path(
        "/admin/renewals",
        QUEUE_LIMIT,
        &[("status", &f.status), ("project", &f.project), ("q", &f.q)],
    )
}

/// Every expired-path application status (docs/api.md §13.1), in the filter's order.
pub const EXPIRED_STATUSES: [&str; 8] = [
    "started",
    "details_saved",
    "transfer_sent",
    "bank_verified",
    "form_uploaded",
    "identity_verified",
    "submitted",
    "cancelled",
];

/// Expired-path applications asked for per load (the server's maximum).
pub const EXPIRED_LIMIT: usize = 200;

/// The catalogue key naming an expired-path application status.
pub fn expired_status_key(status: &str) -> Option<&'static str> {
    Some(match status {
        "started" => "admin.expired.status.started",
        "details_saved" => "admin.expired.status.details_saved",
        "transfer_sent" => "admin.expired.status.transfer_sent",
        "bank_verified" => "admin.expired.status.bank_verified",
        "form_uploaded" => "admin.expired.status.form_uploaded",
        "identity_verified" => "admin.expired.status.identity_verified",
        "submitted" => "admin.expired.status.submitted",
        "cancelled" => "admin.expired.status.cancelled",
        _ => return None,
    })
}

/// The badge of an application status: still with the applicant (warn), handed over
/// as a renewal (ok), given up (bad).
pub fn expired_status_badge(status: &str) -> &'static str {
    match status {
        "submitted" => "badge ok",
        "cancelled" => "badge bad",
        _ => "badge warn",
    }
}

/// The catalogue key of where an applicant in this status is stuck: the step they
/// have not done yet (the server's `next_step`, in words for support).
pub fn stuck_key(status: &str) -> Option<&'static str> {
    Some(match status {
        "started" => "admin.expired.stuck.details",
        "details_saved" => "admin.expired.stuck.bank_account",
        "transfer_sent" => "admin.expired.stuck.bank_code",
        "bank_verified" => "admin.expired.stuck.form",
        "form_uploaded" => "admin.expired.stuck.identity",
        "identity_verified" => "admin.expired.stuck.submit",
        "submitted" => "admin.expired.stuck.renewal",
        "cancelled" => "admin.expired.stuck.none",
        _ => return None,
    })
}

/// The catalogue key of a verification transfer's status, and its badge class.
pub fn transfer_status(status: &str) -> (Option<&'static str>, &'static str) {
    match status {
        "sending" => (Some("admin.expired.transfer.sending"), "badge info"),
        "pending" => (Some("admin.expired.transfer.pending"), "badge warn"),
        "verified" => (Some("admin.expired.transfer.verified"), "badge ok"),
        "superseded" => (Some("admin.expired.transfer.superseded"), "badge"),
        "locked" => (Some("admin.expired.transfer.locked"), "badge bad"),
        "failed" => (Some("admin.expired.transfer.failed"), "badge bad"),
        _ => (None, "badge"),
    }
}

/// The catalogue key of an identity check's outcome, and its badge class.
pub fn identity_outcome(outcome: &str) -> (Option<&'static str>, &'static str) {
    match outcome {
        "passed" => (Some("admin.expired.identity.passed"), "badge ok"),
        "failed" => (Some("admin.expired.identity.failed"), "badge bad"),
        "checking" => (Some("admin.expired.identity.checking"), "badge info"),
        "error" => (Some("admin.expired.identity.error"), "badge warn"),
        _ => (None, "badge"),
    }
}

/// The catalogue key of an upload's kind.
pub fn upload_kind_key(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "form" => "admin.expired.upload.form",
        "id_front" => "admin.expired.upload.id_front",
        "id_back" => "admin.expired.upload.id_back",
        _ => return None,
    })
}

/// The expired-path list's filters as the user set them (empty: all).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ExpiredFilters {
    /// An application status, or empty for all.
    pub status: String,
    /// Part of a business number, mobile or subject.
    pub q: String,
}

/// `/admin/expired?…` for the filters.
pub fn expired_path(f: &ExpiredFilters) -> String {
    list_path(
        "/admin/expired",
        EXPIRED_LIMIT,
        &[("status", &f.status), ("q", &f.q)],
    )
}

/// `/admin/expired/{no}`: the application behind a renewal.
pub fn expired_detail_path(no: &str) -> String {
    format!("/admin/expired/{}", encode(no))
}

/// Whether a renewal's `application` says it came the expired way (the server marks
/// it `"path": "expired"`), so the console asks for the rest only then.
pub fn came_expired_way(application: &serde_json::Value) -> bool {
    application.get("path").and_then(|p| p.as_str()) == Some("expired")
}

/// A file size for people: `512 B`, `34.5 KiB`, `1.2 MiB`.
pub fn file_size(bytes: i64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KIB {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{:.1} MiB", b / (KIB * KIB))
    }
}

/// `/admin/audit?…`: a page of rows older than `before` (the newest when `None`).
pub fn audit_path(before: Option<i64>) -> String {
    match before {
        Some(id) => format!("/admin/audit?limit={AUDIT_PAGE}&before={id}"),
        None => format!("/admin/audit?limit={AUDIT_PAGE}"),
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

/// The words for a refused action when the code alone says too little: the catalogue
/// key, chosen by what was tried and who tried it. `None`: the code's own text.
pub fn explain(act: Act, code: Option<ErrorCode>, role: &str) -> Option<&'static str> {
    use ErrorCode as C;
    match (act, code?) {
        // A reviewer's approve is FORBIDDEN only when they already approved (the role
        // itself may approve).
        (Act::Approve, C::Forbidden) if can_review(role) => Some("admin.explain.already_approved"),
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

/// The audit row's details in one line (`key: value, …`) for the tables.
pub fn data_line(data: &serde_json::Value) -> String {
    match data {
        serde_json::Value::Null => String::new(),
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::i18n::{Lang, lookup};

    fn exists(key: &str) {
        assert!(
            lookup(Lang::Zh, key).is_some(),
            "{key} is not in the catalogue"
        );
    }

    #[test]
    fn every_key_the_mappings_give_is_in_the_catalogue() {
        for s in STATUSES {
            exists(status_key(s).expect(s));
        }
        for r in ["reviewer", "finance", "admin"] {
            exists(role_key(r).expect(r));
        }
        for t in [
            "resident_id",
            "passport",
            "hk_macao_permit",
            "taiwan_permit",
            "foreign_permanent_id",
        ] {
            exists(id_type_key(t).expect(t));
        }
        for m in ["alipay", "unionpay", "wechat", "bank_transfer"] {
            exists(method_key(m).expect(m));
        }
        for p in ["pending", "paid", "failed", "closed", "refunded"] {
            exists(payment_status(p).0.expect(p));
        }
        for s in ["pending", "done"] {
            exists(refund_status_key(s).expect(s));
        }
        for k in ["electronic", "paper"] {
            exists(invoice_kind_key(k).expect(k));
        }
        for s in ["requested", "issued"] {
            exists(invoice_status_key(s).expect(s));
        }
        for a in [
            "renewal.submitted",
            "renewal.paid",
            "renewal.cancelled",
            "renewal.expired",
            "renewal.approval_recorded",
            "renewal.approved",
            "renewal.rejected",
            "renewal.issued",
            "renewal.reissued",
            "renewal.completed",
            "renewal.bank_transfer_submitted",
            "renewal.bank_transfer_refused",
            "payment.started",
            "payment.paid",
            "payment.failed",
            "payment.closed",
            "refund.opened",
            "refund.done",
            "invoice.issued",
            "session.opened",
            "certificate.revoked",
            "staff.login",
            "staff.login_failed",
            "staff.logout",
            "staff.saved",
        ] {
            exists(action_key(a).expect(a));
        }
        for a in [
            "user:ab",
            "staff:alice",
            "gateway:sandbox",
            "system:expiry",
            "anonymous",
        ] {
            exists(actor_parts(a).0.expect(a));
        }
        let acts = [
            Act::Approve,
            Act::Reject,
            Act::Received,
            Act::Missing,
            Act::RefundDone,
            Act::InvoiceIssued,
        ];
        for act in acts {
            for code in ErrorCode::ALL.map(Some) {
                for role in ["reviewer", "finance", "admin"] {
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
    fn unknown_codes_have_no_key_so_the_raw_value_is_shown() {
        assert_eq!(status_key("frozen"), None);
        assert_eq!(method_key("cash"), None);
        assert_eq!(action_key("renewal.teleported"), None);
        assert_eq!(actor_parts("robot:x"), (None, "robot:x".to_owned()));
    }

    #[test]
    fn roles_decide_the_actions() {
        assert!(can_review("reviewer") && can_review("admin") && !can_review("finance"));
        assert!(can_finance("finance") && can_finance("admin") && !can_finance("reviewer"));
        assert!(!can_review("") && !can_finance("guest"));
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
    fn queue_path_leaves_out_empty_filters_and_encodes_the_search() {
        assert_eq!(queue_path(&Filters::default()), "/admin/renewals?limit=200");
        assert_eq!(
            queue_path(&Filters::initial()),
            "/admin/renewals?limit=200&status=in_review"
        );
        let f = Filters {
            status: String::new(),
            project: "gdyx".into(),
            q: " CN=测试 & co ".into(),
        };
        assert_eq!(
            queue_path(&f),
            "/admin/renewals?limit=200&project=gdyx&q=CN%3D%E6%B5%8B%E8%AF%95%20%26%20co"
        );
    }

    #[test]
    fn expired_path_words_are_in_the_catalogue() {
        for s in EXPIRED_STATUSES {
            exists(expired_status_key(s).expect(s));
            exists(stuck_key(s).expect(s));
        }
        for t in [
            "sending",
            "pending",
            "verified",
            "superseded",
            "locked",
            "failed",
        ] {
            exists(transfer_status(t).0.expect(t));
        }
        for o in ["passed", "failed", "checking", "error"] {
            exists(identity_outcome(o).0.expect(o));
        }
        for k in ["form", "id_front", "id_back"] {
            exists(upload_kind_key(k).expect(k));
        }
        assert_eq!(expired_status_key("frozen"), None);
        assert_eq!(transfer_status("lost"), (None, "badge"));
    }

    #[test]
    fn expired_list_and_detail_paths() {
        assert_eq!(
            expired_path(&ExpiredFilters::default()),
            "/admin/expired?limit=200"
        );
        let f = ExpiredFilters {
            status: "transfer_sent".into(),
            q: " 138 0013 ".into(),
        };
        assert_eq!(
            expired_path(&f),
            "/admin/expired?limit=200&status=transfer_sent&q=138%200013"
        );
        assert_eq!(
            expired_detail_path("0120260301/0001"),
            "/admin/expired/0120260301%2F0001"
        );
        assert!(came_expired_way(&json!({"path": "expired", "months": 12})));
        assert!(!came_expired_way(&json!({"months": 12})));
        assert!(!came_expired_way(&json!(null)));
    }

    #[test]
    fn file_sizes_for_people() {
        assert_eq!(file_size(512), "512 B");
        assert_eq!(file_size(35_328), "34.5 KiB");
        assert_eq!(file_size(5 * 1024 * 1024), "5.0 MiB");
    }

    #[test]
    fn audit_pages_go_back_by_id() {
        assert_eq!(audit_path(None), "/admin/audit?limit=50");
        assert_eq!(audit_path(Some(120)), "/admin/audit?limit=50&before=120");
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
        assert_eq!(
            explain(Act::Approve, Some(ErrorCode::Forbidden), "reviewer"),
            Some("admin.explain.already_approved")
        );
        assert_eq!(
            explain(Act::Approve, Some(ErrorCode::Forbidden), "finance"),
            Some("admin.explain.review_role")
        );
        assert_eq!(
            explain(Act::Received, Some(ErrorCode::Forbidden), "reviewer"),
            Some("admin.explain.finance_role")
        );
        assert_eq!(
            explain(Act::Reject, Some(ErrorCode::IllegalTransition), "admin"),
            Some("admin.explain.not_in_review")
        );
        assert_eq!(
            explain(
                Act::InvoiceIssued,
                Some(ErrorCode::IllegalTransition),
                "finance"
            ),
            Some("admin.explain.no_invoice")
        );
        assert_eq!(explain(Act::Approve, None, "admin"), None);
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

    #[test]
    fn small_helpers() {
        assert_eq!(short_hash("0123456789abcdef"), "0123456789ab…");
        assert_eq!(short_hash("abc"), "abc");
        assert_eq!(actor_parts("user:0123456789abcdef").1, "0123456789ab…");
        assert_eq!(
            actor_parts("staff:alice"),
            (Some("admin.actor.staff"), "alice".to_owned())
        );
        assert!(is_business_no("01202603010000012"));
        assert!(!is_business_no("alice"));
        assert_eq!(
            data_line(&json!({"from": "in_review", "approvals": 2})),
            "approvals: 2, from: in_review"
        );
        assert_eq!(data_line(&json!(null)), "");
        assert_eq!(encode("a b/é"), "a%20b%2F%C3%A9");
    }
}
