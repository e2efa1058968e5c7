//! WeChat Pay API v3 signatures (`WECHATPAY2-SHA256-RSA2048`): SHA256-with-RSA
//! (PKCS#1 v1.5), base64, over newline-terminated lines.
//!
//! - A request, signed with the merchant API key: `METHOD\nURL\ntimestamp\nnonce\nbody\n`
//!   where URL is the path with its query, and sent as
//!   `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`
//!   (签名生成 / Signature Generation:
//!   <https://pay.weixin.qq.com/wiki/doc/api_external/ch/wechatpay/wechatpay4_0.shtml>).
//! - An answer or a notice, signed with the platform key: `timestamp\nnonce\nbody\n`,
//!   carried in the `Wechatpay-Timestamp`, `-Nonce`, `-Signature` and `-Serial` headers
//!   (签名验证 / Signature Verification:
//!   <https://pay.weixin.qq.com/wiki/doc/api_external/en/wechatpay/wechatpay4_1.shtml>).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::RsaPublicKey;

use crate::payments::rsa_sign::{self, RsaSigner};

/// The authentication scheme of every v3 request.
pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// How far a signed answer's or notice's timestamp may be from now (the docs ask to
/// refuse old ones, against replays).
pub const MAX_SKEW_SECONDS: i64 = 300;

/// Why a signature is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// A header or part is missing or malformed.
    #[error("the WeChat Pay signature header {0} is missing or malformed")]
    Header(&'static str),
    /// Signed by a key other than the one configured.
    #[error("signed with key {got}, but the configured WeChat Pay key is {want}")]
    Serial {
        /// The key named in the message.
        got: String,
        /// The configured key's id.
        want: String,
    },
    /// Too old or from the future.
    #[error("the signature's timestamp {0} is more than 5 minutes from now")]
    Stale(i64),
    /// Not base64, or does not verify.
    #[error("the WeChat Pay signature does not verify")]
    Bad,
}

/// The string a request's signature covers.
pub fn request_message(
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &str,
) -> String {
    format!("{method}\n{path_and_query}\n{timestamp}\n{nonce}\n{body}\n")
}

/// The string an answer's or notice's signature covers.
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(body.len() + 64);
    m.extend_from_slice(timestamp.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(nonce.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(body);
    m.push(b'\n');
    m
}

/// SHA256-with-RSA over `message`, base64.
pub fn sign(key: &RsaSigner, message: &[u8]) -> String {
    STANDARD.encode(key.sign(message))
}

/// Checks a base64 SHA256-with-RSA signature.
pub fn verify(key: &RsaPublicKey, message: &[u8], signature: &str) -> Result<(), SignatureError> {
    let bytes = STANDARD
        .decode(signature.trim().as_bytes())
        .map_err(|_| SignatureError::Bad)?;
    if rsa_sign::verify(key, message, &bytes) {
        Ok(())
    } else {
        Err(SignatureError::Bad)
    }
}

/// What a request's signature covers besides its time and nonce.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `GET`, `POST`.
    pub method: &'a str,
    /// The path with its query, without the host.
    pub path_and_query: &'a str,
    /// The JSON sent (empty for a GET).
    pub body: &'a str,
}

/// The parts of an `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// 商户号.
    pub mchid: String,
    /// 请求随机串.
    pub nonce_str: String,
    /// 时间戳 (seconds).
    pub timestamp: i64,
    /// 商户API证书序列号.
    pub serial_no: String,
    /// 签名值.
    pub signature: String,
}

impl Authorization {
    /// Signs `request` with the merchant key (`serial_no` names its certificate).
    pub fn sign(
        key: &RsaSigner,
        mchid: &str,
        serial_no: &str,
        request: &Request<'_>,
        timestamp: i64,
        nonce_str: &str,
    ) -> Self {
        let message = request_message(
            request.method,
            request.path_and_query,
            timestamp,
            nonce_str,
            request.body,
        );
        Self {
            mchid: mchid.to_owned(),
            nonce_str: nonce_str.to_owned(),
            timestamp,
            serial_no: serial_no.to_owned(),
            signature: sign(key, message.as_bytes()),
        }
    }

    /// The header's value.
    pub fn header(&self) -> String {
        format!(
            r#"{SCHEME} mchid="{}",nonce_str="{}",signature="{}",timestamp="{}",serial_no="{}""#,
            self.mchid, self.nonce_str, self.signature, self.timestamp, self.serial_no
        )
    }

    /// Reads the header (the five items in any order, as the docs allow).
    pub fn parse(value: &str) -> Result<Self, SignatureError> {
        let rest = value
            .strip_prefix(SCHEME)
            .and_then(|r| r.strip_prefix(' '))
            .ok_or(SignatureError::Header("Authorization"))?;
        let (mut mchid, mut nonce, mut signature, mut timestamp, mut serial) =
            (None, None, None, None, None);
        for item in rest.split(',') {
            let (k, v) = item
                .trim()
                .split_once('=')
                .ok_or(SignatureError::Header("Authorization"))?;
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .ok_or(SignatureError::Header("Authorization"))?
                .to_owned();
            match k {
                "mchid" => mchid = Some(v),
                "nonce_str" => nonce = Some(v),
                "signature" => signature = Some(v),
                "timestamp" => timestamp = v.parse::<i64>().ok(),
                "serial_no" => serial = Some(v),
                _ => return Err(SignatureError::Header("Authorization")),
            }
        }
        match (mchid, nonce, signature, timestamp, serial) {
            (Some(mchid), Some(nonce_str), Some(signature), Some(timestamp), Some(serial_no)) => {
                Ok(Self {
                    mchid,
                    nonce_str,
                    timestamp,
                    serial_no,
                    signature,
                })
            }
            _ => Err(SignatureError::Header("Authorization")),
        }
    }

    /// Checks the signature over `request` with the merchant's public key.
    pub fn verify(&self, key: &RsaPublicKey, request: &Request<'_>) -> Result<(), SignatureError> {
        let message = request_message(
            request.method,
            request.path_and_query,
            self.timestamp,
            &self.nonce_str,
            request.body,
        );
        verify(key, message.as_bytes(), &self.signature)
    }
}

/// The `Wechatpay-*` headers of a signed answer or notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// `Wechatpay-Timestamp`.
    pub timestamp: String,
    /// `Wechatpay-Nonce`.
    pub nonce: String,
    /// `Wechatpay-Signature`.
    pub signature: String,
    /// `Wechatpay-Serial`: the platform certificate's serial or public key id.
    pub serial: String,
}

impl Signed {
    /// Signs `body` with the platform key.
    pub fn sign(key: &RsaSigner, serial: &str, timestamp: i64, nonce: &str, body: &[u8]) -> Self {
        let timestamp = timestamp.to_string();
        let signature = sign(key, &response_message(&timestamp, nonce, body));
        Self {
            timestamp,
            nonce: nonce.to_owned(),
            signature,
            serial: serial.to_owned(),
        }
    }

    /// The four headers, by name.
    pub fn headers(&self) -> [(&'static str, &str); 4] {
        [
            ("Wechatpay-Timestamp", self.timestamp.as_str()),
            ("Wechatpay-Nonce", self.nonce.as_str()),
            ("Wechatpay-Signature", self.signature.as_str()),
            ("Wechatpay-Serial", self.serial.as_str()),
        ]
    }

    /// Reads the four headers.
    pub fn from_headers(headers: &axum::http::HeaderMap) -> Result<Self, SignatureError> {
        let get = |name: &'static str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .filter(|v| !v.is_empty() && v.len() <= 1024)
                .ok_or(SignatureError::Header(name))
        };
        Ok(Self {
            timestamp: get("Wechatpay-Timestamp")?,
            nonce: get("Wechatpay-Nonce")?,
            signature: get("Wechatpay-Signature")?,
            serial: get("Wechatpay-Serial")?,
        })
    }

    /// Checks who signed (`serial`), when (`now_s`, within [`MAX_SKEW_SECONDS`]) and the
    /// signature over `body`.
    pub fn verify(
        &self,
        key: &RsaPublicKey,
        serial: &str,
        now_s: i64,
        body: &[u8],
    ) -> Result<(), SignatureError> {
        if self.serial != serial {
            return Err(SignatureError::Serial {
                got: self.serial.clone(),
                want: serial.to_owned(),
            });
        }
        let ts: i64 = self
            .timestamp
            .parse()
            .map_err(|_| SignatureError::Header("Wechatpay-Timestamp"))?;
        if (now_s - ts).abs() > MAX_SKEW_SECONDS {
            return Err(SignatureError::Stale(ts));
        }
        verify(
            key,
            &response_message(&self.timestamp, &self.nonce, body),
            &self.signature,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The docs' own example (签名生成, 第六步): a GET of the certificates with
    /// timestamp 1554208460 and nonce 593BEC0C930BF1AFEB40B4A08C8FB242.
    #[test]
    fn the_request_message_is_the_docs_example() {
        assert_eq!(
            request_message(
                "GET",
                "/v3/certificates",
                1554208460,
                "593BEC0C930BF1AFEB40B4A08C8FB242",
                ""
            ),
            "GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n"
        );
    }

    /// The docs' Authorization example parses, in its order, to its parts.
    #[test]
    fn the_docs_authorization_header_parses() {
        let h = r#"WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",signature="uOVRnA4qG/MNnYzdQxJanN+zU+lTgIcnU9BxGw5dKjK+VdEUz2FeIoC+D5sB/LN+nGzX3hfZg6r5wT1pl2ZobmIc6p0ldN7J6yDgUzbX8Uk3sD4a4eZVPTBvqNDoUqcYMlZ9uuDdCvNv4TM3c1WzsXUrExwVkI1XO5jCNbgDJ25nkT/c1gIFvqoogl7MdSFGc4W4xZsqCItnqbypR3RuGIlR9h9vlRsy7zJR9PBI83X8alLDIfR1ukt1P7tMnmogZ0cuDY8cZsd8ZlCgLadmvej58SLsIkVxFJ8XyUgx9FmutKSYZmmtWBvl4RAjq0lnkhoacdRGvHRJZ3Pqg==",timestamp="1554208460",serial_no="1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C""#;
        let a = Authorization::parse(h).unwrap();
        assert_eq!(a.mchid, "1900009191");
        assert_eq!(a.timestamp, 1554208460);
        assert_eq!(a.serial_no, "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C");
        assert_eq!(Authorization::parse(&a.header()).unwrap(), a);
        assert!(Authorization::parse("Bearer x").is_err());
    }

    #[test]
    fn answers_verify_only_with_the_right_key_serial_time_and_body() {
        let new = || {
            RsaSigner::new(&rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap()).unwrap()
        };
        let (key, other) = (new(), new());
        let body = br#"{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}"#;
        let s = Signed::sign(&key, "PUB_KEY_ID_1", 1_700_000_000, "n1", body);
        let public = key.to_public_key();
        s.verify(&public, "PUB_KEY_ID_1", 1_700_000_100, body)
            .unwrap();
        assert!(matches!(
            s.verify(&public, "PUB_KEY_ID_2", 1_700_000_100, body),
            Err(SignatureError::Serial { .. })
        ));
        assert_eq!(
            s.verify(&public, "PUB_KEY_ID_1", 1_700_001_000, body),
            Err(SignatureError::Stale(1_700_000_000))
        );
        assert_eq!(
            s.verify(&public, "PUB_KEY_ID_1", 1_700_000_000, b"{}"),
            Err(SignatureError::Bad)
        );
        let forged = Signed::sign(&other, "PUB_KEY_ID_1", 1_700_000_000, "n1", body);
        assert_eq!(
            forged.verify(&public, "PUB_KEY_ID_1", 1_700_000_000, body),
            Err(SignatureError::Bad)
        );
    }
}
