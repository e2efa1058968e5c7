//! `certrenew-host`: started by the browser with the calling extension's origin as its
//! first argument, it serves native messaging on stdin/stdout. Started by a person,
//! it registers itself with the browsers, removes that registration, or prints a
//! diagnosis.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use native_host::config::Config;
use native_host::extension_policy::BuildKind;
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
    let cli = Cli::parse();
    let config = Config::load()?;
    match cli.command {
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
        // The ones this build serves; when it serves none, the configured ones, so the
        // host's own refusal (which says what to set) is what the browser gets.
        config
            .serving_extensions(BuildKind::current())
            .unwrap_or_else(|_| config.allowed_extensions.clone())
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
