//! `list_certificates`: every token and its certificates, without a PIN, and which of
//! them form signing and encryption pairs (crate::pairing).

use protocol::host::{ListCertificatesResult, TokenCertificates};

use crate::cert_info;
use crate::context::Context;
use crate::error::HostError;
use crate::objects;
use crate::pairing::{self, Candidate};
use crate::token;

/// Answers `list_certificates`.
pub fn run(ctx: &mut Context) -> Result<ListCertificatesResult, HostError> {
    if !ctx.modules().iter().any(|m| m.context.is_ok()) {
        return Err(HostError::NoModule);
    }
    let tokens = token::present_tokens(ctx.modules());
    let mut out = Vec::with_capacity(tokens.len());
    for token in &tokens {
        let session = ctx.read_session(token)?;
        let mut certificates = Vec::new();
        let mut candidates = Vec::new();
        // A key pair is known when its private key is visible (logged in, or a token
        // that shows it) or its public key object exists.
        let key_ids = objects::key_ids(&session)?;
        for cert in objects::certificates(&session)? {
            let has_private_key = !cert.id.is_empty() && key_ids.contains(&cert.id);
            // An object that is not a parsable certificate is skipped, not fatal.
            let Ok(facts) = certinfo::facts(&cert.der) else {
                continue;
            };
            if let Ok(summary) = cert_info::summarize(
                &cert.der,
                objects::key_id(&cert.id),
                cert.label,
                has_private_key,
            ) {
                candidates.push(Candidate::from_facts(
                    &facts,
                    summary.sha256.clone(),
                    summary.history,
                ));
                certificates.push(summary);
            }
        }
        out.push(TokenCertificates {
            token: token.summary(),
            certificates,
            pairs: pairing::pairs(&candidates),
        });
    }
    Ok(ListCertificatesResult { tokens: out })
}
