//! Texts of the expired-certificate path's console screens: the list (`LIST`,
//! `/admin/expired`) and what the path adds to a renewal's page (`SECTION`).

/// The list (`/admin/expired`): `(key, 中文, English)`.
pub const LIST: &[(&str, &str, &str)] = &[
    (
        "admin.expired.title",
        "过期证书申请",
        "Expired-certificate applications",
    ),
    (
        "admin.expired.intro",
        "证书过期后通过短信登录办理的续期申请，包括尚未提交的（可据此了解申请人卡在哪一步）。提交后即成为续期业务，点击业务单号查看并审核。",
        "Renewals of expired certificates started by SMS sign-in, including those not yet submitted (to see where an applicant is stuck). Once submitted they are renewals: open the business number to review.",
    ),
    ("admin.expired.status", "申请状态", "Application status"),
    ("admin.expired.all_statuses", "全部状态", "All statuses"),
    (
        "admin.expired.search",
        "搜索（业务单号、手机号或证书主题）",
        "Search (business number, mobile or subject)",
    ),
    (
        "admin.expired.search_hint",
        "例如 138 或 测试医药",
        "e.g. 138 or Test Pharma",
    ),
    (
        "admin.expired.empty",
        "没有符合条件的过期证书申请。",
        "No expired-certificate applications match.",
    ),
    ("admin.expired.count", "共 {n} 条申请", "{n} applications"),
    (
        "admin.expired.stuck",
        "当前所在步骤",
        "Where the applicant is",
    ),
    ("admin.expired.mobile", "登录手机号", "Signed-in mobile"),
    ("admin.expired.renewal_status", "续期状态", "Renewal status"),
    ("admin.expired.started_at", "开始时间", "Started"),
    // Application statuses (docs/api.md §13.1)
    ("admin.expired.status.started", "已开始", "Started"),
    (
        "admin.expired.status.details_saved",
        "已填写申请信息",
        "Details saved",
    ),
    (
        "admin.expired.status.transfer_sent",
        "已发送验证打款",
        "Verification transfer sent",
    ),
    (
        "admin.expired.status.bank_verified",
        "对公账户已验证",
        "Bank account verified",
    ),
    (
        "admin.expired.status.form_uploaded",
        "申请表已上传",
        "Form uploaded",
    ),
    (
        "admin.expired.status.identity_verified",
        "身份核验已通过",
        "Identity verified",
    ),
    ("admin.expired.status.submitted", "已提交", "Submitted"),
    ("admin.expired.status.cancelled", "已取消", "Cancelled"),
    // Where the applicant is stuck (the next step)
    (
        "admin.expired.stuck.details",
        "待填写申请信息",
        "To fill in the details",
    ),
    (
        "admin.expired.stuck.bank_account",
        "待填写对公账户",
        "To enter the bank account",
    ),
    (
        "admin.expired.stuck.bank_code",
        "待回填打款备注中的验证码",
        "To type the code from the transfer's remark",
    ),
    (
        "admin.expired.stuck.form",
        "待打印、签章并上传申请表",
        "To print, sign, stamp and upload the form",
    ),
    (
        "admin.expired.stuck.identity",
        "待身份核验（证件照片与活体检测）",
        "To verify identity (ID photos and liveness)",
    ),
    (
        "admin.expired.stuck.submit",
        "待确认提交",
        "To confirm and submit",
    ),
    (
        "admin.expired.stuck.renewal",
        "已转为续期业务（见续期状态）",
        "Now a renewal (see its status)",
    ),
    (
        "admin.expired.stuck.none",
        "无（已取消）",
        "Nothing (cancelled)",
    ),
];

/// The section on a renewal's page (`/admin/renewals/{no}`).
pub const SECTION: &[(&str, &str, &str)] = &[
    (
        "admin.expired.section",
        "过期证书续期资料",
        "Expired-certificate application",
    ),
    ("admin.expired.details", "申请信息", "Details"),
    (
        "admin.expired.no_details",
        "申请人尚未填写申请信息。",
        "The applicant has not saved the details yet.",
    ),
    ("admin.expired.org_name", "单位名称", "Organisation"),
    (
        "admin.expired.credit_code",
        "统一社会信用代码",
        "Unified social credit code",
    ),
    (
        "admin.expired.legal_name",
        "法定代表人",
        "Legal representative",
    ),
    (
        "admin.expired.legal_id",
        "法定代表人身份证号码",
        "Legal representative's ID number",
    ),
    (
        "admin.expired.legal_mobile",
        "法定代表人手机号",
        "Legal representative's mobile",
    ),
    ("admin.expired.invoice", "发票", "Invoice"),
    (
        "admin.expired.transfers",
        "对公账户验证打款",
        "Bank account verification transfers",
    ),
    (
        "admin.expired.no_transfers",
        "尚未发送验证打款。",
        "No verification transfer sent yet.",
    ),
    ("admin.expired.account_name", "账户名称", "Account name"),
    ("admin.expired.bank", "开户行", "Bank"),
    ("admin.expired.account_no", "账号", "Account number"),
    ("admin.expired.amount", "金额", "Amount"),
    ("admin.expired.tries", "错误次数", "Wrong codes"),
    ("admin.expired.sent_at", "发送时间", "Sent"),
    ("admin.expired.transfer.sending", "发送中", "Sending"),
    (
        "admin.expired.transfer.pending",
        "待验证",
        "Awaiting the code",
    ),
    ("admin.expired.transfer.verified", "已验证", "Verified"),
    (
        "admin.expired.transfer.superseded",
        "已作废（已重新发送）",
        "Superseded",
    ),
    (
        "admin.expired.transfer.locked",
        "已锁定（验证码错误次数过多）",
        "Locked (too many wrong codes)",
    ),
    (
        "admin.expired.transfer.failed",
        "发送失败",
        "Failed (the bank did not send it)",
    ),
    ("admin.expired.identity", "身份核验", "Identity checks"),
    (
        "admin.expired.no_identity",
        "尚未进行身份核验。",
        "No identity check yet.",
    ),
    ("admin.expired.identity.passed", "通过", "Passed"),
    ("admin.expired.identity.failed", "未通过", "Failed"),
    ("admin.expired.identity.checking", "核验中", "Checking"),
    (
        "admin.expired.identity.error",
        "无结果（服务异常，不计次数）",
        "No verdict (provider error, not counted)",
    ),
    ("admin.expired.uploads", "上传材料", "Uploads"),
    (
        "admin.expired.no_uploads",
        "尚未上传任何材料。",
        "Nothing uploaded yet.",
    ),
    ("admin.expired.upload.form", "申请表", "Application form"),
    (
        "admin.expired.upload.id_front",
        "身份证人像面",
        "ID card, photo side",
    ),
    (
        "admin.expired.upload.id_back",
        "身份证国徽面",
        "ID card, emblem side",
    ),
];
