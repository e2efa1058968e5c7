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
    ("common.not_found_hint", "请检查地址，或返回我的证书。", "Check the address, or go back to my certificates."),
    ("common.support", "客服", "Support"),
    ("error.network", "无法连接服务器，请检查网络后重试。", "The server cannot be reached. Check the network and try again."),
    ("error.unexpected", "出现意外错误", "Something unexpected went wrong"),
];
