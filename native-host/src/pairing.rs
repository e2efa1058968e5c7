//! Which certificates on a token form signing and encryption pairs (docs/protocol.md
//! §9, `list_certificates`). Chinese CAs issue a signing certificate (签名证书) and an
//! encryption certificate (加密证书) together under one subject; certrenew renews
//! them as one unit.
//!
//! The rule: two certificates pair when their subject and issuer are equal byte for
//! byte (DER), one has signing usage only and the other encryption usage only, and
//! neither is a history certificate (crate::history). When a subject has several of
//! each (a half-finished renewal, or a token used for years), the pairs are chosen
//! closest validity first: the sum of the distances between the two notBefore and
//! the two notAfter times, ties broken by the certificates' order on the token. Each
//! certificate is in at most one pair.

use protocol::host::{CertificatePair, Usage};
use protocol::ids::CertSha256;

/// What the pairing rule looks at in one certificate.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The certificate's name.
    pub sha256: CertSha256,
    /// The subject Name's DER.
    pub subject: Vec<u8>,
    /// The issuer Name's DER.
    pub issuer: Vec<u8>,
    /// Its usage.
    pub usage: Usage,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// A kept former encryption certificate.
    pub history: bool,
}

impl Candidate {
    /// The candidate of a certificate's facts.
    pub fn from_facts(facts: &certinfo::CertFacts, sha256: CertSha256, history: bool) -> Self {
        Self {
            sha256,
            subject: facts.subject_der.clone(),
            issuer: facts.issuer_der.clone(),
            usage: match facts.usage {
                certinfo::Usage::Sign => Usage::Sign,
                certinfo::Usage::Encrypt => Usage::Encrypt,
                certinfo::Usage::Both => Usage::Both,
            },
            not_before: facts.not_before.unix_timestamp(),
            not_after: facts.not_after.unix_timestamp(),
            history,
        }
    }
}

/// The pairs among `certs`, in the order of their signing certificates.
pub fn pairs(certs: &[Candidate]) -> Vec<CertificatePair> {
    let usable = |c: &&Candidate, usage| c.usage == usage && !c.history;
    // Every admissible (signing, encryption) pair with its distance.
    let mut options: Vec<(u128, usize, usize)> = Vec::new();
    for (s, sign) in certs.iter().enumerate() {
        if !usable(&sign, Usage::Sign) {
            continue;
        }
        for (e, enc) in certs.iter().enumerate() {
            if usable(&enc, Usage::Encrypt)
                && enc.subject == sign.subject
                && enc.issuer == sign.issuer
            {
                let distance = u128::from(sign.not_before.abs_diff(enc.not_before))
                    + u128::from(sign.not_after.abs_diff(enc.not_after));
                options.push((distance, s, e));
            }
        }
    }
    options.sort_unstable();
    let mut taken = vec![false; certs.len()];
    let mut chosen = Vec::new();
    for (_, s, e) in options {
        if !taken[s] && !taken[e] {
            taken[s] = true;
            taken[e] = true;
            chosen.push((s, e));
        }
    }
    chosen.sort_unstable();
    chosen
        .into_iter()
        .map(|(s, e)| CertificatePair {
            signing: certs[s].sha256.clone(),
            encryption: certs[e].sha256.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn sha(n: u8) -> CertSha256 {
        CertSha256::from_digest(&[n; 32])
    }

    fn cert(n: u8, usage: Usage, subject: &[u8], issuer: &[u8], start_day: i64) -> Candidate {
        Candidate {
            sha256: sha(n),
            subject: subject.to_vec(),
            issuer: issuer.to_vec(),
            usage,
            not_before: start_day * DAY,
            not_after: (start_day + 365) * DAY,
            history: false,
        }
    }

    fn names(pairs: &[CertificatePair]) -> Vec<(CertSha256, CertSha256)> {
        pairs
            .iter()
            .map(|p| (p.signing.clone(), p.encryption.clone()))
            .collect()
    }

    #[test]
    fn a_signing_and_an_encryption_certificate_of_one_subject_pair() {
        let certs = [
            cert(1, Usage::Sign, b"A", b"CA", 0),
            cert(2, Usage::Encrypt, b"A", b"CA", 0),
        ];
        assert_eq!(names(&pairs(&certs)), vec![(sha(1), sha(2))]);
        // The order on the token does not matter.
        let reversed = [certs[1].clone(), certs[0].clone()];
        assert_eq!(names(&pairs(&reversed)), vec![(sha(1), sha(2))]);
    }

    #[test]
    fn a_single_certificate_token_has_no_pair() {
        assert!(pairs(&[]).is_empty());
        assert!(pairs(&[cert(1, Usage::Sign, b"A", b"CA", 0)]).is_empty());
        assert!(pairs(&[cert(1, Usage::Encrypt, b"A", b"CA", 0)]).is_empty());
        assert!(pairs(&[cert(1, Usage::Both, b"A", b"CA", 0)]).is_empty());
    }

    #[test]
    fn names_must_match_byte_for_byte() {
        for (subject, issuer) in [(&b"B"[..], &b"CA"[..]), (b"A", b"CA2"), (b"A ", b"CA")] {
            let certs = [
                cert(1, Usage::Sign, b"A", b"CA", 0),
                cert(2, Usage::Encrypt, subject, issuer, 0),
            ];
            assert!(pairs(&certs).is_empty(), "{subject:?} {issuer:?}");
        }
    }

    #[test]
    fn usages_must_be_one_each() {
        use Usage::*;
        for (a, b) in [
            (Sign, Sign),
            (Encrypt, Encrypt),
            (Both, Encrypt),
            (Sign, Both),
            (Both, Both),
        ] {
            let certs = [cert(1, a, b"A", b"CA", 0), cert(2, b, b"A", b"CA", 0)];
            assert!(pairs(&certs).is_empty(), "{a:?} {b:?}");
        }
    }

    #[test]
    fn a_history_certificate_never_pairs() {
        let mut old = cert(2, Usage::Encrypt, b"A", b"CA", 0);
        old.history = true;
        let certs = [cert(1, Usage::Sign, b"A", b"CA", 0), old.clone()];
        assert!(pairs(&certs).is_empty());
        // After a renewal: the new pair pairs, the kept old encryption one does not,
        // even though its validity is closer to nothing else.
        let certs = [
            cert(3, Usage::Sign, b"A", b"CA", 365),
            old,
            cert(4, Usage::Encrypt, b"A", b"CA", 365),
        ];
        assert_eq!(names(&pairs(&certs)), vec![(sha(3), sha(4))]);
        // A history signing certificate does not pair either.
        let mut sign = cert(5, Usage::Sign, b"A", b"CA", 0);
        sign.history = true;
        assert!(pairs(&[sign, cert(6, Usage::Encrypt, b"A", b"CA", 0)]).is_empty());
    }

    #[test]
    fn several_of_each_pair_by_closest_validity() {
        // Old and new pairs of one subject, listed crosswise.
        let certs = [
            cert(1, Usage::Sign, b"A", b"CA", 0),
            cert(2, Usage::Encrypt, b"A", b"CA", 366),
            cert(3, Usage::Sign, b"A", b"CA", 365),
            cert(4, Usage::Encrypt, b"A", b"CA", 1),
        ];
        assert_eq!(
            names(&pairs(&certs)),
            vec![(sha(1), sha(4)), (sha(3), sha(2))]
        );
    }

    #[test]
    fn a_closer_pair_wins_over_list_order_and_leftovers_stay_single() {
        // Two signing certificates, one encryption certificate: the closer one pairs.
        let certs = [
            cert(1, Usage::Sign, b"A", b"CA", 0),
            cert(2, Usage::Sign, b"A", b"CA", 700),
            cert(3, Usage::Encrypt, b"A", b"CA", 699),
        ];
        assert_eq!(names(&pairs(&certs)), vec![(sha(2), sha(3))]);
        // Two encryption certificates, one signing certificate.
        let certs = [
            cert(1, Usage::Encrypt, b"A", b"CA", 0),
            cert(2, Usage::Sign, b"A", b"CA", 10),
            cert(3, Usage::Encrypt, b"A", b"CA", 9),
        ];
        assert_eq!(names(&pairs(&certs)), vec![(sha(2), sha(3))]);
    }

    #[test]
    fn equal_distances_pair_in_token_order() {
        let certs = [
            cert(1, Usage::Sign, b"A", b"CA", 0),
            cert(2, Usage::Sign, b"A", b"CA", 0),
            cert(3, Usage::Encrypt, b"A", b"CA", 0),
        ];
        assert_eq!(names(&pairs(&certs)), vec![(sha(1), sha(3))]);
    }

    #[test]
    fn subjects_pair_independently_in_signing_order() {
        let certs = [
            cert(1, Usage::Encrypt, b"B", b"CA", 0),
            cert(2, Usage::Sign, b"A", b"CA", 0),
            cert(3, Usage::Sign, b"B", b"CA", 0),
            cert(4, Usage::Encrypt, b"A", b"CA", 0),
            cert(5, Usage::Sign, b"C", b"CA", 0),
        ];
        assert_eq!(
            names(&pairs(&certs)),
            vec![(sha(2), sha(4)), (sha(3), sha(1))]
        );
    }

    #[test]
    fn extreme_validities_do_not_overflow() {
        let mut a = cert(1, Usage::Sign, b"A", b"CA", 0);
        a.not_before = i64::MIN;
        a.not_after = i64::MIN;
        let mut b = cert(2, Usage::Encrypt, b"A", b"CA", 0);
        b.not_before = i64::MAX;
        b.not_after = i64::MAX;
        assert_eq!(names(&pairs(&[a, b])), vec![(sha(1), sha(2))]);
    }
}
