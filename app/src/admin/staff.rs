//! The signed-in staff member, shared through context by every screen of the console
//! (the gate in `session` provides it; `login`, `ui` and the screens read it).

use leptos::prelude::*;
use protocol::ErrorCode;
use protocol::staff::Role;

use crate::admin::model::Staff;
use crate::coded::Coded;
use crate::error::AppError;

/// Where the session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Asking `me`.
    Checking,
    /// No session: the sign-in form.
    SignedOut,
    /// Signed in.
    SignedIn,
    /// `me` failed for another reason (network …).
    Failed,
}

/// The signed-in staff member, shared by the console's components.
#[derive(Clone, Copy)]
pub struct StaffCtx {
    /// The member (`None` unless signed in).
    pub staff: RwSignal<Option<Staff>>,
    /// Counts sign-ins, so lists reload after signing in again.
    pub epoch: RwSignal<u32>,
    pub(crate) phase: RwSignal<Phase>,
    /// The session ran out while working (the form says so).
    expired: RwSignal<bool>,
}

impl StaffCtx {
    pub(crate) fn new() -> Self {
        StaffCtx {
            staff: RwSignal::new(None),
            epoch: RwSignal::new(0),
            phase: RwSignal::new(Phase::Checking),
            expired: RwSignal::new(false),
        }
    }

    /// After `login` or `me`.
    pub fn sign_in(self, staff: Staff) {
        self.staff.set(Some(staff));
        self.expired.set(false);
        self.phase.set(Phase::SignedIn);
        self.epoch.update(|e| *e += 1);
    }

    /// The role as sent (tracked); empty when signed out.
    pub fn role(self) -> Coded<Role> {
        self.staff
            .with(|s| s.as_ref().map(|s| s.role.clone()).unwrap_or_default())
    }

    /// Whether the member may approve and reject (tracked).
    pub fn may_review(self) -> bool {
        self.role().known().is_some_and(Role::can_review)
    }

    /// Whether the member may reconcile, mark refunds and invoices (tracked).
    pub fn may_finance(self) -> bool {
        self.role().known().is_some_and(Role::can_finance)
    }

    /// The user name (tracked).
    pub fn username(self) -> String {
        self.staff
            .with(|s| s.as_ref().map(|s| s.username.clone()).unwrap_or_default())
    }

    /// The CSRF token for a call being made now.
    pub fn csrf(self) -> String {
        self.staff
            .try_with_untracked(|s| s.as_ref().map(|s| s.csrf.clone()))
            .flatten()
            .unwrap_or_default()
    }

    /// A call answered 401: the session is gone. The screen stays mounted (what was
    /// typed is kept) behind the sign-in form.
    pub fn handle(self, error: &AppError) {
        if error.code == ErrorCode::Unauthenticated
            && self.phase.try_get_untracked() == Some(Phase::SignedIn)
        {
            self.expired.set(true);
            self.phase.set(Phase::SignedOut);
        }
    }

    /// Whether the session expired while working.
    pub fn was_expired(self) -> bool {
        self.expired.get()
    }

    pub(crate) fn signed_out(self) {
        self.staff.set(None);
        self.expired.set(false);
        self.phase.set(Phase::SignedOut);
    }
}

/// The staff member; only inside a [`StaffGate`].
pub fn use_staff() -> StaffCtx {
    expect_context::<StaffCtx>()
}
