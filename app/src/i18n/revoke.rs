//! Texts of revocation: the staff console's revoke panel and key-compromise queue, the
//! apply page's rule for the old certificate, the customer's key-compromise report:
//! `(key, 中文, English)`, one list per bundle that shows them (issue 16: a bundle links
//! only the texts it names).

/// The customer's key-compromise report (the order page).
pub const STRINGS: &[(&str, &str, &str)] = &[
    (
        "compromise.title",
        "报告私钥泄露",
        "Report a compromised key",
    ),
    (
        "compromise.intro",
        "USB Key 丢失或私钥可能已被他人使用？请报告，CA 审核后将吊销当前登录所用的证书（原因：密钥泄露）。",
        "USB key lost, or the key possibly used by someone else? Report it: after checking, the CA revokes the certificate you signed in with (reason: key compromise).",
    ),
    (
        "compromise.note",
        "情况说明（可选）",
        "What happened (optional)",
    ),
    ("compromise.submit", "报告…", "Report…"),
    ("compromise.confirm", "确认报告", "Confirm the report"),
    (
        "compromise.warning",
        "请确认：证书吊销后无法恢复，需重新申请证书。",
        "Please confirm: a revoked certificate cannot be restored; a new one must be applied for.",
    ),
    (
        "compromise.sent",
        "已提交（证书序列号 {serial}），CA 审核后将吊销该证书，客服可能与您联系核实。",
        "Reported (certificate serial {serial}). The CA revokes it after checking; support may call you to confirm.",
    ),
];

/// The apply page's rule for the old certificate.
pub const OLD_CERTIFICATE: &[(&str, &str, &str)] = &[
    (
        "apply.old_certificate.keep_valid",
        "续期完成后，原证书仍可使用至其到期日。",
        "After the renewal, the old certificate stays valid until its expiry date.",
    ),
    (
        "apply.old_certificate.revoke_superseded",
        "本平台规定：新证书安装确认后，原证书将被吊销（原因：已被取代），不能再用于签名和登录。",
        "This platform's rule: once the new certificate is installed, the old one is revoked (reason: superseded) and can no longer sign or sign in.",
    ),
];

/// The staff console's revoke panel (a renewal's page).
pub const ADMIN: &[(&str, &str, &str)] = &[
    ("admin.revoke.title", "吊销证书", "Revoke the certificate"),
    (
        "admin.revoke.intro",
        "吊销后，依赖方通过 CRL 和 OCSP 立即得知该证书已失效，且不可撤销。",
        "Once revoked, relying parties see the certificate as invalid through the CRL and OCSP at once. This cannot be undone.",
    ),
    ("admin.revoke.reason", "吊销原因", "Reason"),
    ("admin.revoke.submit", "吊销…", "Revoke…"),
    ("admin.revoke.confirm", "确认吊销", "Confirm revocation"),
    (
        "admin.revoke.warning",
        "请再次确认：吊销后证书将无法用于签名和登录。",
        "Please confirm: after revocation the certificate can no longer sign or sign in.",
    ),
    (
        "admin.revoke.done",
        "证书已吊销，CRL 已更新。",
        "The certificate is revoked; the CRL was updated.",
    ),
    (
        "admin.revoke.reason.key_compromise",
        "密钥泄露",
        "Key compromise",
    ),
    ("admin.revoke.reason.superseded", "已被取代", "Superseded"),
    (
        "admin.revoke.reason.affiliation_changed",
        "隶属关系变更",
        "Affiliation changed",
    ),
    (
        "admin.revoke.reason.cessation",
        "停止运营",
        "Cessation of operation",
    ),
    (
        "admin.revoke.reason.privilege_withdrawn",
        "权限撤销",
        "Privilege withdrawn",
    ),
    (
        "admin.revoke.reason.ca_compromise",
        "CA 密钥泄露",
        "CA compromise",
    ),
    ("admin.revoke.reason.unspecified", "未说明", "Unspecified"),
];

/// The staff console's key-compromise queue (on `/admin`, under the review queue).
pub const COMPROMISE: &[(&str, &str, &str)] = &[
    (
        "admin.compromise.title",
        "密钥泄露报告",
        "Key compromise reports",
    ),
    (
        "admin.compromise.intro",
        "客户报告的私钥泄露。核实后吊销（原因：keyCompromise），或驳回。",
        "Key compromises reported by customers. Revoke (reason keyCompromise) once checked, or dismiss.",
    ),
    ("admin.compromise.serial", "序列号", "Serial"),
    ("admin.compromise.note", "说明", "Note"),
    ("admin.compromise.reported_at", "报告时间", "Reported"),
    ("admin.compromise.action", "处理", "Action"),
    ("admin.compromise.revoke", "吊销证书", "Revoke"),
    ("admin.compromise.dismiss", "驳回", "Dismiss"),
];
