//! The install guide, per operating system: the extension (Chrome and Edge, by policy
//! or the CA's update address), the helper program (one download: on Windows an exe
//! that installs itself when double-clicked, on Linux a .deb for the package manager),
//! the USB key maker's driver, the key itself.

use crate::resource::Resource;
use leptos::prelude::*;

use super::diagnostics::CommandBlock;
use crate::api;
use crate::api::downloads::Offered;
use crate::i18n::{I18n, use_i18n};

/// The user's operating system, as far as the guide cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    /// Windows (x86-64).
    Windows,
    /// macOS.
    Mac,
    /// Linux (x86-64).
    Linux,
}

impl Os {
    /// Every OS, in the order offered.
    pub const ALL: [Os; 3] = [Os::Windows, Os::Mac, Os::Linux];

    /// From `navigator.userAgent`; anything not Windows or a Mac is taken as Linux.
    pub fn from_user_agent(ua: &str) -> Os {
        if ua.contains("Windows") {
            Os::Windows
        } else if ua.contains("Macintosh") || ua.contains("Mac OS X") {
            Os::Mac
        } else {
            Os::Linux
        }
    }

    /// `data-os`.
    pub fn code(self) -> &'static str {
        match self {
            Os::Windows => "windows",
            Os::Mac => "macos",
            Os::Linux => "linux",
        }
    }

    /// The helper program's download, served by certrenew-server (scripts/build-app.sh
    /// puts them there): the self-installing exe, the Debian package.
    pub fn download(self) -> &'static str {
        match self {
            Os::Windows => "/downloads/certrenew-host-windows-x86_64.exe",
            Os::Mac => "/downloads/certrenew-host-macos",
            Os::Linux => "/downloads/certrenew-host-linux-amd64.deb",
        }
    }

    /// What to type to install the download, if anything: nothing on Windows (a
    /// double-click installs it for the user), the package manager on Linux, and on a
    /// Mac the commands that put the program in place and register it (it must not
    /// move afterwards).
    fn install_commands(self) -> Option<&'static str> {
        Some(match self {
            Os::Windows => return None,
            Os::Mac => {
                "mkdir -p ~/.local/bin\n\
                 mv ~/Downloads/certrenew-host-macos ~/.local/bin/certrenew-host\n\
                 chmod +x ~/.local/bin/certrenew-host\n\
                 xattr -c ~/.local/bin/certrenew-host\n\
                 ~/.local/bin/certrenew-host register --browser all"
            }
            Os::Linux => "sudo apt install ~/Downloads/certrenew-host-linux-amd64.deb",
        })
    }

    /// The helper's own report of what it finds (modules, keys, registrations).
    fn diagnose_command(self) -> &'static str {
        match self {
            Os::Windows => "\"%LOCALAPPDATA%\\Programs\\certrenew\\certrenew-host.exe\" diagnose",
            Os::Mac => "~/.local/bin/certrenew-host diagnose",
            Os::Linux => "certrenew-host diagnose",
        }
    }

    /// Where the helper's configuration lives and how it names a driver.
    fn module_config(self) -> &'static str {
        match self {
            Os::Windows => {
                "# %APPDATA%\\certrenew\\host.toml\n\
                 modules = ['C:\\Windows\\System32\\vendor-pkcs11.dll']"
            }
            Os::Mac => {
                "# ~/Library/Application Support/certrenew/host.toml\n\
                 modules = [\"/Library/vendor/libvendor-pkcs11.dylib\"]"
            }
            Os::Linux => {
                "# ~/.config/certrenew/host.toml\n\
                 modules = [\"/usr/lib/vendor/libvendor-pkcs11.so\"]"
            }
        }
    }
}

/// The browser policy that installs the extension from the CA's server, for an IT
/// administrator (`ExtensionInstallForcelist`, Chrome and Edge).
fn policy(os: Os, id: &str, update_url: &str) -> String {
    let entry = format!("{id};{update_url}");
    match os {
        Os::Windows => format!(
            "reg add \"HKLM\\Software\\Policies\\Google\\Chrome\\ExtensionInstallForcelist\" /v 1 /t REG_SZ /d \"{entry}\" /f\n\
             reg add \"HKLM\\SOFTWARE\\Policies\\Microsoft\\Edge\\ExtensionInstallForcelist\" /v 1 /t REG_SZ /d \"{entry}\" /f"
        ),
        Os::Mac => format!(
            "<!-- com.google.Chrome, com.microsoft.Edge -->\n\
             <key>ExtensionInstallForcelist</key>\n\
             <array><string>{entry}</string></array>"
        ),
        Os::Linux => format!(
            "sudo mkdir -p /etc/opt/chrome/policies/managed /etc/chromium/policies/managed /etc/opt/edge/policies/managed\n\
             echo '{{\"ExtensionInstallForcelist\": [\"{entry}\"]}}' | sudo tee \\\n  \
             /etc/opt/chrome/policies/managed/certrenew.json \\\n  \
             /etc/chromium/policies/managed/certrenew.json \\\n  \
             /etc/opt/edge/policies/managed/certrenew.json"
        ),
    }
}

/// The extension's id and newest version, from the CA's update manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateInfo {
    /// The extension id (`appid`).
    pub id: String,
    /// The newest published version.
    pub version: String,
}

/// Reads `appid` and the `updatecheck` version out of a gupdate manifest.
pub fn parse_update_manifest(xml: &str) -> Option<UpdateInfo> {
    let attr = |from: &str, name: &str| -> Option<String> {
        let start = from.find(&format!("{name}=\""))? + name.len() + 2;
        let len = from[start..].find('"')?;
        Some(from[start..start + len].to_owned())
    };
    let id = attr(xml, "appid")?;
    let check = &xml[xml.find("<updatecheck")?..];
    let version = attr(check, "version")?;
    let valid = id.len() == 32 && id.bytes().all(|b| (b'a'..=b'p').contains(&b));
    valid.then_some(UpdateInfo { id, version })
}

/// The published manifest, or `None` when it cannot be fetched or the answer is not 2xx.
async fn fetch_update_info() -> Option<UpdateInfo> {
    parse_update_manifest(&crate::api::get_text_at(UPDATE_PATH).await.ok()?)
}

const UPDATE_PATH: &str = "/extension/updates.xml";

/// The page's origin (`https://renew.ca.example.com`).
pub fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// `navigator.userAgent`, or empty.
pub fn user_agent() -> String {
    web_sys::window()
        .and_then(|w| w.navigator().user_agent().ok())
        .unwrap_or_default()
}

/// One OS's entry of the download list: the link with its size and checksum when the
/// CA offers the program, a plain "not offered" otherwise (never a link to a 404); the
/// link alone while the list is loading or could not be read.
fn download_entry(
    i18n: I18n,
    os: RwSignal<Os>,
    o: Os,
    offered: Option<Option<Offered>>,
) -> AnyView {
    let class = move || if os.get() == o { "btn primary" } else { "btn" };
    let link = move || {
        view! {
            <a data-os=o.code() href=o.download() download="" class=class>
                {i18n.text("setup.host.download")}
                " · "
                {move || os_name(i18n, o)}
            </a>
        }
    };
    match offered {
        None => view! { <li>{link()}</li> }.into_any(),
        Some(Some(f)) => {
            let size = format!("{} MB", crate::format::tenths(f.size, 20));
            view! {
                <li>
                    {link()}
                    <span class="muted small">" " {size} " · SHA-256 "</span>
                    <code class="small sha256" data-os=o.code()>{f.sha256}</code>
                </li>
            }
            .into_any()
        }
        Some(None) => view! {
            <li>
                <span class="btn disabled" data-os=o.code() data-missing="true" aria-disabled="true">
                    {move || os_name(i18n, o)}
                </span>
                " "
                <span class="muted small">{i18n.text("setup.host.not_offered")}</span>
            </li>
        }
        .into_any(),
    }
}

/// The guide, for the OS chosen (detected, switchable).
#[component]
pub fn InstallGuide(os: RwSignal<Os>) -> impl IntoView {
    let i18n = use_i18n();
    let offered = Resource::new(api::downloads::list);
    let entry = move |o: Os| {
        let list = offered.get().and_then(Result::ok);
        // The file the button links to (the server also lists the others, e.g. the MSI
        // and the bare Linux program).
        let found = list.map(|l| l.into_iter().find(|f| f.file == file_name(o)));
        download_entry(i18n, os, o, found)
    };
    // Asked only when an administrator opens the policy help: without a published
    // package the manifest is a 404, which the browser logs as an error.
    let update: RwSignal<Option<UpdateInfo>> = RwSignal::new(None);
    let asked = RwSignal::new(false);
    let on_toggle = move |_| {
        if !asked.get_untracked() {
            asked.set(true);
            leptos::task::spawn_local(async move { update.set(fetch_update_info().await) });
        }
    };
    let origin = origin();
    let update_url = format!("{origin}{UPDATE_PATH}");
    let packages = format!("{origin}/extension/");
    let policy_text = {
        let update_url = update_url.clone();
        move || {
            let id = update
                .get()
                .map(|u| u.id)
                .unwrap_or_else(|| "<extension-id>".into());
            policy(os.get(), &id, &update_url)
        }
    };
    let latest = move || {
        update.get().map(|u| {
            i18n.tf(
                "setup.ext.latest",
                &[("version", &u.version), ("id", &u.id)],
            )
        })
    };

    view! {
        <section id="install-guide" aria-labelledby="guide-title">
            <h2 id="guide-title">{i18n.text("setup.guide.title")}</h2>
            <fieldset class="os-switch">
                <legend>{i18n.text("setup.os.legend")}</legend>
                {Os::ALL
                    .into_iter()
                    .map(|o| {
                        let id = format!("os-{}", o.code());
                        let label_for = id.clone();
                        view! {
                            <label class="choice" for=label_for>
                                <input
                                    type="radio"
                                    name="os"
                                    id=id
                                    value=o.code()
                                    prop:checked=move || os.get() == o
                                    on:change=move |_| os.set(o)
                                />
                                {move || os_name(i18n, o)}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>

            <h3 id="guide-extension">{i18n.text("setup.guide.extension")}</h3>
            <p>{i18n.text("setup.ext.what")}</p>
            <ul>
                <li>{i18n.text("setup.ext.check_chrome")} " " <code>"chrome://extensions"</code></li>
                <li>{i18n.text("setup.ext.check_edge")} " " <code>"edge://extensions"</code></li>
                <li>{i18n.text("setup.ext.managed")}</li>
                <li>{i18n.text("setup.ext.personal")}</li>
                <li>{i18n.text("setup.ext.update")}</li>
            </ul>
            <details class="for-it" on:toggle=on_toggle>
                <summary>{i18n.text("setup.ext.it_title")}</summary>
                <dl class="facts">
                    <dt>{i18n.text("setup.ext.update_url")}</dt>
                    <dd><code>{update_url.clone()}</code></dd>
                    <dt>{i18n.text("setup.ext.packages")}</dt>
                    <dd><code>{packages}</code></dd>
                </dl>
                <p class="small">{latest}</p>
                <p class="small">
                    {move || match os.get() {
                        Os::Windows => i18n.t("setup.ext.policy_windows"),
                        Os::Mac => i18n.t("setup.ext.policy_macos"),
                        Os::Linux => i18n.t("setup.ext.policy_linux"),
                    }}
                </p>
                <CommandBlock text=Signal::derive(policy_text) />
            </details>

            <h3 id="guide-host">{i18n.text("setup.guide.host")}</h3>
            <p>{i18n.text("setup.host.what")}</p>
            <ul id="host-downloads" class="downloads">
                {move || Os::ALL.into_iter().map(entry).collect_view()}
            </ul>
            <ol>
                <li>{move || i18n.tf("setup.host.step_download", &[("file", file_name(os.get()))])}</li>
                <li>
                    {move || match os.get() {
                        Os::Windows => i18n.t("setup.host.step_run_windows"),
                        Os::Mac => i18n.t("setup.host.step_run_macos"),
                        Os::Linux => i18n.t("setup.host.step_run_linux"),
                    }}
                    {move || os.get().install_commands().map(|text| view! {
                        <CommandBlock text=Signal::derive(move || text.to_owned()) />
                        <p class="muted small">{i18n.t("setup.host.downloads_folder")}</p>
                    })}
                </li>
                <li>{i18n.text("setup.host.step_recheck")}</li>
            </ol>
            <p class="muted small">{i18n.text("setup.host.update")}</p>

            <h3 id="guide-driver">{i18n.text("setup.guide.driver")}</h3>
            <p>{i18n.text("setup.driver.what")}</p>
            <p class="small">{i18n.text("setup.driver.config")}</p>
            <CommandBlock text=Signal::derive(move || os.get().module_config().to_owned()) />
            <p class="small">{i18n.text("setup.driver.diagnose")}</p>
            <CommandBlock text=Signal::derive(move || os.get().diagnose_command().to_owned()) />

            <h3 id="guide-token">{i18n.text("setup.guide.token")}</h3>
            <p>{i18n.text("setup.token.what")}</p>
        </section>
    }
}

fn file_name(os: Os) -> &'static str {
    os.download().rsplit('/').next().unwrap_or_default()
}

fn os_name(i18n: crate::i18n::I18n, os: Os) -> &'static str {
    match os {
        Os::Windows => i18n.t("setup.os.windows"),
        Os::Mac => i18n.t("setup.os.macos"),
        Os::Linux => i18n.t("setup.os.linux"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_os_comes_from_the_user_agent() {
        let cases = [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36 Edg/126.0",
                Os::Windows,
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
                Os::Mac,
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/156.0 Safari/537.36",
                Os::Linux,
            ),
            ("", Os::Linux),
        ];
        for (ua, want) in cases {
            assert_eq!(Os::from_user_agent(ua), want, "{ua}");
        }
    }

    #[test]
    fn downloads_and_commands_name_the_same_file() {
        for os in Os::ALL {
            if let Some(commands) = os.install_commands() {
                assert!(commands.contains(file_name(os)), "{os:?}");
            }
            assert!(os.download().starts_with("/downloads/certrenew-host-"));
        }
        // Windows: nothing to type, the exe installs itself.
        assert_eq!(file_name(Os::Windows), "certrenew-host-windows-x86_64.exe");
        assert_eq!(Os::Windows.install_commands(), None);
        assert_eq!(
            Os::Linux.install_commands(),
            Some("sudo apt install ~/Downloads/certrenew-host-linux-amd64.deb")
        );
        assert!(
            Os::Mac
                .install_commands()
                .is_some_and(|c| c.ends_with("register --browser all"))
        );
    }

    #[test]
    fn the_update_manifest_gives_id_and_version() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<gupdate xmlns="http://www.google.com/update2/response" protocol="2.0">
  <app appid="ohfjkjdnkjegijjeajcndblepfapjcnb">
    <updatecheck codebase="https://renew.ca.example.com/extension/certrenew-0.2.0.crx" version="0.2.0"/>
  </app>
</gupdate>"#;
        assert_eq!(
            parse_update_manifest(xml),
            Some(UpdateInfo {
                id: "ohfjkjdnkjegijjeajcndblepfapjcnb".into(),
                version: "0.2.0".into()
            })
        );
        assert_eq!(parse_update_manifest("<html>not found</html>"), None);
        assert_eq!(parse_update_manifest(&xml.replace("ohfj", "OHFJ")), None);
    }

    #[test]
    fn the_policy_names_both_browsers() {
        let id = "ohfjkjdnkjegijjeajcndblepfapjcnb";
        let url = "https://renew.ca.example.com/extension/updates.xml";
        for os in Os::ALL {
            let text = policy(os, id, url);
            assert!(text.contains(&format!("{id};{url}")), "{os:?}");
        }
        assert!(policy(Os::Windows, id, url).contains("Google\\Chrome"));
        assert!(policy(Os::Windows, id, url).contains("Microsoft\\Edge"));
        assert!(policy(Os::Linux, id, url).contains("/etc/opt/edge/policies/managed"));
    }
}
