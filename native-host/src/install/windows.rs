//! Windows: the per-user copy, the "Apps & features" entry, and the removal of the
//! folder after the uninstalling process has ended.

use std::io;
use std::os::windows::process::CommandExt;
use std::path::{Path, PathBuf};

use winreg::RegKey;
use winreg::enums::HKEY_CURRENT_USER;

use super::{EXE_NAME, InstallError, InstallOptions, Installed, UNINSTALL_KEY_NAME, Uninstalled};
use crate::modules::catalogue;
use crate::register::{self, Browser, RegisterOptions};

const UNINSTALL_PARENT: &str = r"Software\Microsoft\Windows\CurrentVersion\Uninstall";

/// `CREATE_NO_WINDOW`: the removal runs without a console window.
const CREATE_NO_WINDOW: u32 = 0x0800_0000;

fn uninstall_subkey() -> String {
    format!(r"{UNINSTALL_PARENT}\{UNINSTALL_KEY_NAME}")
}

fn uninstall_key_display() -> String {
    format!(r"HKEY_CURRENT_USER\{}", uninstall_subkey())
}

/// `%LOCALAPPDATA%\Programs\certrenew`.
pub(super) fn install_dir() -> Result<PathBuf, InstallError> {
    let local = std::env::var_os("LOCALAPPDATA")
        .filter(|v| !v.is_empty())
        .ok_or(InstallError::NoLocalAppData)?;
    Ok(PathBuf::from(local).join("Programs").join("certrenew"))
}

fn file_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> InstallError {
    let path = path.to_path_buf();
    move |source| InstallError::File {
        action,
        path,
        source,
    }
}

/// Same file, as Windows compares paths (case-insensitive).
fn same_path(a: &Path, b: &Path) -> bool {
    let norm = |p: &Path| {
        std::fs::canonicalize(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .to_string_lossy()
            .to_lowercase()
    };
    norm(a) == norm(b)
}

pub(super) fn install(opts: &InstallOptions) -> Result<Installed, InstallError> {
    let dir = install_dir()?;
    std::fs::create_dir_all(&dir).map_err(file_err("create the folder", &dir))?;
    let exe = dir.join(EXE_NAME);
    let repaired = exe.exists();
    if !same_path(&opts.source_exe, &exe) {
        copy_over(&opts.source_exe, &exe)?;
    }
    remove_leftovers(&dir);

    let registrations = register::register(&RegisterOptions {
        browsers: vec![Browser::All],
        system: false,
        user_data_dir: None,
        extension_ids: opts.extension_ids.clone(),
        host_path: exe.clone(),
    })?;
    write_uninstall_entry(&dir, &exe)?;
    Ok(Installed {
        dir,
        exe,
        repaired,
        registrations,
        drivers: catalogue::probe_all(),
    })
}

/// Copies `from` over `to` through a temporary file; when `to` is running (a browser
/// has the host open), it is moved aside first, as Windows allows renaming a running
/// executable but not overwriting it. The moved copy is deleted on the next run.
fn copy_over(from: &Path, to: &Path) -> Result<(), InstallError> {
    let tmp = to.with_extension("exe.new");
    std::fs::copy(from, &tmp).map_err(file_err("copy the helper to", &tmp))?;
    if std::fs::rename(&tmp, to).is_ok() {
        return Ok(());
    }
    let aside = to.with_extension(format!("{}.old", std::process::id()));
    std::fs::rename(to, &aside).map_err(file_err("move aside the running helper", to))?;
    std::fs::rename(&tmp, to).map_err(file_err("put the new helper in place at", to))
}

/// Deletes the copies moved aside by earlier upgrades (those no longer running).
fn remove_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_lowercase();
        if name.ends_with(".old") || name.ends_with(".exe.new") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn write_uninstall_entry(dir: &Path, exe: &Path) -> Result<(), InstallError> {
    let err = |action: &'static str| {
        move |source| InstallError::UninstallEntry {
            action,
            key: uninstall_key_display(),
            source,
        }
    };
    let (key, _) = RegKey::predef(HKEY_CURRENT_USER)
        .create_subkey(uninstall_subkey())
        .map_err(err("create"))?;
    let exe_s = exe.display().to_string();
    let size_kib = std::fs::metadata(exe)
        .map(|m| m.len().div_ceil(1024))
        .unwrap_or(0);
    let strings = [
        ("DisplayName", "certrenew 证书续期助手".to_owned()),
        ("DisplayVersion", env!("CARGO_PKG_VERSION").to_owned()),
        ("Publisher", "certrenew".to_owned()),
        ("InstallLocation", dir.display().to_string()),
        ("DisplayIcon", exe_s.clone()),
        ("UninstallString", format!("\"{exe_s}\" uninstall")),
        (
            "QuietUninstallString",
            format!("\"{exe_s}\" uninstall --quiet"),
        ),
    ];
    for (name, value) in strings {
        key.set_value(name, &value).map_err(err("write"))?;
    }
    let dwords = [
        ("NoModify", 1u32),
        ("NoRepair", 1u32),
        ("EstimatedSize", u32::try_from(size_kib).unwrap_or(u32::MAX)),
    ];
    for (name, value) in dwords {
        key.set_value(name, &value).map_err(err("write"))?;
    }
    Ok(())
}

pub(super) fn uninstall() -> Result<Uninstalled, InstallError> {
    let dir = install_dir()?;
    let exe = dir.join(EXE_NAME);
    register::unregister(&RegisterOptions {
        browsers: vec![Browser::All],
        system: false,
        user_data_dir: None,
        extension_ids: Vec::new(),
        host_path: exe,
    })?;
    match RegKey::predef(HKEY_CURRENT_USER).delete_subkey_all(uninstall_subkey()) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(InstallError::UninstallEntry {
                action: "delete",
                key: uninstall_key_display(),
                source,
            });
        }
    }

    let running = std::env::current_exe().ok();
    let mut removal_pending = false;
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if running.as_deref().is_some_and(|r| same_path(r, &path)) {
                removal_pending = true;
                continue;
            }
            let removed = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            removed.map_err(file_err("remove", &path))?;
        }
    }
    if !removal_pending {
        match std::fs::remove_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(InstallError::File {
                    action: "remove the folder",
                    path: dir,
                    source,
                });
            }
        }
    }
    Ok(Uninstalled {
        dir,
        removal_pending,
    })
}

/// Starts `cmd.exe`, without a window, to delete `dir` a moment after this process
/// has ended: it retries for about 20 seconds in case the process is slow to exit.
pub(super) fn schedule_removal(dir: &Path) -> Result<(), InstallError> {
    let comspec = std::env::var_os("ComSpec")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("SystemRoot").map(|r| PathBuf::from(r).join(r"System32\cmd.exe"))
        })
        .unwrap_or_else(|| PathBuf::from("cmd.exe"));
    let d = dir.display().to_string().replace('"', "");
    // One line for cmd: wait ~1 s (ping is the waiting tool every Windows has), try to
    // delete, repeat until the folder is gone.
    let script = format!(
        "/d /q /c \"for /l %i in (1,1,20) do @(if exist \"{d}\" (ping -n 2 127.0.0.1 >nul & rmdir /s /q \"{d}\" 2>nul))\""
    );
    std::process::Command::new(&comspec)
        .raw_arg(script)
        .creation_flags(CREATE_NO_WINDOW)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(drop)
        .map_err(file_err("start the removal of", dir))
}
