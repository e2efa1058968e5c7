//! `reminder`: the certificate expires on `expires_on`; renew at `renew_url` before
//! then. `business_no` is the renewal that produced the certificate.

use super::{Lang, Message, Params, TemplateError, Words, letter, sms};

/// This event's e-mail and SMS.
pub(super) const WORDS: Words = Words { email, sms };

/// The e-mail, with the days left, the subject and the serial when known.
fn email(p: &Params, no: &str, lang: Lang) -> Result<Message, TemplateError> {
    let date = p.required("expires_on")?;
    let url = p.required("renew_url")?;
    let days = p.optional("days_left");
    Ok(match lang {
        Lang::Zh => {
            let mut lines = match days {
                Some(days) => format!("您的数字证书将于 {date} 到期（剩余 {days} 天）。\n"),
                None => format!("您的数字证书将于 {date} 到期。\n"),
            };
            if let Some(subject) = p.optional("subject") {
                lines.push_str(&format!("证书主题：{subject}\n"));
            }
            if let Some(serial) = p.optional("serial") {
                lines.push_str(&format!("证书序列号：{serial}\n"));
            }
            lines.push_str(&format!(
                "\n请在到期前插入USB Key，打开 {url} 办理在线续期。新证书的有效期自原证书到期时间起计算，提前续期不会损失有效期；证书过期后须走过期证书续期流程，需提交更多材料。\n\n上次续期的业务单号：{no}"
            ));
            letter::zh(format!("数字证书将于 {date} 到期，请及时续期"), &lines)
        }
        Lang::En => {
            let mut lines = match days {
                Some(days) => {
                    format!("Your digital certificate expires on {date} ({days} days from now).\n")
                }
                None => format!("Your digital certificate expires on {date}.\n"),
            };
            if let Some(subject) = p.optional("subject") {
                lines.push_str(&format!("Certificate subject: {subject}\n"));
            }
            if let Some(serial) = p.optional("serial") {
                lines.push_str(&format!("Serial number: {serial}\n"));
            }
            lines.push_str(&format!(
                "\nBefore it expires, insert your USB key and open {url} to renew online. The new certificate's validity counts from the old one's expiry, so renewing early loses nothing; an expired certificate needs the longer expired-certificate procedure.\n\nBusiness number of the last renewal: {no}"
            ));
            letter::en(
                format!("Your certificate expires on {date}: please renew"),
                &lines,
            )
        }
    })
}

/// The SMS: with the link; else the renewal page instead of a link too long to fit.
fn sms(p: &Params, _: &str, lang: Lang) -> Result<String, TemplateError> {
    let date = p.required("expires_on")?;
    let url = p.required("renew_url")?;
    Ok(match lang {
        Lang::Zh => sms::fit(&[
            format!(
                "【certrenew】您的数字证书将于{date}到期，请在到期前插入USB Key，打开 {url} 在线续期。"
            ),
            format!(
                "【certrenew】您的数字证书将于{date}到期，请在到期前插入USB Key，登录续期页面在线续期。"
            ),
        ]),
        Lang::En => sms::fit(&[
            format!(
                "[certrenew] Your certificate expires on {date}. Insert your USB key and open {url} to renew before then."
            ),
            format!(
                "[certrenew] Your certificate expires on {date}. Insert your USB key and renew on the renewal page before then."
            ),
        ]),
    })
}
