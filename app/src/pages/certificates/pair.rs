//! How a token's certificates are shown: a signing and an encryption certificate that
//! the host reports as a pair (`TokenCertificates.pairs`) are one card; certificates
//! kept as history (a former encryption certificate, so old data stays readable) are
//! shown apart and never offered for renewal; every other certificate is a card alone.

use crate::models::{HostCertificate, TokenListing};

/// One card: a certificate and, for a pair, its encryption certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The certificate renewed (the signing one of a pair).
    pub certificate: HostCertificate,
    /// The encryption certificate of its pair.
    pub encryption: Option<HostCertificate>,
}

/// A token's certificates, as the page lays them out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Grouped {
    /// The cards, in the host's order.
    pub entries: Vec<Entry>,
    /// The kept history certificates.
    pub history: Vec<HostCertificate>,
}

/// Groups `listing`'s certificates into cards and history.
pub fn group(listing: &TokenListing) -> Grouped {
    let find = |sha: &str| {
        listing
            .certificates
            .iter()
            .find(|c| c.sha256.as_str() == sha && !c.history)
    };
    // Only pairs whose two certificates are both listed (and neither is history).
    let pairs: Vec<(&HostCertificate, &HostCertificate)> = listing
        .pairs
        .iter()
        .filter_map(|p| Some((find(p.signing.as_str())?, find(p.encryption.as_str())?)))
        .filter(|(s, e)| s.sha256 != e.sha256)
        .collect();
    let mut grouped = Grouped::default();
    for c in &listing.certificates {
        if c.history {
            grouped.history.push(c.clone());
            continue;
        }
        if pairs.iter().any(|(_, e)| e.sha256 == c.sha256) {
            continue;
        }
        let encryption = pairs
            .iter()
            .find(|(s, _)| s.sha256 == c.sha256)
            .map(|(_, e)| (*e).clone());
        grouped.entries.push(Entry {
            certificate: c.clone(),
            encryption,
        });
    }
    grouped
}

#[cfg(test)]
mod tests {
    use protocol::host::Usage;

    use super::*;
    use crate::models::{CertificatePair, Token};

    fn sha(name: char) -> String {
        name.to_string().repeat(64)
    }

    fn cert(name: char, usage: Usage, history: bool) -> HostCertificate {
        HostCertificate {
            der: Default::default(),
            sha256: sha(name).parse().expect("sha256"),
            key_id: None,
            label: String::new(),
            subject: "CN=张三".to_owned(),
            issuer: "CN=CA".to_owned(),
            serial: "01".to_owned(),
            not_before: String::new(),
            not_after: String::new(),
            usage,
            has_private_key: true,
            history,
        }
    }

    fn listing(certificates: Vec<HostCertificate>, pairs: &[(char, char)]) -> TokenListing {
        TokenListing {
            token: Token {
                serial: "7c1cb55c54e9424d".parse().expect("serial"),
                label: String::new(),
                manufacturer: String::new(),
                model: String::new(),
                module: String::new(),
                pin_pad: false,
                pin_count_low: false,
                pin_final_try: false,
                pin_locked: false,
            },
            certificates,
            pairs: pairs
                .iter()
                .map(|(s, e)| CertificatePair {
                    signing: sha(*s).parse().expect("sha"),
                    encryption: sha(*e).parse().expect("sha"),
                })
                .collect(),
        }
    }

    fn shas(g: &Grouped) -> (Vec<(String, Option<String>)>, Vec<String>) {
        (
            g.entries
                .iter()
                .map(|e| {
                    (
                        e.certificate.sha256.to_string(),
                        e.encryption.as_ref().map(|c| c.sha256.to_string()),
                    )
                })
                .collect(),
            g.history.iter().map(|c| c.sha256.to_string()).collect(),
        )
    }

    #[test]
    fn a_signing_certificate_alone_is_one_card_as_before() {
        let g = group(&listing(vec![cert('a', Usage::Sign, false)], &[]));
        assert_eq!(shas(&g), (vec![(sha('a'), None)], vec![]));
    }

    #[test]
    fn a_pair_is_one_card_and_history_is_apart() {
        let certs = vec![
            cert('e', Usage::Encrypt, false),
            cert('5', Usage::Sign, false),
            cert('4', Usage::Encrypt, true),
        ];
        let g = group(&listing(certs, &[('5', 'e')]));
        assert_eq!(shas(&g), (vec![(sha('5'), Some(sha('e')))], vec![sha('4')]));
    }

    #[test]
    fn a_pair_naming_a_missing_or_history_certificate_is_ignored() {
        let certs = vec![
            cert('5', Usage::Sign, false),
            cert('4', Usage::Encrypt, true),
        ];
        let g = group(&listing(certs, &[('5', '4'), ('5', '9')]));
        assert_eq!(shas(&g), (vec![(sha('5'), None)], vec![sha('4')]));
    }

    #[test]
    fn an_encryption_certificate_in_no_pair_is_a_card_of_its_own() {
        let certs = vec![
            cert('5', Usage::Sign, false),
            cert('e', Usage::Encrypt, false),
        ];
        let g = group(&listing(certs, &[]));
        assert_eq!(shas(&g), (vec![(sha('5'), None), (sha('e'), None)], vec![]));
    }
}
