//! Finding tokens: every slot with a token, across every loaded module, named by the
//! token's serial number (never by slot id, which can change between runs).

use cryptoki::context::Pkcs11;
use cryptoki::slot::{Slot, TokenInfo};
use protocol::host::TokenSummary;
use protocol::ids::TokenSerial;

use crate::error::HostError;
use crate::modules::Module;

/// A present token.
pub struct Token {
    /// The module's context it was found through.
    pub context: Pkcs11,
    /// Its slot (valid for this process only).
    pub slot: Slot,
    /// The module's path, for display.
    pub module: String,
    /// Its information at the time it was found.
    pub info: TokenInfo,
    /// Its serial.
    pub serial: TokenSerial,
    /// The SM2 mechanism profile of its module, if any (crate::mechanisms).
    pub sm2: Option<crate::mechanisms::Profile>,
}

impl Token {
    /// The token as `list_certificates` reports it, with fresh PIN flags.
    pub fn summary(&self) -> TokenSummary {
        let info = self
            .context
            .get_token_info(self.slot)
            .unwrap_or_else(|_| self.info.clone());
        TokenSummary {
            serial: self.serial.clone(),
            label: info.label().trim().to_owned(),
            manufacturer: info.manufacturer_id().trim().to_owned(),
            model: info.model().trim().to_owned(),
            module: self.module.clone(),
            pin_pad: info.protected_authentication_path(),
            pin_count_low: info.user_pin_count_low(),
            pin_final_try: info.user_pin_final_try(),
            pin_locked: info.user_pin_locked(),
        }
    }

    /// The PIN flags as the token reports them now: (count_low, final_try, locked).
    pub fn pin_flags(&self) -> (bool, bool, bool) {
        match self.context.get_token_info(self.slot) {
            Ok(info) => (
                info.user_pin_count_low(),
                info.user_pin_final_try(),
                info.user_pin_locked(),
            ),
            Err(_) => (false, false, false),
        }
    }
}

/// Every token present behind the loaded modules. A module whose slots cannot be
/// listed is skipped (it was reported by `hello` already if it failed to load).
pub fn present_tokens(modules: &[Module]) -> Vec<Token> {
    let mut out = Vec::new();
    for module in modules {
        let Ok(context) = &module.context else {
            continue;
        };
        let Ok(slots) = context.get_slots_with_token() else {
            continue;
        };
        for slot in slots {
            let Ok(info) = context.get_token_info(slot) else {
                continue;
            };
            // An uninitialised token (a blank card, SoftHSM's free slot) holds nothing.
            if !info.token_initialized() {
                continue;
            }
            let serial = TokenSerial::parse(info.serial_number().trim())
                .or_else(|_| TokenSerial::parse(&format!("slot-{}", slot.id())));
            let Ok(serial) = serial else { continue };
            // The same token seen through two modules is listed once.
            if out.iter().any(|t: &Token| t.serial == serial) {
                continue;
            }
            out.push(Token {
                context: context.clone(),
                slot,
                module: module.path.display().to_string(),
                info,
                serial,
                sm2: module.sm2.profile,
            });
        }
    }
    out
}

/// The token with this serial.
pub fn find_token(modules: &[Module], serial: &TokenSerial) -> Result<Token, HostError> {
    if !modules.iter().any(|m| m.context.is_ok()) {
        return Err(HostError::NoModule);
    }
    present_tokens(modules)
        .into_iter()
        .find(|t| &t.serial == serial)
        .ok_or_else(|| HostError::TokenNotFound(serial.to_string()))
}
