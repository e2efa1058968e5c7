//! One install run (docs/api.md §5.3, docs/protocol.md §9): find the token, make the
//! new key and have the CA issue for it, write the certificate, confirm. Each run
//! starts from what the server and the stored record say, so "try again" resumes from
//! the last step that finished.

use protocol::ErrorCode;
use protocol::ids::KeyId;
use protocol::renewal::RenewalStatus;
use serde_json::json;

use super::history;
use super::resume::{self, Plan, StoredInstall};
use crate::api;
use crate::auth;
use crate::bridge;
use crate::error::{AppError, Code};
use crate::models::{
    CsrAnswer, EncryptionInstall, HostCertificate, Installed, Listing, Renewal, Token,
};
use crate::state::Chosen;

/// The four steps shown by `progress#install-progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Reading the renewal and the token.
    FindToken = 1,
    /// The new key, its CSR, the CA's certificate.
    Generate = 2,
    /// Writing the certificate on the token.
    Install = 3,
    /// Telling the CA it is installed.
    Confirm = 4,
}

/// What a finished run leaves.
pub struct Finished {
    /// The renewal, `completed`.
    pub renewal: Renewal,
    /// The new certificate on its token.
    pub chosen: Chosen,
}

/// The token holding the issued certificate (with its key id) or, failing that, the
/// certificate being renewed.
fn find_token(
    listing: &Listing,
    old: &str,
    new: Option<&str>,
) -> Option<(Token, Option<HostCertificate>)> {
    if let Some(new) = new {
        for t in &listing.tokens {
            if let Some(c) = t
                .certificates
                .iter()
                .find(|c| c.sha256.as_str() == new && c.key_id.is_some())
            {
                return Some((t.token.clone(), Some(c.clone())));
            }
        }
    }
    listing
        .tokens
        .iter()
        .find(|t| t.certificates.iter().any(|c| c.sha256.as_str() == old))
        .map(|t| (t.token.clone(), None))
}

/// Runs the install of renewal `no`; `step` is told each step as it starts.
pub async fn run(no: &str, step: impl Fn(Step)) -> Result<Finished, AppError> {
    step(Step::FindToken);
    let renewal: Renewal = api::renewals::get_one(no).await?;
    let dual = renewal.is_dual();
    if dual {
        require_dual_host().await?;
    }
    let listing = bridge::list_certificates().await?;
    let new_sha = renewal.certificate.as_ref().map(|c| c.sha256.as_str());
    let Some((token, on_token)) = find_token(&listing, &renewal.cert_sha256, new_sha) else {
        return Err(AppError::new(
            ErrorCode::TokenNotFound,
            "no inserted USB key holds this certificate",
        ));
    };

    // Confirmed already (the answer of an earlier run was lost): nothing left to do.
    if renewal.status == Some(RenewalStatus::Completed) {
        resume::forget(no);
        let encryption = encryption_on_token(&listing, &renewal);
        return match on_token {
            Some(certificate) => Ok(Finished {
                renewal,
                chosen: Chosen {
                    token,
                    certificate,
                    encryption,
                },
            }),
            None => Err(AppError::new(
                ErrorCode::CertNotFound,
                "the renewed certificate is not on the USB key",
            )),
        };
    }

    // The new key is of the project's algorithm (the server checks it): SM2 (国密) on an
    // `sm2` platform, an EC token included, else EC P-256.
    let algorithm = if api::projects::kind(&renewal.project).await?.is_sm2() {
        "sm2"
    } else {
        "ec-p256"
    };
    let stored = resume::load(no);
    let key_on_token = on_token
        .as_ref()
        .and_then(|c| c.key_id.as_ref())
        .map(KeyId::as_str);
    // `known`: the key is certainly the certificate's; `generated`: made in this run.
    let (mut key_id, mut certificate, mut encryption, known, mut generated) = match resume::plan(
        renewal.status,
        renewal.certificate.as_ref(),
        stored.as_ref(),
        key_on_token,
        dual,
    ) {
        Plan::NotReady => {
            return Err(AppError::new(
                ErrorCode::IllegalTransition,
                format!(
                    "the renewal is {}, not waiting for an install",
                    renewal
                        .status
                        .map_or("in an unknown state", RenewalStatus::as_str)
                ),
            ));
        }
        Plan::Install {
            key_id,
            certificate,
            known,
            encryption,
        } => (key_id, certificate, encryption, known, false),
        Plan::Generate => {
            step(Step::Generate);
            let (k, c, e) = generate(
                no,
                token.serial.as_str(),
                &renewal.cert_sha256,
                algorithm,
                expired_path(&renewal),
                dual,
            )
            .await?;
            (k, c, e, true, true)
        }
    };

    let installed = loop {
        step(Step::Install);
        let challenge = auth::challenge().await?;
        let encryption_now = encryption
            .as_deref()
            .map(|e| with_due_history(e, &listing, &token, &renewal.cert_sha256));
        match bridge::install_certificate(
            token.serial.as_str(),
            &key_id,
            &certificate,
            &renewal.cert_sha256,
            &challenge,
            encryption_now.as_ref(),
        )
        .await
        {
            Ok(installed) => break (installed, challenge),
            // The key this browser remembered is gone (or, when only presumed, is not
            // the certificate's): the CA issues again for a new one (`reissue`).
            Err(e) if !generated && key_lost(&e.code, known) => {
                resume::forget(no);
                step(Step::Generate);
                (key_id, certificate, encryption) = generate(
                    no,
                    token.serial.as_str(),
                    &renewal.cert_sha256,
                    algorithm,
                    expired_path(&renewal),
                    dual,
                )
                .await?;
                generated = true;
            }
            Err(e) => return Err(e),
        }
    };
    let (
        Installed {
            certificate: new_cert,
            confirmation_signature,
            encryption_certificate,
            ..
        },
        challenge,
    ) = installed;

    step(Step::Confirm);
    let renewal: Renewal = api::renewals::installed(
        no,
        &json!({"challenge": challenge, "signature": confirmation_signature}),
    )
    .await?;
    resume::forget(no);
    Ok(Finished {
        renewal,
        chosen: Chosen {
            token,
            certificate: new_cert,
            encryption: encryption_certificate,
        },
    })
}

/// A pair's renewal needs a host that installs pairs (`hello`'s `dual-certificates`);
/// an older one would write the signing certificate alone.
async fn require_dual_host() -> Result<(), AppError> {
    let hello = bridge::hello().await?;
    if has_dual(&hello.capabilities) {
        return Ok(());
    }
    let mut e = AppError::new(
        ErrorCode::VersionMismatch,
        format!(
            "certrenew-host {} cannot install a signing and encryption pair; update it",
            hello.host_version
        ),
    );
    e.details = json!({"rule": DUAL_HOST_RULE, "host_version": hello.host_version});
    Err(e)
}

/// The `rule` of the error [`require_dual_host`] gives (the panel says to update).
pub const DUAL_HOST_RULE: &str = "host.dual_certificates";

fn has_dual(capabilities: &[String]) -> bool {
    capabilities
        .iter()
        .any(|c| c == protocol::host::Command::DUAL_CAPABILITY)
}

/// The renewed encryption certificate when the token holds it (a finished run whose
/// answer was lost).
fn encryption_on_token(listing: &Listing, renewal: &Renewal) -> Option<HostCertificate> {
    let sha = renewal.encryption.as_ref()?.sha256.as_deref()?;
    listing
        .tokens
        .iter()
        .flat_map(|t| t.certificates.iter())
        .find(|c| c.sha256.as_str() == sha)
        .cloned()
}

/// The encryption half with the history certificates the project's policy makes due
/// on this token named (the pair's subject and issuer from the certificate renewed, or
/// the one kept); unchanged without a policy.
fn with_due_history(
    enc: &EncryptionInstall,
    listing: &Listing,
    token: &Token,
    renewed: &str,
) -> EncryptionInstall {
    let mut enc = enc.clone();
    let Some(removal) = enc.remove.as_mut() else {
        return enc;
    };
    let certs = listing
        .tokens
        .iter()
        .find(|t| t.token.serial == token.serial)
        .map(|t| t.certificates.as_slice())
        .unwrap_or_default();
    let keep = enc.keep.as_ref().map(|k| k.as_str());
    if let Some(pair) = certs
        .iter()
        .find(|c| c.sha256.as_str() == renewed || Some(c.sha256.as_str()) == keep)
    {
        let now = (js_sys::Date::now() / 1000.0) as i64;
        history::name_due(removal, certs, &pair.subject, &pair.issuer, now);
    }
    enc
}

fn key_lost(code: &Code, known: bool) -> bool {
    *code == ErrorCode::KeyNotFound || (!known && *code == ErrorCode::CertKeyMismatch)
}

/// Whether the renewal came the expired-certificate way (docs/api.md §13.3): its CSR
/// goes to the expired path's endpoint, which needs no binding signature.
fn expired_path(renewal: &Renewal) -> bool {
    renewal.application.get("path").and_then(|p| p.as_str()) == Some("expired")
}

/// Step 2: a new key on `token`, bound by the old key; its id is stored before the CA
/// is asked, then the certificate beside it. On the expired path the old key's binding
/// signature is not asked for (the SMS sign-in, the bank transfer, the signed form, the
/// identity check and the review stand in for it).
async fn generate(
    no: &str,
    token: &str,
    old_sha256: &str,
    algorithm: &str,
    expired: bool,
    dual: bool,
) -> Result<(String, String, Option<Box<EncryptionInstall>>), AppError> {
    let challenge = auth::challenge().await?;
    let csr = bridge::generate_csr(token, old_sha256, algorithm, &challenge, dual).await?;
    let mut record = StoredInstall {
        business_no: no.to_owned(),
        token: Some(token.to_owned()),
        key_id: csr.key_id.to_string(),
        certificate: None,
        encryption: None,
    };
    resume::save(&record);
    let answer: CsrAnswer = if expired {
        api::expired::csr(no, &csr.csr).await?
    } else {
        api::renewals::csr(no, &csr.csr, &csr.binding_signature, &challenge).await?
    };
    if dual && answer.encryption.is_none() {
        return Err(AppError::new(
            ErrorCode::Internal,
            "the CA issued no encryption certificate for this pair's renewal",
        ));
    }
    record.certificate = Some(answer.certificate.clone());
    record.encryption = answer.encryption.clone();
    resume::save(&record);
    Ok((
        csr.key_id.into(),
        answer.certificate,
        answer.encryption.map(Box::new),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::TokenListing;

    // Certificates are named by a SHA-256: one letter repeated stands for each.
    fn sha(name: char) -> String {
        name.to_string().repeat(64)
    }

    fn cert(sha: &str, key_id: Option<&str>) -> HostCertificate {
        HostCertificate {
            der: Default::default(),
            sha256: sha.parse().expect("sha256"),
            key_id: key_id.map(|k| k.parse().expect("key id")),
            label: String::new(),
            subject: "CN=张三".to_owned(),
            issuer: "CN=CA".to_owned(),
            serial: "01".to_owned(),
            not_before: String::new(),
            not_after: String::new(),
            usage: protocol::host::Usage::Sign,
            has_private_key: true,
            history: false,
        }
    }

    fn token(serial: &str, certs: Vec<HostCertificate>) -> TokenListing {
        TokenListing {
            token: Token {
                serial: serial.parse().expect("serial"),
                label: String::new(),
                manufacturer: String::new(),
                model: String::new(),
                module: String::new(),
                pin_pad: false,
                pin_count_low: false,
                pin_final_try: false,
                pin_locked: false,
            },
            certificates: certs,
            pairs: Vec::new(),
        }
    }

    #[test]
    fn a_lost_key_is_made_again_but_a_known_pair_is_not_second_guessed() {
        assert!(key_lost(&ErrorCode::KeyNotFound.into(), true));
        assert!(key_lost(&ErrorCode::CertKeyMismatch.into(), false));
        assert!(!key_lost(&ErrorCode::CertKeyMismatch.into(), true));
        assert!(!key_lost(&ErrorCode::UserCancelled.into(), false));
        assert!(!key_lost(&ErrorCode::TokenRemoved.into(), false));
    }

    #[test]
    fn a_pair_needs_the_hosts_dual_capability() {
        let caps = |names: &[&str]| names.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(has_dual(&caps(&["hello", "dual-certificates"])));
        assert!(!has_dual(&caps(&["hello", "install_certificate"])));
        assert!(!has_dual(&[]));
    }

    #[test]
    fn the_token_with_the_new_certificate_is_preferred() {
        let (old, new) = (sha('a'), sha('b'));
        let listing = Listing {
            tokens: vec![
                token("a", vec![cert(&old, Some("01"))]),
                token("b", vec![cert(&new, Some("02"))]),
            ],
        };
        let (t, c) = find_token(&listing, &old, Some(&new)).expect("found");
        assert_eq!(t.serial.as_str(), "b");
        assert_eq!(
            c.and_then(|c| c.key_id).as_ref().map(KeyId::as_str),
            Some("02")
        );
        let (t, c) = find_token(&listing, &old, None).expect("found");
        assert_eq!(t.serial.as_str(), "a");
        assert!(c.is_none());
        assert!(find_token(&listing, &sha('c'), Some(&sha('d'))).is_none());
    }
}
