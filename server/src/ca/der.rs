//! The DER the CA writes by hand: object identifiers and the certificatePolicies
//! extension. TLVs, ECDSA signatures from a token's raw `r ‖ s` and EC points come from
//! `certinfo::der`, shared with the native host.

pub(crate) use certinfo::der::{ec_point, ecdsa_signature, tlv};

const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;

/// Parses a dotted object identifier (`1.2.156.112562.2.1.1.1`) strictly: at least
/// two arcs, decimal digits without leading zeros, a first arc of 0, 1 or 2 and, below
/// 2, a second arc under 40. Returns its arcs.
pub(crate) fn parse_oid(dotted: &str) -> Result<Vec<u64>, String> {
    let mut arcs = Vec::new();
    for part in dotted.split('.') {
        let well_formed = !part.is_empty()
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'));
        if !well_formed {
            return Err(format!(
                "{dotted:?} is not a dotted object identifier (like 1.2.156.1.8888.1)"
            ));
        }
        let arc = part
            .parse::<u64>()
            .map_err(|_| format!("{dotted:?} has an arc too large to encode"))?;
        arcs.push(arc);
    }
    match arcs.as_slice() {
        [first, second, ..] if *first <= 1 && *second >= 40 => Err(format!(
            "{dotted:?} is not a valid object identifier: below arc {first} the second arc \
             must be under 40"
        )),
        [first, second, ..] if *first <= 2 => match second.checked_add(first * 40) {
            Some(_) => Ok(arcs),
            None => Err(format!("{dotted:?} has an arc too large to encode")),
        },
        [_, _, ..] => Err(format!(
            "{dotted:?} is not a valid object identifier: the first arc must be 0, 1 or 2"
        )),
        _ => Err(format!(
            "{dotted:?} is not a valid object identifier: it needs at least two arcs"
        )),
    }
}

/// The DER of an object identifier (its arcs already checked by [`parse_oid`]).
pub(crate) fn oid(arcs: &[u64]) -> Vec<u8> {
    let mut content = Vec::new();
    let mut push_arc = |mut value: u64| {
        let mut groups = [0u8; 10];
        let mut n = 0;
        loop {
            groups[n] = (value & 0x7f) as u8;
            n += 1;
            value >>= 7;
            if value == 0 {
                break;
            }
        }
        for i in (0..n).rev() {
            let more = if i > 0 { 0x80 } else { 0 };
            content.push(groups[i] | more);
        }
    };
    if let [first, second, rest @ ..] = arcs {
        push_arc(first * 40 + second);
        for arc in rest {
            push_arc(*arc);
        }
    }
    tlv(TAG_OID, &content)
}

/// The value of a certificatePolicies extension (RFC 5280 §4.2.1.4) naming these
/// policies, without qualifiers:
/// `SEQUENCE SIZE (1..MAX) OF PolicyInformation ::= SEQUENCE { policyIdentifier }`.
pub(crate) fn certificate_policies(policies: &[Vec<u64>]) -> Vec<u8> {
    let mut content = Vec::new();
    for arcs in policies {
        content.extend_from_slice(&tlv(TAG_SEQUENCE, &oid(arcs)));
    }
    tlv(TAG_SEQUENCE, &content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids() {
        let cases: &[(&str, Option<&[u8]>)] = &[
            ("2.5.29.32", Some(&[0x06, 0x03, 0x55, 0x1d, 0x20])),
            (
                "1.2.840.113549",
                Some(&[0x06, 0x06, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d]),
            ),
            ("2.999.3", Some(&[0x06, 0x03, 0x88, 0x37, 0x03])),
            ("0.0", Some(&[0x06, 0x01, 0x00])),
            ("1", None),
            ("", None),
            ("1..2", None),
            ("1.02", None),
            ("1.40", None),
            ("3.1", None),
            ("1.2.-3", None),
            ("1.2.a", None),
            ("1.2.99999999999999999999999", None),
            (" 1.2", None),
        ];
        for (dotted, want) in cases {
            let got = parse_oid(dotted).ok().map(|arcs| oid(&arcs));
            assert_eq!(got.as_deref(), *want, "{dotted:?}");
        }
    }

    #[test]
    fn ecdsa_conversion() {
        let mut raw = vec![0u8; 64];
        raw[0] = 0x80; // r needs a leading zero
        raw[32] = 0x00; // s has leading zeros to strip
        raw[33] = 0x01;
        let der = ecdsa_signature(&raw).unwrap();
        assert_eq!(&der[..5], &[0x30, 0x44, 0x02, 0x21, 0x00]);
        assert_eq!(der[5], 0x80);
        assert_eq!(&der[37..40], &[0x02, 0x1f, 0x01]);
        assert_eq!(der.len(), 2 + 35 + 33);
        assert!(ecdsa_signature(&[1, 2, 3]).is_none());
        assert!(ecdsa_signature(&[]).is_none());
        assert_eq!(
            ecdsa_signature(&[0, 0]).unwrap(),
            vec![0x30, 0x06, 2, 1, 0, 2, 1, 0]
        );
    }

    #[test]
    fn ec_points() {
        let mut point = vec![0x04];
        point.extend_from_slice(&[7u8; 64]);
        assert_eq!(ec_point(&point, 65).unwrap(), point);
        let wrapped = tlv(0x04, &point);
        assert_eq!(ec_point(&wrapped, 65).unwrap(), point);
        assert!(ec_point(&wrapped[..60], 65).is_none());
        assert!(ec_point(&[0x04, 0x01, 0x04], 65).is_none());
    }

    #[test]
    fn long_lengths() {
        assert_eq!(&tlv(0x04, &[0u8; 200])[..3], &[0x04, 0x81, 200]);
        assert_eq!(&tlv(0x04, &[0u8; 300])[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }
}
