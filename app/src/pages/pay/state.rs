//! The pay panel's signals, one per control, and the draft kept per renewal in session
//! storage (the order page may re-render the panel; the gateway's redirect reloads it).

use leptos::prelude::*;
use protocol::application::FieldError;
use time::UtcOffset;

use super::logic::{self, PayDraft};
use crate::error::AppError;
use crate::format;
use crate::models::{Project, Renewal};
use crate::storage;

/// What the pay button is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Busy {
    /// Nothing.
    Idle,
    /// Asking the server (which first settles earlier attempts at the gateway).
    Paying,
    /// Leaving for the gateway's page.
    Redirecting,
}

/// Every signal of the pay panel.
#[derive(Clone, Copy)]
pub struct PayForm {
    pub method: RwSignal<String>,
    pub kind: RwSignal<String>,
    pub title: RwSignal<String>,
    pub taxpayer_id: RwSignal<String>,
    pub bt_account: RwSignal<String>,
    pub bt_name: RwSignal<String>,
    pub bt_date: RwSignal<String>,
    pub bt_note: RwSignal<String>,
    /// Field errors, in form order.
    pub errors: RwSignal<Vec<FieldError>>,
    /// A failure that is not about one field.
    pub failure: RwSignal<Option<AppError>>,
    /// The pay button's state.
    pub busy: RwSignal<Busy>,
}

fn key(business_no: &str) -> String {
    format!("certrenew.pay.{business_no}")
}

/// Today in China Standard Time, `YYYY-MM-DD` (the default date of a transfer).
pub fn today() -> String {
    let offset = UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC);
    let t = format::now().to_offset(offset);
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

impl PayForm {
    /// The signals: the kept draft of this renewal, else a fresh one.
    pub fn load(renewal: &Renewal, project: &Project) -> Self {
        let no = renewal.business_no.clone();
        let d = match storage::load::<PayDraft>(&key(&no)) {
            Some(kept) => logic::fit(kept, project),
            None => logic::initial(renewal, project, &today()),
        };
        let form = PayForm {
            method: RwSignal::new(d.method),
            kind: RwSignal::new(d.kind),
            title: RwSignal::new(d.title),
            taxpayer_id: RwSignal::new(d.taxpayer_id),
            bt_account: RwSignal::new(d.bt_account),
            bt_name: RwSignal::new(d.bt_name),
            bt_date: RwSignal::new(d.bt_date),
            bt_note: RwSignal::new(d.bt_note),
            errors: RwSignal::new(Vec::new()),
            failure: RwSignal::new(None),
            busy: RwSignal::new(Busy::Idle),
        };
        Effect::new(move || storage::save(&key(&no), &form.draft()));
        form
    }

    /// What is typed now (tracked).
    pub fn draft(&self) -> PayDraft {
        PayDraft {
            method: self.method.get(),
            kind: self.kind.get(),
            title: self.title.get(),
            taxpayer_id: self.taxpayer_id.get(),
            bt_account: self.bt_account.get(),
            bt_name: self.bt_name.get(),
            bt_date: self.bt_date.get(),
            bt_note: self.bt_note.get(),
        }
    }

    /// Drops the errors of `field` (the user is correcting it).
    pub fn clear(&self, field: &str) {
        crate::pages::apply::ui::clear_field(self.errors, field);
    }
}
