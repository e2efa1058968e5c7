//! The expired path's answers (docs/api.md §13.2), as the app reads them.

use protocol::expired::{ApplicationStatus, IdentityOutcome, NextStep, TransferStatus, UploadKind};
use protocol::renewal::RenewalStatus;
use serde::Deserialize;
use serde_json::Value;

use crate::coded::Coded;
use crate::models::FeeLine;

/// `Application`: one expired-path application.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Application {
    /// 业务单号 (also the renewal's, once submitted).
    pub business_no: String,
    /// Project id.
    pub project: String,
    /// Its own state.
    pub status: Coded<ApplicationStatus>,
    /// What the app shows next.
    pub next_step: Coded<NextStep>,
    /// `{serial, subject, sha256, not_after}`.
    #[serde(default)]
    pub certificate: CertificateFacts,
    /// The details as saved (normalised), once saved.
    #[serde(default)]
    pub details: Option<Value>,
    /// The latest verification transfer.
    #[serde(default)]
    pub transfer: Option<Transfer>,
    /// Files uploaded so far.
    #[serde(default)]
    pub uploads: Vec<Upload>,
    /// Identity checks so far, oldest first.
    #[serde(default)]
    pub identity_checks: Vec<IdentityCheck>,
    /// The renewal's status once submitted.
    #[serde(default)]
    pub renewal_status: Option<Coded<RenewalStatus>>,
    /// Started.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

impl Application {
    /// Whether it can still change (not submitted, not cancelled).
    pub fn is_open(&self) -> bool {
        self.status.known().is_some_and(ApplicationStatus::is_open)
    }

    /// The newest upload of `kind`.
    pub fn upload(&self, kind: UploadKind) -> Option<&Upload> {
        self.uploads.iter().rev().find(|u| u.kind == kind)
    }
}

/// The certificate being renewed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CertificateFacts {
    /// Serial (hex).
    #[serde(default)]
    pub serial: String,
    /// Subject DN.
    #[serde(default)]
    pub subject: String,
    /// SHA-256 of the DER.
    #[serde(default)]
    pub sha256: String,
    /// notAfter.
    #[serde(default)]
    pub not_after: String,
}

/// A verification transfer (account number masked).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Transfer {
    /// 户名.
    pub account_name: String,
    /// 开户行.
    pub bank: String,
    /// `****7890`.
    pub account_no: String,
    /// 1 fen.
    pub amount_fen: i64,
    /// Its state.
    pub status: Coded<TransferStatus>,
    /// Wrong codes typed.
    #[serde(default)]
    pub tries: i64,
    /// Tries left while pending.
    #[serde(default)]
    pub tries_left: i64,
    /// Sent.
    pub sent_at: String,
}

/// An uploaded file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Upload {
    /// Its id.
    pub id: i64,
    /// What the file is.
    pub kind: Coded<UploadKind>,
    /// From its bytes.
    pub media_type: String,
    /// Bytes.
    pub size: i64,
    /// The name the user's file had.
    #[serde(default)]
    pub name: String,
    /// When.
    pub uploaded_at: String,
}

/// One identity check.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct IdentityCheck {
    /// Its outcome.
    pub outcome: Coded<IdentityOutcome>,
    /// Why it failed.
    #[serde(default)]
    pub reason: Option<String>,
    /// When.
    pub checked_at: String,
}

/// The printable application form (`GET …/form`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PrintForm {
    /// 业务单号.
    pub business_no: String,
    /// What the QR code holds.
    pub qr_text: String,
    /// Title.
    pub title_zh: String,
    /// Title.
    pub title_en: String,
    /// `{id, name_zh, name_en}`.
    pub project: Value,
    /// `{serial, subject, not_after}`.
    pub certificate: Value,
    /// The saved details.
    pub details: Value,
    /// `{account_name, bank, account_no}` once verified.
    #[serde(default)]
    pub bank_account: Option<Value>,
    /// Fee lines.
    pub fee_lines: Vec<FeeLine>,
    /// Total for people.
    pub total_display: String,
    /// The declaration the signatories make.
    pub declaration_zh: String,
    /// The declaration in English.
    pub declaration_en: String,
    /// Where to sign and stamp.
    #[serde(default)]
    pub sign_here: Vec<SignHere>,
    /// When it was generated.
    pub generated_at: String,
}

/// A signature or stamp box.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SignHere {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

/// `POST …/submit`'s answer.
#[derive(Debug, Clone, Deserialize)]
pub struct Submitted {
    /// The application, `submitted`.
    pub application: Application,
}

/// `POST …/liveness`'s answer.
#[derive(Debug, Clone, Deserialize)]
pub struct LivenessStart {
    /// The provider's page.
    pub url: String,
}

/// `POST /sms-codes`'s answer.
#[derive(Debug, Clone, Deserialize)]
pub struct CodeSent {
    /// `138****8000`.
    pub mobile: String,
}

/// The steps as the stepper shows them, in order, with their catalogue keys.
pub const STEPS: [(&str, &str); 7] = [
    ("details", "expired.step.details"),
    ("bank_account", "expired.step.bank"),
    ("form", "expired.step.form"),
    ("identity", "expired.step.identity"),
    ("submit", "expired.step.submit"),
    ("pay", "expired.step.pay"),
    ("install", "expired.step.install"),
];

/// The stepper's position of a `next_step` (`bank_code` is the bank step; an unknown
/// step or none is the first).
pub fn step_index(next_step: Option<NextStep>) -> usize {
    match next_step {
        Some(NextStep::BankAccount | NextStep::BankCode) => 1,
        Some(NextStep::Form) => 2,
        Some(NextStep::Identity) => 3,
        Some(NextStep::Submit) => 4,
        Some(NextStep::Pay) => 5,
        Some(NextStep::Details | NextStep::None) | None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bank_code_is_part_of_the_bank_step_and_order_follows_the_server() {
        use NextStep as N;
        let cases = [
            (N::Details, "details"),
            (N::BankAccount, "bank_account"),
            (N::BankCode, "bank_account"),
            (N::Form, "form"),
            (N::Identity, "identity"),
            (N::Submit, "submit"),
            (N::Pay, "pay"),
        ];
        for (step, shown) in cases {
            assert_eq!(STEPS[step_index(Some(step))].0, shown, "{step:?}");
        }
        assert_eq!(step_index(None), 0);
    }

    #[test]
    fn the_servers_application_is_read() {
        let json = r#"{"business_no":"01202611220000001","project":"gd","status":"transfer_sent","next_step":"bank_code",
            "certificate":{"serial":"0A","subject":"CN=x","sha256":"ab","not_after":"2026-11-01T00:00:00Z"},
            "details":null,"transfer":{"account_name":"a","bank":"b","account_no":"****7890","amount_fen":1,"status":"pending","tries":1,"tries_left":4,"sent_at":"2026-11-22T00:00:00Z"},
            "uploads":[],"identity_checks":[],"renewal_status":null,"created_at":"2026-11-22T00:00:00Z","updated_at":"2026-11-22T00:00:00Z"}"#;
        let a: Application = serde_json::from_str(json).expect("reads");
        assert!(a.is_open());
        assert_eq!(a.transfer.map(|t| t.tries_left), Some(4));
    }
}
