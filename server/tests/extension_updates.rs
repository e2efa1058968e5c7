//! The extension's self-hosted updates over real HTTP: the update manifest names the
//! highest published version with the id of its signing key, the package downloads
//! byte-identical with Chrome's media type, and nothing but `certrenew-X.Y.Z.crx` files
//! can be fetched from the folder (docs/extension-updates.md).
//!
//! The packages are written here by a CRX3 writer of the test's own (independent of
//! extension/pack.mjs), signed with the development key, whose id is
//! extension/dev-extension-id.txt.

mod common;

use std::path::Path;

use common::*;
use reqwest::StatusCode;
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::signature::{SignatureEncoding, Signer};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const DEV_KEY: &str = include_str!("../../extension/dev-key.pem");
const DEV_ID: &str = include_str!("../../extension/dev-extension-id.txt");

fn field(number: u64, bytes: &[u8]) -> Vec<u8> {
    fn varint(mut n: u64, out: &mut Vec<u8>) {
        while n > 0x7f {
            out.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }
    let mut out = Vec::new();
    varint(number << 3 | 2, &mut out);
    varint(bytes.len() as u64, &mut out);
    out.extend_from_slice(bytes);
    out
}

/// A CRX3 file around `zip`, signed with the development key.
fn crx3(zip: &[u8]) -> Vec<u8> {
    let key = RsaPrivateKey::from_pkcs8_pem(DEV_KEY).unwrap();
    let spki = key.to_public_key().to_public_key_der().unwrap();
    let crx_id = &Sha256::digest(spki.as_bytes())[..16];
    let signed_header_data = field(1, crx_id);
    let mut message = b"CRX3 SignedData\x00".to_vec();
    message.extend_from_slice(&(signed_header_data.len() as u32).to_le_bytes());
    message.extend_from_slice(&signed_header_data);
    message.extend_from_slice(zip);
    let signature = SigningKey::<Sha256>::new(key).sign(&message).to_vec();
    let proof = [field(1, spki.as_bytes()), field(2, &signature)].concat();
    let header = [field(2, &proof), field(10000, &signed_header_data)].concat();
    let mut crx = b"Cr24".to_vec();
    crx.extend_from_slice(&3u32.to_le_bytes());
    crx.extend_from_slice(&(header.len() as u32).to_le_bytes());
    crx.extend_from_slice(&header);
    crx.extend_from_slice(zip);
    crx
}

fn publish(dir: &Path, version: &str) -> Vec<u8> {
    std::fs::create_dir_all(dir).unwrap();
    let crx = crx3(format!("PK stand-in for the zip of {version}").as_bytes());
    std::fs::write(dir.join(format!("certrenew-{version}.crx")), &crx).unwrap();
    crx
}

/// Sends `path` exactly as written (no client-side normalisation); returns the status
/// line and the whole response.
async fn raw_get(port: u16, path: &str) -> (String, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    (text.lines().next().unwrap_or_default().to_owned(), text)
}

#[tokio::test]
async fn the_manifest_names_the_highest_version_and_its_package_downloads_intact() {
    let packages = tempfile::tempdir().unwrap();
    let dir = packages.path();
    // 0.10.0 is higher than 0.9.0: versions compare as numbers, not as text.
    publish(dir, "0.9.0");
    let newest = publish(dir, "0.10.0");
    publish(dir, "0.1.0");
    // Not packages: ignored by the listing and never served.
    std::fs::write(dir.join("certrenew-9.9.9.crx.bak"), b"old").unwrap();
    std::fs::write(dir.join("notes.txt"), b"private notes").unwrap();
    std::fs::create_dir(dir.join("certrenew-99.0.0.crx")).unwrap();

    let server =
        TestServer::start_with(&[("CERTRENEW_EXTENSION_DIR", dir.to_str().unwrap())]).await;

    let r = server
        .client
        .get(server.url("/extension/updates.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("application/xml"),
        "{content_type}"
    );
    let xml = r.text().await.unwrap();
    let codebase = format!("{}/extension/certrenew-0.10.0.crx", server.origin);
    assert!(
        xml.contains(r#"<gupdate xmlns="http://www.google.com/update2/response" protocol="2.0">"#),
        "{xml}"
    );
    assert!(
        xml.contains(&format!(r#"<app appid="{}">"#, DEV_ID.trim())),
        "{xml}"
    );
    assert!(
        xml.contains(&format!(
            r#"<updatecheck codebase="{codebase}" version="0.10.0"/>"#
        )),
        "{xml}"
    );

    // Chrome asks with its own query string; the answer is the same.
    let asked = server
        .client
        .get(server.url(&format!(
            "/extension/updates.xml?os=linux&arch=x64&prod=chromiumcrx&acceptformat=crx3&x=id%3D{}%26v%3D0.9.0%26uc",
            DEV_ID.trim()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.text().await.unwrap(), xml);

    let r = server.client.get(&codebase).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "application/x-chrome-extension"
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), newest.as_slice());

    // An older version stays downloadable (a browser mid-update may still ask for it).
    let r = server
        .client
        .get(server.url("/extension/certrenew-0.9.0.crx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // A new version is picked up without a restart.
    publish(dir, "1.0.0");
    let xml = server
        .client
        .get(server.url("/extension/updates.xml"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(xml.contains(r#"version="1.0.0""#), "{xml}");
}

#[tokio::test]
async fn only_package_files_can_be_fetched() {
    let packages = tempfile::tempdir().unwrap();
    let dir = packages.path().join("extension");
    publish(&dir, "0.1.0");
    std::fs::write(dir.join("notes.txt"), b"private notes").unwrap();
    std::fs::write(dir.join("certrenew-0.1.0.crx.bak"), b"private backup").unwrap();
    std::fs::write(packages.path().join("secret.crx"), b"outside the folder").unwrap();
    std::fs::write(
        packages.path().join("certrenew-5.0.0.crx"),
        b"outside the folder",
    )
    .unwrap();
    let server =
        TestServer::start_with(&[("CERTRENEW_EXTENSION_DIR", dir.to_str().unwrap())]).await;

    for path in [
        "/extension/notes.txt",
        "/extension/certrenew-0.1.0.crx.bak",
        "/extension/certrenew-0.2.0.crx",
        "/extension/..%2Fsecret.crx",
        "/extension/..%2Fcertrenew-5.0.0.crx",
        "/extension/%2e%2e%2Fcertrenew-5.0.0.crx",
        "/extension/certrenew-0.1.0.crx%00.txt",
        "/extension/certrenew-..%2F..%2Fcertrenew-5.0.0.crx",
        "/extension/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/extension/../../../etc/passwd",
        "/extension/..%5C..%5Csecret.crx",
    ] {
        let (status, response) = raw_get(server.port, path).await;
        eprintln!("{path} -> {status}");
        assert!(
            status.contains(" 404 ") || status.contains(" 400 "),
            "{path}: {status}"
        );
        for secret in ["private", "outside the folder", "root:"] {
            assert!(!response.contains(secret), "{path} leaked: {response}");
        }
    }
    let (status, _) = raw_get(server.port, "/extension/certrenew-0.1.0.crx").await;
    assert!(status.contains(" 200 "), "{status}");
}

#[tokio::test]
async fn the_default_folder_is_under_the_data_folder_and_a_broken_upload_is_refused() {
    let server = TestServer::start().await;
    // Nothing published yet.
    let r = server
        .client
        .get(server.url("/extension/updates.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let dir = server.dir.path().join("data").join("extension");
    publish(&dir, "0.1.0");
    let xml = server
        .client
        .get(server.url("/extension/updates.xml"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(xml.contains(r#"version="0.1.0""#), "{xml}");

    // A higher version whose zip was altered after signing: the manifest is refused
    // rather than offering every browser a package it would reject.
    let mut broken = crx3(b"PK the signed zip");
    let last = broken.len() - 1;
    broken[last] ^= 1;
    std::fs::write(dir.join("certrenew-0.2.0.crx"), &broken).unwrap();
    let r = server
        .client
        .get(server.url("/extension/updates.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let log = server.log();
    assert!(
        log.contains("certrenew-0.2.0.crx") && log.contains("does not verify"),
        "{log}"
    );
}
