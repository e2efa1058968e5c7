//! What the installer tells the person who double-clicked it, in Chinese (the default)
//! or English, chosen by the system's display language.

use super::{InstallError, Installed};

/// The language of the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 简体中文.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The language for a Windows LANGID (`GetUserDefaultUILanguage`): Chinese when the
    /// primary language is Chinese (`LANG_CHINESE`, 0x04), English otherwise.
    pub fn from_langid(langid: u16) -> Self {
        if langid & 0x3ff == 0x04 {
            Lang::Zh
        } else {
            Lang::En
        }
    }
}

/// A message: its title and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The window title.
    pub title: String,
    /// The text.
    pub body: String,
}

/// After a successful installation: done, go back to the browser, and what was found
/// of the token drivers.
pub fn installed(lang: Lang, done: &Installed) -> Message {
    let found: Vec<String> = done
        .drivers
        .iter()
        .filter(|d| d.found.is_some())
        .map(|d| format!("{} {}", d.vendor, d.product))
        .collect();
    let (title, head, back, drivers) = match lang {
        Lang::Zh => (
            "证书续期助手",
            if done.repaired {
                "证书续期助手已修复并更新。"
            } else {
                "证书续期助手已安装完成。"
            },
            "请回到浏览器，页面会在几秒内自动发现助手，无需刷新。",
            if found.is_empty() {
                "尚未找到证书介质（USB Key）驱动：请安装证书颁发机构提供的驱动后再插入 USB Key。"
                    .to_owned()
            } else {
                format!("已找到证书介质驱动：{}。", found.join("、"))
            },
        ),
        Lang::En => (
            "certrenew helper",
            if done.repaired {
                "The certrenew helper has been repaired and updated."
            } else {
                "The certrenew helper is installed."
            },
            "Go back to the browser: the page notices the helper within a few seconds, no reload needed.",
            if found.is_empty() {
                "No token (USB key) driver was found yet: install the driver your certificate authority provides, then plug in the key."
                    .to_owned()
            } else {
                format!("Token driver found: {}.", found.join(", "))
            },
        ),
    };
    Message {
        title: title.to_owned(),
        body: format!("{head}\n\n{back}\n\n{drivers}"),
    }
}

/// After the uninstallation.
pub fn uninstalled(lang: Lang) -> Message {
    match lang {
        Lang::Zh => Message {
            title: "证书续期助手".to_owned(),
            body: "证书续期助手已卸载，它写入的文件和注册表项均已删除。".to_owned(),
        },
        Lang::En => Message {
            title: "certrenew helper".to_owned(),
            body:
                "The certrenew helper has been removed, with every file and registry key it wrote."
                    .to_owned(),
        },
    }
}

/// When installing or uninstalling failed.
pub fn failed(lang: Lang, err: &InstallError) -> Message {
    match lang {
        Lang::Zh => Message {
            title: "证书续期助手：安装未完成".to_owned(),
            body: format!(
                "安装未完成，可再次双击重试。若仍失败，请把下面的信息发给客服：\n\n{err}"
            ),
        },
        Lang::En => Message {
            title: "certrenew helper: installation not finished".to_owned(),
            body: format!(
                "The installation did not finish; double-click again to retry. If it fails again, send this to support:\n\n{err}"
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::catalogue::Probe;

    fn done(found: bool, repaired: bool) -> Installed {
        Installed {
            dir: "C:\\x".into(),
            exe: "C:\\x\\certrenew-host.exe".into(),
            repaired,
            registrations: Vec::new(),
            drivers: vec![Probe {
                id: "watchdata".into(),
                vendor: "握奇 Watchdata".into(),
                product: "WatchKey".into(),
                found: found.then(|| "C:\\Windows\\System32\\WDPKCS.dll".into()),
                looked_in: vec!["C:\\Windows\\System32\\WDPKCS.dll".into()],
                source: "s".into(),
            }],
        }
    }

    #[test]
    fn chinese_is_chosen_for_every_chinese_locale() {
        for langid in [0x0804, 0x0404, 0x0c04, 0x1004] {
            assert_eq!(Lang::from_langid(langid), Lang::Zh, "{langid:#x}");
        }
        assert_eq!(Lang::from_langid(0x0409), Lang::En);
        assert_eq!(Lang::from_langid(0x0407), Lang::En);
    }

    #[test]
    fn the_message_says_done_go_back_and_names_the_driver() {
        let m = installed(Lang::Zh, &done(true, false));
        assert!(m.body.contains("已安装完成"));
        assert!(m.body.contains("回到浏览器"));
        assert!(m.body.contains("握奇 Watchdata"));
        let m = installed(Lang::En, &done(false, true));
        assert!(m.body.contains("repaired"));
        assert!(m.body.contains("No token (USB key) driver"));
    }
}
