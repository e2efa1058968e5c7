//! PINs: stored salted and hashed, checked with a retry counter that counts down and
//! locks, and the token flags that say how many tries are left.

use cryptoki_sys::{
    CK_FLAGS, CKF_SO_PIN_COUNT_LOW, CKF_SO_PIN_FINAL_TRY, CKF_SO_PIN_LOCKED,
    CKF_USER_PIN_COUNT_LOW, CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED, CKR_PIN_INCORRECT,
    CKR_PIN_LEN_RANGE, CKR_PIN_LOCKED,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{CkResult, Rv};

/// Shortest PIN accepted, in bytes.
pub const MIN_LEN: usize = 4;
/// Longest PIN accepted, in bytes.
pub const MAX_LEN: usize = 64;

/// `CKR_PIN_LEN_RANGE` unless `pin` has [`MIN_LEN`]..=[`MAX_LEN`] bytes.
pub fn check_length(pin: &[u8]) -> CkResult<()> {
    if (MIN_LEN..=MAX_LEN).contains(&pin.len()) {
        Ok(())
    } else {
        Err(Rv(CKR_PIN_LEN_RANGE))
    }
}

/// A PIN as stored, with what is left of its retry counter.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredPin {
    salt: String,
    sha256: String,
    /// Wrong tries left before the PIN locks; 0 means locked.
    pub tries_left: u32,
}

impl StoredPin {
    /// Stores `pin` with a fresh salt and a full counter.
    pub fn new(pin: &[u8], tries: u32) -> CkResult<Self> {
        check_length(pin)?;
        let mut salt = [0u8; 16];
        crate::crypto::random(&mut salt)?;
        let salt = hex::encode(salt);
        let sha256 = hash(&salt, pin);
        Ok(StoredPin {
            salt,
            sha256,
            tries_left: tries,
        })
    }

    /// Checks `pin`: a locked PIN fails with `CKR_PIN_LOCKED` whatever is given; a
    /// wrong one counts down and fails with `CKR_PIN_INCORRECT`, or with
    /// `CKR_PIN_LOCKED` when it used the last try; a right one resets the counter.
    /// The caller persists the counter either way.
    pub fn check(&mut self, pin: &[u8], tries: u32) -> CkResult<()> {
        if self.tries_left == 0 {
            return Err(Rv(CKR_PIN_LOCKED));
        }
        if hash(&self.salt, pin) == self.sha256 {
            self.tries_left = tries;
            return Ok(());
        }
        self.tries_left -= 1;
        Err(Rv(if self.tries_left == 0 {
            CKR_PIN_LOCKED
        } else {
            CKR_PIN_INCORRECT
        }))
    }

    /// The token-info flags for this PIN as the user PIN (`so` false) or SO PIN.
    pub fn flags(&self, tries: u32, so: bool) -> CK_FLAGS {
        let (low, final_try, locked) = if so {
            (
                CKF_SO_PIN_COUNT_LOW,
                CKF_SO_PIN_FINAL_TRY,
                CKF_SO_PIN_LOCKED,
            )
        } else {
            (
                CKF_USER_PIN_COUNT_LOW,
                CKF_USER_PIN_FINAL_TRY,
                CKF_USER_PIN_LOCKED,
            )
        };
        match self.tries_left {
            0 => locked,
            1 => final_try | if tries > 1 { low } else { 0 },
            n if n < tries => low,
            _ => 0,
        }
    }
}

fn hash(salt: &str, pin: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(pin);
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_flags_and_locks() {
        let mut pin = StoredPin::new(b"123456", 3).unwrap();
        assert_eq!(pin.flags(3, false), 0);
        assert_eq!(pin.check(b"000000", 3), Err(Rv(CKR_PIN_INCORRECT)));
        assert_eq!(pin.flags(3, false), CKF_USER_PIN_COUNT_LOW);
        assert_eq!(pin.check(b"000000", 3), Err(Rv(CKR_PIN_INCORRECT)));
        assert_eq!(
            pin.flags(3, false),
            CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY
        );
        assert_eq!(pin.check(b"000000", 3), Err(Rv(CKR_PIN_LOCKED)));
        assert_eq!(pin.flags(3, false), CKF_USER_PIN_LOCKED);
        // Once locked, even the right PIN fails.
        assert_eq!(pin.check(b"123456", 3), Err(Rv(CKR_PIN_LOCKED)));
    }

    #[test]
    fn the_right_pin_resets_the_counter() {
        let mut pin = StoredPin::new(b"123456", 3).unwrap();
        assert!(pin.check(b"000000", 3).is_err());
        assert_eq!(pin.check(b"123456", 3), Ok(()));
        assert_eq!(pin.tries_left, 3);
        assert_eq!(pin.flags(3, true), 0);
    }

    #[test]
    fn lengths() {
        assert_eq!(check_length(b"123"), Err(Rv(CKR_PIN_LEN_RANGE)));
        assert!(check_length(b"1234").is_ok());
        assert_eq!(check_length(&[b'1'; 65]), Err(Rv(CKR_PIN_LEN_RANGE)));
    }
}
