//! What one host process keeps between requests on its connection: the loaded
//! modules and, per token, the logged-in session.
//!
//! Chrome starts one host process per port. The extension keeps a port open for up to
//! 120 s after a PIN operation (docs/protocol.md §13) so a follow-up operation on the same token
//! can run without asking for the PIN again; that is the session kept here. A PIN that
//! is given is always checked, even when a session is already logged in.

use std::collections::HashMap;

use cryptoki::session::{Session, SessionState, UserType};
use cryptoki::types::AuthPin;
use protocol::ids::{Pin, TokenSerial};

use crate::config::Config;
use crate::error::HostError;
use crate::modules::{self, Module};
use crate::token::{self, Token};

/// Per-process state.
pub struct Context {
    config: Config,
    modules: Option<Vec<Module>>,
    logins: HashMap<TokenSerial, Session>,
}

impl Context {
    /// A fresh context; modules load on first use.
    pub fn new(config: Config) -> Self {
        Self {
            config,
            modules: None,
            logins: HashMap::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The modules, loading them on first use.
    pub fn modules(&mut self) -> &[Module] {
        let (paths, settings) = (&self.config.modules, &self.config.module_settings);
        self.modules
            .get_or_insert_with(|| modules::load_all(paths, settings))
    }

    /// The present token with this serial.
    pub fn token(&mut self, serial: &TokenSerial) -> Result<Token, HostError> {
        token::find_token(self.modules(), serial)
    }

    /// A read-only session on `token`: the logged-in one when there is one (private
    /// key objects are visible in it), else a new public one.
    pub fn read_session(&mut self, token: &Token) -> Result<ReadSession<'_>, HostError> {
        // A kept session that died with a pulled-out token is dropped, not reused.
        if self
            .logins
            .get(&token.serial)
            .is_some_and(|s| s.get_session_info().is_err())
        {
            self.logins.remove(&token.serial);
        }
        if let Some(session) = self.logins.get(&token.serial) {
            return Ok(ReadSession::Shared(session));
        }
        Ok(ReadSession::Owned(
            token.context.open_ro_session(token.slot)?,
        ))
    }

    /// A read-write session logged in as the user on `token`.
    ///
    /// With a PIN, the PIN is checked (logging out first if a session was logged in).
    /// Without one, a PIN-pad token is logged in through its pad, and otherwise the
    /// session kept from an earlier operation is used, or `PIN_REQUIRED` answered.
    pub fn login(&mut self, token: &Token, pin: Option<&Pin>) -> Result<&Session, HostError> {
        let kept = self.logins.remove(&token.serial);
        let session = match (pin, kept) {
            (Some(pin), kept) => {
                let session = match kept {
                    Some(session) => {
                        // Logging out of a session that lost its login is harmless.
                        let _ = session.logout();
                        session
                    }
                    None => token.context.open_rw_session(token.slot)?,
                };
                let secret = AuthPin::from(pin.expose());
                session
                    .login(UserType::User, Some(&secret))
                    .map_err(|e| refine(token, e.into()))?;
                session
            }
            (None, Some(session)) if is_logged_in(&session) => session,
            (None, _) if token.info.protected_authentication_path() => {
                let session = token.context.open_rw_session(token.slot)?;
                session
                    .login(UserType::User, None)
                    .map_err(|e| refine(token, e.into()))?;
                session
            }
            (None, _) => return Err(HostError::PinRequired),
        };
        Ok(self.logins.entry(token.serial.clone()).or_insert(session))
    }

    /// Forgets the session of a token that went away.
    pub fn forget(&mut self, serial: &TokenSerial) {
        self.logins.remove(serial);
    }
}

/// A session for reading objects.
pub enum ReadSession<'a> {
    /// The kept, logged-in session.
    Shared(&'a Session),
    /// A new public session, closed when dropped.
    Owned(Session),
}

impl std::ops::Deref for ReadSession<'_> {
    type Target = Session;
    fn deref(&self) -> &Session {
        match self {
            Self::Shared(s) => s,
            Self::Owned(s) => s,
        }
    }
}

fn is_logged_in(session: &Session) -> bool {
    session.get_session_info().is_ok_and(|info| {
        matches!(
            info.session_state(),
            SessionState::RwUser | SessionState::RoUser
        )
    })
}

// A wrong PIN is reported with the token's fresh counters; a locked flag wins.
fn refine(token: &Token, err: HostError) -> HostError {
    match err {
        HostError::PinIncorrect { .. } => {
            let (count_low, final_try, locked) = token.pin_flags();
            if locked {
                HostError::PinLocked
            } else {
                HostError::PinIncorrect {
                    count_low,
                    final_try,
                }
            }
        }
        other => other,
    }
}
