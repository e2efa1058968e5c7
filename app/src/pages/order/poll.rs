//! How often the order page asks the server again: fast while something is about to
//! change (a payment under way, finance or a reviewer at work, the user just back from
//! the gateway), slowly otherwise, never once the renewal is closed.

use protocol::payment::PaymentStatus;
use protocol::renewal::RenewalStatus;

use crate::models::Renewal;

/// Fast refresh.
pub const FAST_MS: u32 = 2_000;
/// Slow refresh.
pub const SLOW_MS: u32 = 10_000;
/// How long after coming back from the gateway the page keeps refreshing fast.
pub const GATEWAY_WINDOW_MS: f64 = 120_000.0;

/// The renewal will not change any more (protocol's rule; a state this page does not
/// know is taken as still open).
pub fn is_closed(status: Option<RenewalStatus>) -> bool {
    status.is_some_and(|s| !s.is_open())
}

/// Milliseconds until the next refresh; `None` once the renewal is closed.
/// `from_gateway`: the user came back from the payment page a moment ago.
pub fn interval_ms(renewal: &Renewal, from_gateway: bool) -> Option<u32> {
    use RenewalStatus as S;
    let status = renewal.status;
    if is_closed(status) {
        return None;
    }
    let paying = status == Some(S::AwaitingPayment)
        && (from_gateway
            || renewal
                .payments
                .iter()
                .any(|p| p.status == PaymentStatus::Pending));
    let fast = paying || matches!(status, Some(S::AwaitingReconciliation | S::InReview));
    Some(if fast { FAST_MS } else { SLOW_MS })
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::payment::PaymentMethod;

    use crate::coded::Coded;
    use crate::models::Payment;

    fn renewal(status: &str, payments: &[&str]) -> Renewal {
        let value = serde_json::json!({
            "business_no": "01202603010000012", "project": "gd-med", "stage": "pay",
            "status": status, "subject": "CN=张三", "cert_sha256": "ab",
            "old_not_after": "2026-04-01T00:00:00Z", "months": 12, "fee_lines": [],
            "total_fen": 10000, "total_display": "¥100.00",
            "created_at": "2026-03-01T00:00:00Z", "updated_at": "2026-03-01T00:00:00Z"
        });
        let mut r: Renewal = serde_json::from_value(value).expect("renewal");
        r.payments = payments
            .iter()
            .map(|s| Payment {
                out_trade_no: "01202603010000012P0000000a".to_owned(),
                method: PaymentMethod::Alipay.into(),
                status: Coded::parse(*s),
                amount_fen: 10000,
                created_at: "2026-03-01T00:00:00Z".to_owned(),
                paid_at: None,
                pay_url: None,
                bank_transfer: None,
            })
            .collect();
        r
    }

    #[test]
    fn fast_while_something_is_about_to_change() {
        assert_eq!(
            interval_ms(&renewal("awaiting_payment", &["failed", "pending"]), false),
            Some(FAST_MS)
        );
        assert_eq!(
            interval_ms(&renewal("awaiting_payment", &[]), true),
            Some(FAST_MS)
        );
        assert_eq!(
            interval_ms(&renewal("awaiting_reconciliation", &["pending"]), false),
            Some(FAST_MS)
        );
        assert_eq!(
            interval_ms(&renewal("in_review", &["paid"]), false),
            Some(FAST_MS)
        );
    }

    #[test]
    fn slow_while_waiting_for_the_user() {
        assert_eq!(
            interval_ms(&renewal("awaiting_payment", &[]), false),
            Some(SLOW_MS)
        );
        assert_eq!(
            interval_ms(&renewal("awaiting_payment", &["closed"]), false),
            Some(SLOW_MS)
        );
        assert_eq!(
            interval_ms(&renewal("approved", &["paid"]), true),
            Some(SLOW_MS)
        );
        assert_eq!(
            interval_ms(&renewal("issued", &["paid"]), false),
            Some(SLOW_MS)
        );
    }

    #[test]
    fn never_once_closed() {
        for status in ["completed", "cancelled", "expired", "rejected"] {
            assert_eq!(
                interval_ms(&renewal(status, &["pending"]), true),
                None,
                "{status}"
            );
        }
    }
}
