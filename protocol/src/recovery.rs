//! Key recovery (docs/kmc.md): where a re-delivery of an escrowed encryption key is.

use crate::wire_enum::wire_enum;

wire_enum! {
    /// A recovery's state, as stored and sent.
    pub enum RecoveryStatus {
        /// Staff asked; approvals pending.
        Requested = "requested",
        /// Two distinct approvals: the customer may take delivery.
        Approved = "approved",
        /// The customer's token confirmed it holds the key.
        Delivered = "delivered",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire_enum::assert_wire_names;

    // The literals server/src/kmc/recovery.rs stores; stored rows depend on them.
    #[test]
    fn wire_names_are_the_servers() {
        assert_wire_names!(
            RecoveryStatus,
            [
                (RecoveryStatus::Requested, "requested"),
                (RecoveryStatus::Approved, "approved"),
                (RecoveryStatus::Delivered, "delivered"),
            ]
        );
    }
}
