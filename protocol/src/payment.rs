//! A renewal's money, as the server stores and sends it (docs/api.md §6, §9): the
//! payment method, a payment attempt's state, the refund's and the invoice's. The
//! names are the strings in the `payments`, `refunds` and `invoices` tables.

use crate::wire_enum::wire_enum;

wire_enum! {
    /// How the customer pays (a project offers some of these).
    pub enum PaymentMethod {
        /// 支付宝.
        Alipay = "alipay",
        /// 银联.
        Unionpay = "unionpay",
        /// 微信支付.
        Wechat = "wechat",
        /// 对公转账, reconciled by finance.
        BankTransfer = "bank_transfer",
    }
}

wire_enum! {
    /// Where one payment attempt is.
    pub enum PaymentStatus {
        /// Started; the gateway (or finance, for a transfer) has not answered.
        Pending = "pending",
        /// The money arrived.
        Paid = "paid",
        /// The gateway refused, or finance found no transfer.
        Failed = "failed",
        /// Closed unpaid (cancelled, expired, or replaced by another attempt).
        Closed = "closed",
        /// Paid, then refunded.
        Refunded = "refunded",
    }
}

wire_enum! {
    /// Where a refund is.
    pub enum RefundStatus {
        /// Opened; finance has not sent the money back yet.
        Pending = "pending",
        /// The money went back.
        Done = "done",
    }
}

wire_enum! {
    /// The kind of invoice asked for.
    pub enum InvoiceKind {
        /// 电子发票.
        Electronic = "electronic",
        /// 纸质发票.
        Paper = "paper",
    }
}

wire_enum! {
    /// Where an invoice request is.
    pub enum InvoiceStatus {
        /// Asked for with the payment.
        Requested = "requested",
        /// Finance issued it.
        Issued = "issued",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire_enum::assert_wire_names;

    // The literals are the ones server/src/payments/service.rs, admin/console.rs and
    // projects.rs write; stored rows and released pages depend on them.
    #[test]
    fn wire_names_are_the_servers() {
        assert_wire_names!(
            PaymentMethod,
            [
                (PaymentMethod::Alipay, "alipay"),
                (PaymentMethod::Unionpay, "unionpay"),
                (PaymentMethod::Wechat, "wechat"),
                (PaymentMethod::BankTransfer, "bank_transfer"),
            ]
        );
        assert_wire_names!(
            PaymentStatus,
            [
                (PaymentStatus::Pending, "pending"),
                (PaymentStatus::Paid, "paid"),
                (PaymentStatus::Failed, "failed"),
                (PaymentStatus::Closed, "closed"),
                (PaymentStatus::Refunded, "refunded"),
            ]
        );
        assert_wire_names!(
            RefundStatus,
            [
                (RefundStatus::Pending, "pending"),
                (RefundStatus::Done, "done")
            ]
        );
        assert_wire_names!(
            InvoiceKind,
            [
                (InvoiceKind::Electronic, "electronic"),
                (InvoiceKind::Paper, "paper")
            ]
        );
        assert_wire_names!(
            InvoiceStatus,
            [
                (InvoiceStatus::Requested, "requested"),
                (InvoiceStatus::Issued, "issued")
            ]
        );
    }
}
