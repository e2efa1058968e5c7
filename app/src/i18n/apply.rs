//! Texts of the apply screens: `(key, 中文, English)`. The words follow the CA's
//! manuals (续期申请表, 经办人, 收件人, 电子认证服务协议).

pub const STRINGS: &[(&str, &str, &str)] = &[
    ("apply.title", "申请续期", "Apply for renewal"),
    ("apply.steps", "办理进度", "Progress"),
    ("apply.step.apply", "用户申请", "Application"),
    ("apply.step.pay", "用户缴费", "Payment"),
    ("apply.step.review", "管理员审核", "Review"),
    ("apply.step.install", "安装新证书", "Install"),
    ("apply.step.done", "完成", "Done"),
    (
        "apply.no_certificate",
        "请先在“我的证书”中插入 USB Key 并选择要续期的证书。",
        "First choose the certificate to renew in “My certificates” (insert the USB key).",
    ),
    (
        "apply.back_to_certificates",
        "返回我的证书",
        "Back to my certificates",
    ),
    // Signing in.
    (
        "apply.sign_in.title",
        "使用证书登录",
        "Sign in with the certificate",
    ),
    (
        "apply.sign_in.why",
        "续期前需要使用该证书登录，以确认证书可以续期，并查询是否已有办理中的业务。",
        "Before renewing, sign in with this certificate: the CA checks that it can be renewed and whether a renewal is already under way.",
    ),
    (
        "apply.sign_in.pin",
        "点击后，证书助手会弹出窗口，请在该窗口中输入 USB Key 的 PIN 码（本页面不会接触您的 PIN 码）。",
        "The certrenew extension then opens its own window: type the USB key's PIN there (this page never sees your PIN).",
    ),
    (
        "apply.sign_in.button",
        "使用证书登录",
        "Sign in with the certificate",
    ),
    ("apply.sign_in.busy", "正在签名…", "Signing…"),
    (
        "apply.sign_in.cancelled",
        "您已取消登录。需要续期时请再次点击“使用证书登录”。",
        "You cancelled the sign-in. Click “Sign in with the certificate” again when ready.",
    ),
    (
        "apply.pin_prompt",
        "请在弹出的窗口中输入 PIN 码。",
        "Enter the PIN in the window that opened.",
    ),
    (
        "apply.standing.too_early",
        "该证书 {not_after} 到期，到期前 {days} 天内才可网上续期（{opens} 起可以申请）。",
        "This certificate expires on {not_after}; it can be renewed online from {opens} (it has {days} days left).",
    ),
    (
        "apply.standing.expired",
        "该证书已于 {not_after} 过期，不能用它签名申请，请办理过期证书续期。",
        "This certificate expired on {not_after} and can no longer sign an application: renew it the expired-certificate way.",
    ),
    (
        "apply.standing.expired_link",
        "办理过期证书续期",
        "Renew the expired certificate",
    ),
    (
        "apply.standing.revoked",
        "该证书已吊销，不能续期。如有疑问请联系客服。",
        "This certificate is revoked and cannot be renewed. Contact support if this is unexpected.",
    ),
    (
        "apply.standing.unknown_issuer",
        "该证书不是本 CA 签发的，不能在此续期。",
        "This certificate was not issued by this CA and cannot be renewed here.",
    ),
    // The certificate.
    ("apply.cert.title", "续期证书", "Certificate to renew"),
    ("apply.cert.subject", "证书主题", "Certificate subject"),
    ("apply.cert.not_after", "有效期至", "Valid until"),
    ("apply.cert.token", "USB Key", "USB key"),
    (
        "apply.cert.encryption_not_after",
        "加密证书有效期至",
        "Encryption certificate valid until",
    ),
    (
        "apply.agreement.version",
        "协议版本：{version}",
        "Agreement version: {version}",
    ),
    // Period and fee.
    ("apply.period.title", "续期时间及费用", "Period and fee"),
    (
        "apply.period.hint",
        "续期时间不同对应不同的收费。新证书有效期从原证书到期日起延长。",
        "Each period has its own fee. The new certificate's validity runs on from the old one's expiry.",
    ),
    ("apply.fee.name", "费用名称", "Fee"),
    ("apply.fee.period", "续期时间", "Period"),
    ("apply.fee.amount", "金额", "Amount"),
    (
        "apply.operator.hint",
        "手机号码和邮箱必须无误，否则接收不到审核、安装等通知。",
        "The mobile and e-mail must be right, or the review and installation notices will not reach you.",
    ),
    (
        "apply.mobile.hint",
        "中国大陆手机号码，11 位。",
        "A mainland China mobile number, 11 digits.",
    ),
    (
        "apply.email.hint",
        "例如 zhangsan@example.com",
        "For example zhangsan@example.com",
    ),
    (
        "apply.recipient.hint",
        "用于收取纸质发票快递，请详细填写日常通信地址。",
        "Where a paper invoice is posted: give your everyday postal address in full.",
    ),
    (
        "apply.rcpt_address.hint",
        "省、市、区及详细地址，5~200 个字。",
        "Province, city, district and street, 5 to 200 characters.",
    ),
    // Submitting.
    ("apply.submit.button", "提交申请", "Submit the application"),
    (
        "apply.submit.cancelled",
        "您已取消签名，申请未提交。填写的信息已保留，确认无误后可再次提交。",
        "You cancelled the signature, so nothing was sent. Everything you typed is kept; submit again when ready.",
    ),
    (
        "apply.submit.open",
        "该证书已有办理中的续期业务，不能重复申请。",
        "This certificate already has a renewal under way; it cannot be applied for twice.",
    ),
    (
        "apply.submit.open_link",
        "查看业务单 {no}",
        "Open renewal {no}",
    ),
    (
        "apply.confirm.title",
        "请确认申请信息",
        "Check the application",
    ),
    (
        "apply.confirm.sign_hint",
        "提交时需要用证书对申请签名：请在弹出的窗口中输入 USB Key 的 PIN 码。",
        "Submitting signs the application with the certificate: type the USB key's PIN in the window that opens.",
    ),
    ("apply.confirm.submit", "签名并提交", "Sign and submit"),
    ("apply.confirm.signing", "正在签名…", "Signing…"),
    (
        "apply.confirm.sending",
        "正在提交申请…",
        "Sending the application…",
    ),
    ("apply.confirm.sending_button", "正在提交…", "Sending…"),
    ("apply.confirm.progress", "提交进度", "Progress"),
    ("apply.confirm.back", "返回修改", "Back to the form"),
];

/// The form's controls and rules that the expired path's details step shows too
/// (`/expired/{no}/details` links these, not the rest of `/apply`'s texts; issue 16).
pub const FORM: &[(&str, &str, &str)] = &[
    // The agreement.
    (
        "apply.agreement.title",
        "电子认证服务协议",
        "Electronic certification service agreement",
    ),
    (
        "apply.agreement.accept",
        "我已阅读并接受电子认证服务协议内容",
        "I have read and accept the electronic certification service agreement",
    ),
    ("apply.period.label", "续期时间", "Renewal period"),
    ("apply.months_n", "{n}个月", "{n} months"),
    // The operator.
    ("apply.operator.title", "经办人信息", "Operator (经办人)"),
    (
        "apply.id_type.label",
        "经办人证件类型",
        "Operator's ID document",
    ),
    (
        "apply.id_type.resident_id",
        "居民身份证",
        "Resident identity card",
    ),
    ("apply.id_type.passport", "护照", "Passport"),
    (
        "apply.id_type.hk_macao_permit",
        "港澳居民来往内地通行证",
        "Mainland travel permit for Hong Kong and Macao residents",
    ),
    (
        "apply.id_type.taiwan_permit",
        "台湾居民来往大陆通行证",
        "Mainland travel permit for Taiwan residents",
    ),
    (
        "apply.id_type.foreign_permanent_id",
        "外国人永久居留身份证",
        "Foreign permanent resident ID card",
    ),
    (
        "apply.id_number.hint",
        "必须填写真实有效的证件号码；居民身份证为 18 位，最后一位可能是 X。",
        "Give a real, valid number; a resident ID has 18 characters, the last may be X.",
    ),
    // The recipient.
    ("apply.recipient.title", "收件人信息", "Recipient (收件人)"),
    (
        "apply.recipient.copy",
        "同经办人（从经办人处拷贝姓名和手机）",
        "Same as the operator (copy name and mobile)",
    ),
    ("apply.rcpt_name.label", "收件人姓名", "Recipient's name"),
    (
        "apply.rcpt_mobile.label",
        "收件人手机",
        "Recipient's mobile",
    ),
    // Rules (`apply.rule.<rule>`), from protocol::application and its validators.
    (
        "apply.rule.agreement.not_accepted",
        "请阅读并勾选接受电子认证服务协议",
        "Read and accept the agreement to continue",
    ),
    (
        "apply.rule.agreement.not_current",
        "协议已更新，请刷新页面后阅读并接受最新版本",
        "The agreement has changed: reload the page and accept the current version",
    ),
    (
        "apply.rule.months.not_offered",
        "请选择提供的续期时间",
        "Choose one of the periods on offer",
    ),
    (
        "apply.rule.id_number.wrong_length",
        "居民身份证号码应为 18 位",
        "A resident ID number has 18 characters",
    ),
    (
        "apply.rule.id_number.not_digits",
        "身份证号码只能是数字，最后一位可以是 X",
        "A resident ID number is digits, the last may be X",
    ),
    (
        "apply.rule.id_number.bad_region",
        "身份证号码前两位不是有效的省份代码",
        "The first two digits are not a province code",
    ),
    (
        "apply.rule.id_number.bad_birth_date",
        "身份证号码中的出生日期（第 7~14 位）不正确",
        "Digits 7 to 14 are not a real birth date",
    ),
    (
        "apply.rule.id_number.bad_check_character",
        "身份证号码校验位不正确，请检查是否输错",
        "The check character does not match: check the number for a typing mistake",
    ),
    (
        "apply.rule.passport.format",
        "护照号码应为 5~20 位字母或数字",
        "A passport number is 5 to 20 letters and digits",
    ),
    (
        "apply.rule.hk_macao_permit.format",
        "港澳通行证号码应为 H 或 M 加 8 或 10 位数字",
        "A Hong Kong and Macao permit number is H or M and 8 or 10 digits",
    ),
    (
        "apply.rule.taiwan_permit.format",
        "台湾通行证号码应为 8 或 10 位数字",
        "A Taiwan permit number is 8 or 10 digits",
    ),
    (
        "apply.rule.foreign_permanent_id.format",
        "外国人永久居留身份证号码应为 15 或 18 位字母或数字",
        "A foreign permanent residence ID is 15 or 18 letters and digits",
    ),
    (
        "apply.rule.person_name.empty",
        "请填写姓名",
        "Enter the name",
    ),
    (
        "apply.rule.person_name.too_long",
        "姓名不能超过 50 个字",
        "A name has at most 50 characters",
    ),
    (
        "apply.rule.person_name.control_character",
        "姓名中不能有制表符或换行",
        "A name cannot contain tabs or line breaks",
    ),
    (
        "apply.rule.mobile.empty",
        "请填写手机号码",
        "Enter the mobile number",
    ),
    (
        "apply.rule.mobile.not_mainland",
        "请填写中国大陆手机号码（+86）",
        "Give a mainland China mobile number (+86)",
    ),
    (
        "apply.rule.mobile.not_digits",
        "手机号码只能包含数字、空格和短横线",
        "A mobile number has only digits, spaces and dashes",
    ),
    (
        "apply.rule.mobile.wrong_length",
        "手机号码应为 11 位数字",
        "A mobile number has 11 digits",
    ),
    (
        "apply.rule.mobile.bad_prefix",
        "手机号码应以 13~19 开头",
        "A mobile number starts with 13 to 19",
    ),
    (
        "apply.rule.email.empty",
        "请填写邮箱",
        "Enter the e-mail address",
    ),
    (
        "apply.rule.email.too_long",
        "邮箱不能超过 254 个字符",
        "An e-mail address has at most 254 characters",
    ),
    (
        "apply.rule.email.missing_at",
        "邮箱中缺少 @",
        "The e-mail address needs an @",
    ),
    (
        "apply.rule.email.multiple_at",
        "邮箱中只能有一个 @",
        "The e-mail address can have only one @",
    ),
    (
        "apply.rule.email.local_part_length",
        "邮箱 @ 前的部分应为 1~64 个字符",
        "The part before the @ must have 1 to 64 characters",
    ),
    (
        "apply.rule.email.local_part_character",
        "邮箱 @ 前只能使用字母、数字和 . _ - + 等符号",
        "The part before the @ may have only letters, digits and . _ - + and similar signs",
    ),
    (
        "apply.rule.email.local_part_dots",
        "邮箱 @ 前不能以点开头或结尾，也不能有连续的点",
        "The part before the @ cannot start or end with a dot or have two dots in a row",
    ),
    (
        "apply.rule.email.domain_without_dot",
        "邮箱 @ 后的域名应包含点，例如 example.com",
        "The domain after the @ needs a dot, e.g. example.com",
    ),
    (
        "apply.rule.email.domain_label_length",
        "邮箱域名格式不正确（有空的部分或过长）",
        "The domain has an empty or too long part",
    ),
    (
        "apply.rule.email.domain_character",
        "邮箱域名只能使用字母、数字、点和短横线",
        "The domain may have only letters, digits, dots and dashes",
    ),
    (
        "apply.rule.email.domain_label_dash",
        "邮箱域名的各部分不能以短横线开头或结尾",
        "No part of the domain may start or end with a dash",
    ),
    (
        "apply.rule.address.length",
        "地址应为 5~200 个字，请详细填写",
        "The address must be 5 to 200 characters: give it in full",
    ),
    (
        "apply.rule.return_url.not_allowed",
        "来源平台的返回地址未被允许，请从平台重新进入续期",
        "The platform's return address is not allowed: start again from the platform",
    ),
];

/// The operator's and recipient's labels and the total, which the expired path's
/// printed form and summary show too (`/expired/{no}` links these, not [`FORM`]).
pub const LABELS: &[(&str, &str, &str)] = &[
    ("apply.fee.total", "总价", "Total"),
    (
        "apply.id_number.label",
        "经办人证件号码",
        "Operator's ID number",
    ),
    ("apply.op_name.label", "经办人姓名", "Operator's name"),
    ("apply.op_mobile.label", "手机号码", "Mobile"),
    ("apply.op_email.label", "经办人邮箱", "Operator's e-mail"),
    (
        "apply.rcpt_address.label",
        "收件人地址",
        "Recipient's address",
    ),
];
