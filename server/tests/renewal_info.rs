//! `GET /api/v1/renewal-info/{aki}.{serial}` (ACME Renewal Information, RFC 9773) over
//! real HTTP: the project's window for a certificate of the inventory, an immediate one
//! for a revoked certificate, 404 for an unknown one, 400 for a malformed id.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use reqwest::StatusCode;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;

/// The ARI certificate id: base64url of the authority key identifier, `.`, base64url
/// of the serial's DER bytes (sign byte included), both without padding.
fn cert_id(der: &[u8]) -> String {
    let (_, cert) = X509Certificate::from_der(der).unwrap();
    let aki = cert
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(a) => a.key_identifier.clone(),
            _ => None,
        })
        .expect("an authority key identifier");
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(aki.0),
        URL_SAFE_NO_PAD.encode(cert.raw_serial())
    )
}

fn not_after(der: &[u8]) -> OffsetDateTime {
    let (_, cert) = X509Certificate::from_der(der).unwrap();
    cert.validity().not_after.to_datetime()
}

fn time_of(v: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(v.as_str().unwrap(), &Rfc3339).unwrap()
}

async fn renewal_info(server: &TestServer, id: &str) -> (StatusCode, Option<String>, Value) {
    let r = server
        .client
        .get(server.url(&format!("/api/v1/renewal-info/{id}")))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let retry_after = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = r.text().await.unwrap();
    (
        status,
        retry_after,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn the_window_of_a_certificate_in_the_inventory() {
    let server = TestServer::start().await;
    let user = server.user("张三", 30);
    let (_, renewed) = complete_renewal(&server, &user, "gd-med", 12).await;

    let (status, retry_after, info) = renewal_info(&server, &cert_id(&renewed.der)).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(retry_after.as_deref(), Some("21600"));
    let na = not_after(&renewed.der);
    let window = &info["suggestedWindow"];
    assert_eq!(time_of(&window["start"]), na - Duration::days(90));
    assert_eq!(time_of(&window["end"]), na - Duration::days(7));
    assert!(info.get("explanationURL").is_none(), "{info}");

    // The certificate the renewal was applied with is known too: in its window now.
    let (status, _, info) = renewal_info(&server, &cert_id(&user.der)).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    let now = OffsetDateTime::now_utc();
    assert!(time_of(&info["suggestedWindow"]["start"]) < now, "{info}");
    assert_eq!(
        time_of(&info["suggestedWindow"]["end"]),
        not_after(&user.der) - Duration::days(7)
    );

    // Revoked: a window entirely in the past, i.e. renew now.
    let serial = certinfo::facts(&renewed.der).unwrap().serial_hex;
    let (ok, _, err) = server.cli(&["admin", "revoke", "--serial", &serial]);
    assert!(ok, "{err}");
    let (status, _, info) = renewal_info(&server, &cert_id(&renewed.der)).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    let (start, end) = (
        time_of(&info["suggestedWindow"]["start"]),
        time_of(&info["suggestedWindow"]["end"]),
    );
    assert!(start < end && end <= OffsetDateTime::now_utc(), "{info}");
}

#[tokio::test]
async fn unknown_certificates_are_404_and_malformed_ids_400() {
    let server = TestServer::start().await;
    let user = server.user("李四", 30);
    // Our authority key identifier, a serial the CA never issued.
    let id = cert_id(&user.der);
    let (aki, _) = id.split_once('.').unwrap();
    let unknown = format!("{aki}.{}", URL_SAFE_NO_PAD.encode([0x5a; 16]));
    let (status, _, body) = renewal_info(&server, &unknown).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "NOT_FOUND");
    // Every certificate the CA issued is in the inventory, `ca issue`'s too.
    let (status, _, body) = renewal_info(&server, &id).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Known serial, another authority key identifier: not ours.
    let client = server.login(&user).await;
    let (status, _) = server.apply(&client, &user, "gd-med", 12).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, serial) = id.split_once('.').unwrap();
    let (status, _, body) = renewal_info(
        &server,
        &format!("{}.{serial}", URL_SAFE_NO_PAD.encode([7u8; 20])),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _, _) = renewal_info(&server, &id).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the real id is known, applied with or not"
    );

    let (aki, _) = id.split_once('.').unwrap();
    for bad in [
        "no-dot".to_owned(),
        format!("{aki}."),
        format!(".{serial}"),
        format!("{aki}=.{serial}"),
        format!("{aki}.{serial}!"),
        "%2F%2B.AQ".to_owned(),
    ] {
        let (status, _, body) = renewal_info(&server, &bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "BAD_REQUEST", "{bad}");
    }

    // It is in the OpenAPI document.
    let (status, doc) = server.get_as(&server.client, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let op = &doc["paths"]["/api/v1/renewal-info/{cert_id}"]["get"];
    assert!(op["responses"]["200"].is_object(), "{op}");
    assert!(op["responses"]["404"].is_object() && op["responses"]["400"].is_object());
    assert!(doc["components"]["schemas"]["RenewalInfo"].is_object());
}
