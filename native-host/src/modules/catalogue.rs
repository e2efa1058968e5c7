//! The built-in list of the token vendors' PKCS#11 modules (`data/pkcs11-modules.toml`,
//! each entry with its public source) and the probe that finds which are installed.
//!
//! A module found here is loaded with no configuration: [`found_paths`] is the host's
//! default module list (`config.rs`). `diagnose` and the Windows installation report
//! every entry: found, expected but missing, or with no documented file.
//!
//! [`SEARCH_ROOT_ENV`] moves every probed path under another directory. It exists for
//! the tests, which stand a temporary folder in for the system's (a real vendor path
//! holding SoftHSM's library); nothing else should set it.

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::sync::LazyLock;

use protocol::host::MissingDriver;
use serde::{Deserialize, Serialize};

/// Tests only: a directory under which every catalogue path is looked for
/// (`<root>/usr/lib/libwdpkcs.so`, `<root>\Windows\System32\WDPKCS.dll`).
pub const SEARCH_ROOT_ENV: &str = "CERTRENEW_MODULE_SEARCH_ROOT";

const DATA: &str = include_str!("../../data/pkcs11-modules.toml");

/// One vendor's module, as the data file lists it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Stable name, e.g. `watchdata`.
    pub id: String,
    /// The vendor, Chinese and English.
    pub vendor: String,
    /// The tokens or middleware.
    pub product: String,
    /// Where the file names and paths are published.
    pub source: String,
    /// Full Windows paths (`%VAR%` expanded), in order.
    #[serde(default)]
    pub windows: Vec<String>,
    /// Full Linux paths, in order.
    #[serde(default)]
    pub linux: Vec<String>,
    /// Full macOS paths, in order.
    #[serde(default)]
    pub macos: Vec<String>,
    /// File names with no published directory: looked for in the system's own library
    /// directories only.
    #[serde(default)]
    pub names: Vec<String>,
    /// The vendor's USB vendor ids, four lowercase hex digits (`096e`).
    #[serde(default)]
    pub usb_vendor_ids: Vec<String>,
    /// What is known and what is not.
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DataFile {
    module: Vec<Entry>,
}

static CATALOGUE: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    // The file is compiled in and `the_data_file_parses` checks it, so an error here is
    // a build that never passed its tests; an empty list then keeps the host serving.
    toml::from_str::<DataFile>(DATA)
        .map(|f| f.module)
        .unwrap_or_default()
});

/// Every entry of the built-in list.
pub fn catalogue() -> &'static [Entry] {
    &CATALOGUE
}

/// The systems whose layout a probe follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    /// Windows.
    Windows,
    /// Linux and other Unix systems.
    Linux,
    /// macOS.
    Mac,
}

impl Os {
    /// The system this host runs on.
    pub const CURRENT: Os = if cfg!(windows) {
        Os::Windows
    } else if cfg!(target_os = "macos") {
        Os::Mac
    } else {
        Os::Linux
    };
}

/// What the probe found for one entry.
#[derive(Debug, Clone, Serialize)]
pub struct Probe {
    /// The entry's id.
    pub id: String,
    /// The vendor.
    pub vendor: String,
    /// The product.
    pub product: String,
    /// The first file found, if any.
    pub found: Option<String>,
    /// Every path looked at, in order (empty when no file is documented for this OS).
    pub looked_in: Vec<String>,
    /// Where the entry's paths come from.
    pub source: String,
}

impl Probe {
    /// Whether some file is documented for this system (so its absence means the
    /// driver is not installed, rather than unknown).
    pub fn documented(&self) -> bool {
        !self.looked_in.is_empty()
    }
}

/// Probes every entry on this system (honouring [`SEARCH_ROOT_ENV`]).
pub fn probe_all() -> Vec<Probe> {
    let root = std::env::var_os(SEARCH_ROOT_ENV)
        .filter(|r| !r.is_empty())
        .map(PathBuf::from);
    probe(catalogue(), Os::CURRENT, root.as_deref(), &|name| {
        std::env::var_os(name)
    })
}

/// The files found, in catalogue order, each once: the modules the host loads when
/// nothing is configured.
pub fn found_paths() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for p in probe_all() {
        if let Some(found) = p.found.map(PathBuf::from)
            && !out.contains(&found)
        {
            out.push(found);
        }
    }
    out
}

/// The vendor of the built-in list whose driver file `path` is (matched by file name,
/// case-insensitively on Windows), so `hello` can name it when the file fails to load.
pub fn vendor_of(path: &Path, os: Os) -> Option<String> {
    vendor_in(catalogue(), path, os)
}

fn vendor_in(entries: &[Entry], path: &Path, os: Os) -> Option<String> {
    let fold = |n: &str| {
        if os == Os::Windows {
            n.to_ascii_lowercase()
        } else {
            n.to_owned()
        }
    };
    // The last component, whichever separator the listed path uses.
    let last = |p: &str| fold(p.rsplit(['/', '\\']).next().unwrap_or(p));
    let name = last(&path.to_string_lossy());
    entries
        .iter()
        .find(|e| {
            let paths: &[String] = match os {
                Os::Windows => &e.windows,
                Os::Linux => &e.linux,
                Os::Mac => &e.macos,
            };
            paths.iter().chain(&e.names).any(|p| last(p) == name)
        })
        .map(|e| e.vendor.clone())
}

/// The vendors whose USB key is plugged in while none of their files was found: for
/// each vendor (entries grouped by `vendor`) with a USB id in `present` and no `found`
/// among its probes, once, in catalogue order.
pub fn missing_drivers(
    entries: &[Entry],
    probes: &[Probe],
    present: &[String],
) -> Vec<MissingDriver> {
    let mut out: Vec<MissingDriver> = Vec::new();
    for entry in entries {
        let Some(id) = entry
            .usb_vendor_ids
            .iter()
            .find(|id| present.iter().any(|p| p.eq_ignore_ascii_case(id)))
        else {
            continue;
        };
        let installed = entries
            .iter()
            .filter(|e| e.vendor == entry.vendor)
            .any(|e| probes.iter().any(|p| p.id == e.id && p.found.is_some()));
        if !installed && !out.iter().any(|m| m.vendor == entry.vendor) {
            out.push(MissingDriver {
                vendor: entry.vendor.clone(),
                usb_vendor_id: id.to_ascii_lowercase(),
            });
        }
    }
    out
}

/// `hello`'s list: the vendors whose key is plugged in on this machine and whose
/// driver is not installed (honouring [`SEARCH_ROOT_ENV`]).
pub fn missing_here() -> Vec<MissingDriver> {
    let root = std::env::var_os(SEARCH_ROOT_ENV)
        .filter(|r| !r.is_empty())
        .map(PathBuf::from);
    missing_drivers(catalogue(), &probe_all(), &usb_vendor_ids(root.as_deref()))
}

/// The USB vendor ids of the devices on this machine, lowercase. Linux: each device's
/// `idVendor` in sysfs (`/sys/bus/usb/devices/*/idVendor`, the kernel's ABI:
/// Documentation/ABI/stable/sysfs-bus-usb), under `root` when given. Windows: the
/// `VID_xxxx` of the device keys under HKLM\SYSTEM\CurrentControlSet\Enum\USB (every
/// device ever plugged in, not only the present ones). Elsewhere: none.
pub fn usb_vendor_ids(root: Option<&Path>) -> Vec<String> {
    if cfg!(windows) {
        return windows_usb_vendor_ids();
    }
    let dir = rebase(Path::new("/sys/bus/usb/devices"), root);
    let Ok(devices) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for device in devices.flatten() {
        let Ok(text) = std::fs::read_to_string(device.path().join("idVendor")) else {
            continue;
        };
        let id = text.trim().to_ascii_lowercase();
        if is_usb_id(&id) && !out.contains(&id) {
            out.push(id);
        }
    }
    out.sort();
    out
}

/// The vendor id of a Windows USB device key name (`VID_096E&PID_0006`).
pub fn vendor_id_of_key(name: &str) -> Option<String> {
    if !name.get(..4)?.eq_ignore_ascii_case("VID_") {
        return None;
    }
    let id = name.get(4..8)?.to_ascii_lowercase();
    is_usb_id(&id).then_some(id)
}

fn is_usb_id(id: &str) -> bool {
    id.len() == 4 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(windows)]
fn windows_usb_vendor_ids() -> Vec<String> {
    use winreg::RegKey;
    use winreg::enums::{HKEY_LOCAL_MACHINE, KEY_READ};
    let Ok(usb) = RegKey::predef(HKEY_LOCAL_MACHINE)
        .open_subkey_with_flags(r"SYSTEM\CurrentControlSet\Enum\USB", KEY_READ)
    else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for name in usb.enum_keys().flatten() {
        if let Some(id) = vendor_id_of_key(&name)
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    out
}

#[cfg(not(windows))]
fn windows_usb_vendor_ids() -> Vec<String> {
    Vec::new()
}

/// Probes `entries` for `os`, with paths moved under `root` when given and `%VAR%`
/// read through `env`.
pub fn probe(
    entries: &[Entry],
    os: Os,
    root: Option<&Path>,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Vec<Probe> {
    entries
        .iter()
        .map(|entry| {
            let looked_in: Vec<PathBuf> = candidates(entry, os, env)
                .into_iter()
                .map(|p| rebase(&p, root))
                .collect();
            let found = looked_in.iter().find(|p| p.is_file()).cloned();
            Probe {
                id: entry.id.clone(),
                vendor: entry.vendor.clone(),
                product: entry.product.clone(),
                found: found.map(|p| p.display().to_string()),
                looked_in: looked_in.iter().map(|p| p.display().to_string()).collect(),
                source: entry.source.clone(),
            }
        })
        .collect()
}

/// The full paths one entry names for `os`: its paths, then its bare file names in the
/// system's library directories.
fn candidates(entry: &Entry, os: Os, env: &dyn Fn(&str) -> Option<OsString>) -> Vec<PathBuf> {
    let paths: &[String] = match os {
        Os::Windows => &entry.windows,
        Os::Linux => &entry.linux,
        Os::Mac => &entry.macos,
    };
    let name_fits = |n: &str| match os {
        Os::Windows => n.to_ascii_lowercase().ends_with(".dll"),
        Os::Linux => n.ends_with(".so") || n.contains(".so."),
        Os::Mac => n.ends_with(".dylib"),
    };
    let lib_dirs: Vec<String> = match os {
        Os::Windows => vec![r"%SystemRoot%\System32".to_owned()],
        Os::Linux => vec![
            "/usr/lib".to_owned(),
            format!("/usr/lib/{}-linux-gnu", std::env::consts::ARCH),
            "/usr/local/lib".to_owned(),
        ],
        Os::Mac => vec!["/usr/local/lib".to_owned()],
    };
    let sep = if os == Os::Windows { "\\" } else { "/" };
    let named = entry
        .names
        .iter()
        .filter(|n| name_fits(n))
        .flat_map(|n| lib_dirs.iter().map(move |d| format!("{d}{sep}{n}")));
    paths
        .iter()
        .cloned()
        .chain(named)
        .filter_map(|p| expand(&p, env))
        .map(PathBuf::from)
        .collect()
}

/// Replaces each `%NAME%` by the variable's value; `None` when one is not set (the
/// path cannot exist on this machine).
fn expand(path: &str, env: &dyn Fn(&str) -> Option<OsString>) -> Option<String> {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('%') {
        let after = &rest[start + 1..];
        let end = after.find('%')?;
        out.push_str(&rest[..start]);
        let value = env(&after[..end]).filter(|v| !v.is_empty())?;
        out.push_str(&value.to_string_lossy());
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// `path` under `root` (drive and root dropped), or `path` itself.
fn rebase(path: &Path, root: Option<&Path>) -> PathBuf {
    match root {
        None => path.to_path_buf(),
        Some(root) => {
            let mut out = root.to_path_buf();
            for c in path.components() {
                if let Component::Normal(part) = c {
                    out.push(part);
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_file_is_named_by_its_vendor() {
        let win = Path::new(r"C:\Windows\System32\WDPKCS.DLL");
        assert_eq!(
            vendor_of(win, Os::Windows).as_deref(),
            Some("握奇 Watchdata")
        );
        let moved = Path::new("/tmp/root/usr/lib/libwdpkcs.so");
        assert_eq!(
            vendor_of(moved, Os::Linux).as_deref(),
            Some("握奇 Watchdata")
        );
        assert_eq!(
            vendor_of(Path::new("/usr/lib/softhsm/libsofthsm2.so"), Os::Linux),
            None
        );
    }

    #[test]
    fn the_data_file_parses_and_every_entry_names_a_source() {
        let parsed: DataFile = toml::from_str(DATA).expect("data/pkcs11-modules.toml parses");
        assert_eq!(parsed.module.len(), catalogue().len());
        let mut ids = std::collections::HashSet::new();
        for e in catalogue() {
            assert!(ids.insert(e.id.clone()), "duplicate id {}", e.id);
            assert!(!e.source.trim().is_empty(), "{} has no source", e.id);
            assert!(!e.vendor.trim().is_empty(), "{} has no vendor", e.id);
        }
        for vendor in [
            "Feitian",
            "Watchdata",
            "Haitai",
            "Longmai",
            "Huada",
            "NETCA",
            "SZCA",
        ] {
            assert!(
                catalogue().iter().any(|e| e.vendor.contains(vendor)),
                "{vendor} is missing from the list"
            );
        }
    }

    #[test]
    fn windows_paths_expand_variables_and_bare_names_go_to_system32() {
        let env = |name: &str| match name {
            "SystemRoot" => Some(OsString::from(r"C:\Windows")),
            _ => None,
        };
        let watchdata = catalogue().iter().find(|e| e.id == "watchdata").unwrap();
        let paths = candidates(watchdata, Os::Windows, &env);
        assert_eq!(paths[0], PathBuf::from(r"C:\Windows\System32\WDPKCS.dll"));
        let longmai = catalogue()
            .iter()
            .find(|e| e.id == "longmai-gm3000")
            .unwrap();
        assert_eq!(
            candidates(longmai, Os::Windows, &env),
            [PathBuf::from(r"C:\Windows\System32\gm3000_pkcs11.dll")]
        );
        // %ProgramFiles% is unset here: the OpenSC path under it is skipped, not guessed.
        let opensc = catalogue().iter().find(|e| e.id == "opensc").unwrap();
        assert_eq!(candidates(opensc, Os::Windows, &env).len(), 1);
        assert_eq!(expand("%A%x%B%", &|_| None), None);
        assert_eq!(expand("no vars", &|_| None).as_deref(), Some("no vars"));
    }

    #[test]
    fn a_plugged_in_key_without_its_driver_names_the_vendor() {
        let root = tempfile::tempdir().unwrap();
        // A Feitian key and a hub from another maker, as sysfs shows them.
        for (dev, id) in [("1-1", "096e\n"), ("usb1", "1d6b\n"), ("1-2", "BAD!")] {
            let d = root.path().join("sys/bus/usb/devices").join(dev);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("idVendor"), id).unwrap();
        }
        let present = usb_vendor_ids(Some(root.path()));
        assert_eq!(present, ["096e", "1d6b"]);
        let probes = probe(catalogue(), Os::Linux, Some(root.path()), &|_| None);
        let missing = missing_drivers(catalogue(), &probes, &present);
        assert_eq!(
            missing,
            [MissingDriver {
                vendor: "飞天诚信 Feitian".into(),
                usb_vendor_id: "096e".into()
            }]
        );
        // One of the vendor's files installed (ePassNG's): nothing is missing.
        let lib = root.path().join("usr/lib/libepsng_p11.so");
        std::fs::create_dir_all(lib.parent().unwrap()).unwrap();
        std::fs::write(&lib, b"a module").unwrap();
        let probes = probe(catalogue(), Os::Linux, Some(root.path()), &|_| None);
        assert_eq!(missing_drivers(catalogue(), &probes, &present), []);
        // A vendor with no documented file (Huada) is still named by its key.
        let huada = ["1677".to_owned()];
        let named: Vec<String> = missing_drivers(catalogue(), &probes, &huada)
            .into_iter()
            .map(|m| m.vendor)
            .collect();
        assert_eq!(named, ["华大电子 Huada"]);
        // No USB devices at all (no sysfs): nothing to name.
        assert!(usb_vendor_ids(Some(&root.path().join("none"))).is_empty());
    }

    #[test]
    fn windows_device_keys_give_their_vendor_id() {
        assert_eq!(
            vendor_id_of_key("VID_096E&PID_0006").as_deref(),
            Some("096e")
        );
        assert_eq!(
            vendor_id_of_key("vid_1677&pid_0001").as_deref(),
            Some("1677")
        );
        assert_eq!(vendor_id_of_key("ROOT_HUB30"), None);
        assert_eq!(vendor_id_of_key("VID_XYZW&PID_0001"), None);
        assert_eq!(vendor_id_of_key("VID_"), None);
    }

    #[test]
    fn every_usb_vendor_id_is_four_hex_digits() {
        for e in catalogue() {
            for id in &e.usb_vendor_ids {
                assert!(
                    is_usb_id(id) && *id == id.to_ascii_lowercase(),
                    "{}: {id}",
                    e.id
                );
            }
        }
    }

    #[test]
    fn a_file_under_the_search_root_is_found_and_others_are_reported_missing() {
        let root = tempfile::tempdir().unwrap();
        let lib = root.path().join("usr/lib/libwdpkcs.so");
        std::fs::create_dir_all(lib.parent().unwrap()).unwrap();
        std::fs::write(&lib, b"not really a library").unwrap();
        let probes = probe(catalogue(), Os::Linux, Some(root.path()), &|_| None);
        let watchdata = probes.iter().find(|p| p.id == "watchdata").unwrap();
        assert_eq!(watchdata.found.as_deref(), Some(lib.to_str().unwrap()));
        let feitian = probes.iter().find(|p| p.id == "feitian-epass3003").unwrap();
        assert!(feitian.found.is_none() && feitian.documented());
        assert!(
            feitian
                .looked_in
                .iter()
                .all(|p| p.starts_with(root.path().to_str().unwrap()))
        );
        let haitai = probes.iter().find(|p| p.id == "haitai").unwrap();
        assert!(!haitai.documented());
    }
}
