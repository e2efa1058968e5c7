//! The apply screen's signals: one per control (so typing in one field does not
//! rewrite the others), the errors, and the draft kept in session storage.

use leptos::prelude::*;
use protocol::application::{Application, FieldError};

use super::fields::Draft;
use crate::error::AppError;
use crate::storage;

const KEY_DRAFT: &str = "certrenew.apply.draft";

/// Where the signing and sending stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Nothing under way.
    Idle,
    /// The extension's window asks for the PIN.
    Signing,
    /// The application is being sent.
    Sending,
}

/// Every signal of the apply screen.
#[derive(Clone, Copy)]
pub struct Form {
    pub months: RwSignal<u32>,
    pub accepted: RwSignal<bool>,
    pub id_type: RwSignal<String>,
    pub id_number: RwSignal<String>,
    pub op_name: RwSignal<String>,
    pub op_mobile: RwSignal<String>,
    pub op_email: RwSignal<String>,
    pub rcpt_name: RwSignal<String>,
    pub rcpt_mobile: RwSignal<String>,
    pub rcpt_address: RwSignal<String>,
    /// Field errors (the page's check or the server's 422), in form order.
    pub errors: RwSignal<Vec<FieldError>>,
    /// A failure that is not about one field.
    pub failure: RwSignal<Option<AppError>>,
    /// The user closed the PIN window: a calm note, nothing lost.
    pub cancelled: RwSignal<bool>,
    /// The certificate already has this open renewal.
    pub open_renewal: RwSignal<Option<String>>,
    /// The checked, canonical application awaiting confirmation.
    pub pending: RwSignal<Option<Application>>,
    /// Signing / sending.
    pub phase: RwSignal<Phase>,
    /// The application was sent: the draft is no longer kept.
    sent: StoredValue<bool>,
}

impl Form {
    /// The signals, filled from the draft kept in this tab (if any).
    pub fn load() -> Self {
        let d: Draft = storage::load(KEY_DRAFT).unwrap_or_default();
        let id_type = if d.id_type.is_empty() {
            "resident_id".to_owned()
        } else {
            d.id_type
        };
        let form = Form {
            months: RwSignal::new(d.months),
            accepted: RwSignal::new(d.accepted),
            id_type: RwSignal::new(id_type),
            id_number: RwSignal::new(d.id_number),
            op_name: RwSignal::new(d.op_name),
            op_mobile: RwSignal::new(d.op_mobile),
            op_email: RwSignal::new(d.op_email),
            rcpt_name: RwSignal::new(d.rcpt_name),
            rcpt_mobile: RwSignal::new(d.rcpt_mobile),
            rcpt_address: RwSignal::new(d.rcpt_address),
            errors: RwSignal::new(Vec::new()),
            failure: RwSignal::new(None),
            cancelled: RwSignal::new(false),
            open_renewal: RwSignal::new(None),
            pending: RwSignal::new(None),
            phase: RwSignal::new(Phase::Idle),
            sent: StoredValue::new(false),
        };
        Effect::new(move || {
            let draft = form.draft();
            if !form.sent.get_value() {
                storage::save(KEY_DRAFT, &draft);
            }
        });
        form
    }

    /// What is typed now (tracked: read inside a reactive context it subscribes).
    pub fn draft(&self) -> Draft {
        Draft {
            months: self.months.get(),
            accepted: self.accepted.get(),
            id_type: self.id_type.get(),
            id_number: self.id_number.get(),
            op_name: self.op_name.get(),
            op_mobile: self.op_mobile.get(),
            op_email: self.op_email.get(),
            rcpt_name: self.rcpt_name.get(),
            rcpt_mobile: self.rcpt_mobile.get(),
            rcpt_address: self.rcpt_address.get(),
        }
    }

    /// What is typed now, without subscribing.
    pub fn draft_untracked(&self) -> Draft {
        untrack(|| self.draft())
    }

    /// Forgets the kept draft and keeps no more (the application was sent).
    pub fn forget_draft(&self) {
        self.sent.set_value(true);
        storage::forget(KEY_DRAFT);
    }

    /// Drops the errors of `field` (the user is correcting it).
    pub fn clear(&self, field: &str) {
        crate::pages::apply::ui::clear_field(self.errors, field);
    }

    /// Signing or sending is under way.
    pub fn busy(&self) -> bool {
        self.phase.get() != Phase::Idle
    }
}
