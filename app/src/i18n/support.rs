//! Texts of the project's support contacts (客服), shown by the setup page and the
//! expired-certificate path: `(key, 中文, English)`.

pub const STRINGS: &[(&str, &str, &str)] = &[
    ("setup.support.title", "客服", "Support"),
    ("setup.support.phone", "客服电话", "Phone"),
    ("setup.support.email", "电子邮箱", "E-mail"),
    ("setup.support.hours", "服务时间", "Hours"),
    (
        "setup.support.none",
        "暂时无法读取客服信息，请稍后刷新。",
        "The support contacts cannot be read right now; reload later.",
    ),
    (
        "setup.support.tip",
        "联系客服时请提供上方的诊断报告。",
        "Give support the diagnostics report above.",
    ),
];
