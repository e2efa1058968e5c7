//! Texts of the certificates screens (我的证书, a platform's entry, expired
//! certificates): `(key, 中文, English)`.

pub const STRINGS: &[(&str, &str, &str)] = &[
    // 我的证书
    ("certs.title", "我的证书", "My certificates"),
    ("certs.refresh", "刷新", "Refresh"),
    (
        "certs.refreshing",
        "正在读取 USB Key…",
        "Reading the USB keys…",
    ),
    ("certs.project", "业务平台", "Platform"),
    (
        "certs.from_platform",
        "您正在为“{platform}”办理证书续期，完成后可返回该平台。",
        "You are renewing for {platform}; you can go back to it when done.",
    ),
    (
        "certs.window",
        "网上续期仅在证书到期前 {days} 天内可以办理；已过期的证书不能在网上续期。",
        "Online renewal opens {days} days before a certificate expires; an expired certificate is renewed the expired-certificate way.",
    ),
    (
        "certs.to_setup",
        "正在转到环境检测…",
        "Going to the setup check…",
    ),
    (
        "certs.no_token.title",
        "未检测到 USB Key",
        "No USB key was found",
    ),
    (
        "certs.no_token.text",
        "请插入需要续期的 USB Key，然后点击“刷新”。若仍未显示，请换一个 USB 接口，或打开“环境检测”。",
        "Insert the USB key to renew, then click Refresh. If it still does not show, try another USB port or open the setup check.",
    ),
    (
        "certs.read_failed",
        "读取 USB Key 时出错，请确认 USB Key 已插好后点击“刷新”。",
        "Reading the USB keys failed. Check the key is inserted, then click Refresh.",
    ),
    ("certs.token", "USB Key", "USB key"),
    (
        "certs.token_empty",
        "此 USB Key 中没有证书。",
        "This USB key holds no certificate.",
    ),
    (
        "certs.pin.count_low",
        "此 USB Key 曾输入错误的 PIN 码，请确认 PIN 码后再操作；多次输错将锁定。",
        "A wrong PIN was entered on this USB key. Make sure of the PIN before going on: too many wrong tries lock it.",
    ),
    (
        "certs.pin.final_try",
        "此 USB Key 只剩最后一次 PIN 码输入机会，再输错将被锁定。请确认 PIN 码，如不确定请联系客服。",
        "This USB key has one PIN try left; one more wrong PIN locks it. Make sure of the PIN, or contact support.",
    ),
    (
        "certs.pin.locked",
        "此 USB Key 的 PIN 码已锁定，无法续期。请联系 CA 客服解锁。",
        "This USB key's PIN is locked, so it cannot be renewed. Contact the CA's support to unlock it.",
    ),
    ("certs.subject", "证书主题", "Subject"),
    ("certs.issuer", "颁发者", "Issuer"),
    ("certs.algorithm", "算法", "Algorithm"),
    ("certs.algorithm.sm2", "国密SM2", "SM2 (Chinese national)"),
    ("certs.serial", "序列号", "Serial number"),
    ("certs.validity", "有效期", "Valid"),
    ("certs.validity_value", "{from} 至 {to}", "{from} to {to}"),
    ("certs.days_left", "剩余天数", "Days left"),
    ("certs.days", "{days} 天", "{days} days"),
    (
        "certs.days_expired",
        "已过期 {days} 天",
        "expired {days} days ago",
    ),
    ("certs.usage", "用途", "Usage"),
    ("certs.usage.sign", "签名", "Signing"),
    ("certs.usage.encrypt", "加密", "Encryption"),
    ("certs.usage.both", "签名和加密", "Signing and encryption"),
    ("certs.usage.other", "其他", "Other"),
    ("certs.on_token", "所在 USB Key", "On USB key"),
    (
        "certs.unreadable",
        "CA 无法识别该证书，不能在线续期。如有疑问，请联系客服。",
        "The CA cannot read this certificate, so it cannot be renewed online. Contact support with any question.",
    ),
    (
        "certs.checking",
        "正在查询续期资格…",
        "Checking whether it can be renewed…",
    ),
    ("certs.badge.eligible", "可续期", "Renewable"),
    ("certs.badge.too_early", "未到续期时间", "Not yet"),
    ("certs.badge.expired", "已过期", "Expired"),
    ("certs.badge.unknown_issuer", "非本 CA 证书", "Other CA"),
    ("certs.badge.revoked", "已吊销", "Revoked"),
    (
        "certs.eligible",
        "证书将于 {date} 到期，现在可以申请续期。",
        "The certificate expires on {date}; you can apply for renewal now.",
    ),
    ("certs.renew", "申请续期", "Apply for renewal"),
    (
        "certs.no_key",
        "USB Key 中没有该证书的私钥，无法在线续期：续期申请需要用原证书的私钥签名。",
        "The USB key does not hold this certificate's private key, so it cannot be renewed online: the application must be signed with it.",
    ),
    (
        "certs.too_early",
        "网上续期将于 {date} 开放，届时再来办理。",
        "Online renewal opens on {date}; come back then.",
    ),
    (
        "certs.expired",
        "证书已于 {date} 过期，不能按有效期内的方式续期，请办理过期证书续期（短信验证、对公账户验证、实名认证）。",
        "The certificate expired on {date}: it is renewed the expired-certificate way (SMS code, company bank account check, identity check).",
    ),
    (
        "certs.expired.go",
        "办理过期证书续期",
        "Renew the expired certificate",
    ),
    (
        "certs.unknown_issuer",
        "该证书不是本 CA 签发的，不能在此续期。请联系签发该证书的机构。",
        "This certificate was not issued by this CA and cannot be renewed here. Contact the authority that issued it.",
    ),
    (
        "certs.revoked",
        "该证书已被吊销，不能续期。如有疑问，请联系客服。",
        "This certificate has been revoked and cannot be renewed. Contact support with any question.",
    ),
    (
        "certs.open.text",
        "该证书已有办理中的续期业务（业务单号 {no}）。",
        "This certificate has a renewal under way (business number {no}).",
    ),
    ("certs.open.go", "查询进度", "Check progress"),
    // A signing and encryption pair, and the history kept
    (
        "certs.pair.badge",
        "签名证书 + 加密证书",
        "Signing + encryption certificates",
    ),
    ("certs.pair.signing", "签名证书", "Signing certificate"),
    (
        "certs.pair.encryption",
        "加密证书",
        "Encryption certificate",
    ),
    (
        "certs.pair.signing_validity",
        "签名证书有效期",
        "Signing certificate valid",
    ),
    (
        "certs.pair.encryption_validity",
        "加密证书有效期",
        "Encryption certificate valid",
    ),
    ("certs.pair.details", "查看详情", "details"),
    ("certs.pair.sha256", "SHA-256 指纹", "SHA-256 fingerprint"),
    ("certs.history.title", "历史证书", "Kept history"),
    (
        "certs.history.text",
        "续期后保留的原加密证书及其私钥：用它加密的旧文件（如投标文件）仍可解密。",
        "Former encryption certificates kept with their keys after a renewal, so files encrypted to them (such as bid documents) can still be opened.",
    ),
    (
        "certs.history.badge",
        "历史加密证书",
        "Former encryption certificate",
    ),
    (
        "certs.history.not_renewable",
        "历史证书仅用于解密旧数据，不能续期。",
        "A history certificate only opens old data; it is not renewed.",
    ),
    // A platform's entry (/renew)
    ("entry.title", "证书续期", "Certificate renewal"),
    ("entry.notice", "须知", "Notice"),
    (
        "entry.continue",
        "我已阅读，同意并继续",
        "I have read it: continue",
    ),
    (
        "entry.unknown_project",
        "未找到平台“{id}”。请从平台重新进入续期，或联系客服。",
        "No platform “{id}” is known here. Start the renewal from your platform again, or contact support.",
    ),
    (
        "entry.no_project",
        "链接中没有指明平台。请从平台重新进入续期。",
        "The link names no platform. Start the renewal from your platform again.",
    ),
    (
        "entry.return_refused",
        "平台提供的返回地址不在该平台允许的地址内，已忽略：续期完成后不会自动返回该地址。",
        "The return address the platform gave is not one it allows, so it is ignored: you will not be sent back there after renewing.",
    ),
    (
        "entry.go_certificates",
        "前往我的证书",
        "Go to my certificates",
    ),
];
