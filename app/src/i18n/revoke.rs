//! Texts of revoking a certificate in the staff console: `(key, 中文, English)`.

pub const STRINGS: &[(&str, &str, &str)] = &[
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
