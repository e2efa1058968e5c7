//! `certrenew-host`: started by the browser with the calling extension's origin as its
//! first argument, it serves native messaging on stdin/stdout. Started by a person,
//! it registers itself with the browsers, removes that registration, or prints a
//! diagnosis. On Windows, started with no argument at all (a double-click on the
//! download), it installs itself for the current user and says so in a message box
//! (`native_host::install`); `install --quiet` and `uninstall` do the same from a
//! command line or the "Apps & features" entry.
//!
//! # Layout
//! - this file: the command line and the dispatch;
//! - `dialog`: the installer's message box (the binary's only `unsafe`: Win32 calls).
#![deny(unsafe_code)]

#[allow(unsafe_code)]
mod dialog;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use native_host::config::Config;
use native_host::extension_policy::{self, BuildKind};
use native_host::install::{self, InstallOptions, messages};
use native_host::register::{self, Browser, RegisterOptions};
use native_host::{diagnose, serve};
use protocol::ids::ExtensionId;

#[derive(Parser)]
#[command(
    name = "certrenew-host",
    version,
    about = "certrenew's native host: PKCS#11 operations for the certrenew browser extension"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Register this host with the browsers (writes the native-messaging manifest).
    Register(RegisterArgs),
    /// Remove the registration.
    Unregister(RegisterArgs),
    /// Install for the current user (Windows): copy to %LOCALAPPDATA%\Programs\certrenew,
    /// register with Chrome, Edge and Chromium, add the Apps & features entry. What a
    /// double-click does.
    Install {
        /// No message box: print what was done.
        #[arg(long)]
        quiet: bool,
    },
    /// Remove what `install` wrote: the registrations, the Apps & features entry and
    /// the folder.
    Uninstall {
        /// No message box.
        #[arg(long)]
        quiet: bool,
    },
    /// Print the manifest a registration would write, without writing it (packages
    /// build their system-wide manifests with it).
    Manifest {
        /// The host executable's path as installed (need not exist here).
        #[arg(long)]
        host_path: PathBuf,
        /// An extension allowed to use the host (repeatable); defaults to the ones this
        /// build serves.
        #[arg(long = "extension-id")]
        extension_ids: Vec<String>,
    },
    /// Report modules, tokens, certificates and registrations.
    Diagnose {
        /// Print JSON instead of words.
        #[arg(long)]
        json: bool,
        /// Also look for a registration in this browser profile directory.
        #[arg(long)]
        user_data_dir: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct RegisterArgs {
    /// Which browser(s).
    #[arg(long, value_enum, default_value = "all")]
    browser: Vec<Browser>,
    /// For every user of this machine (needs administrator rights).
    #[arg(long)]
    system: bool,
    /// A browser profile started with --user-data-dir: the manifest goes into its
    /// NativeMessagingHosts folder.
    #[arg(long)]
    user_data_dir: Option<PathBuf>,
    /// An extension allowed to use the host (repeatable); defaults to the configured ones.
    #[arg(long = "extension-id")]
    extension_ids: Vec<String>,
    /// The host executable to register; defaults to this one.
    #[arg(long)]
    host_path: Option<PathBuf>,
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("certrenew-host: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    // Chrome starts the host as `certrenew-host chrome-extension://<id>/ [--parent-window=N]`.
    if let Some(caller) = std::env::args()
        .nth(1)
        .filter(|a| a.starts_with("chrome-extension://"))
    {
        let config = Config::load().map_err(|e| e.to_string());
        return Ok(serve::serve(
            &caller,
            config,
            unbuffered_stdin(),
            std::io::stdout().lock(),
        ));
    }
    // A double-click on Windows: no argument at all.
    if cfg!(windows) && std::env::args_os().len() == 1 {
        let quiet =
            std::env::var_os(install::QUIET_ENV).is_some_and(|v| extension_policy::is_truthy(&v));
        return run_install(quiet);
    }
    let cli = Cli::parse();
    match cli.command {
        Cmd::Install { quiet } => return run_install(quiet),
        Cmd::Uninstall { quiet } => return run_uninstall(quiet),
        _ => {}
    }
    let config = Config::load()?;
    match cli.command {
        Cmd::Install { .. } | Cmd::Uninstall { .. } => {}
        Cmd::Register(args) => {
            let opts = register_options(args, &config)?;
            for r in register::register(&opts)? {
                println!(
                    "registered for {} ({}): {}",
                    r.browser, r.scope, r.manifest_path
                );
            }
        }
        Cmd::Unregister(args) => {
            let opts = register_options(args, &config)?;
            for r in register::unregister(&opts)? {
                println!(
                    "removed for {} ({}): {}",
                    r.browser, r.scope, r.manifest_path
                );
            }
        }
        Cmd::Manifest {
            host_path,
            extension_ids,
        } => {
            let opts = register_options(
                RegisterArgs {
                    browser: vec![Browser::All],
                    system: true,
                    user_data_dir: None,
                    extension_ids,
                    host_path: None,
                },
                &config,
            )?;
            let opts = RegisterOptions { host_path, ..opts };
            println!(
                "{}",
                serde_json::to_string_pretty(&register::manifest_json(&opts))?
            );
        }
        Cmd::Diagnose {
            json,
            user_data_dir,
        } => {
            let report = diagnose::report(config, user_data_dir.as_deref());
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", report.to_text());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Installs (or repairs) for the current user; says so in a message box unless quiet.
fn run_install(quiet: bool) -> anyhow::Result<ExitCode> {
    if !quiet {
        dialog::hide_own_console();
    }
    let lang = dialog::language();
    let result = Config::load()
        .map_err(anyhow::Error::from)
        .and_then(|config| {
            let source_exe =
                std::env::current_exe().context("cannot find this executable's path")?;
            let opts = InstallOptions {
                source_exe,
                extension_ids: default_extension_ids(&config),
            };
            Ok(install::install(&opts)?)
        });
    match result {
        Ok(done) => {
            if quiet {
                println!("installed: {}", done.exe.display());
                for r in &done.registrations {
                    println!(
                        "registered for {} ({}): {}",
                        r.browser, r.scope, r.manifest_path
                    );
                }
                for d in &done.drivers {
                    if let Some(path) = &d.found {
                        println!("driver found: {} {}: {path}", d.vendor, d.product);
                    }
                }
            } else {
                dialog::show(&messages::installed(lang, &done), false);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            if !quiet {
                if let Some(install_err) = err.downcast_ref::<install::InstallError>() {
                    dialog::show(&messages::failed(lang, install_err), true);
                } else {
                    let message = messages::Message {
                        title: "certrenew".to_owned(),
                        body: format!("{err:#}"),
                    };
                    dialog::show(&message, true);
                }
            }
            Err(err)
        }
    }
}

/// Removes the installation; the folder holding this running executable goes last.
fn run_uninstall(quiet: bool) -> anyhow::Result<ExitCode> {
    let lang = dialog::language();
    match install::uninstall() {
        Ok(done) => {
            if quiet {
                println!("removed: {}", done.dir.display());
            } else {
                dialog::show(&messages::uninstalled(lang), false);
            }
            if done.removal_pending {
                install::schedule_removal(&done.dir)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            if !quiet {
                dialog::show(&messages::failed(lang, &err), true);
            }
            Err(err.into())
        }
    }
}

/// The extensions a registration allows when none is named: the ones this build serves;
/// when it serves none, the configured ones, so the host's own refusal (which says what
/// to set) is what the browser gets.
fn default_extension_ids(config: &Config) -> Vec<ExtensionId> {
    config
        .serving_extensions(BuildKind::current())
        .unwrap_or_else(|_| config.allowed_extensions.clone())
}

/// Chrome's messages are read straight from the pipe: std's stdin keeps an 8 KiB
/// buffer of its own, which would hold the last request, PIN included, until
/// overwritten. Falls back to it when the handle cannot be duplicated.
fn unbuffered_stdin() -> Box<dyn std::io::Read> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Ok(fd) = std::io::stdin().as_fd().try_clone_to_owned() {
            return Box::new(std::fs::File::from(fd));
        }
    }
    #[cfg(windows)]
    {
        use std::os::windows::io::AsHandle;
        if let Ok(handle) = std::io::stdin().as_handle().try_clone_to_owned() {
            return Box::new(std::fs::File::from(handle));
        }
    }
    Box::new(std::io::stdin().lock())
}

fn register_options(args: RegisterArgs, config: &Config) -> anyhow::Result<RegisterOptions> {
    let extension_ids = if args.extension_ids.is_empty() {
        default_extension_ids(config)
    } else {
        args.extension_ids
            .iter()
            .map(|id| ExtensionId::parse(id).with_context(|| format!("bad --extension-id {id:?}")))
            .collect::<anyhow::Result<_>>()?
    };
    let host_path = match args.host_path {
        Some(path) => std::path::absolute(path)?,
        None => std::env::current_exe().context("cannot find this executable's path")?,
    };
    Ok(RegisterOptions {
        browsers: args.browser,
        system: args.system,
        user_data_dir: args.user_data_dir,
        extension_ids,
        host_path,
    })
}
