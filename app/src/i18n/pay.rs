//! Texts of the pay screens: `(key, 中文, English)`. The words follow the CA's manuals
//! (立即支付, 重新支付, 撤销申请, 对公转账, 发票抬头, 纳税人识别号).

pub const STRINGS: &[(&str, &str, &str)] = &[
    ("pay.title", "缴费", "Payment"),
    ("pay.total", "应付金额：", "Amount due:"),
    (
        "pay.safe",
        "在线支付由支付渠道完成，本站不会接触您的银行卡信息。",
        "Online payments are made at the payment service; this site never sees your card details.",
    ),
    // Methods.
    ("pay.method.legend", "支付方式", "How to pay"),
    ("pay.method.alipay", "支付宝", "Alipay"),
    ("pay.method.unionpay", "银联在线支付", "UnionPay"),
    ("pay.method.wechat", "微信支付", "WeChat Pay"),
    (
        "pay.method.bank_transfer",
        "对公转账（银行转账）",
        "Bank transfer",
    ),
    (
        "pay.method.online_hint",
        "在线支付：点击“立即支付”后将跳转到支付页面，支付完成后自动返回本页。",
        "Online: “Pay now” opens the payment page, which brings you back here when done.",
    ),
    (
        "pay.method.transfer_hint",
        "对公转账：通过柜台、网银等方式转账到下方账户，再在此填写转账信息，财务确认收款后进入审核。",
        "Bank transfer: send the amount to the account below at a counter or by online banking, then enter the transfer here; review starts once finance confirms receipt.",
    ),
    // Bank transfer.
    ("pay.bt.title", "对公转账信息", "Bank transfer"),
    ("pay.bt.payee_name_label", "开户公司名称", "Account name"),
    ("pay.bt.payee_account_label", "开户账号", "Account number"),
    ("pay.bt.payee_bank_label", "开户行", "Bank"),
    (
        "pay.bt.payee_missing",
        "本平台未公布对公转账账户，请联系客服获取。",
        "This platform has not published its account for transfers; ask support for it.",
    ),
    (
        "pay.bt.remark",
        "请在转账附言中注明业务单号 {no}，以便财务核对。",
        "Put the business number {no} in the transfer's remark so finance can match it.",
    ),
    ("pay.bt.account", "付款账号", "Paying account number"),
    (
        "pay.bt.account_hint",
        "转出款项的银行账号，8~32 位数字（可含空格）。",
        "The account the money was sent from: 8 to 32 digits (spaces allowed).",
    ),
    ("pay.bt.name", "付款账户名", "Paying account name"),
    ("pay.bt.amount", "转账金额", "Amount transferred"),
    (
        "pay.bt.amount_hint",
        "请按此金额足额转账，金额不符将无法确认。",
        "Transfer exactly this amount; another amount cannot be matched.",
    ),
    ("pay.bt.date", "付款日期", "Date paid"),
    ("pay.bt.note", "备注说明", "Note"),
    // Invoice (the rest in [`INVOICE`]).
    ("pay.invoice.kind", "发票类型", "Invoice kind"),
    (
        "pay.invoice.paper_to",
        "纸质发票将邮寄给收件人：{recipient}",
        "The paper invoice is posted to: {recipient}",
    ),
    (
        "pay.invoice.required",
        "（电子发票必填）",
        " (required for an electronic invoice)",
    ),
    // Paying.
    ("pay.button.pay", "立即支付", "Pay now"),
    ("pay.button.repay", "重新支付", "Pay again"),
    ("pay.button.transfer", "提交转账信息", "Submit the transfer"),
    (
        "pay.button.connecting",
        "正在连接支付渠道…",
        "Contacting the payment service…",
    ),
    ("pay.button.sending", "正在提交…", "Sending…"),
    (
        "pay.button.redirecting",
        "正在跳转到支付页面…",
        "Opening the payment page…",
    ),
    (
        "pay.progress.online",
        "正在核实之前的支付并创建新的支付订单，请稍候。",
        "Checking earlier payments and opening a new one; please wait.",
    ),
    (
        "pay.progress.transfer",
        "正在提交转账信息，请稍候。",
        "Sending the transfer details; please wait.",
    ),
    (
        "pay.repay.warning",
        "重新支付前，系统会先向支付渠道核实并关闭之前未完成的支付；如果之前的支付其实已经成功，将不会再次扣款。",
        "Before paying again, earlier unfinished payments are checked with the payment service and closed; if one was in fact paid, you are not charged again.",
    ),
    (
        "pay.failed.online",
        "上次支付未成功（订单已关闭），请重新支付。",
        "The last payment did not go through (the order was closed). Please pay again.",
    ),
    (
        "pay.failed.transfer",
        "财务未能确认收到您的转账。请核对转账信息后重新提交，或选择在线支付。",
        "Finance could not find your transfer. Check the details and submit them again, or pay online.",
    ),
    // Cancelling.
    ("pay.cancel.button", "撤销申请", "Withdraw the application"),
    ("pay.cancel.title", "撤销申请", "Withdraw the application"),
    (
        "pay.cancel.text",
        "撤销后本次申请将关闭，证书不会续期；如需续期请重新申请。确定撤销吗？",
        "Withdrawing closes this application and the certificate is not renewed; you can apply again later. Withdraw it?",
    ),
    ("pay.cancel.confirm", "确定撤销", "Withdraw"),
    ("pay.cancel.busy", "正在撤销…", "Withdrawing…"),
    ("pay.cancel.keep", "不撤销", "Keep it"),
    // Rules (`pay.rule.<rule>`), from docs/api.md §5.3.
    (
        "pay.rule.payment.method",
        "请选择支付方式",
        "Choose how to pay",
    ),
    (
        "pay.rule.invoice.kind",
        "请选择发票类型",
        "Choose the invoice kind",
    ),
    (
        "pay.rule.invoice.title",
        "请填写发票抬头（1~100 个字）",
        "Enter the invoice title (1 to 100 characters)",
    ),
    (
        "pay.rule.credit_code.missing",
        "开具电子发票需要填写纳税人识别号",
        "An electronic invoice needs the taxpayer ID",
    ),
    (
        "pay.rule.credit_code.wrong_length",
        "纳税人识别号（统一社会信用代码）应为 18 位",
        "The unified social credit code has 18 characters",
    ),
    (
        "pay.rule.credit_code.bad_character",
        "纳税人识别号中有不允许的字符（只能是数字和大写字母，不含 I、O、S、V、Z，第 3~8 位为数字）",
        "The code has a character not allowed there (digits and capitals except I, O, S, V, Z; characters 3 to 8 are digits)",
    ),
    (
        "pay.rule.credit_code.bad_check_character",
        "纳税人识别号校验位不正确，请检查是否输错",
        "The code's check character does not match: check it for a typing mistake",
    ),
    (
        "pay.rule.bank_account.format",
        "付款账号应为 8~32 位数字",
        "The account number is 8 to 32 digits",
    ),
    (
        "pay.rule.bank_account.name",
        "请填写付款账户名（1~100 个字）",
        "Enter the account name (1 to 100 characters)",
    ),
    (
        "pay.rule.bank_transfer.missing",
        "请填写转账信息",
        "Enter the transfer's details",
    ),
    (
        "pay.rule.bank_transfer.amount",
        "转账金额必须与应付金额一致",
        "The transfer must be exactly the amount due",
    ),
    (
        "pay.rule.date.format",
        "请选择付款日期",
        "Choose the date paid",
    ),
    (
        "pay.rule.note.length",
        "备注说明不能超过 200 个字",
        "The note has at most 200 characters",
    ),
];

/// The invoice request's texts, which the expired path's form shares.
pub const INVOICE: &[(&str, &str, &str)] = &[
    ("pay.invoice.title", "发票信息", "Invoice"),
    ("pay.invoice.electronic", "电子发票", "Electronic invoice"),
    ("pay.invoice.paper", "纸质发票", "Paper invoice"),
    (
        "pay.invoice.title_label",
        "发票抬头",
        "Invoice title (发票抬头)",
    ),
    (
        "pay.invoice.title_hint",
        "一般为单位全称，已按证书中的单位名称预先填写。",
        "Usually the organisation's full name; filled in from the certificate.",
    ),
    (
        "pay.invoice.taxpayer",
        "纳税人识别号",
        "Taxpayer ID (纳税人识别号)",
    ),
    (
        "pay.invoice.taxpayer_hint",
        "18 位统一社会信用代码，例如 91350100M000100Y43。",
        "The 18-character unified social credit code, e.g. 91350100M000100Y43.",
    ),
];

/// An earlier payment found paid: said by the pay panel, and by the overview once the
/// order has moved on (`/renewals/{no}` and `/renewals/{no}/pay`).
pub const PAID: &[(&str, &str, &str)] = &[(
    "pay.already_paid",
    "已查到您之前的支付已经成功，本次没有重复扣款。",
    "An earlier payment was found to have gone through: you were not charged again.",
)];

/// An attempt under way (WeChat's code, a gateway's page left open), a declared
/// transfer, the attempts so far: `/renewals/{no}/paying` only.
pub const UNDER_WAY: &[(&str, &str, &str)] = &[
    // The latest attempt.
    (
        "pay.pending.title",
        "支付结果确认中",
        "Confirming the payment",
    ),
    (
        "pay.pending.text",
        "支付结果确认中，可能有延迟，页面会自动刷新。",
        "The payment is being confirmed; this can take a moment. The page refreshes by itself.",
    ),
    (
        "pay.pending.again",
        "如确认没有支付成功，可以重新支付；重新支付前会先关闭之前的支付，不会重复扣款。",
        "If you are sure the payment did not go through, pay again: the earlier one is closed first, so you are not charged twice.",
    ),
    (
        "pay.pending.continue",
        "返回支付页面继续支付",
        "Back to the payment page",
    ),
    // WeChat Pay's code to scan (扫码支付).
    (
        "pay.wechat.scan",
        "请使用微信“扫一扫”扫描下方二维码完成支付",
        "Scan the code below with WeChat (Scan) to pay",
    ),
    (
        "pay.wechat.qr_label",
        "微信支付二维码",
        "WeChat Pay QR code",
    ),
    (
        "pay.wechat.waiting",
        "等待支付…支付完成后本页会自动更新。",
        "Waiting for payment… this page updates itself once you have paid.",
    ),
    (
        "pay.wechat.other_device",
        "在其他设备上完成支付也可以，本页会自动确认。",
        "Paying on another device works too: this page confirms it by itself.",
    ),
    // Awaiting reconciliation.
    (
        "pay.reconcile.title",
        "已提交对公转账信息",
        "Bank transfer submitted",
    ),
    (
        "pay.reconcile.text",
        "财务确认收到款项后，您的申请将进入审核（通常需要 1~3 个工作日）。页面会自动刷新。",
        "Once finance confirms the money has arrived, the application goes to review (usually 1 to 3 working days). The page refreshes by itself.",
    ),
    // Attempts.
    ("pay.attempts.title", "支付记录（{n}）", "Payments ({n})"),
    ("pay.attempts.no", "订单编号", "Order number"),
    ("pay.attempts.method", "支付方式", "Method"),
    ("pay.attempts.amount", "金额", "Amount"),
    ("pay.attempts.status", "交易状态", "Status"),
    ("pay.attempts.created", "创建时间", "Created"),
    ("pay.attempt.pending", "未支付", "Not paid"),
    ("pay.attempt.paid", "已支付", "Paid"),
    ("pay.attempt.failed", "支付失败", "Failed"),
    ("pay.attempt.closed", "已关闭", "Closed"),
    ("pay.attempt.refunded", "已退款", "Refunded"),
];
