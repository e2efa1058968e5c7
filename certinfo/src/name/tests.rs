use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

use super::{escape, rfc4514};

// Universal tags of the value types used below.
const UTF8: u8 = 0x0c;
const PRINTABLE: u8 = 0x13;
const TELETEX: u8 = 0x14;
const IA5: u8 = 0x16;
const NUMERIC: u8 = 0x12;
const VISIBLE: u8 = 0x1a;
const UNIVERSAL: u8 = 0x1c;
const BMP: u8 = 0x1e;
const INTEGER: u8 = 0x02;
const OCTETS: u8 = 0x04;

const CN: &str = "2.5.4.3";
const O: &str = "2.5.4.10";
const C: &str = "2.5.4.6";

/// One DER TLV with a one-byte identifier.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend([0x81, len as u8]);
    } else {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(content);
    out
}

fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().unwrap()).collect();
    let mut body = Vec::new();
    let mut push = |mut n: u64| {
        let mut groups = vec![(n & 0x7f) as u8];
        n >>= 7;
        while n > 0 {
            groups.push((n & 0x7f) as u8 | 0x80);
            n >>= 7;
        }
        body.extend(groups.iter().rev());
    };
    push(arcs[0] * 40 + arcs[1]);
    for &arc in &arcs[2..] {
        push(arc);
    }
    tlv(0x06, &body)
}

/// An attribute whose value is already encoded.
fn atv_raw(kind: &str, value_der: Vec<u8>) -> Vec<u8> {
    tlv(0x30, &[oid(kind), value_der].concat())
}

fn atv(kind: &str, tag: u8, value: &[u8]) -> Vec<u8> {
    atv_raw(kind, tlv(tag, value))
}

/// A Name from RDNs in DER order (first RDN first), each a list of attributes.
fn name(rdns: &[Vec<Vec<u8>>]) -> Vec<u8> {
    let rdns: Vec<u8> = rdns
        .iter()
        .flat_map(|rdn| tlv(0x31, &rdn.concat()))
        .collect();
    tlv(0x30, &rdns)
}

fn utf16be(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

fn utf32be(s: &str) -> Vec<u8> {
    s.chars().flat_map(|c| u32::from(c).to_be_bytes()).collect()
}

fn render(der: &[u8]) -> String {
    let (rest, name) = X509Name::from_der(der).expect("the test name parses");
    assert!(rest.is_empty());
    rfc4514(&name)
}

#[test]
fn rfc4514_cases() {
    let long = vec![0xab; 200];
    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        ("empty name", name(&[]), "".into()),
        (
            "last RDN first, non-ASCII kept",
            name(&[
                vec![atv(C, PRINTABLE, b"CN")],
                vec![atv(O, UTF8, "测试医药有限公司".as_bytes())],
                vec![atv(CN, UTF8, "张三".as_bytes())],
            ]),
            "CN=张三,O=测试医药有限公司,C=CN".into(),
        ),
        (
            "multi-valued RDN joined by +, in encoded order",
            name(&[
                vec![atv(C, PRINTABLE, b"CN")],
                vec![
                    atv(CN, UTF8, b"Li Si"),
                    atv("0.9.2342.19200300.100.1.1", UTF8, b"u1"),
                ],
            ]),
            "CN=Li Si+UID=u1,C=CN".into(),
        ),
        (
            "every short name",
            name(&[
                vec![atv("0.9.2342.19200300.100.1.25", IA5, b"com")],
                vec![atv(C, PRINTABLE, b"CN")],
                vec![atv("2.5.4.8", UTF8, "广东省".as_bytes())],
                vec![atv("2.5.4.7", UTF8, "深圳市".as_bytes())],
                vec![atv("2.5.4.9", UTF8, b"1 Road")],
                vec![atv(O, UTF8, b"Org")],
                vec![atv("2.5.4.11", UTF8, b"Unit")],
                vec![atv("0.9.2342.19200300.100.1.1", UTF8, b"id")],
                vec![atv(CN, UTF8, b"Name")],
            ]),
            "CN=Name,UID=id,OU=Unit,O=Org,STREET=1 Road,L=深圳市,ST=广东省,C=CN,DC=com".into(),
        ),
        (
            "other types by dotted OID, string values as strings",
            name(&[
                vec![atv("1.2.840.113549.1.9.1", IA5, b"a@b.cn")],
                vec![atv("2.5.4.5", PRINTABLE, b"91440300MA5ABCDE1X")],
            ]),
            "2.5.4.5=91440300MA5ABCDE1X,1.2.840.113549.1.9.1=a@b.cn".into(),
        ),
        (
            "specials escaped anywhere",
            name(&[vec![atv(CN, UTF8, br#"a"b+c,d;e<f>g\h"#)]]),
            r#"CN=a\"b\+c\,d\;e\<f\>g\\h"#.into(),
        ),
        (
            "# and space first, space last, = and inner # kept",
            name(&[
                vec![atv(O, UTF8, b" lead#=x")],
                vec![atv(CN, UTF8, b"#tail ")],
            ]),
            r"CN=\#tail\ ,O=\ lead#=x".into(),
        ),
        (
            "a lone space and NUL",
            name(&[vec![atv(O, UTF8, b" ")], vec![atv(CN, UTF8, b"a\0b")]]),
            r"CN=a\00b,O=\ ".into(),
        ),
        (
            "Printable, IA5, Numeric, Visible",
            name(&[vec![
                atv(CN, PRINTABLE, b"p"),
                atv(CN, IA5, b"i"),
                atv(CN, NUMERIC, b"12"),
                atv(CN, VISIBLE, b"v"),
            ]]),
            "CN=p+CN=i+CN=12+CN=v".into(),
        ),
        (
            "TeletexString as Latin-1",
            name(&[vec![atv(CN, TELETEX, b"Jos\xe9")]]),
            "CN=José".into(),
        ),
        (
            "BMPString as UTF-16BE, with a surrogate pair",
            name(&[vec![atv(CN, BMP, &utf16be("张三😀"))]]),
            "CN=张三😀".into(),
        ),
        (
            "UniversalString as UTF-32BE",
            name(&[vec![atv(CN, UNIVERSAL, &utf32be("王五😀"))]]),
            "CN=王五😀".into(),
        ),
        (
            "a non-string value as # and hex, with the dotted OID even for CN",
            name(&[
                vec![atv(CN, INTEGER, &[0x01])],
                vec![atv("2.5.4.5", INTEGER, &[0x00, 0x80])],
            ]),
            "2.5.4.5=#02020080,2.5.4.3=#020101".into(),
        ),
        (
            "a BMPString of odd length does not decode: hex",
            name(&[vec![atv(CN, BMP, &[0x4e, 0x09, 0x41])]]),
            "2.5.4.3=#1e034e0941".into(),
        ),
        (
            "a UniversalString with a surrogate code point does not decode: hex",
            name(&[vec![atv(CN, UNIVERSAL, &[0, 0, 0xd8, 0x00])]]),
            "2.5.4.3=#1c040000d800".into(),
        ),
        (
            "long form length in the hex",
            name(&[vec![atv("1.2.3.4", OCTETS, &long)]]),
            format!("1.2.3.4=#0481c8{}", "ab".repeat(200)),
        ),
        (
            "constructed context tag and high tag number in the hex",
            name(&[
                vec![atv_raw("1.2.3.4", vec![0xa5, 0x03, 0x02, 0x01, 0x07])],
                vec![atv_raw("1.2.3.5", vec![0x9f, 0x81, 0x00, 0x01, 0xff])],
            ]),
            "1.2.3.5=#9f810001ff,1.2.3.4=#a503020107".into(),
        ),
    ];
    for (what, der, want) in cases {
        assert_eq!(render(&der), want, "{what}");
    }
}

#[test]
fn rfc4514_of_rcgen_names() {
    use rcgen::string::BmpString;
    use rcgen::{CertificateParams, DistinguishedName, DnType, DnValue, KeyPair};

    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CountryName,
        DnValue::PrintableString("CN".try_into().unwrap()),
    );
    dn.push(DnType::OrganizationName, "测试医药有限公司");
    dn.push(
        DnType::CommonName,
        DnValue::BmpString(BmpString::try_from("张三").unwrap()),
    );
    let mut params = CertificateParams::default();
    params.distinguished_name = dn;
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let (_, parsed) =
        x509_parser::certificate::X509Certificate::from_der(cert.der().as_ref()).unwrap();
    assert_eq!(rfc4514(parsed.subject()), "CN=张三,O=测试医药有限公司,C=CN");
    assert_eq!(rfc4514(parsed.issuer()), "CN=张三,O=测试医药有限公司,C=CN");
}

#[test]
fn escaping() {
    let cases = [
        ("", ""),
        ("plain", "plain"),
        ("a,b", r"a\,b"),
        ("#x ", r"\#x\ "),
        ("  ", r"\ \ "),
        ("x#", "x#"),
        ("a+b=c", r"a\+b=c"),
        ("测试医药有限公司", "测试医药有限公司"),
        ("\0", r"\00"),
        ("é ", r"é\ "),
    ];
    for (raw, want) in cases {
        assert_eq!(escape(raw), want, "{raw:?}");
    }
}
