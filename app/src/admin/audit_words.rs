//! The audit trail in words: the catalogue key of an action, an actor split into its
//! kind and name, a row's details on one line.

/// The catalogue key of an audit action (docs/api.md §6 and the server's other rows).
pub fn action_key(action: &str) -> Option<&'static str> {
    Some(match action {
        "renewal.submitted" => "admin.action.renewal.submitted",
        "renewal.paid" => "admin.action.renewal.paid",
        "renewal.cancelled" => "admin.action.renewal.cancelled",
        "renewal.expired" => "admin.action.renewal.expired",
        "renewal.approval_recorded" => "admin.action.renewal.approval_recorded",
        "renewal.approved" => "admin.action.renewal.approved",
        "renewal.rejected" => "admin.action.renewal.rejected",
        "renewal.issued" => "admin.action.renewal.issued",
        "renewal.reissued" => "admin.action.renewal.reissued",
        "renewal.completed" => "admin.action.renewal.completed",
        "renewal.bank_transfer_submitted" => "admin.action.renewal.bank_transfer_submitted",
        "renewal.bank_transfer_refused" => "admin.action.renewal.bank_transfer_refused",
        "payment.started" => "admin.action.payment.started",
        "payment.paid" => "admin.action.payment.paid",
        "payment.failed" => "admin.action.payment.failed",
        "payment.closed" => "admin.action.payment.closed",
        "refund.opened" => "admin.action.refund.opened",
        "refund.done" => "admin.action.refund.done",
        "invoice.issued" => "admin.action.invoice.issued",
        "session.opened" => "admin.action.session.opened",
        "certificate.revoked" => "admin.action.certificate.revoked",
        "staff.login" => "admin.action.staff.login",
        "staff.login_failed" => "admin.action.staff.login_failed",
        "staff.logout" => "admin.action.staff.logout",
        "staff.saved" => "admin.action.staff.saved",
        _ => return None,
    })
}

/// An audit actor split into the catalogue key of its kind and the rest
/// (`staff:alice` → 工作人员, `alice`); a certificate hash is shortened.
pub fn actor_parts(actor: &str) -> (Option<&'static str>, String) {
    let (kind, rest) = actor.split_once(':').unwrap_or((actor, ""));
    let key = match kind {
        "user" => "admin.actor.user",
        "staff" => "admin.actor.staff",
        "gateway" => "admin.actor.gateway",
        "system" => "admin.actor.system",
        "anonymous" => "admin.actor.anonymous",
        _ => return (None, actor.to_owned()),
    };
    let rest = if kind == "user" {
        short_hash(rest)
    } else {
        rest.to_owned()
    };
    (Some(key), rest)
}

/// The catalogue key of a timeline row's `by` (`user`, `staff`, `gateway`, `system`).
pub fn by_key(by: &str) -> Option<&'static str> {
    actor_parts(by).0
}

/// The first 12 characters of a hash, with an ellipsis when cut.
pub fn short_hash(hash: &str) -> String {
    match hash.char_indices().nth(12) {
        Some((i, _)) => format!("{}…", &hash[..i]),
        None => hash.to_owned(),
    }
}

/// The audit row's details in one line (`key: value, …`) for the tables.
pub fn data_line(data: &serde_json::Value) -> String {
    match data {
        serde_json::Value::Null => String::new(),
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::i18n::tests::exists;

    #[test]
    fn every_key_is_in_the_catalogue() {
        for a in [
            "renewal.submitted",
            "renewal.paid",
            "renewal.cancelled",
            "renewal.expired",
            "renewal.approval_recorded",
            "renewal.approved",
            "renewal.rejected",
            "renewal.issued",
            "renewal.reissued",
            "renewal.completed",
            "renewal.bank_transfer_submitted",
            "renewal.bank_transfer_refused",
            "payment.started",
            "payment.paid",
            "payment.failed",
            "payment.closed",
            "refund.opened",
            "refund.done",
            "invoice.issued",
            "session.opened",
            "certificate.revoked",
            "staff.login",
            "staff.login_failed",
            "staff.logout",
            "staff.saved",
        ] {
            exists(action_key(a).expect(a));
        }
        for a in [
            "user:ab",
            "staff:alice",
            "gateway:sandbox",
            "system:expiry",
            "anonymous",
        ] {
            exists(actor_parts(a).0.expect(a));
        }
    }

    #[test]
    fn unknown_codes_have_no_key_so_the_raw_value_is_shown() {
        assert_eq!(action_key("renewal.teleported"), None);
        assert_eq!(actor_parts("robot:x"), (None, "robot:x".to_owned()));
    }

    #[test]
    fn small_helpers() {
        assert_eq!(short_hash("0123456789abcdef"), "0123456789ab…");
        assert_eq!(short_hash("abc"), "abc");
        assert_eq!(actor_parts("user:0123456789abcdef").1, "0123456789ab…");
        assert_eq!(
            actor_parts("staff:alice"),
            (Some("admin.actor.staff"), "alice".to_owned())
        );
        assert_eq!(
            data_line(&json!({"from": "in_review", "approvals": 2})),
            "approvals: 2, from: in_review"
        );
        assert_eq!(data_line(&json!(null)), "");
    }
}
