//! `approved`: the review passed; the words carry the install link (`install_url`).

use super::{Lang, Message, Params, TemplateError, Words, letter, sms};

/// This event's e-mail and SMS.
pub(super) const WORDS: Words = Words { email, sms };

/// The e-mail.
fn email(p: &Params, no: &str, lang: Lang) -> Result<Message, TemplateError> {
    let url = p.required("install_url")?;
    Ok(match lang {
        Lang::Zh => letter::zh(
            format!("证书续期审核已通过，请安装新证书（业务单号 {no}）"),
            &format!(
                "您的数字证书续期申请（业务单号 {no}）审核已通过，请插入USB Key，打开 {url} 安装新证书，安装过程中请勿拔出Key。\n\n安装时需要输入USB Key的PIN码。"
            ),
        ),
        Lang::En => letter::en(
            format!("Renewal approved: install your new certificate (business number {no})"),
            &format!(
                "Your digital certificate renewal (business number {no}) has been approved. Please insert your USB key and open {url} to install the new certificate. Do not remove the key while the certificate is being installed.\n\nYou will be asked for the USB key's PIN."
            ),
        ),
    })
}

/// The SMS: with the business number and the link; else the link alone; else the
/// renewal page instead of a link too long to fit.
fn sms(p: &Params, no: &str, lang: Lang) -> Result<String, TemplateError> {
    let url = p.required("install_url")?;
    Ok(match lang {
        Lang::Zh => sms::fit(&[
            format!(
                "【certrenew】业务单号{no}审核已通过，请插入USB Key，打开 {url} 安装新证书，安装过程中请勿拔出Key。"
            ),
            format!("【certrenew】审核已通过，请插入USB Key，打开 {url} 安装新证书，请勿拔出Key。"),
            format!(
                "【certrenew】业务单号{no}审核已通过，请插入USB Key，登录续期页面安装新证书，安装过程中请勿拔出Key。"
            ),
        ]),
        Lang::En => sms::fit(&[
            format!(
                "[certrenew] Renewal {no} approved: insert your USB key, open {url} and keep the key in until installed."
            ),
            format!(
                "[certrenew] Approved: insert your USB key, open {url} and keep it in until installed."
            ),
            format!(
                "[certrenew] Renewal {no} approved: insert your USB key and install on the renewal page; keep the key in."
            ),
        ]),
    })
}
