//! Texts of the expired-certificate path's customer screens (the SZCA 网厅 manual's
//! words: 有效期外续期, 对公账户验证, 申请表, 实名认证).

/// `(key, 中文, English)`.
pub const STRINGS: &[(&str, &str, &str)] = &[
    // Sign-in
    (
        "expired.login.title",
        "短信验证码登录",
        "Sign in with an SMS code",
    ),
    (
        "expired.login.intro",
        "验证码 5 分钟内有效。请使用经办人本人的手机号。",
        "The code is valid for 5 minutes. Use the operator's own mobile number.",
    ),
    ("expired.login.mobile", "手机号", "Mobile number"),
    ("expired.login.code", "短信验证码", "Code from the SMS"),
    ("expired.login.send", "获取验证码", "Send me a code"),
    ("expired.login.resend", "重新发送", "Send again"),
    (
        "expired.login.resend_in",
        "{s} 秒后可重新发送",
        "Send again in {s} s",
    ),
    (
        "expired.login.sent",
        "验证码已发送至 {mobile}。",
        "A code was sent to {mobile}.",
    ),
    ("expired.login.submit", "登录", "Sign in"),
    // The application's page
    (
        "expired.application.title",
        "过期证书续期申请",
        "Expired-certificate renewal",
    ),
    (
        "expired.back_to_list",
        "返回过期证书续期",
        "Back to expired-certificate renewal",
    ),
    ("expired.business_no", "业务单号", "Order number"),
    ("expired.certificate", "证书", "Certificate"),
    ("expired.serial", "序列号", "Serial number"),
    ("expired.not_after", "原有效期至", "Was valid until"),
    ("expired.step.details", "填写信息", "Details"),
    ("expired.step.bank", "对公验证", "Bank check"),
    ("expired.step.form", "申请表", "Form"),
    ("expired.step.identity", "实名认证", "Identity"),
    ("expired.step.submit", "提交", "Submit"),
    ("expired.step.pay", "缴费", "Pay"),
    ("expired.step.install", "审核与安装", "Review and install"),
    (
        "expired.submitted",
        "申请已提交，请在业务单页面缴费并查看进度。",
        "The application is submitted: pay and follow it on the order page.",
    ),
    ("expired.to_order", "前往业务单", "Go to the order"),
    (
        "expired.cancelled",
        "该申请已取消。",
        "This application was cancelled.",
    ),
    ("expired.cancel", "取消申请", "Cancel the application"),
    (
        "expired.cancel.title",
        "确定取消该申请？",
        "Cancel this application?",
    ),
    (
        "expired.cancel.body",
        "取消后已填写的信息和上传的文件不再使用，需要时可重新申请。",
        "What was filled in and uploaded will no longer be used; you can apply again.",
    ),
    ("expired.cancel.keep", "不取消", "Keep it"),
    (
        "expired.cancel.confirm",
        "取消申请",
        "Cancel the application",
    ),
    // Details (the labels the printed form and summary show; the form's own are [`DETAILS`])
    ("expired.details.org_name", "单位名称", "Organisation name"),
    (
        "expired.details.org_credit",
        "统一社会信用代码",
        "Unified social credit code",
    ),
    (
        "expired.details.legal_name",
        "法定代表人姓名",
        "Legal representative's name",
    ),
    (
        "expired.details.legal_id",
        "法定代表人身份证号",
        "Legal representative's ID number",
    ),
    (
        "expired.details.legal_mobile",
        "法定代表人手机号",
        "Legal representative's mobile",
    ),
    // Bank
    (
        "expired.bank.title",
        "对公账户验证",
        "Company bank account check",
    ),
    (
        "expired.bank.intro",
        "我们将向单位基本户转账 0.01 元，附言中含 6 位验证码。请在网银或对账单中查看附言并输入验证码。",
        "We send 0.01 yuan to the company's basic account with a 6-character code in the remark. Read the remark in online banking or on the statement and type the code.",
    ),
    ("expired.bank.account_name", "户名", "Account name"),
    (
        "expired.bank.account_name_hint",
        "须与单位名称一致。",
        "Must be the organisation's name.",
    ),
    ("expired.bank.bank", "开户行", "Bank and branch"),
    ("expired.bank.account_no", "账号", "Account number"),
    (
        "expired.bank.send",
        "发送验证打款",
        "Send the check transfer",
    ),
    (
        "expired.bank.send_again",
        "更正并重新打款",
        "Correct and send again",
    ),
    (
        "expired.bank.sent",
        "已于 {time} 向 {bank} 账户 {account} 转账 {amount}。",
        "{amount} was sent to account {account} at {bank} on {time}.",
    ),
    (
        "expired.bank.status.pending",
        "请输入附言中的验证码。",
        "Type the code from the transfer's remark.",
    ),
    (
        "expired.bank.status.locked",
        "错误次数过多，该验证码已失效，请核对账户后重新打款。",
        "Too many wrong codes: this code no longer works. Check the account and send again.",
    ),
    (
        "expired.bank.status.failed",
        "转账未成功，请核对账户信息后重试。",
        "The transfer did not go through. Check the account and try again.",
    ),
    (
        "expired.bank.status.verified",
        "对公账户已验证。",
        "The account is verified.",
    ),
    (
        "expired.bank.status.other",
        "该笔转账已失效。",
        "This transfer is no longer in force.",
    ),
    ("expired.tries_left", "还可尝试 {n} 次。", "{n} tries left."),
    ("expired.bank.code", "打款验证码", "Code from the remark"),
    (
        "expired.bank.code_hint",
        "6 位字母或数字，不区分大小写。",
        "6 letters or digits; case does not matter.",
    ),
    ("expired.bank.verify", "验证", "Verify"),
    (
        "expired.bank.correct",
        "账户信息有误？更正并重新打款",
        "Wrong account? Correct it and send again",
    ),
    // Uploads (the form step's own texts are [`FORM`])
    (
        "expired.upload.hint",
        "PDF、JPG 或 PNG，不超过 5 MB；按文件内容识别类型。",
        "PDF, JPG or PNG, at most 5 MB; the type is read from the file's content.",
    ),
    ("expired.upload.sending", "正在上传…", "Uploading…"),
    ("expired.upload.kind.form", "申请表", "Application form"),
    (
        "expired.upload.kind.id_front",
        "身份证人像面",
        "ID card, photo side",
    ),
    (
        "expired.upload.kind.id_back",
        "身份证国徽面",
        "ID card, emblem side",
    ),
    // Identity
    ("expired.identity.title", "实名认证", "Identity check"),
    (
        "expired.identity.intro",
        "上传经办人身份证两面的照片，然后进行活体检测（按提示眨眼、转头）。",
        "Upload both sides of the operator's ID card, then take the liveness check (blink and turn your head as asked).",
    ),
    (
        "expired.identity.uploaded",
        "已上传：{name}",
        "Uploaded: {name}",
    ),
    (
        "expired.identity.photos_first",
        "请先上传身份证两面的照片。",
        "Upload both sides of the ID card first.",
    ),
    (
        "expired.identity.start",
        "开始活体检测",
        "Start the liveness check",
    ),
    ("expired.identity.passed", "认证通过", "Passed"),
    ("expired.identity.failed", "认证未通过：", "Not passed:"),
    // Submit
    ("expired.submit.title", "确认并提交", "Check and submit"),
    (
        "expired.submit.intro",
        "提交后进入缴费，缴费后由 CA 审核。",
        "Once submitted you pay; then the CA reviews it.",
    ),
    (
        "expired.submit.button",
        "提交申请",
        "Submit the application",
    ),
    // Rules the server names (shown next to the field or in a notice).
    (
        "expired.rule.organisation.name_mismatch",
        "单位名称与证书不一致。",
        "The organisation's name is not the certificate's.",
    ),
    (
        "expired.rule.organisation.not_in_certificate",
        "证书中没有单位名称，无法在线办理，请联系客服。",
        "The certificate names no organisation, so it cannot be renewed online; contact support.",
    ),
    (
        "expired.rule.organisation.credit_code_mismatch",
        "统一社会信用代码与证书不一致。",
        "The unified social credit code is not the certificate's.",
    ),
    (
        "expired.rule.organisation.name",
        "请填写单位名称（不超过 100 字）。",
        "Enter the organisation's name (at most 100 characters).",
    ),
    (
        "expired.rule.credit_code.wrong_length",
        "统一社会信用代码为 18 位。",
        "The unified social credit code has 18 characters.",
    ),
    (
        "expired.rule.credit_code.bad_character",
        "统一社会信用代码含有无效字符。",
        "The unified social credit code has a character it cannot have.",
    ),
    (
        "expired.rule.credit_code.bad_check_character",
        "统一社会信用代码校验位不正确，请核对。",
        "The unified social credit code's check character is wrong; check it.",
    ),
    (
        "expired.rule.credit_code.missing",
        "开具电子发票需填写纳税人识别号。",
        "An electronic invoice needs the taxpayer id.",
    ),
    (
        "expired.rule.invoice.title",
        "请填写发票抬头（不超过 100 字）。",
        "Enter the invoice title (at most 100 characters).",
    ),
    (
        "expired.rule.invoice.kind",
        "请选择发票类型。",
        "Choose the kind of invoice.",
    ),
    // `apply.rule.months.not_offered`'s words: the submit checks the period again, and
    // `/expired/{no}` does not link the application form's rules.
    (
        "expired.rule.months.not_offered",
        "请选择提供的续期时间",
        "Choose one of the periods on offer",
    ),
    (
        "expired.rule.validity.nothing_left",
        "原证书过期太久，所选期限续期后仍已过期，请选择更长的期限。",
        "The certificate expired so long ago that this period would still be over: choose more months.",
    ),
    (
        "expired.rule.serial.format",
        "序列号应为十六进制数字。",
        "The serial number is hexadecimal.",
    ),
    (
        "expired.rule.serial.unknown",
        "未找到该序列号的证书，请核对。",
        "No certificate of ours has this serial number; check it.",
    ),
    (
        "expired.rule.sms_code.format",
        "验证码为 6 位数字。",
        "The code is 6 digits.",
    ),
    (
        "expired.rule.sms_code.missing",
        "请先获取验证码。",
        "Ask for a code first.",
    ),
    (
        "expired.rule.sms_code.expired",
        "验证码已过期，请重新获取。",
        "The code has expired; ask for a new one.",
    ),
    (
        "expired.rule.sms_code.wrong",
        "验证码不正确。",
        "The code is wrong.",
    ),
    (
        "expired.rule.sms_code.too_many_tries",
        "验证码错误次数过多，请重新获取。",
        "Too many wrong codes; ask for a new one.",
    ),
    (
        "expired.rule.sms.per_mobile",
        "该手机号 1 小时内获取验证码次数过多，请稍后再试。",
        "Too many codes were sent to this number in the last hour; try again later.",
    ),
    (
        "expired.rule.sms.per_client",
        "获取验证码过于频繁，请稍后再试。",
        "Too many codes were asked for from here; try again later.",
    ),
    (
        "expired.rule.bank_account.name_mismatch",
        "户名须与单位名称一致。",
        "The account name must be the organisation's name.",
    ),
    (
        "expired.rule.bank_account.bank",
        "请填写开户行（不超过 100 字）。",
        "Enter the bank (at most 100 characters).",
    ),
    (
        "expired.rule.bank_account.format",
        "账号为 8 至 32 位数字。",
        "The account number is 8 to 32 digits.",
    ),
    (
        "expired.rule.bank_transfer.too_many",
        "该申请的验证打款次数已达上限，请联系客服。",
        "This application has had as many check transfers as allowed; contact support.",
    ),
    (
        "expired.rule.bank_code.format",
        "验证码为 6 位字母或数字。",
        "The code is 6 letters or digits.",
    ),
    (
        "expired.rule.bank_code.wrong",
        "验证码不正确，请核对附言。",
        "The code is wrong; check the remark.",
    ),
    (
        "expired.rule.bank_code.too_many_tries",
        "错误次数过多，该验证码已失效，请核对账户后重新打款。",
        "Too many wrong codes: check the account and send again.",
    ),
    (
        "expired.rule.upload.too_large",
        "文件过大，请上传不超过 5 MB 的文件。",
        "The file is too large: at most 5 MB.",
    ),
    (
        "expired.rule.upload.empty",
        "文件是空的。",
        "The file is empty.",
    ),
    (
        "expired.rule.upload.type",
        "文件内容不是 PDF、JPG 或 PNG（按文件内容识别，与文件名无关）。",
        "The file's content is not PDF, JPG or PNG (judged by its content, not its name).",
    ),
    (
        "expired.rule.upload.not_an_image",
        "身份证照片须为 JPG 或 PNG 图片。",
        "ID card photos are JPEG or PNG images.",
    ),
    (
        "expired.rule.upload.too_many",
        "上传文件数已达上限，请联系客服。",
        "As many files as allowed were uploaded; contact support.",
    ),
    (
        "expired.rule.identity.photo_missing",
        "请先上传身份证两面的照片。",
        "Upload both sides of the ID card first.",
    ),
    (
        "expired.rule.identity.too_many",
        "实名认证次数已达上限，请联系客服。",
        "As many identity checks as allowed were taken; contact support.",
    ),
    ("err.NO_FILE", "请先选择文件。", "Choose a file first."),
];

/// The `/expired` page's own texts (why this path, the certificate, the applications,
/// signing out): not linked into `/expired/{no}`, which does not show them (issue 16).
pub const LIST: &[(&str, &str, &str)] = &[
    (
        "expired.title",
        "过期证书续期",
        "Renewing an expired certificate",
    ),
    (
        "expired.why",
        "证书过期后不能再用它签名申请，因此过期证书续期需另行核验身份：短信验证码登录、单位信息与证书一致、对公账户打款验证、签字盖章的申请表、经办人实名认证。审核通过后在 USB Key 中生成新密钥并安装新证书，PIN 码不变。",
        "An expired certificate can no longer sign an application, so its renewal proves who you are another way: a code sent by SMS, the organisation matching the certificate, a check transfer to the company's basic bank account, the signed and stamped application form, and the operator's identity check. After review a new key is made on the USB key and the new certificate installed; the PIN stays the same.",
    ),
    ("expired.how", "办理步骤", "The steps"),
    (
        "expired.how.login",
        "用手机号和短信验证码登录。",
        "Sign in with your mobile number and the code sent to it.",
    ),
    (
        "expired.how.details",
        "选择证书，填写单位、法定代表人、经办人和发票信息。",
        "Choose the certificate; fill in the organisation, legal representative, operator and invoice.",
    ),
    (
        "expired.how.bank",
        "对公账户验证：填写单位基本户，输入 0.01 元打款附言中的验证码。",
        "Bank check: give the company's basic account and type the code from the remark of the 0.01 yuan sent to it.",
    ),
    (
        "expired.how.form",
        "打印申请表，签字并加盖公章，扫描后上传。",
        "Print the application form, sign and stamp it, scan and upload it.",
    ),
    (
        "expired.how.identity",
        "上传经办人身份证照片并完成活体检测。",
        "Upload the operator's ID card photos and take the liveness check.",
    ),
    (
        "expired.how.pay",
        "提交后缴费；审核通过后在业务单页面把新证书安装到 USB Key。",
        "Submit, pay, and once approved install the new certificate from the order page.",
    ),
    ("expired.login.logout", "退出登录", "Sign out"),
    // Start
    (
        "expired.start.title",
        "选择要续期的证书",
        "Choose the certificate to renew",
    ),
    (
        "expired.start.intro",
        "插入 USB Key 后读取其中的证书（无需 PIN 码），或输入证书序列号。",
        "Insert the USB key and read its certificates (no PIN needed), or type the certificate's serial number.",
    ),
    (
        "expired.start.read_token",
        "读取 USB Key 中的证书",
        "Read the certificates on the USB key",
    ),
    (
        "expired.start.no_certs",
        "USB Key 中没有证书。",
        "The USB key holds no certificate.",
    ),
    (
        "expired.start.cert_expired",
        "已于 {date} 过期",
        "expired on {date}",
    ),
    (
        "expired.start.cert_valid",
        "有效期至 {date}",
        "valid until {date}",
    ),
    (
        "expired.start.serial",
        "证书序列号",
        "Certificate serial number",
    ),
    (
        "expired.start.serial_hint",
        "十六进制，可带冒号，例如 1A:2B:3C。",
        "Hexadecimal, colons allowed, e.g. 1A:2B:3C.",
    ),
    (
        "expired.start.by_serial",
        "按序列号办理",
        "Continue with this serial number",
    ),
    (
        "expired.list.title",
        "我的过期证书申请",
        "My expired-certificate applications",
    ),
    ("expired.status.started", "待填写信息", "Details to fill in"),
    (
        "expired.status.details_saved",
        "待对公账户验证",
        "Bank check to do",
    ),
    (
        "expired.status.transfer_sent",
        "待输入打款验证码",
        "Waiting for the transfer's code",
    ),
    (
        "expired.status.bank_verified",
        "待上传申请表",
        "Form to upload",
    ),
    (
        "expired.status.form_uploaded",
        "待实名认证",
        "Identity check to do",
    ),
    (
        "expired.status.identity_verified",
        "待提交",
        "Ready to submit",
    ),
    ("expired.status.submitted", "已提交", "Submitted"),
    ("expired.status.cancelled", "已取消", "Cancelled"),
    ("expired.status.unknown", "未知状态", "Unknown state"),
];

/// The details form's own texts (`/expired/{no}/details`, a bundle of its own; issue 16).
pub const DETAILS: &[(&str, &str, &str)] = &[
    (
        "expired.details.title",
        "填写申请信息",
        "Application details",
    ),
    (
        "expired.details.intro",
        "单位名称和统一社会信用代码须与证书一致。",
        "The organisation's name and unified social credit code must match the certificate.",
    ),
    ("expired.details.organisation", "单位信息", "Organisation"),
    (
        "expired.details.organisation_hint",
        "与营业执照一致，括号全角半角均可。",
        "As on the business licence; full-width or half-width brackets alike.",
    ),
    (
        "expired.details.org_credit_hint",
        "18 位，营业执照上的代码。",
        "18 characters, as on the business licence.",
    ),
    (
        "expired.details.legal",
        "法定代表人",
        "Legal representative",
    ),
    (
        "expired.details.invoice_hint",
        "发票随缴费开具。",
        "The invoice is issued with the payment.",
    ),
    ("expired.details.save", "保存并继续", "Save and continue"),
];

/// The form step's own texts (`/expired/{no}/form`, a bundle of its own; issue 16).
pub const FORM: &[(&str, &str, &str)] = &[
    ("expired.form.print", "打印申请表", "Print the form"),
    ("expired.form.upload", "上传申请表", "Upload the form"),
    ("expired.form.months", "续期月数", "Months"),
    ("expired.form.generated", "生成时间", "Generated"),
    (
        "expired.form.title",
        "数字证书续期申请表",
        "Certificate renewal application form",
    ),
    (
        "expired.form.step_print",
        "打印下方申请表。",
        "Print the form below.",
    ),
    (
        "expired.form.step_sign",
        "经办人签字，加盖单位公章。",
        "The operator signs it; stamp it with the company seal.",
    ),
    (
        "expired.form.step_upload",
        "扫描或拍照后上传（PDF、JPG 或 PNG）。",
        "Scan or photograph it and upload it (PDF, JPG or PNG).",
    ),
    (
        "expired.form.file",
        "签字盖章后的申请表",
        "The signed and stamped form",
    ),
    // `pay.invoice.title_label`'s words: the printed form's own row, so that
    // `/expired/{no}` does not link `pay::INVOICE`.
    (
        "expired.form.invoice_title",
        "发票抬头",
        "Invoice title (发票抬头)",
    ),
];
