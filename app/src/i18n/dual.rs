//! Texts of a signing and encryption pair's renewal (install, progress), key recovery
//! and the staff console's pair view: `(key, 中文, English)`.

pub const STRINGS: &[(&str, &str, &str)] = &[
    // The install panel
    (
        "install.dual.host_outdated",
        "此续期需要同时安装签名证书和加密证书，当前证书助手（版本 {version}）不支持。请先在“环境检测”中更新证书助手，再点击“继续安装”。",
        "This renewal installs a signing and an encryption certificate together, which this certificate helper (version {version}) cannot do. Update the helper from the setup check, then click Continue.",
    ),
    (
        "install.dual.to_setup",
        "前往环境检测",
        "Open the setup check",
    ),
    // What a pair's renewal adds, removes and keeps (the order page)
    (
        "pair.title",
        "签名证书和加密证书一同续期",
        "The signing and encryption certificates are renewed together",
    ),
    (
        "pair.intro",
        "安装时，USB Key 中将：",
        "When installing, the USB key will:",
    ),
    ("pair.intro_done", "USB Key 中已：", "On the USB key:"),
    (
        "pair.add_signing",
        "添加新的签名证书及其密钥（在 USB Key 中生成）",
        "add the new signing certificate and its key (made on the USB key)",
    ),
    (
        "pair.add_encryption",
        "添加新的加密证书及其密钥（由 CA 密钥管理中心生成，以数字信封安全导入）",
        "add the new encryption certificate and its key (made by the CA's key management centre, imported in a digital envelope)",
    ),
    (
        "pair.remove_signing",
        "删除原签名证书及其密钥",
        "remove the old signing certificate and its key",
    ),
    (
        "pair.keep_encryption",
        "保留原加密证书及其密钥（标记为历史证书），用它加密的旧文件仍可解密",
        "keep the old encryption certificate and its key (marked as history), so files encrypted to it can still be opened",
    ),
    ("pair.added", "已添加", "Added"),
    ("pair.removed", "已删除", "Removed"),
    ("pair.kept", "已保留", "Kept"),
    ("pair.will_add", "将添加", "Will add"),
    ("pair.will_remove", "将删除", "Will remove"),
    ("pair.will_keep", "将保留", "Will keep"),
    ("pair.signing", "签名证书", "Signing certificate"),
    ("pair.encryption", "加密证书", "Encryption certificate"),
    (
        "pair.old_not_after",
        "原有效期至 {date}",
        "was valid until {date}",
    ),
    (
        "pair.new_not_after",
        "新有效期至 {date}",
        "now valid until {date}",
    ),
    // The order's timeline
    (
        "pair.tl.kmc_generated",
        "密钥管理中心生成加密密钥",
        "Encryption key made by the key management centre",
    ),
    (
        "pair.tl.kmc_escrowed",
        "加密密钥已托管",
        "Encryption key escrowed",
    ),
    (
        "pair.tl.kmc_delivered",
        "加密密钥已封装下发",
        "Encryption key sent in its digital envelope",
    ),
    (
        "pair.tl.recovery_requested",
        "申请密钥恢复",
        "Key recovery requested",
    ),
    (
        "pair.tl.recovery_approved",
        "密钥恢复已批准",
        "Key recovery approved",
    ),
    (
        "pair.tl.recovery_delivered",
        "恢复的加密密钥已导入 USB Key",
        "Recovered encryption key written to the USB key",
    ),
    // The staff's flash after asking for a recovery: here, not in `CONSOLE`, because the
    // order's timeline names its action `recovery.requested` too (pages/progress.rs).
    (
        "recovery.requested",
        "已提交密钥恢复申请。",
        "Key recovery requested.",
    ),
];

/// The staff console's pair view and key recovery (`/admin/renewals/{no}/certificate`
/// alone shows them, so the customer's bundles do not link them; issue 16).
pub const CONSOLE: &[(&str, &str, &str)] = &[
    // Staff console: the pair of a renewal
    ("admin.pair.title", "加密证书", "Encryption certificate"),
    ("admin.pair.old", "原加密证书", "Old encryption certificate"),
    ("admin.pair.new", "新加密证书", "New encryption certificate"),
    ("admin.pair.not_issued", "尚未签发", "not issued yet"),
    (
        "admin.pair.kind_dual",
        "签名 + 加密（双证书）",
        "Signing + encryption (pair)",
    ),
    ("admin.pair.kind", "证书类型", "Certificates"),
    ("admin.pair.sha256", "SHA-256 指纹", "SHA-256"),
    ("admin.pair.not_after", "有效期至", "Valid until"),
    // Staff console: key recovery
    ("recovery.title", "密钥恢复", "Key recovery"),
    (
        "recovery.intro",
        "将托管的加密私钥重新下发到客户的 USB Key（遗失或更换 USB Key 时）。需由申请人以外的两名工作人员审批。",
        "Re-deliver an escrowed encryption key to the customer's USB key (a lost or replaced key). Two staff members other than the requester must approve.",
    ),
    ("recovery.reason", "恢复原因", "Reason"),
    ("recovery.request", "申请密钥恢复", "Request key recovery"),
    ("recovery.approve", "审批通过", "Approve"),
    ("recovery.list", "密钥恢复记录", "Key recoveries"),
    (
        "recovery.none",
        "暂无密钥恢复记录。",
        "No key recovery yet.",
    ),
    ("recovery.col.id", "编号", "Id"),
    ("recovery.col.business_no", "业务单号", "Business number"),
    ("recovery.col.status", "状态", "Status"),
    ("recovery.col.reason", "原因", "Reason"),
    ("recovery.col.approvals", "审批数", "Approvals"),
    ("recovery.col.action", "操作", "Action"),
    ("recovery.status.requested", "待审批", "Awaiting approval"),
    (
        "recovery.status.approved",
        "已批准，待下发",
        "Approved, to deliver",
    ),
    (
        "recovery.reason_required",
        "请填写恢复原因。",
        "Give the reason for the recovery.",
    ),
];

/// The customer's side of a key recovery (我的证书), and the state it shows: the only
/// rows of this area `/` names, so `/` links these alone (issue 16).
pub const CUSTOMER: &[(&str, &str, &str)] = &[
    ("recovery.status.delivered", "已下发", "Delivered"),
    (
        "recovery.customer.title",
        "恢复加密密钥",
        "Recover the encryption key",
    ),
    (
        "recovery.customer.intro",
        "加密密钥遗失或更换 USB Key 后，经 CA 批准的密钥恢复可在此导入本 USB Key（需用签名证书登录，并输入 PIN 码）。",
        "After the encryption key was lost or the USB key replaced, a key recovery the CA approved is written to this USB key here (you sign in with the signing certificate and enter the PIN).",
    ),
    ("recovery.customer.check", "登录并查看", "Sign in and look"),
    (
        "recovery.customer.none",
        "没有已批准的密钥恢复。",
        "No approved key recovery.",
    ),
    (
        "recovery.customer.deliver",
        "导入 USB Key",
        "Write to the USB key",
    ),
];
