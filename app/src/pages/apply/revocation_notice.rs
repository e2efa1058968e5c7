//! One line on the apply page, before the customer applies: what becomes of the
//! certificate being renewed once the new one is installed (the project's
//! `old_certificate` rule, docs/revocation.md).

use crate::resource::Resource;
use leptos::prelude::*;

use crate::api::revocation::{self, OldCertificate};
use crate::i18n::use_i18n;

/// The notice for `project`; nothing while loading or if the project cannot be read
/// (the page shows that error elsewhere).
#[component]
pub fn RevocationNotice(project: String) -> impl IntoView {
    let i18n = use_i18n();
    let rule = Resource::new(move || {
        let project = project.clone();
        async move { revocation::old_certificate(&project).await }
    });
    move || {
        rule.get().and_then(Result::ok).and_then(|rule| {
            // A rule this page does not know promises nothing.
            let rule = rule.known()?;
            let key = match rule {
                OldCertificate::KeepValid => "apply.old_certificate.keep_valid",
                OldCertificate::RevokeSuperseded => "apply.old_certificate.revoke_superseded",
            };
            Some(view! {
                <p class="notice small" id="revocation-notice" data-rule=rule.as_str()>
                    {i18n.text(key)}
                </p>
            })
        })
    }
}
