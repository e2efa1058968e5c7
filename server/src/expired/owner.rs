//! The certificate's owner as its subject names it: the organisation (O) and, when the
//! subject carries one, the unified social credit code (in OU, serialNumber or
//! organizationIdentifier 2.5.4.97, alone or after a prefix such as `NTRCN-`).

use protocol::credit_code::CreditCode;
use x509_parser::prelude::{FromDer, X509Certificate};

/// What the subject says about its owner.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owner {
    /// The O attribute, if any.
    pub organisation: Option<String>,
    /// Every credit code found in OU, serialNumber or organizationIdentifier.
    pub credit_codes: Vec<String>,
}

/// Reads the owner from a certificate (DER); `None` when it cannot be parsed.
pub fn owner(der: &[u8]) -> Option<Owner> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let mut out = Owner::default();
    for rdn in cert.subject().iter() {
        for attr in rdn.iter() {
            let Some(arcs) = attr.attr_type().iter().map(|a| a.collect::<Vec<u64>>()) else {
                continue;
            };
            let Ok(text) = attr.as_str() else { continue };
            match arcs.as_slice() {
                [2, 5, 4, 10] => out.organisation = Some(text.to_owned()),
                [2, 5, 4, 11] | [2, 5, 4, 5] | [2, 5, 4, 97] => {
                    out.credit_codes.extend(credit_codes_in(text));
                }
                _ => {}
            }
        }
    }
    Some(out)
}

/// The credit codes inside `text`: runs of exactly 18 letters and digits that pass the
/// GB 32100 check (so `NTRCN-91350100M000100Y43` and `USCC:9135…` both count).
pub fn credit_codes_in(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .flat_map(|run| {
            // A prefix glued to the code (`NTRCN91350100M000100Y43`): the last 18.
            let tail = run.len().checked_sub(18).map(|start| &run[start..]);
            [Some(run), tail].into_iter().flatten()
        })
        .filter(|s| s.len() == 18)
        .filter_map(|s| CreditCode::parse(s).ok())
        .map(|c| c.as_str().to_owned())
        .fold(Vec::new(), |mut acc, c| {
            if !acc.contains(&c) {
                acc.push(c);
            }
            acc
        })
}

/// A name as compared: full-width forms folded to ASCII (（）→ ()), spaces removed,
/// Latin letters in one case. `测试医药（深圳）有限公司` equals `测试医药(深圳)有限公司`.
pub fn normalise_name(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFF01 + 0x21).unwrap_or(c),
            '\u{3000}' => ' ',
            other => other,
        })
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_across_widths_and_spaces() {
        assert_eq!(
            normalise_name("测试医药（深圳）有限公司"),
            normalise_name("测试医药(深圳)有限公司")
        );
        assert_eq!(normalise_name(" ABC 公司 "), normalise_name("abc公司"));
        assert_ne!(
            normalise_name("测试医药有限公司"),
            normalise_name("测试药业有限公司")
        );
    }

    fn certificate(attrs: &[(rcgen::DnType, &str)]) -> Vec<u8> {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        for (ty, value) in attrs {
            params.distinguished_name.push(ty.clone(), *value);
        }
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn the_owner_is_read_from_o_ou_serial_number_and_organization_identifier() {
        use rcgen::DnType;
        let code = "91350100M000100Y43";
        let der = certificate(&[
            (DnType::CountryName, "CN"),
            (DnType::OrganizationName, "测试医药有限公司"),
            (
                DnType::CustomDnType(vec![2, 5, 4, 97]),
                &format!("NTRCN-{code}"),
            ),
            (DnType::CommonName, "张三"),
        ]);
        let read = owner(&der).unwrap();
        assert_eq!(read.organisation.as_deref(), Some("测试医药有限公司"));
        assert_eq!(read.credit_codes, [code]);
        let der = certificate(&[
            (DnType::OrganizationName, "A公司"),
            (DnType::CustomDnType(vec![2, 5, 4, 5]), code),
            (DnType::OrganizationalUnitName, "销售部"),
        ]);
        assert_eq!(owner(&der).unwrap().credit_codes, [code]);
        let der = certificate(&[(DnType::CommonName, "个人")]);
        assert_eq!(owner(&der).unwrap(), Owner::default());
        assert_eq!(owner(b"not a certificate"), None);
    }

    #[test]
    fn credit_codes_are_found_with_or_without_prefix() {
        let code = "91350100M000100Y43";
        assert_eq!(credit_codes_in(code), [code]);
        assert_eq!(credit_codes_in(&format!("NTRCN-{code}")), [code]);
        assert_eq!(credit_codes_in(&format!("USCC:{code}")), [code]);
        assert_eq!(credit_codes_in(&format!("NTRCN{code}")), [code]);
        assert!(
            credit_codes_in("91350100M000100Y44").is_empty(),
            "bad check character"
        );
        assert!(credit_codes_in("销售部").is_empty());
    }
}
