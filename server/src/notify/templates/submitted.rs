//! `submitted`: the application is in; the payment page comes next.

use super::{Lang, Message, Params, TemplateError, Words, letter, sms};

/// This event's e-mail and SMS.
pub(super) const WORDS: Words = Words { email, sms };

/// The e-mail, with the amount due and the certificate's subject when known.
fn email(p: &Params, no: &str, lang: Lang) -> Result<Message, TemplateError> {
    Ok(match lang {
        Lang::Zh => {
            let mut lines =
                format!("您的数字证书续期申请已提交，业务单号 {no}，请在缴费页面完成支付。\n");
            if let Some(amount) = p.fen("total_fen") {
                lines.push_str(&format!("应缴金额：{amount}\n"));
            }
            if let Some(subject) = p.optional("subject") {
                lines.push_str(&format!("证书主题：{subject}\n"));
            }
            lines.push_str(
                "\n请勿重复缴费；支付失败时可在缴费页面点击“重新支付”，未缴费前也可在缴费页面撤销申请。",
            );
            letter::zh(format!("数字证书续期申请已提交（业务单号 {no}）"), &lines)
        }
        Lang::En => {
            let mut lines = format!(
                "Your digital certificate renewal application has been submitted. Business number: {no}. Please complete the payment on the payment page.\n"
            );
            if let Some(amount) = p.fen("total_fen") {
                lines.push_str(&format!("Amount due: {amount}\n"));
            }
            if let Some(subject) = p.optional("subject") {
                lines.push_str(&format!("Certificate subject: {subject}\n"));
            }
            lines.push_str(
                "\nPlease do not pay twice. If a payment fails, choose \"Pay again\" on the payment page; until you pay you may also cancel the application there.",
            );
            letter::en(
                format!("Certificate renewal submitted (business number {no})"),
                &lines,
            )
        }
    })
}

/// The SMS, with the amount due when known.
fn sms(p: &Params, no: &str, lang: Lang) -> Result<String, TemplateError> {
    let amount = p.fen("total_fen");
    Ok(match (lang, amount) {
        (Lang::Zh, Some(amount)) => sms::fit(&[format!(
            "【certrenew】您的数字证书续期申请已提交，业务单号{no}，应缴{amount}，请在缴费页面完成支付。"
        )]),
        (Lang::Zh, None) => sms::fit(&[format!(
            "【certrenew】您的数字证书续期申请已提交，业务单号{no}，请在缴费页面完成支付。"
        )]),
        (Lang::En, Some(amount)) => sms::fit(&[format!(
            "[certrenew] Certificate renewal {no} submitted. Amount due: {amount}. Please complete the payment on the payment page."
        )]),
        (Lang::En, None) => sms::fit(&[format!(
            "[certrenew] Certificate renewal {no} submitted. Please complete the payment on the payment page."
        )]),
    })
}
