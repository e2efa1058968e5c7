//! The catalogue keys (and badge classes) of a renewal's page only: the operator's
//! document kind, the payment method and the money's states (the console's lists
//! link [`super::labels`] alone). Typed values only; the screens show an unknown code
//! as sent.

use protocol::payment::{InvoiceKind, InvoiceStatus, PaymentMethod, PaymentStatus, RefundStatus};

/// The catalogue key of an operator's identity document kind (a code of the
/// application form, shown as sent when unknown).
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
pub fn method_key(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::Alipay => "admin.method.alipay",
        PaymentMethod::Unionpay => "admin.method.unionpay",
        PaymentMethod::Wechat => "admin.method.wechat",
        PaymentMethod::BankTransfer => "admin.method.bank_transfer",
    }
}

/// The catalogue key of a payment attempt's state, and its badge class.
pub fn payment_status(status: PaymentStatus) -> (&'static str, &'static str) {
    match status {
        PaymentStatus::Pending => ("admin.pay_status.pending", "badge warn"),
        PaymentStatus::Paid => ("admin.pay_status.paid", "badge ok"),
        PaymentStatus::Failed => ("admin.pay_status.failed", "badge bad"),
        PaymentStatus::Closed => ("admin.pay_status.closed", "badge"),
        PaymentStatus::Refunded => ("admin.pay_status.refunded", "badge info"),
    }
}

/// The catalogue key of a refund's state.
pub fn refund_status_key(status: RefundStatus) -> &'static str {
    match status {
        RefundStatus::Pending => "admin.refund_status.pending",
        RefundStatus::Done => "admin.refund_status.done",
    }
}

/// The catalogue key of an invoice kind.
pub fn invoice_kind_key(kind: InvoiceKind) -> &'static str {
    match kind {
        InvoiceKind::Electronic => "admin.invoice_kind.electronic",
        InvoiceKind::Paper => "admin.invoice_kind.paper",
    }
}

/// The catalogue key of an invoice's state.
pub fn invoice_status_key(status: InvoiceStatus) -> &'static str {
    match status {
        InvoiceStatus::Requested => "admin.invoice_status.requested",
        InvoiceStatus::Issued => "admin.invoice_status.issued",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::tests::exists;

    #[test]
    fn every_key_is_in_the_catalogue() {
        for t in [
            "resident_id",
            "passport",
            "hk_macao_permit",
            "taiwan_permit",
            "foreign_permanent_id",
        ] {
            exists(id_type_key(t).expect(t));
        }
        for m in PaymentMethod::ALL {
            exists(method_key(*m));
        }
        for p in PaymentStatus::ALL {
            exists(payment_status(*p).0);
        }
        for s in RefundStatus::ALL {
            exists(refund_status_key(*s));
        }
        for k in InvoiceKind::ALL {
            exists(invoice_kind_key(*k));
        }
        for s in InvoiceStatus::ALL {
            exists(invoice_status_key(*s));
        }
    }

    #[test]
    fn an_unknown_document_kind_has_no_key() {
        assert_eq!(id_type_key("library_card"), None);
    }
}
