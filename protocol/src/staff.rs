//! The CA staff's roles and who may do what (docs/api.md §9).

use crate::wire_enum::wire_enum;

wire_enum! {
    /// What a staff member may do.
    pub enum Role {
        /// Reviews applications: approve, reject.
        Reviewer = "reviewer",
        /// Reconciles transfers, marks refunds and invoices.
        Finance = "finance",
        /// Everything.
        Admin = "admin",
    }
}

impl Role {
    /// Whether the role may approve and reject (reviewer, or admin).
    pub const fn can_review(self) -> bool {
        matches!(self, Role::Reviewer | Role::Admin)
    }

    /// Whether the role may reconcile, mark refunds and invoices (finance, or admin).
    pub const fn can_finance(self) -> bool {
        matches!(self, Role::Finance | Role::Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire_enum::assert_wire_names;

    // server/src/admin/auth.rs stores and sends these names.
    #[test]
    fn wire_names_are_the_servers() {
        assert_wire_names!(
            Role,
            [
                (Role::Reviewer, "reviewer"),
                (Role::Finance, "finance"),
                (Role::Admin, "admin"),
            ]
        );
    }

    #[test]
    fn roles_decide_the_actions() {
        assert!(Role::Reviewer.can_review() && Role::Admin.can_review());
        assert!(!Role::Finance.can_review());
        assert!(Role::Finance.can_finance() && Role::Admin.can_finance());
        assert!(!Role::Reviewer.can_finance());
    }
}
