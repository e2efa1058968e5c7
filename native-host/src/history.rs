//! History certificates: a former encryption certificate kept on the token after a
//! dual renewal, with its keys, so that data encrypted to it stays readable (bid
//! documents are opened weeks after they were encrypted). They are marked by a label
//! prefix, the one place a PKCS#11 token lets every middleware see the mark: the
//! label `张三` becomes `certrenew history: 张三`. A history certificate is never
//! offered for renewal and never pairs (crate::pairing).

/// The prefix that marks a history object's label.
pub const HISTORY_PREFIX: &str = "certrenew history: ";

/// Whether a label marks a history object.
pub fn is_history(label: &str) -> bool {
    label.trim_start().starts_with(HISTORY_PREFIX)
}

/// The history label of an object labelled `label` (unchanged if it is one already).
pub fn history_label(label: &str) -> String {
    if is_history(label) {
        label.to_owned()
    } else {
        format!("{HISTORY_PREFIX}{}", label.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marking_is_idempotent_and_recognised() {
        assert!(!is_history("张三"));
        let once = history_label("张三");
        assert_eq!(once, "certrenew history: 张三");
        assert!(is_history(&once));
        assert_eq!(history_label(&once), once);
        assert!(is_history(&history_label("")));
        // A label that merely mentions the word is not marked.
        assert!(!is_history("my certrenew history"));
    }
}
