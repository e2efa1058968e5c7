//! The console's reconciliation bundle (`/admin/reconciliation`): finance's list of the
//! differences between the gateways' statements and the ledger.

#![forbid(unsafe_code)]

fn main() {
    app::start(app::app::AdminReconcileApp, app::i18n::ADMIN_RECONCILIATION);
}
