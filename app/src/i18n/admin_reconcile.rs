//! Texts of finance's reconciliation screen (对账差异).

/// `(key, 中文, English)`.
pub const STRINGS: &[(&str, &str, &str)] = &[
    (
        "admin.reconcile.title",
        "对账差异",
        "Reconciliation differences",
    ),
    (
        "admin.reconcile.intro",
        "每天将各支付渠道前一日的对账单与本系统账务逐笔核对，列出全部差异。请核实后处理，并填写处理说明（计入审计记录）。",
        "Every day each gateway's statement of the previous day is compared with the ledger, payment by payment; every difference is listed here. Check it, act, and resolve it with a note (kept in the audit trail).",
    ),
    ("admin.reconcile.status", "状态", "Status"),
    ("admin.reconcile.open", "待处理", "Open"),
    ("admin.reconcile.resolved", "已处理", "Resolved"),
    ("admin.reconcile.all", "全部", "All"),
    ("admin.reconcile.empty", "没有对账差异。", "No differences."),
    ("admin.reconcile.count", "共 {n} 条差异", "{n} differences"),
    ("admin.reconcile.bill_date", "账单日期", "Statement day"),
    ("admin.reconcile.gateway", "支付渠道", "Gateway"),
    (
        "admin.reconcile.out_trade_no",
        "商户订单号",
        "Payment number",
    ),
    ("admin.reconcile.kind", "差异类型", "Difference"),
    (
        "admin.reconcile.gateway_amount",
        "渠道金额",
        "Gateway amount",
    ),
    ("admin.reconcile.ledger_amount", "系统金额", "Ledger amount"),
    ("admin.reconcile.resolution", "处理", "Resolution"),
    ("admin.reconcile.note", "处理说明", "Note"),
    (
        "admin.reconcile.note_hint",
        "例如：已在商户平台原路退款",
        "e.g. refunded at the gateway",
    ),
    ("admin.reconcile.resolve", "标记已处理", "Mark resolved"),
    (
        "admin.reconcile.kind.gateway_only",
        "渠道已收款，系统无记录",
        "Paid at the gateway, not recorded",
    ),
    (
        "admin.reconcile.kind.ledger_only",
        "系统有记录，渠道未收款",
        "Recorded, not paid at the gateway",
    ),
    (
        "admin.reconcile.kind.amount_mismatch",
        "金额不一致",
        "Amounts differ",
    ),
    ("admin.reconcile.kind.other", "其他差异", "Other difference"),
    (
        "admin.reconcile.gateway.wechatpay",
        "微信支付",
        "WeChat Pay",
    ),
    ("admin.reconcile.gateway.alipay", "支付宝", "Alipay"),
    ("admin.reconcile.gateway.unionpay", "银联", "UnionPay"),
    ("admin.reconcile.gateway.other", "其他渠道", "Other gateway"),
];
