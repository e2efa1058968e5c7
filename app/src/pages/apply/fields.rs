//! The application form's pure logic: what was typed, the `Application` built from it
//! (checked by the same `protocol` rules the server runs), where each field path of an
//! error is shown, and the words for each rule. No DOM here, so it is unit-tested.

use protocol::application::{Application, FieldError, IdType, Operator, Recipient};
use protocol::contact::{Email, Mobile, PersonName};
use protocol::id_number::ResidentId;
use serde::Serialize;
use serde_json::Value;

use crate::i18n::{Lang, lookup};
use crate::read::{Fields, Res};
use crate::via_value;

/// Field path of the "agreement not ticked" error, which only the page raises (the
/// server sees the version, `agreement_version`).
pub const AGREEMENT: &str = "agreement";

/// What the user typed, as typed (kept in session storage, so nothing is lost on a
/// reload or an error; read back by hand through `Value`, [`Draft::read`], issue 16).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Draft {
    /// Period chosen (months; 0 until the project is known).
    pub months: u32,
    /// The agreement box is ticked.
    pub accepted: bool,
    /// `resident_id`, `passport` … (`IdType`'s names).
    pub id_type: String,
    /// Document number.
    pub id_number: String,
    /// Operator's name.
    pub op_name: String,
    /// Operator's mobile.
    pub op_mobile: String,
    /// Operator's e-mail.
    pub op_email: String,
    /// Recipient's name.
    pub rcpt_name: String,
    /// Recipient's mobile.
    pub rcpt_mobile: String,
    /// Recipient's postal address.
    pub rcpt_address: String,
}

via_value!(Draft, Draft::read);

/// The document kinds in the order the select lists them, with their catalogue keys.
pub const ID_TYPES: [(&str, &str); 5] = [
    ("resident_id", "apply.id_type.resident_id"),
    ("passport", "apply.id_type.passport"),
    ("hk_macao_permit", "apply.id_type.hk_macao_permit"),
    ("taiwan_permit", "apply.id_type.taiwan_permit"),
    ("foreign_permanent_id", "apply.id_type.foreign_permanent_id"),
];

/// The document kind named by the select's value (unknown values: resident ID, the
/// select's default).
pub fn id_type(value: &str) -> IdType {
    match value {
        "passport" => IdType::Passport,
        "hk_macao_permit" => IdType::HkMacaoPermit,
        "taiwan_permit" => IdType::TaiwanPermit,
        "foreign_permanent_id" => IdType::ForeignPermanentId,
        _ => IdType::ResidentId,
    }
}

impl Draft {
    fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(Draft {
            months: f.u32("months")?,
            accepted: f.bool("accepted")?,
            id_type: f.string("id_type")?,
            id_number: f.string("id_number")?,
            op_name: f.string("op_name")?,
            op_mobile: f.string("op_mobile")?,
            op_email: f.string("op_email")?,
            rcpt_name: f.string("rcpt_name")?,
            rcpt_mobile: f.string("rcpt_mobile")?,
            rcpt_address: f.string("rcpt_address")?,
        })
    }

    /// The application exactly as typed (what `validate` judges).
    pub fn application(&self, agreement_version: &str) -> Application {
        Application {
            months: self.months,
            agreement_version: agreement_version.to_owned(),
            operator: Operator {
                id_type: id_type(&self.id_type),
                id_number: self.id_number.clone(),
                name: self.op_name.clone(),
                mobile: self.op_mobile.clone(),
                email: self.op_email.clone(),
            },
            recipient: Recipient {
                name: self.rcpt_name.clone(),
                mobile: self.rcpt_mobile.clone(),
                address: self.rcpt_address.clone(),
            },
        }
    }

    /// Every problem, in form order: the unticked agreement first, then the rules of
    /// `Application::validate`.
    pub fn check(&self, months_offered: &[u32], agreement_version: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !self.accepted {
            errors.push(FieldError {
                field: AGREEMENT.to_owned(),
                rule: "agreement.not_accepted".to_owned(),
                message: "accept the agreement to continue".to_owned(),
            });
        }
        errors.extend(
            self.application(agreement_version)
                .validate(months_offered, agreement_version),
        );
        errors
    }
}

/// The application to sign: a valid one in canonical form (trimmed names, 11-digit
/// mobiles, lowercase e-mail domain, upper-case document numbers), so the signed bytes
/// hold what the CA will use to reach the operator.
pub fn canonical(app: &Application) -> Application {
    let mut a = app.clone();
    let name = |s: &str| {
        PersonName::parse(s)
            .map(|n| n.as_str().to_owned())
            .unwrap_or_else(|_| s.trim().to_owned())
    };
    let mobile = |s: &str| {
        Mobile::parse(s)
            .map(|m| m.as_str().to_owned())
            .unwrap_or_else(|_| s.trim().to_owned())
    };
    a.operator.id_number = match a.operator.id_type {
        IdType::ResidentId => ResidentId::parse(&a.operator.id_number)
            .map(|r| r.as_str().to_owned())
            .unwrap_or_else(|_| a.operator.id_number.trim().to_owned()),
        _ => a.operator.id_number.trim().to_ascii_uppercase(),
    };
    a.operator.name = name(&a.operator.name);
    a.operator.mobile = mobile(&a.operator.mobile);
    a.operator.email = Email::parse(&a.operator.email)
        .map(|e| e.as_str().to_owned())
        .unwrap_or_else(|_| a.operator.email.trim().to_owned());
    a.recipient.name = name(&a.recipient.name);
    a.recipient.mobile = mobile(&a.recipient.mobile);
    a.recipient.address = a.recipient.address.trim().to_owned();
    a
}

/// The id of the control that shows a field path's error (and gets the focus), or
/// `None` for a path the form has no control for (shown as a general notice).
pub fn input_id(field: &str) -> Option<&'static str> {
    Some(match field {
        AGREEMENT | "agreement_version" => "agreement-accept",
        "months" => "months",
        "operator.id_type" => "id-type",
        "operator.id_number" => "id-number",
        "operator.name" => "op-name",
        "operator.mobile" => "op-mobile",
        "operator.email" => "op-email",
        "recipient.name" => "rcpt-name",
        "recipient.mobile" => "rcpt-mobile",
        "recipient.address" => "rcpt-address",
        _ => return None,
    })
}

/// The words for a broken rule in `lang`: the catalogue's `apply.rule.<rule>`, else the
/// message the validator gave (in English).
pub fn rule_text(lang: Lang, error: &FieldError) -> String {
    lookup(lang, &format!("apply.rule.{}", error.rule))
        .map(str::to_owned)
        .unwrap_or_else(|| error.message.clone())
}

/// The field errors of a `VALIDATION_FAILED` answer: `details.errors` when the server
/// listed them all, else the one `field`/`rule`.
pub fn server_errors(details: &serde_json::Value, message: &str) -> Vec<FieldError> {
    if let Some(list) = details.get("errors")
        && let Ok(errors) = serde_json::from_value::<Vec<FieldError>>(list.clone())
        && !errors.is_empty()
    {
        return errors;
    }
    let field = details.get("field").and_then(|v| v.as_str());
    let rule = details.get("rule").and_then(|v| v.as_str());
    match (field, rule) {
        (Some(field), Some(rule)) => vec![FieldError {
            field: field.to_owned(),
            rule: rule.to_owned(),
            message: message.to_owned(),
        }],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Draft {
        Draft {
            months: 12,
            accepted: true,
            id_type: "resident_id".into(),
            id_number: "11010519491231002x".into(),
            op_name: " 张三 ".into(),
            op_mobile: "+86 138-0013-8000".into(),
            op_email: "Zhang@Example.COM".into(),
            rcpt_name: "张三".into(),
            rcpt_mobile: "13800138000".into(),
            rcpt_address: " 广州市天河区体育西路1号 ".into(),
        }
    }

    #[test]
    fn a_good_draft_passes_and_is_made_canonical() {
        let d = good();
        assert_eq!(d.check(&[12, 24], "2024.1"), vec![]);
        let a = canonical(&d.application("2024.1"));
        assert_eq!(a.operator.id_number, "11010519491231002X");
        assert_eq!(a.operator.name, "张三");
        assert_eq!(a.operator.mobile, "13800138000");
        assert_eq!(a.operator.email, "Zhang@example.com");
        assert_eq!(a.recipient.address, "广州市天河区体育西路1号");
        assert_eq!(a.validate(&[12, 24], "2024.1"), vec![]);
    }

    #[test]
    fn an_unticked_agreement_comes_first() {
        let mut d = good();
        d.accepted = false;
        d.op_mobile = "12345".into();
        let fields: Vec<_> = d
            .check(&[12], "2024.1")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["agreement", "operator.mobile"]);
    }

    #[test]
    fn every_field_path_has_its_control() {
        let cases = [
            ("agreement", Some("agreement-accept")),
            ("agreement_version", Some("agreement-accept")),
            ("months", Some("months")),
            ("operator.id_number", Some("id-number")),
            ("operator.name", Some("op-name")),
            ("operator.mobile", Some("op-mobile")),
            ("operator.email", Some("op-email")),
            ("recipient.name", Some("rcpt-name")),
            ("recipient.mobile", Some("rcpt-mobile")),
            ("recipient.address", Some("rcpt-address")),
            ("return_url", None),
            ("lang", None),
        ];
        for (field, id) in cases {
            assert_eq!(input_id(field), id, "{field}");
        }
    }

    #[test]
    fn other_documents_are_checked_by_their_own_rule() {
        let mut d = good();
        d.id_type = "passport".into();
        d.id_number = "E1".into();
        let errors = d.check(&[12], "2024.1");
        assert_eq!(errors[0].rule, "passport.format");
        assert_eq!(id_type("taiwan_permit"), IdType::TaiwanPermit);
        assert_eq!(id_type("nonsense"), IdType::ResidentId);
    }

    /// Every rule the validators can name has words in both languages.
    #[test]
    fn every_rule_has_words() {
        let rules = [
            "agreement.not_accepted",
            "agreement.not_current",
            "months.not_offered",
            "id_number.wrong_length",
            "id_number.not_digits",
            "id_number.bad_region",
            "id_number.bad_birth_date",
            "id_number.bad_check_character",
            "passport.format",
            "hk_macao_permit.format",
            "taiwan_permit.format",
            "foreign_permanent_id.format",
            "person_name.empty",
            "person_name.too_long",
            "person_name.control_character",
            "mobile.empty",
            "mobile.not_mainland",
            "mobile.not_digits",
            "mobile.wrong_length",
            "mobile.bad_prefix",
            "email.empty",
            "email.too_long",
            "email.missing_at",
            "email.multiple_at",
            "email.local_part_length",
            "email.local_part_character",
            "email.local_part_dots",
            "email.domain_without_dot",
            "email.domain_label_length",
            "email.domain_character",
            "email.domain_label_dash",
            "address.length",
            "return_url.not_allowed",
        ];
        for rule in rules {
            let e = FieldError {
                field: "x".into(),
                rule: rule.into(),
                message: "fallback".into(),
            };
            assert_ne!(rule_text(Lang::Zh, &e), "fallback", "{rule}");
            assert_ne!(rule_text(Lang::En, &e), "fallback", "{rule}");
        }
        let unknown = FieldError {
            field: "x".into(),
            rule: "new.rule".into(),
            message: "as given".into(),
        };
        assert_eq!(rule_text(Lang::Zh, &unknown), "as given");
    }

    #[test]
    fn server_errors_are_read_from_the_list_or_the_first() {
        let all = serde_json::json!({"field": "operator.mobile", "rule": "mobile.wrong_length",
            "errors": [{"field": "operator.mobile", "rule": "mobile.wrong_length", "message": "m"},
                       {"field": "recipient.address", "rule": "address.length", "message": "a"}]});
        assert_eq!(server_errors(&all, "x").len(), 2);
        let one = serde_json::json!({"field": "return_url", "rule": "return_url.not_allowed"});
        let e = server_errors(&one, "not allowed");
        assert_eq!(
            (e[0].field.as_str(), e[0].message.as_str()),
            ("return_url", "not allowed")
        );
        assert!(server_errors(&serde_json::Value::Null, "x").is_empty());
    }

    /// Keys handed to components as props (`label="apply.…"`) escape the catalogue's
    /// own scan of `t("…")` calls: every `"apply.…"`/`"pay.…"` literal in the apply and
    /// pay sources must be a row.
    #[test]
    fn every_key_literal_of_these_screens_exists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/pages");
        let mut files = vec![dir.join("apply.rs"), dir.join("pay.rs")];
        for sub in ["apply", "pay"] {
            for entry in std::fs::read_dir(dir.join(sub)).expect("read dir") {
                files.push(entry.expect("entry").path());
            }
        }
        let mut missing = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read source");
            for prefix in ["\"apply.", "\"pay."] {
                for (i, _) in text.match_indices(prefix) {
                    let rest = &text[i + 1..];
                    let Some(end) = rest.find('"') else { continue };
                    let key = &rest[..end];
                    let is_key = key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_');
                    if is_key
                        && !key.ends_with('.')
                        && !key.ends_with(".rs")
                        && lookup(Lang::Zh, key).is_none()
                    {
                        missing.push(format!("{}: {key}", file.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "keys not in the catalogue: {missing:?}");
    }
}
