//! Where an interrupted install stands, and what to do next. The new key's id is kept
//! in LOCAL storage before the CA is asked for its certificate, so a reload, a crash or
//! a closed tab never makes the page generate a second key for a certificate it could
//! still install (docs/protocol.md §12: `install_certificate` is idempotent).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use protocol::renewal::RenewalStatus;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::models::{EncryptionInstall, IssuedCertificate};
use crate::read::{Fields, Res};
use crate::storage;

const KEY_PREFIX: &str = "certrenew.install.";

/// What this browser knows of a renewal's install.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredInstall {
    /// 业务单号.
    pub business_no: String,
    /// The token the key was made on.
    pub token: Option<String>,
    /// The new key's `CKA_ID` (hex).
    pub key_id: String,
    /// The certificate the CA issued for it (base64 DER), once received.
    pub certificate: Option<String>,
    /// A pair's encryption certificate and its key's envelope, from the same answer:
    /// only that answer carries the envelope, so it is kept until the install is done.
    pub encryption: Option<EncryptionInstall>,
}

impl StoredInstall {
    /// Read by hand (`crate::read`, issue 16) as the derive did: all but the number
    /// and the key id may be missing.
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(StoredInstall {
            business_no: f.string("business_no")?,
            token: f.opt_string("token")?,
            key_id: f.string("key_id")?,
            certificate: f.opt_string("certificate")?,
            encryption: f.opt_object("encryption", crate::bridge::read_encryption)?,
        })
    }
}
crate::via_value!(StoredInstall, StoredInstall::read);

fn key(business_no: &str) -> String {
    format!("{KEY_PREFIX}{business_no}")
}

/// The stored record of `business_no` (ignored when it names another renewal).
pub fn load(business_no: &str) -> Option<StoredInstall> {
    storage::load_local::<StoredInstall>(&key(business_no)).filter(|s| s.business_no == business_no)
}

/// Keeps the record.
pub fn save(record: &StoredInstall) {
    storage::save_local(&key(&record.business_no), record);
}

/// Forgets the record (installed, or its key is gone).
pub fn forget(business_no: &str) {
    storage::forget_local(&key(business_no));
}

/// Lowercase hex SHA-256 of base64 DER; `None` when it is not base64.
pub fn der_sha256(der_base64: &str) -> Option<String> {
    let der = STANDARD.decode(der_base64.trim()).ok()?;
    Some(hex::encode(Sha256::digest(&der)))
}

/// The next thing an install run does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Write `certificate` beside the key `key_id` (and finish what a crashed run
    /// left). `known`: the pair is certain; otherwise it is presumed (the CA's answer
    /// was lost) and a key mismatch means the key must be made again.
    Install {
        /// The new key.
        key_id: String,
        /// base64 DER.
        certificate: String,
        /// The certificate is known to be this key's.
        known: bool,
        /// A pair's encryption half (certificate and envelope).
        encryption: Option<Box<EncryptionInstall>>,
    },
    /// Make a new key and have the CA issue for it (`issue`, or `reissue` when the key
    /// of an issued certificate was lost).
    Generate,
    /// The renewal is not waiting for an install.
    NotReady,
}

/// Decides from the renewal's `status`, its issued certificate, the stored record and
/// the key id of the issued certificate when the token already holds it. A `dual`
/// renewal needs the envelope of the CSR answer: without it stored, the key is made
/// again (the CA issues both certificates again, with a new envelope).
pub fn plan(
    status: Option<RenewalStatus>,
    issued: Option<&IssuedCertificate>,
    stored: Option<&StoredInstall>,
    on_token: Option<&str>,
    dual: bool,
) -> Plan {
    let plan = plan_single(status, issued, stored, on_token);
    if !dual {
        return plan;
    }
    match plan {
        Plan::Install {
            key_id,
            certificate,
            known,
            ..
        } => match stored.and_then(|s| s.encryption.clone()) {
            Some(encryption) if stored.is_some_and(|s| s.key_id == key_id) => Plan::Install {
                key_id,
                certificate,
                known,
                encryption: Some(Box::new(encryption)),
            },
            _ => Plan::Generate,
        },
        other => other,
    }
}

fn plan_single(
    status: Option<RenewalStatus>,
    issued: Option<&IssuedCertificate>,
    stored: Option<&StoredInstall>,
    on_token: Option<&str>,
) -> Plan {
    match (status, issued) {
        (Some(RenewalStatus::Approved), _) | (Some(RenewalStatus::Issued), None) => Plan::Generate,
        (Some(RenewalStatus::Issued), Some(cert)) => {
            if let Some(key_id) = on_token {
                return Plan::Install {
                    key_id: key_id.to_owned(),
                    certificate: cert.der.clone(),
                    known: true,
                    encryption: None,
                };
            }
            match stored {
                Some(s) => match &s.certificate {
                    Some(der) if der_sha256(der).as_deref() == Some(cert.sha256.as_str()) => {
                        Plan::Install {
                            key_id: s.key_id.clone(),
                            certificate: cert.der.clone(),
                            known: true,
                            encryption: None,
                        }
                    }
                    // Reissued since (another browser): this key's certificate is superseded.
                    Some(_) => Plan::Generate,
                    // The key was made but the CA's answer never arrived; the CA may
                    // have issued for it.
                    None => Plan::Install {
                        key_id: s.key_id.clone(),
                        certificate: cert.der.clone(),
                        known: false,
                        encryption: None,
                    },
                },
                None => Plan::Generate,
            }
        }
        _ => Plan::NotReady,
    }
}

#[cfg(test)]
mod tests {
    use protocol::certificate::CertificateStatus;

    use super::*;

    const DER: &str = "MAMCAQE="; // 30 03 02 01 01

    // A single certificate's renewal (the dual cases have their own test).
    fn plan(
        status: Option<RenewalStatus>,
        issued: Option<&IssuedCertificate>,
        stored: Option<&StoredInstall>,
        on_token: Option<&str>,
    ) -> Plan {
        super::plan(status, issued, stored, on_token, false)
    }

    fn envelope() -> EncryptionInstall {
        serde_json::from_value(serde_json::json!({
            "certificate": "MAMCAQI=",
            "envelope": {
                "version": 1, "transport": "rsa-oaep-sha1",
                "recipient_spki_sha256": "00", "wrapped_content_key": "AA==",
                "wrapped_private_key": "AA=="
            },
            "keep": "c".repeat(64)
        }))
        .expect("encryption install")
    }

    /// The record reads back as it was written, and as the derive read older ones
    /// (fields it defaulted may be missing or `null`).
    #[test]
    fn a_stored_record_reads_back() {
        let full = StoredInstall {
            encryption: Some(envelope()),
            ..stored(Some(DER))
        };
        let text = serde_json::to_string(&full).expect("written");
        assert_eq!(
            serde_json::from_str::<StoredInstall>(&text).ok(),
            Some(full)
        );
        let least = serde_json::json!({"business_no": "B1", "key_id": "aa"});
        let read: StoredInstall = serde_json::from_value(least).expect("least");
        assert_eq!(
            (read.token, read.certificate, read.encryption),
            (None, None, None)
        );
        let nulls = serde_json::json!({"business_no": "B1", "key_id": "aa", "token": null,
            "certificate": null, "encryption": null});
        assert!(serde_json::from_value::<StoredInstall>(nulls).is_ok());
        for bad in [
            serde_json::json!({"key_id": "aa"}),
            serde_json::json!({"business_no": "B1"}),
            serde_json::json!({"business_no": "B1", "key_id": "aa", "encryption": {}}),
        ] {
            assert!(serde_json::from_value::<StoredInstall>(bad).is_err());
        }
    }

    #[test]
    fn a_pair_installs_only_with_the_envelope_it_was_issued_with() {
        let cert = issued(DER);
        let with = StoredInstall {
            encryption: Some(envelope()),
            ..stored(Some(DER))
        };
        assert_eq!(
            super::plan(
                Some(RenewalStatus::Issued),
                Some(&cert),
                Some(&with),
                None,
                true
            ),
            Plan::Install {
                key_id: "aa".to_owned(),
                certificate: DER.to_owned(),
                known: true,
                encryption: Some(Box::new(envelope())),
            }
        );
        // The signing certificate is on the token under the stored key: resumes.
        assert!(matches!(
            super::plan(
                Some(RenewalStatus::Issued),
                Some(&cert),
                Some(&with),
                Some("aa"),
                true
            ),
            Plan::Install {
                encryption: Some(_),
                ..
            }
        ));
        // No envelope kept (another browser, or storage cleared): issue again.
        assert_eq!(
            super::plan(
                Some(RenewalStatus::Issued),
                Some(&cert),
                Some(&stored(Some(DER))),
                None,
                true
            ),
            Plan::Generate
        );
        assert_eq!(
            super::plan(
                Some(RenewalStatus::Issued),
                Some(&cert),
                None,
                Some("bb"),
                true
            ),
            Plan::Generate
        );
        // The envelope kept is for another key than the one on the token.
        assert_eq!(
            super::plan(
                Some(RenewalStatus::Issued),
                Some(&cert),
                Some(&with),
                Some("bb"),
                true
            ),
            Plan::Generate
        );
        assert_eq!(
            super::plan(Some(RenewalStatus::Approved), None, Some(&with), None, true),
            Plan::Generate
        );
    }

    fn issued(der: &str) -> IssuedCertificate {
        IssuedCertificate {
            der: der.to_owned(),
            sha256: der_sha256(der).unwrap_or_default(),
            serial: "01".to_owned(),
            not_before: "2026-03-01T00:00:00Z".to_owned(),
            not_after: "2027-03-01T00:00:00Z".to_owned(),
            status: CertificateStatus::Issued.into(),
        }
    }

    fn stored(certificate: Option<&str>) -> StoredInstall {
        StoredInstall {
            business_no: "01202603010000012".to_owned(),
            token: Some("7c1c".to_owned()),
            key_id: "aa".to_owned(),
            certificate: certificate.map(str::to_owned),
            encryption: None,
        }
    }

    #[test]
    fn sha256_of_base64_der() {
        assert_eq!(
            der_sha256("").as_deref(),
            Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(der_sha256("not base64!"), None);
    }

    #[test]
    fn approved_makes_a_key() {
        assert_eq!(
            plan(Some(RenewalStatus::Approved), None, None, None),
            Plan::Generate
        );
        // A key made before the CA answered cannot be bound again: a new one is made.
        assert_eq!(
            plan(
                Some(RenewalStatus::Approved),
                None,
                Some(&stored(None)),
                None
            ),
            Plan::Generate
        );
    }

    #[test]
    fn issued_with_the_stored_certificate_resumes_at_install() {
        let cert = issued(DER);
        assert_eq!(
            plan(
                Some(RenewalStatus::Issued),
                Some(&cert),
                Some(&stored(Some(DER))),
                None
            ),
            Plan::Install {
                key_id: "aa".to_owned(),
                certificate: DER.to_owned(),
                known: true,
                encryption: None
            }
        );
    }

    #[test]
    fn issued_with_a_key_but_no_answer_tries_that_key() {
        let cert = issued(DER);
        assert_eq!(
            plan(
                Some(RenewalStatus::Issued),
                Some(&cert),
                Some(&stored(None)),
                None
            ),
            Plan::Install {
                key_id: "aa".to_owned(),
                certificate: DER.to_owned(),
                known: false,
                encryption: None
            }
        );
    }

    #[test]
    fn issued_certificate_on_the_token_wins() {
        let cert = issued(DER);
        assert_eq!(
            plan(Some(RenewalStatus::Issued), Some(&cert), None, Some("bb")),
            Plan::Install {
                key_id: "bb".to_owned(),
                certificate: DER.to_owned(),
                known: true,
                encryption: None
            }
        );
        assert_eq!(
            plan(
                Some(RenewalStatus::Issued),
                Some(&cert),
                Some(&stored(None)),
                Some("bb")
            ),
            Plan::Install {
                key_id: "bb".to_owned(),
                certificate: DER.to_owned(),
                known: true,
                encryption: None
            }
        );
    }

    #[test]
    fn issued_with_nothing_usable_reissues() {
        let cert = issued(DER);
        assert_eq!(
            plan(Some(RenewalStatus::Issued), Some(&cert), None, None),
            Plan::Generate
        );
        // The stored certificate was superseded by a reissue elsewhere.
        assert_eq!(
            plan(
                Some(RenewalStatus::Issued),
                Some(&cert),
                Some(&stored(Some("MAMCAQI="))),
                None
            ),
            Plan::Generate
        );
    }

    #[test]
    fn other_states_have_nothing_to_install() {
        for status in [
            RenewalStatus::AwaitingPayment,
            RenewalStatus::InReview,
            RenewalStatus::Completed,
            RenewalStatus::Rejected,
            RenewalStatus::Cancelled,
        ] {
            assert_eq!(
                plan(Some(status), None, None, None),
                Plan::NotReady,
                "{status:?}"
            );
        }
    }
}
