//! The CA staff's console (`/admin`, `/admin/renewals/:no`, `/admin/expired`,
//! `/admin/reconciliation`; docs/api.md §9, §13): sign-in, the review queue, the audit
//! chain's check and recent rows, one renewal's detail with the actions of the staff
//! member's role (reviewer: 通过 / 驳回; finance: reconciliation, refunds, invoices;
//! admin: all), the expired path's applications and finance's reconciliation
//! differences. Each of the four pages is a bundle of its own (`crate::app`): a link
//! between them is a full page load, and every page asks the server for the staff
//! session (`session`).
//!
//! # Layout
//! - `session`: the staff session (`me`, sign-out) and the gate around every screen
//! - `staff`: the signed-in member in context (role, CSRF token, a lost session)
//! - `login`: the sign-in form
//! - `queue`: the review queue and its filters
//! - `audit`: the audit chain's check and the recent rows
//! - `detail`: one renewal, with `review` (its action panel); `renewal_pages` the
//!   renewal's other pages (`history`; `finance`; `revoke` and `pair`; `expired_detail`),
//!   each a bundle of its own; `actions` the calls
//! - `revoke`: revoking its certificate with an RFC 5280 reason
//! - `pair`: a dual renewal's encryption certificates and key recovery (密钥恢复)
//! - `expired`: the expired-certificate path's applications (`/admin/expired`);
//!   `expired_detail` what that path adds to a renewal's page
//! - `model`: the admin answers
//! - `labels` (every page's), `renewal_labels` (a renewal's page's), `expired_labels`,
//!   `audit_words`: the server's codes in words (catalogue keys, badges)
//! - `rules`: who may do what, what to say after, the rejection reason's rule
//! - `query`: the lists' filters and query paths
//! - `reconcile`: finance's reconciliation differences (`/admin/reconciliation`)
//! - `ui`: the loader, the refusal notice and the lists' small shared controls

pub mod actions;
pub mod audit;
pub mod audit_words;
pub mod compromise_reports;
pub mod detail;
pub mod expired;
pub mod expired_detail;
pub mod expired_labels;
pub mod finance;
pub mod history;
pub mod labels;
pub mod login;
pub mod model;
pub mod pair;
pub mod query;
pub mod queue;
pub mod reconcile;
pub mod renewal_labels;
pub mod renewal_pages;
pub mod review;
pub mod revoke;
pub mod rules;
pub mod session;
pub mod staff;
pub mod ui;

use leptos::prelude::*;

use crate::admin::audit::{AuditLog, AuditStatus};
use crate::admin::queue::Queue;
use crate::admin::session::StaffGate;

/// `/admin`: the queue, then the audit trail.
#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <StaffGate>
            <Queue />
            <AuditStatus />
            <AuditLog />
        </StaffGate>
    }
}
