//! The bodies the expired path's pages post (docs/api.md §13): the SMS code, the
//! sign-in, starting an application and its details. One type each for the app that
//! sends it and the server that reads it; unknown fields are refused and the server
//! checks every value (`expired::{login,apply}`).

use serde::{Deserialize, Serialize};

use crate::application::{Operator, Recipient};

/// Asking for a sign-in code (`POST /expired/sms-codes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SmsCodeRequest {
    /// A mainland mobile number.
    pub mobile: String,
    /// `zh` (default) or `en`: the SMS's language.
    #[serde(default)]
    pub lang: Option<String>,
}

/// Signing in with the code (`POST /expired/sessions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    /// The number the code went to.
    pub mobile: String,
    /// The 6 digits.
    pub code: String,
}

/// Starting an application (`POST /expired/applications`): by serial or with the
/// certificate read from the token.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    /// Project id (default: the first configured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The certificate's serial (hex; colons, `0x` allowed), looked up in the inventory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Or the certificate read from the token, base64 DER.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
}

/// The organisation (申请单位).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// 企业名称: must equal the certificate's O.
    pub name: String,
    /// 统一社会信用代码 (GB 32100): must equal the certificate's, when it carries one.
    pub credit_code: String,
}

/// The legal representative (法人).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LegalRepresentative {
    /// 法人姓名.
    pub name: String,
    /// 身份证号码 (GB 11643).
    pub id_number: String,
    /// 移动电话.
    pub mobile: String,
}

/// The invoice wanted (发票领取方式).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InvoiceChoice {
    /// One of the project's `invoice_kinds` (every payment records an invoice request).
    pub kind: String,
    /// The title (抬头), 1 to 100 characters.
    #[serde(default)]
    pub title: Option<String>,
    /// The taxpayer id; required for `electronic`.
    #[serde(default)]
    pub taxpayer_id: Option<String>,
}

/// The application's details (`POST …/details`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Details {
    /// Months paid for (on offer in the project).
    pub months: u32,
    /// The agreement version accepted (the project's current one).
    pub agreement_version: String,
    /// The organisation.
    pub organisation: Organisation,
    /// The legal representative.
    pub legal_representative: LegalRepresentative,
    /// The operator (经办人), as in the on-time application.
    #[cfg_attr(feature = "utoipa", schema(value_type = Object))]
    pub operator: Operator,
    /// Where a paper invoice goes.
    #[cfg_attr(feature = "utoipa", schema(value_type = Object))]
    pub recipient: Recipient,
    /// The invoice.
    pub invoice: InvoiceChoice,
    /// `zh` (default) or `en`: notifications.
    #[serde(default)]
    pub lang: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_sends_only_what_it_has_and_refuses_strangers() {
        let req = StartRequest {
            serial: Some("0a1b".into()),
            ..StartRequest::default()
        };
        assert_eq!(serde_json::to_string(&req).unwrap(), r#"{"serial":"0a1b"}"#);
        assert!(serde_json::from_str::<StartRequest>(r#"{"serial":"1","x":1}"#).is_err());
        assert!(serde_json::from_str::<SignInRequest>(r#"{"mobile":"1"}"#).is_err());
        let sms: SmsCodeRequest = serde_json::from_str(r#"{"mobile":"13800138000"}"#).unwrap();
        assert_eq!(sms.lang, None);
    }
}
