//! `invoice_issued`: the electronic invoice is ready, with its link when given
//! (`invoice_url`).

use super::{Lang, Message, Params, TemplateError, Words, letter, sms};

/// This event's e-mail and SMS.
pub(super) const WORDS: Words = Words { email, sms };

/// The e-mail.
fn email(p: &Params, no: &str, lang: Lang) -> Result<Message, TemplateError> {
    let url = p.optional("invoice_url");
    Ok(match lang {
        Lang::Zh => {
            let mut lines = format!(
                "您的数字证书续期费用电子发票已开具（业务单号 {no}），请登录续期页面查看和下载。\n"
            );
            if let Some(url) = url {
                lines.push_str(&format!("下载地址：{url}\n"));
            }
            letter::zh(format!("电子发票已开具（业务单号 {no}）"), &lines)
        }
        Lang::En => {
            let mut lines = format!(
                "The electronic invoice for your digital certificate renewal (business number {no}) has been issued. You can view and download it on the renewal page.\n"
            );
            if let Some(url) = url {
                lines.push_str(&format!("Download: {url}\n"));
            }
            letter::en(
                format!("Electronic invoice issued (business number {no})"),
                &lines,
            )
        }
    })
}

/// The SMS (no link: the e-mail and the renewal page have it).
fn sms(_: &Params, no: &str, lang: Lang) -> Result<String, TemplateError> {
    Ok(match lang {
        Lang::Zh => sms::fit(&[format!(
            "【certrenew】业务单号{no}的电子发票已开具，请查收邮件或登录续期页面下载。"
        )]),
        Lang::En => sms::fit(&[format!(
            "[certrenew] The electronic invoice for renewal {no} has been issued: see your e-mail or the renewal page."
        )]),
    })
}
