//! Texts shared by every screen: `(key, 中文, English)`.

pub const STRINGS: &[(&str, &str, &str)] = &[
    ("app.title", "证书续期", "Certificate renewal"),
    ("nav.certificates", "我的证书", "My certificates"),
    ("nav.setup", "环境检测", "Setup check"),
    ("nav.admin", "审核控制台", "Review console"),
    ("lang.switch", "English", "中文"),
    ("lang.switch_label", "切换语言", "Switch language"),
    ("common.loading", "正在加载…", "Loading…"),
    ("common.refresh", "刷新", "Refresh"),
    ("common.back", "返回", "Back"),
    ("common.cancel", "取消", "Cancel"),
    ("common.confirm", "确定", "Confirm"),
    ("common.close", "关闭", "Close"),
    ("common.retry", "重试", "Try again"),
    ("common.not_found", "页面不存在", "Page not found"),
    (
        "common.not_found_hint",
        "请检查地址，或返回我的证书。",
        "Check the address, or go back to my certificates.",
    ),
    ("common.support", "客服", "Support"),
    (
        "error.network",
        "无法连接服务器，请检查网络后重试。",
        "The server cannot be reached. Check the network and try again.",
    ),
    (
        "error.unexpected",
        "出现意外错误",
        "Something unexpected went wrong",
    ),
    (
        "err.NETWORK",
        "无法连接服务器，请检查网络后重试。",
        "The server cannot be reached. Check the network and try again.",
    ),
    (
        "err.BAD_REQUEST",
        "请求无效，请刷新页面后重试。",
        "The request was not valid. Reload the page and try again.",
    ),
    (
        "err.NO_MODULE",
        "未找到 USB Key 驱动，请安装 USB Key 厂商的驱动后重试。",
        "No USB key driver was found. Install the key maker's driver and try again.",
    ),
    (
        "err.TOKEN_NOT_FOUND",
        "未找到该 USB Key，请插入后刷新。",
        "That USB key is not there. Insert it and refresh.",
    ),
    (
        "err.CERT_NOT_FOUND",
        "USB Key 中未找到该证书，请刷新证书列表。",
        "The certificate is not on the USB key. Refresh the list.",
    ),
    (
        "err.KEY_NOT_FOUND",
        "USB Key 中未找到该证书的私钥。",
        "The certificate's private key is not on the USB key.",
    ),
    (
        "err.KEY_IN_USE",
        "该密钥正在使用，未删除。",
        "That key is in use and was kept.",
    ),
    (
        "err.PIN_INCORRECT",
        "PIN 码错误，请重新输入。多次错误将锁定 USB Key。",
        "Wrong PIN. Try again; too many wrong PINs lock the USB key.",
    ),
    (
        "err.PIN_INCORRECT.count_low",
        "PIN 码错误，剩余尝试次数不多，输错过多将锁定 USB Key。请确认 PIN 码后再试。",
        "Wrong PIN. Few tries are left before the USB key locks: make sure of the PIN before trying again.",
    ),
    (
        "err.PIN_INCORRECT.final_try",
        "PIN 码错误，只剩最后一次机会：再输错一次，USB Key 将被锁定。",
        "Wrong PIN. One try is left: one more wrong PIN locks the USB key.",
    ),
    (
        "err.PIN_LOCKED",
        "USB Key 的 PIN 码已锁定，请联系 CA 解锁。",
        "The USB key's PIN is locked. Contact the CA to unlock it.",
    ),
    (
        "err.PIN_INVALID",
        "PIN 码格式不正确。",
        "The PIN has the wrong format.",
    ),
    (
        "err.PIN_REQUIRED",
        "需要输入 PIN 码。",
        "The PIN is needed.",
    ),
    (
        "err.CERT_KEY_MISMATCH",
        "新证书与 USB Key 中的密钥不匹配。",
        "The new certificate does not match the key on the USB key.",
    ),
    (
        "err.MECHANISM_UNSUPPORTED",
        "该 USB Key 不支持所需的算法。",
        "The USB key does not support the algorithm needed.",
    ),
    (
        "err.TOKEN_REMOVED",
        "USB Key 已拔出，请插入后重试。",
        "The USB key was removed. Insert it and try again.",
    ),
    (
        "err.TOKEN_FULL",
        "USB Key 存储空间已满。",
        "The USB key's memory is full.",
    ),
    (
        "err.INTERNAL",
        "系统内部错误，请稍后重试或联系客服。",
        "Internal error. Try again later or contact support.",
    ),
    (
        "err.EXTENSION_UNAVAILABLE",
        "未检测到证书助手扩展，请安装或启用后刷新。",
        "The certrenew extension was not found. Install or enable it, then reload.",
    ),
    (
        "err.HOST_UNAVAILABLE",
        "未检测到证书助手程序，请安装后重试。",
        "The certrenew helper program was not found. Install it and try again.",
    ),
    (
        "err.VERSION_MISMATCH",
        "证书助手版本过旧，请更新后重试。",
        "The certrenew helper is too old. Update it and try again.",
    ),
    ("err.USER_CANCELLED", "您已取消操作。", "You cancelled."),
    (
        "err.USER_TIMEOUT",
        "等待输入 PIN 码超时，请重试。",
        "The PIN was not entered in time. Try again.",
    ),
    (
        "err.REQUEST_PENDING",
        "另一个 USB Key 操作正在进行，请先完成它。",
        "Another USB key operation is under way. Finish it first.",
    ),
    (
        "err.VALIDATION_FAILED",
        "填写的信息有误，请检查标出的项目。",
        "Some details are not right. Check the marked fields.",
    ),
    (
        "err.NOT_FOUND",
        "未找到该业务，请检查业务单号。",
        "Not found. Check the business number.",
    ),
    (
        "err.UNAUTHENTICATED",
        "请先使用证书登录。",
        "Sign in with your certificate first.",
    ),
    (
        "err.FORBIDDEN",
        "您的账号无权执行此操作。",
        "Your account may not do this.",
    ),
    (
        "err.CSRF_FAILED",
        "会话已失效，请刷新页面后重试。",
        "The session is no longer valid. Reload the page and try again.",
    ),
    (
        "err.CHALLENGE_INVALID",
        "签名已过期，请重试。",
        "The signature came too late. Try again.",
    ),
    (
        "err.SIGNATURE_INVALID",
        "签名验证失败，请重试。",
        "The signature did not verify. Try again.",
    ),
    (
        "err.UNKNOWN_ISSUER",
        "该证书不是本 CA 签发的，无法在此续期。",
        "This certificate was not issued by this CA and cannot be renewed here.",
    ),
    (
        "err.CERTIFICATE_REVOKED",
        "该证书已吊销，无法续期。",
        "This certificate is revoked and cannot be renewed.",
    ),
    (
        "err.NOT_ELIGIBLE",
        "该证书当前不能续期。",
        "This certificate cannot be renewed now.",
    ),
    (
        "err.RENEWAL_OPEN",
        "该证书已有办理中的续期业务。",
        "This certificate already has a renewal under way.",
    ),
    (
        "err.ILLEGAL_TRANSITION",
        "业务状态已变化，请刷新后查看。",
        "The renewal has moved on. Refresh to see where it stands.",
    ),
    (
        "err.PAYMENT_MISMATCH",
        "支付金额不一致，请联系客服。",
        "The amount paid differs. Contact support.",
    ),
    (
        "err.PAYMENT_GATEWAY",
        "支付渠道暂时不可用，请稍后重试或选择对公转账。",
        "The payment service is unavailable. Try later or pay by bank transfer.",
    ),
    (
        "err.RATE_LIMITED",
        "操作过于频繁，请稍后再试。",
        "Too many attempts. Wait a moment and try again.",
    ),
];
