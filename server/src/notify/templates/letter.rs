//! The frame of every e-mail: greeting, the event's lines, and the signature.

use super::Message;

/// A Chinese e-mail: `subject`, and `lines` between the greeting and the signature.
pub(super) fn zh(subject: String, lines: &str) -> Message {
    Message {
        subject,
        body: format!(
            "尊敬的用户：\n\n{}\n\n此邮件由系统自动发送，请勿直接回复。\n数字证书在线续期服务\n",
            lines.trim_end()
        ),
    }
}

/// An English e-mail: `subject`, and `lines` between the greeting and the signature.
pub(super) fn en(subject: String, lines: &str) -> Message {
    Message {
        subject,
        body: format!(
            "Dear customer,\n\n{}\n\nThis message was sent automatically; please do not reply to it.\nOnline certificate renewal service\n",
            lines.trim_end()
        ),
    }
}
