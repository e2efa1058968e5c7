//! `rejected`: the review failed, for the `reason` given; the fee is refunded.

use super::{Lang, Message, Params, TemplateError, Words, letter, sms};

/// This event's e-mail and SMS.
pub(super) const WORDS: Words = Words { email, sms };

/// The e-mail.
fn email(p: &Params, no: &str, lang: Lang) -> Result<Message, TemplateError> {
    let reason = p.required("reason")?;
    Ok(match lang {
        Lang::Zh => letter::zh(
            format!("证书续期申请未通过审核（业务单号 {no}）"),
            &format!(
                "很抱歉，您的数字证书续期申请（业务单号 {no}）未通过审核。\n原因：{reason}\n\n您已缴纳的费用将原路退回，请留意退款到账情况。如需继续续期，请根据上述原因修改后重新提交申请。"
            ),
        ),
        Lang::En => letter::en(
            format!("Renewal application not approved (business number {no})"),
            &format!(
                "We are sorry: your digital certificate renewal application (business number {no}) was not approved.\nReason: {reason}\n\nThe fee you paid will be refunded to the account it came from. To renew, please submit a new application that addresses the reason above."
            ),
        ),
    })
}

/// The SMS, the reason shortened as much as it needs to fit.
fn sms(p: &Params, no: &str, lang: Lang) -> Result<String, TemplateError> {
    let reason = p.required("reason")?;
    Ok(match lang {
        Lang::Zh => sms::fit_elastic(&reason, |r| {
            format!("【certrenew】业务单号{no}未通过审核，原因：{r}。已缴费用将原路退回。")
        }),
        Lang::En => sms::fit_elastic(&reason, |r| {
            format!(
                "[certrenew] Renewal {no} not approved. Reason: {r}. Your fee will be refunded."
            )
        }),
    })
}
