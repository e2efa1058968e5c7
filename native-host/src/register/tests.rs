//! The register, unregister and report round trips, through a profile directory.

use std::fs;
use std::path::{Path, PathBuf};

use protocol::ids::ExtensionId;
use serde_json::Value;

#[cfg(unix)]
use super::atomic::set_readable;
use super::manifest::DESCRIPTION;
use super::paths::{Kind, profile_manifest};
use super::*;

fn id(c: char) -> ExtensionId {
    let text: String = std::iter::repeat_n(c, 32).collect();
    ExtensionId::parse(&text).expect("valid id")
}

/// A fake host executable in its own temp dir.
fn fake_host(dir: &Path) -> PathBuf {
    let path = dir.join("certrenew-host");
    fs::write(&path, b"#!/bin/sh\n").expect("write fake host");
    #[cfg(unix)]
    set_readable(&path, 0o755).expect("chmod fake host");
    path
}

fn opts(profile: &Path, host: &Path) -> RegisterOptions {
    RegisterOptions {
        browsers: vec![Browser::All],
        system: false,
        user_data_dir: Some(profile.to_path_buf()),
        // Unsorted and with a duplicate: the manifest must sort and dedupe.
        extension_ids: vec![id('b'), id('a'), id('b')],
        host_path: host.to_path_buf(),
    }
}

fn origin(c: char) -> String {
    id(c).origin()
}

#[test]
fn register_writes_exactly_the_expected_manifest() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let host = fake_host(tmp.path());
    let profile = tmp.path().join("profile");
    let o = opts(&profile, &host);

    let regs = register(&o).expect("register");
    let manifest = profile
        .join("NativeMessagingHosts")
        .join("org.certrenew.host.json");
    let text = fs::read_to_string(&manifest).expect("manifest written");

    let host_str = host.to_str().expect("utf-8 temp path");
    let expected_text = format!(
        "{{\n  \"name\": \"org.certrenew.host\",\n  \"description\": \"{DESCRIPTION}\",\n  \
         \"path\": {},\n  \"type\": \"stdio\",\n  \"allowed_origins\": [\n    \"{}\",\n    \
         \"{}\"\n  ]\n}}\n",
        serde_json::to_string(host_str).expect("json string"),
        origin('a'),
        origin('b'),
    );
    assert_eq!(text, expected_text);

    let expected = serde_json::json!({
        "name": "org.certrenew.host",
        "description": DESCRIPTION,
        "path": host_str,
        "type": "stdio",
        "allowed_origins": [origin('a'), origin('b')],
    });
    let parsed: Value = serde_json::from_str(&text).expect("valid json");
    assert_eq!(parsed, expected);
    assert_eq!(manifest_json(&o), expected);

    assert_eq!(regs.len(), 1);
    let found = registrations(Some(&profile));
    assert_eq!(found.len(), 1);
    let r = &found[0];
    assert_eq!(r.browser, "any");
    assert_eq!(r.scope, "profile");
    assert_eq!(r.manifest_path, manifest.to_string_lossy());
    assert_eq!(r.registry_key, None);
    assert!(r.present);
    assert_eq!(r.host_path.as_deref(), Some(host_str));
    assert!(r.host_path_exists);
    assert_eq!(r.allowed_origins, vec![origin('a'), origin('b')]);
    assert_eq!(r.problem, None, "{r:?}");
    assert_eq!(regs[0].problem, None);
    assert!(regs[0].present);
}

#[test]
fn register_again_is_idempotent_and_leaves_no_temp_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let host = fake_host(tmp.path());
    let profile = tmp.path().join("profile");
    let o = opts(&profile, &host);
    register(&o).expect("first register");
    let manifest = profile_manifest(&profile);
    let first = fs::read(&manifest).expect("read");
    register(&o).expect("second register");
    assert_eq!(fs::read(&manifest).expect("read"), first);

    // A changed manifest is replaced in full.
    let mut changed = o.clone();
    changed.extension_ids = vec![id('c')];
    register(&changed).expect("third register");
    let found = registrations(Some(&profile));
    assert_eq!(found[0].allowed_origins, vec![origin('c')]);
    assert_eq!(found[0].problem, None);

    let names: Vec<String> = fs::read_dir(manifest.parent().expect("dir"))
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["org.certrenew.host.json".to_owned()]);
}

#[cfg(unix)]
#[test]
fn manifest_is_world_readable() {
    use std::os::unix::fs::PermissionsExt as _;
    let tmp = tempfile::tempdir().expect("tempdir");
    let host = fake_host(tmp.path());
    let profile = tmp.path().join("profile");
    register(&opts(&profile, &host)).expect("register");
    let mode = fs::metadata(profile_manifest(&profile))
        .expect("stat")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644);
}

#[test]
fn missing_executable_is_a_problem() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let host = fake_host(tmp.path());
    let profile = tmp.path().join("profile");
    register(&opts(&profile, &host)).expect("register");
    fs::remove_file(&host).expect("remove host");

    let r = &registrations(Some(&profile))[0];
    assert!(r.present);
    assert!(!r.host_path_exists);
    let problem = r.problem.as_deref().expect("a problem");
    assert_eq!(
        problem,
        format!(
            "the manifest points at {} which does not exist",
            host.display()
        )
    );
}

#[cfg(unix)]
#[test]
fn non_executable_host_is_a_problem() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let host = fake_host(tmp.path());
    let profile = tmp.path().join("profile");
    register(&opts(&profile, &host)).expect("register");
    set_readable(&host, 0o644).expect("chmod");
    let r = &registrations(Some(&profile))[0];
    assert!(r.host_path_exists);
    let problem = r.problem.as_deref().expect("a problem");
    assert!(problem.contains("not executable"), "{problem}");
}

#[test]
fn invalid_json_is_a_problem() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let profile = tmp.path().join("profile");
    let manifest = profile_manifest(&profile);
    fs::create_dir_all(manifest.parent().expect("dir")).expect("mkdir");
    fs::write(&manifest, b"{\"name\": ").expect("write");

    let r = &registrations(Some(&profile))[0];
    assert!(r.present);
    assert_eq!(r.host_path, None);
    let problem = r.problem.as_deref().expect("a problem");
    assert!(
        problem.starts_with("the manifest is not valid JSON"),
        "{problem}"
    );
}

#[test]
fn wrong_fields_are_each_reported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let host = fake_host(tmp.path());
    let profile = tmp.path().join("profile");
    let manifest = profile_manifest(&profile);
    fs::create_dir_all(manifest.parent().expect("dir")).expect("mkdir");
    let text = serde_json::json!({
        "name": "org.example.other",
        "path": host,
        "type": "pipe",
        "allowed_origins": ["chrome-extension://*/", 7],
    });
    fs::write(&manifest, text.to_string()).expect("write");

    let r = &registrations(Some(&profile))[0];
    assert!(r.present);
    assert!(r.host_path_exists);
    let problem = r.problem.as_deref().expect("a problem");
    for part in [
        "names the host \"org.example.other\"",
        "type is \"pipe\"",
        "\"chrome-extension://*/\" is not a chrome-extension://<id>/ origin",
        "entry 7 is not a string",
    ] {
        assert!(problem.contains(part), "{part:?} missing from {problem:?}");
    }

    fs::write(
        &manifest,
        r#"{"name":"org.certrenew.host","type":"stdio","allowed_origins":[]}"#,
    )
    .expect("write");
    let problem = registrations(Some(&profile))[0]
        .problem
        .clone()
        .expect("a problem");
    assert!(problem.contains("no \"path\""), "{problem}");
    assert!(problem.contains("allowed_origins is empty"), "{problem}");

    fs::write(&manifest, "[1, 2]").expect("write");
    let problem = registrations(Some(&profile))[0]
        .problem
        .clone()
        .expect("a problem");
    assert_eq!(problem, "the manifest is not a JSON object");
}

#[cfg(unix)]
#[test]
fn relative_path_in_manifest_is_a_problem() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let profile = tmp.path().join("profile");
    let manifest = profile_manifest(&profile);
    fs::create_dir_all(manifest.parent().expect("dir")).expect("mkdir");
    let text = serde_json::json!({
        "name": HOST_NAME, "path": "bin/certrenew-host", "type": "stdio",
        "allowed_origins": [origin('a')],
    });
    fs::write(&manifest, text.to_string()).expect("write");
    let problem = registrations(Some(&profile))[0]
        .problem
        .clone()
        .expect("a problem");
    assert!(problem.contains("is not absolute"), "{problem}");
}

#[test]
fn unregister_removes_and_is_fine_when_absent() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let host = fake_host(tmp.path());
    let profile = tmp.path().join("profile");
    let o = opts(&profile, &host);
    register(&o).expect("register");
    let manifest = profile_manifest(&profile);
    assert!(manifest.exists());

    let after = unregister(&o).expect("unregister");
    assert!(!manifest.exists());
    assert_eq!(after.len(), 1);
    assert!(!after[0].present);
    assert_eq!(after[0].problem, None);

    let again = unregister(&o).expect("second unregister");
    assert!(!again[0].present);
    let r = &registrations(Some(&profile))[0];
    assert!(!r.present);
    assert_eq!(r.problem, None);
    assert_eq!(r.host_path, None);
}

#[test]
fn register_refuses_bad_options() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let host = fake_host(tmp.path());
    let profile = tmp.path().join("profile");

    let mut o = opts(&profile, &host);
    o.extension_ids.clear();
    assert!(matches!(register(&o), Err(RegisterError::NoExtensionIds)));

    let mut o = opts(&profile, &host);
    o.host_path = PathBuf::from("certrenew-host");
    let err = register(&o).expect_err("relative path");
    assert!(matches!(err, RegisterError::HostPathNotAbsolute { .. }));
    assert!(err.to_string().contains("not absolute"), "{err}");

    let mut o = opts(&profile, &host);
    o.host_path = tmp.path().join("nope");
    let err = register(&o).expect_err("missing host");
    assert!(matches!(err, RegisterError::HostPathMissing { .. }));
    assert!(err.to_string().contains("nope"), "{err}");

    assert!(!profile.exists(), "nothing written on refusal");
}

#[cfg(unix)]
#[test]
fn unwritable_directory_names_the_path() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let host = fake_host(tmp.path());
    // A file where the profile directory should be: creating below it must fail.
    let profile = tmp.path().join("blocker");
    fs::write(&profile, b"").expect("write blocker");
    let err = register(&opts(&profile, &host)).expect_err("cannot create dir");
    assert!(matches!(err, RegisterError::CreateDir { .. }), "{err:?}");
    assert!(err.to_string().contains("blocker"), "{err}");
}

#[test]
fn registrations_without_profile_cover_every_browser_and_scope() {
    // Reads the real locations; only the shape is checked, not what is installed.
    let all = registrations(None);
    assert_eq!(all.len(), 6);
    for kind in Kind::ALL {
        for scope in ["user", "system"] {
            assert!(
                all.iter()
                    .any(|r| r.browser == kind.name() && r.scope == scope),
                "{} {scope} missing",
                kind.name()
            );
        }
    }
}

#[test]
fn registration_serialises_for_diagnose() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let r = &registrations(Some(tmp.path()))[0];
    let v = serde_json::to_value(r).expect("serialise");
    for key in [
        "browser",
        "scope",
        "manifest_path",
        "registry_key",
        "present",
        "host_path",
        "host_path_exists",
        "allowed_origins",
        "problem",
    ] {
        assert!(v.get(key).is_some(), "{key} missing");
    }
}
