//! Texts of the order screens (查询进度, 安装证书): `(key, 中文, English)`.

/// Every order page's: the page, states, steps, invoice, rejection and refund.
pub const STRINGS: &[(&str, &str, &str)] = &[
    // The page.
    ("order.title", "续期业务", "Renewal order"),
    ("order.moving", "正在打开…", "Opening…"),
    ("order.summary", "业务信息", "Order details"),
    ("order.progress", "当前进度", "Progress"),
    ("order.business_no", "业务单号", "Business number"),
    ("order.status", "业务状态", "Status"),
    ("order.subject", "证书主题", "Certificate subject"),
    (
        "order.old_not_after",
        "原证书有效期至",
        "Current certificate valid until",
    ),
    ("order.applied_at", "申请时间", "Applied on"),
    ("order.months", "续期时间", "Renewal period"),
    ("order.months_value", "{months}个月", "{months} months"),
    ("order.operator", "经办人", "Operator"),
    ("order.fees", "费用明细", "Fees"),
    ("order.fee_item", "收费项目", "Item"),
    ("order.fee_amount", "金额", "Amount"),
    ("order.total", "合计", "Total"),
    (
        "order.auto_refresh",
        "本页会自动刷新进度。",
        "This page refreshes by itself.",
    ),
    ("order.refresh", "查询进度", "Check progress"),
    ("order.sign_out", "退出登录", "Sign out"),
    (
        "order.sign_out_failed",
        "未能退出登录，请重试。",
        "Signing out failed; please try again.",
    ),
    (
        "order.refresh_failed",
        "未能刷新进度，下面显示的是上次查询的结果。",
        "The progress could not be refreshed; what is shown is from the last check.",
    ),
    (
        "order.my_certificates",
        "返回我的证书",
        "Back to my certificates",
    ),
    (
        "order.return_to_platform",
        "返回平台",
        "Back to the platform",
    ),
    (
        "order.not_found",
        "未找到业务单号为 {no} 的续期业务。",
        "There is no renewal with business number {no}.",
    ),
    (
        "order.not_found_hint",
        "请检查业务单号。只有使用申请时的证书（或续期后的新证书）登录，才能查看该业务。",
        "Check the business number. A renewal can only be seen after signing in with the certificate it renews (or its renewed certificate).",
    ),
    (
        "order.status_unknown",
        "该业务处于本页面无法识别的状态，请刷新页面或联系客服。",
        "This renewal is in a state this page does not know. Reload the page or contact support.",
    ),
    // States.
    (
        "order.status.awaiting_payment",
        "待缴费",
        "Awaiting payment",
    ),
    (
        "order.status.awaiting_reconciliation",
        "对公转账待确认到账",
        "Bank transfer awaiting confirmation",
    ),
    ("order.status.in_review", "审核中", "Under review"),
    (
        "order.status.approved",
        "审核通过，待安装证书",
        "Approved, certificate to be installed",
    ),
    (
        "order.status.issued",
        "新证书已签发，待安装",
        "New certificate issued, to be installed",
    ),
    ("order.status.completed", "已完成", "Completed"),
    ("order.status.cancelled", "已撤销", "Cancelled"),
    ("order.status.rejected", "审核未通过", "Rejected"),
    (
        "order.status.expired",
        "已过期（未缴费）",
        "Expired (not paid)",
    ),
    // The stepper.
    ("order.stage.apply", "用户申请", "Application"),
    ("order.stage.pay", "用户缴费", "Payment"),
    ("order.stage.review", "管理员审核", "Review"),
    ("order.stage.install", "安装新证书", "Installation"),
    ("order.stage.done", "完成", "Done"),
    ("order.step.done", "（已完成）", "(done)"),
    ("order.step.current", "（当前步骤）", "(current step)"),
    ("order.step.todo", "（未开始）", "(not started)"),
    (
        "order.step.failed",
        "（未完成，业务已关闭）",
        "(not completed, the renewal is closed)",
    ),
    // Invoice.
    ("order.invoice", "发票", "Invoice"),
    ("order.invoice.kind", "发票类型", "Invoice type"),
    ("order.invoice.electronic", "电子发票", "Electronic invoice"),
    ("order.invoice.paper", "纸质发票", "Paper invoice"),
    ("order.invoice.title", "发票抬头", "Invoice title"),
    ("order.invoice.taxpayer_id", "纳税人识别号", "Taxpayer ID"),
    ("order.invoice.status", "开票状态", "Invoice status"),
    ("order.invoice.requested", "待开具", "To be issued"),
    (
        "order.invoice.issued_electronic",
        "已开具，已通过短信和邮件发送给经办人",
        "Issued, sent to the operator by SMS and e-mail",
    ),
    (
        "order.invoice.issued_paper",
        "已开具，将邮寄至收件地址",
        "Issued, posted to the recipient's address",
    ),
    // Rejection and refund.
    (
        "order.rejection_reason",
        "驳回原因：",
        "Reason for rejection:",
    ),
    ("order.refund.pending", "退款中", "Refund under way"),
    ("order.refund.done", "已退款", "Refunded"),
    (
        "order.refund.amount",
        "退款金额 {amount}",
        "Amount {amount}",
    ),
    (
        "order.refund.pending_hint",
        "款项将原路退回，到账时间以支付渠道为准。",
        "The money goes back the way it was paid; when it arrives depends on the payment service.",
    ),
    (
        "order.refund.done_hint",
        "款项已原路退回。",
        "The money was sent back the way it was paid.",
    ),
];

/// The overview's (`/renewals/{no}`): the timeline, the payments, under review, done,
/// closed.
pub const PROGRESS: &[(&str, &str, &str)] = &[
    // The timeline.
    ("order.timeline", "办理记录", "History"),
    ("order.by", "（{who}）", " ({who})"),
    ("order.by.user", "您", "you"),
    ("order.by.staff", "CA 工作人员", "CA staff"),
    ("order.by.gateway", "支付渠道", "payment service"),
    ("order.by.system", "系统", "system"),
    ("order.tl.submitted", "提交续期申请", "Renewal applied for"),
    ("order.tl.paid", "缴费成功", "Paid"),
    (
        "order.tl.bank_transfer_submitted",
        "提交对公转账信息，等待财务确认到账",
        "Bank transfer declared, awaiting confirmation",
    ),
    (
        "order.tl.bank_transfer_refused",
        "财务未查到对公转账款项，请重新缴费",
        "The bank transfer was not received; please pay again",
    ),
    ("order.tl.cancelled", "撤销申请", "Application cancelled"),
    (
        "order.tl.expired",
        "超过缴费期限，业务自动关闭",
        "Not paid in time; the renewal was closed",
    ),
    (
        "order.tl.approval_recorded",
        "审核人员同意",
        "A reviewer approved",
    ),
    ("order.tl.approved", "审核通过", "Approved"),
    ("order.tl.rejected", "审核未通过", "Rejected"),
    ("order.tl.issued", "新证书已签发", "New certificate issued"),
    (
        "order.tl.reissued",
        "新证书已重新签发",
        "New certificate issued again",
    ),
    (
        "order.tl.completed",
        "新证书安装完成",
        "New certificate installed",
    ),
    ("order.tl.payment_started", "发起支付", "Payment started"),
    ("order.tl.payment_paid", "支付成功", "Payment received"),
    (
        "order.tl.payment_failed",
        "支付未完成",
        "Payment not completed",
    ),
    ("order.tl.refund_opened", "发起退款", "Refund started"),
    ("order.tl.refund_done", "退款完成", "Refund completed"),
    ("order.tl.invoice_issued", "发票已开具", "Invoice issued"),
    // Payment attempts.
    ("order.payments", "支付记录", "Payments"),
    ("order.payment.no", "支付单号", "Payment number"),
    ("order.payment.method", "支付方式", "Method"),
    ("order.payment.amount", "金额", "Amount"),
    ("order.payment.status", "状态", "Status"),
    ("order.payment.created", "发起时间", "Started"),
    ("order.payment.paid_at", "支付时间", "Paid"),
    ("order.payment.pending", "待支付", "Pending"),
    ("order.payment.paid", "已支付", "Paid"),
    ("order.payment.failed", "支付失败", "Failed"),
    ("order.payment.closed", "已关闭", "Closed"),
    ("order.payment.refunded", "已退款", "Refunded"),
    ("order.method.alipay", "支付宝", "Alipay"),
    ("order.method.unionpay", "银联", "UnionPay"),
    ("order.method.wechat", "微信支付", "WeChat Pay"),
    ("order.method.bank_transfer", "对公转账", "Bank transfer"),
    // Under review.
    ("order.review.title", "等待审核", "Under review"),
    (
        "order.review.text",
        "缴费成功。管理员审核时间约为 1~3 个工作日，请耐心等待；审核通过后会以短信和邮件通知经办人，届时请回到本页安装证书。",
        "Payment received. The CA's review takes about 1–3 working days; the operator is told by SMS and e-mail when it is approved. Then come back to this page to install the certificate.",
    ),
    (
        "order.review.approvals",
        "已有 {n} 位审核人员同意。",
        "{n} reviewer(s) approved so far.",
    ),
    // Done.
    ("order.done.title", "证书续期完成", "Certificate renewed"),
    (
        "order.done.text",
        "新证书已安装到您的 USB Key，原证书已从 USB Key 中删除。",
        "The new certificate is on your USB key; the old one was removed from it.",
    ),
    (
        "order.done.new_not_after",
        "新证书有效期至",
        "The new certificate is valid until",
    ),
    (
        "order.done.pin_unchanged",
        "证书密码（PIN 码）没有改变，请继续使用原来的 PIN 码。",
        "The PIN is unchanged: keep using your current PIN.",
    ),
    (
        "order.done.invoice_electronic_pending",
        "电子发票将在 1~2 个工作日内通过短信和邮件发送给经办人。",
        "The electronic invoice will be sent to the operator by SMS and e-mail within 1–2 working days.",
    ),
    (
        "order.done.invoice_electronic_issued",
        "电子发票已通过短信和邮件发送给经办人。",
        "The electronic invoice was sent to the operator by SMS and e-mail.",
    ),
    (
        "order.done.invoice_paper_pending",
        "纸质发票开具后将在 5 个工作日内寄往收件地址。",
        "The paper invoice will be posted to the recipient's address within 5 working days of being issued.",
    ),
    (
        "order.done.invoice_paper_issued",
        "纸质发票已开具，将寄往收件地址。",
        "The paper invoice was issued and is being posted to the recipient's address.",
    ),
    // Closed.
    ("order.closed.title", "业务已关闭", "This renewal is closed"),
    (
        "order.closed.cancelled",
        "该续期申请已撤销。如需续期，请回到我的证书重新申请。",
        "This application was cancelled. To renew, apply again from my certificates.",
    ),
    (
        "order.closed.expired",
        "超过缴费期限仍未缴费，该申请已自动关闭。如需续期，请回到我的证书重新申请。",
        "It was not paid in time and was closed. To renew, apply again from my certificates.",
    ),
    (
        "order.closed.rejected",
        "您的续期申请未通过审核，已缴费用将原路退回。请根据驳回原因修改后，回到我的证书重新申请。",
        "Your application was not approved; the money paid is refunded. Correct what the reason names, then apply again from my certificates.",
    ),
];

/// Signing in to see the order (the overview, `/renewals/{no}`, only).
pub const SIGN_IN: &[(&str, &str, &str)] = &[
    // Signing in.
    (
        "order.signin.title",
        "请使用证书登录",
        "Sign in with your certificate",
    ),
    (
        "order.signin.text",
        "为保护您的业务信息，查看进度前请使用该业务的证书登录。点击登录后，请在弹出的窗口中输入证书密码（PIN 码）。",
        "To protect your order, sign in with its certificate first. After clicking, type the certificate's PIN in the window that opens.",
    ),
    (
        "order.signin.button",
        "使用证书登录",
        "Sign in with the certificate",
    ),
    ("order.signin.running", "正在登录…", "Signing in…"),
    (
        "order.signin.cancelled",
        "您取消了登录。准备好后请再次点击“使用证书登录”。",
        "You cancelled. Click “Sign in with the certificate” when ready.",
    ),
    (
        "order.signin.other",
        "选择其他证书",
        "Choose another certificate",
    ),
    (
        "order.signin.choose_first",
        "请先插入 USB Key，在“我的证书”中选择该业务的证书，然后回到本页。",
        "Insert your USB key and choose this order's certificate in my certificates first, then come back.",
    ),
    (
        "order.signin.expired_path",
        "过期证书续期的业务单？",
        "An order of an expired certificate?",
    ),
    (
        "order.signin.expired_link",
        "用短信验证码登录",
        "Sign in with an SMS code",
    ),
];

/// 安装证书 (`/renewals/{no}/install` only).
pub const INSTALL: &[(&str, &str, &str)] = &[
    // 安装证书.
    ("install.title", "安装证书", "Install the certificate"),
    (
        "install.intro_approved",
        "审核已通过。点击“安装证书”，将在您的 USB Key 中生成新密钥，签发并写入新证书。",
        "Approved. Click “Install the certificate”: a new key is made on your USB key, and the new certificate is issued and written beside it.",
    ),
    (
        "install.intro_resume",
        "新证书尚未安装完成。请点击“继续安装”，将从中断处继续。",
        "The new certificate is not installed yet. Click “Continue installing” to go on from where it stopped.",
    ),
    (
        "install.keep_inserted",
        "安装过程中请勿拔出 USB Key，也不要关闭或刷新本页面。",
        "Keep the USB key inserted and do not close or reload this page while installing.",
    ),
    (
        "install.pin_prompt",
        "安装时会弹出窗口要求输入证书密码（PIN 码），PIN 码不会改变。",
        "A window will ask for the certificate's PIN; the PIN does not change.",
    ),
    ("install.progress", "安装进度", "Install progress"),
    ("install.start", "安装证书", "Install the certificate"),
    ("install.continue", "继续安装", "Continue installing"),
    ("install.running", "正在安装…", "Installing…"),
    (
        "install.step.idle",
        "共 4 步：查找 USB Key、生成新密钥并签发证书、写入证书、确认安装。",
        "4 steps: find the USB key, make the new key and issue the certificate, write the certificate, confirm.",
    ),
    (
        "install.step.find_token",
        "第 1/4 步：正在查找 USB Key…",
        "Step 1 of 4: finding the USB key…",
    ),
    (
        "install.step.generate",
        "第 2/4 步：正在 USB Key 中生成新密钥并签发新证书，请在弹出的窗口中输入 PIN 码…",
        "Step 2 of 4: making the new key on the USB key and issuing the certificate; type the PIN in the window that opens…",
    ),
    (
        "install.step.install",
        "第 3/4 步：正在将新证书写入 USB Key，请勿拔出…",
        "Step 3 of 4: writing the new certificate to the USB key; do not remove it…",
    ),
    (
        "install.step.confirm",
        "第 4/4 步：正在确认安装…",
        "Step 4 of 4: confirming the installation…",
    ),
    (
        "install.step.stopped",
        "安装在第 {n}/4 步停止，尚未完成。",
        "The install stopped at step {n} of 4 and is not finished.",
    ),
    ("install.step.finished", "安装完成。", "Installed."),
    (
        "install.cancelled",
        "您取消了 PIN 码输入，新证书尚未安装。准备好后请点击“继续安装”。",
        "You cancelled the PIN entry; the new certificate is not installed yet. Click “Continue installing” when ready.",
    ),
    (
        "install.insert_key",
        "请插入存有该证书的 USB Key，然后点击“继续安装”。",
        "Insert the USB key holding this certificate, then click “Continue installing”.",
    ),
    (
        "install.retry_hint",
        "点击“继续安装”将从中断处继续，不会重复生成密钥。",
        "“Continue installing” resumes where it stopped; no second key is made.",
    ),
];
