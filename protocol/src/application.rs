//! The renewal application (申请表) the customer signs: the period, the agreement
//! version accepted, the operator (经办人) and the recipient (收件人). The page builds
//! it, the server stores its exact bytes, and both check it with [`Application::validate`],
//! which names every field that breaks a rule, in form order.

use serde::{Deserialize, Serialize};

use crate::contact::{Email, Mobile, PersonName};
use crate::id_number::ResidentId;

/// The kinds of identity document an operator may give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdType {
    /// 居民身份证, checked with GB 11643.
    ResidentId,
    /// 护照.
    Passport,
    /// 港澳居民来往内地通行证.
    HkMacaoPermit,
    /// 台湾居民来往大陆通行证.
    TaiwanPermit,
    /// 外国人永久居留身份证.
    ForeignPermanentId,
}

/// The person who handles the renewal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    /// The document kind.
    pub id_type: IdType,
    /// The document number.
    pub id_number: String,
    /// The name.
    pub name: String,
    /// A mainland mobile (notifications go there).
    pub mobile: String,
    /// An e-mail address (notifications go there).
    pub email: String,
}

/// Where a paper invoice is posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    /// The name.
    pub name: String,
    /// A mainland mobile.
    pub mobile: String,
    /// The postal address.
    pub address: String,
}

/// The application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// Months paid for.
    pub months: u32,
    /// The agreement version accepted.
    pub agreement_version: String,
    /// The operator.
    pub operator: Operator,
    /// The recipient.
    pub recipient: Recipient,
}

/// One field that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field's path, e.g. `operator.id_number`.
    pub field: String,
    /// The rule's stable code, e.g. `id_number.bad_check_character`.
    pub rule: String,
    /// What is wrong, in English (the app shows its own catalogue's words by `rule`).
    pub message: String,
}

fn push(errors: &mut Vec<FieldError>, field: &str, rule: &str, message: impl Into<String>) {
    errors.push(FieldError {
        field: field.to_owned(),
        rule: rule.to_owned(),
        message: message.into(),
    });
}

fn check_mobile(errors: &mut Vec<FieldError>, field: &str, value: &str) {
    if let Err(e) = Mobile::parse(value) {
        push(errors, field, e.code(), e.to_string());
    }
}

fn check_name(errors: &mut Vec<FieldError>, field: &str, value: &str) {
    if let Err(e) = PersonName::parse(value) {
        push(errors, field, e.code(), e.to_string());
    }
}

fn check_document(errors: &mut Vec<FieldError>, id_type: IdType, value: &str) {
    const FIELD: &str = "operator.id_number";
    let value = value.trim();
    let alnum = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric());
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let (ok, rule, what) = match id_type {
        IdType::ResidentId => match ResidentId::parse(value) {
            Ok(_) => return,
            Err(e) => return push(errors, FIELD, e.code(), e.to_string()),
        },
        IdType::Passport => (
            (5..=20).contains(&value.len()) && alnum(value),
            "passport.format",
            "a passport number is 5 to 20 letters and digits",
        ),
        IdType::HkMacaoPermit => {
            let ok = matches!(value.as_bytes().first(), Some(b'H' | b'M' | b'h' | b'm'))
                && matches!(value.len(), 9 | 11)
                && digits(&value[1..]);
            (
                ok,
                "hk_macao_permit.format",
                "a Hong Kong and Macao permit number is H or M and 8 or 10 digits",
            )
        }
        IdType::TaiwanPermit => (
            matches!(value.len(), 8 | 10) && digits(value),
            "taiwan_permit.format",
            "a Taiwan permit number is 8 or 10 digits",
        ),
        IdType::ForeignPermanentId => (
            matches!(value.len(), 15 | 18) && alnum(value),
            "foreign_permanent_id.format",
            "a foreign permanent residence ID is 15 or 18 letters and digits",
        ),
    };
    if !ok {
        push(errors, FIELD, rule, what);
    }
}

impl Application {
    /// The largest application accepted, in bytes of JSON.
    pub const MAX_BYTES: usize = 16 * 1024;

    /// Every rule broken, in form order; empty when the application is valid.
    /// `months_offered` and `agreement_version` are the project's.
    pub fn validate(&self, months_offered: &[u32], agreement_version: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !months_offered.contains(&self.months) {
            push(
                &mut errors,
                "months",
                "months.not_offered",
                format!("{} months is not a period on offer", self.months),
            );
        }
        if self.agreement_version != agreement_version {
            push(
                &mut errors,
                "agreement_version",
                "agreement.not_current",
                "accept the current version of the agreement",
            );
        }
        check_document(&mut errors, self.operator.id_type, &self.operator.id_number);
        check_name(&mut errors, "operator.name", &self.operator.name);
        check_mobile(&mut errors, "operator.mobile", &self.operator.mobile);
        if let Err(e) = Email::parse(&self.operator.email) {
            push(&mut errors, "operator.email", e.code(), e.to_string());
        }
        check_name(&mut errors, "recipient.name", &self.recipient.name);
        check_mobile(&mut errors, "recipient.mobile", &self.recipient.mobile);
        let address = self.recipient.address.trim();
        if address.chars().count() < 5
            || address.chars().count() > 200
            || address.chars().any(char::is_control)
        {
            push(
                &mut errors,
                "recipient.address",
                "address.length",
                "the address must be 5 to 200 characters",
            );
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Application {
        Application {
            months: 12,
            agreement_version: "2024.1".into(),
            operator: Operator {
                id_type: IdType::ResidentId,
                id_number: "11010519491231002X".into(),
                name: "张三".into(),
                mobile: "13800138000".into(),
                email: "zhangsan@example.com".into(),
            },
            recipient: Recipient {
                name: "张三".into(),
                mobile: "13800138000".into(),
                address: "广州市天河区体育西路1号".into(),
            },
        }
    }

    #[test]
    fn a_good_application_passes() {
        assert_eq!(good().validate(&[12, 24, 36], "2024.1"), vec![]);
    }

    #[test]
    fn every_broken_field_is_named_in_form_order() {
        let mut a = good();
        a.months = 7;
        a.operator.id_number = "110105194912310021".into();
        a.operator.mobile = "12345".into();
        a.recipient.address = "x".into();
        let fields: Vec<_> = a
            .validate(&[12, 24, 36], "2024.1")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "months",
                "operator.id_number",
                "operator.mobile",
                "recipient.address"
            ]
        );
    }

    #[test]
    fn documents_table() {
        let cases = [
            (IdType::Passport, "E12345678", true),
            (IdType::Passport, "E1", false),
            (IdType::HkMacaoPermit, "H12345678", true),
            (IdType::HkMacaoPermit, "X12345678", false),
            (IdType::TaiwanPermit, "12345678", true),
            (IdType::TaiwanPermit, "1234567", false),
            (IdType::ForeignPermanentId, "USA123456789012", true),
            (IdType::ResidentId, "11010519491231002X", true),
            (IdType::ResidentId, "110105194912310021", false),
        ];
        for (kind, number, ok) in cases {
            let mut a = good();
            a.operator.id_type = kind;
            a.operator.id_number = number.into();
            assert_eq!(
                a.validate(&[12], "2024.1").is_empty(),
                ok,
                "{kind:?} {number}"
            );
        }
    }

    #[test]
    fn old_agreement_is_refused() {
        let errors = good().validate(&[12], "2025.1");
        assert_eq!(errors[0].rule, "agreement.not_current");
    }
}
