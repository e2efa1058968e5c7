//! Challenges: 32 bytes, standard base64, valid five minutes, usable once.
//!
//! A challenge is self-describing and authenticated, so that handing one out writes
//! nothing (an unauthenticated request that wrote a row was a cost per renewal and a
//! lever for filling the database; issue 16): its expiry (8 bytes, unix ms, big
//! endian), 8 random bytes, and the first 16 bytes of HMAC-SHA-256 over those 16 under
//! a key derived from the KMC master key, which every instance holds
//! ([`MasterKey::derive`], docs/security.md "Challenges"). Using one checks the MAC and
//! the expiry, then records the use with one `INSERT` that does nothing when the
//! challenge is there already, so a second use — on this instance or another sharing
//! the database — is refused.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use protocol::ErrorCode;
use protocol::ids::Challenge;
use ring::hmac;
use subtle::ConstantTimeEq as _;

use crate::clock;
use crate::db::Store;
use crate::error::AppError;
use crate::kmc::{KmcError, master::MasterKey};
use crate::random;

/// How long a challenge may be used.
pub const LIFETIME: Duration = Duration::from_secs(300);

/// What the MAC key is derived under from the KMC master key.
pub const KEY_LABEL: &str = "certrenew challenge mac v1";

/// The bytes of a challenge: expiry, random, MAC.
const LEN: usize = 32;
/// Expiry and random: what the MAC covers.
const BODY: usize = 16;

/// How often this process sweeps used challenges that expired over an hour ago.
const SWEEP_EVERY_MS: i64 = 60_000;

/// When this process last swept (unix ms).
static SWEPT_AT: AtomicI64 = AtomicI64::new(0);

/// This process's key, set at start ([`set_key`]).
static KEY: OnceLock<Key> = OnceLock::new();

/// The key challenges are authenticated with.
pub struct Key(hmac::Key);

impl Key {
    /// The key derived from the KMC master key (the same on every instance).
    pub fn derive(master: &MasterKey) -> Result<Self, KmcError> {
        Ok(Self::from_secret(master.derive(KEY_LABEL)?.as_ref()))
    }

    /// A key from its secret bytes.
    pub fn from_secret(secret: &[u8]) -> Self {
        Self(hmac::Key::new(hmac::HMAC_SHA256, secret))
    }

    fn tag(&self, body: &[u8]) -> hmac::Tag {
        // The domain label keeps this MAC apart from any other use of the key.
        let mut ctx = hmac::Context::with_key(&self.0);
        ctx.update(b"certrenew challenge\0");
        ctx.update(body);
        ctx.sign()
    }

    /// A challenge valid until `expires_at` (unix ms).
    pub fn mint(&self, expires_at: i64) -> Challenge {
        let mut raw = [0u8; LEN];
        raw[..8].copy_from_slice(&expires_at.to_be_bytes());
        raw[8..BODY].copy_from_slice(&random::bytes(BODY - 8));
        let tag = self.tag(&raw[..BODY]);
        raw[BODY..].copy_from_slice(&tag.as_ref()[..LEN - BODY]);
        Challenge::parse(&STANDARD.encode(raw)).expect("44 base64 characters are a challenge")
    }

    /// The expiry of `challenge` when this key made it, whether or not it has passed.
    pub fn expiry(&self, challenge: &Challenge) -> Option<i64> {
        let raw = STANDARD.decode(challenge.as_str()).ok()?;
        let raw: [u8; LEN] = raw.try_into().ok()?;
        let tag = self.tag(&raw[..BODY]);
        if !bool::from(tag.as_ref()[..LEN - BODY].ct_eq(&raw[BODY..])) {
            return None;
        }
        let mut expiry = [0u8; 8];
        expiry.copy_from_slice(&raw[..8]);
        Some(i64::from_be_bytes(expiry))
    }
}

/// Sets this process's challenge key (at start, from the KMC master key). Later calls
/// are ignored.
pub fn set_key(key: Key) {
    let _ = KEY.set(key);
}

fn key() -> Result<&'static Key, AppError> {
    KEY.get()
        .ok_or_else(|| AppError::Internal("the challenge key is not set".into()))
}

/// Creates a challenge; returns it with its expiry (unix ms). Writes nothing.
pub fn issue() -> Result<(Challenge, i64), AppError> {
    let expires_at = clock::now_ms() + LIFETIME.as_millis() as i64;
    Ok((key()?.mint(expires_at), expires_at))
}

/// Uses up a challenge: it must be this CA's, unexpired and unused. Called before the
/// signature is checked and committed on its own, so a failed attempt uses it up too.
pub async fn consume(store: &Store, challenge: &Challenge) -> Result<(), AppError> {
    consume_with(store, key()?, challenge, clock::now_ms()).await
}

/// [`consume`] with a given key and time.
pub async fn consume_with(
    store: &Store,
    key: &Key,
    challenge: &Challenge,
    now: i64,
) -> Result<(), AppError> {
    let refused = || {
        AppError::refused(
            ErrorCode::ChallengeInvalid,
            StatusCode::UNAUTHORIZED,
            "the challenge is unknown, already used or expired; ask for a new one",
        )
    };
    let expires_at = key.expiry(challenge).ok_or_else(refused)?;
    // Further ahead than a fresh one (plus clock skew between instances): not ours.
    if expires_at <= now || expires_at > now + LIFETIME.as_millis() as i64 + 60_000 {
        return Err(refused());
    }
    // Used challenges that expired over an hour ago are swept once a minute per
    // process: their expiry refuses them already, and each sweep is a write.
    let last = SWEPT_AT.load(Ordering::Relaxed);
    if now - last >= SWEEP_EVERY_MS
        && SWEPT_AT
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        store
            .write_one(
                sqlx::query("DELETE FROM challenges WHERE expires_at < $1").bind(now - 3_600_000),
            )
            .await?;
    }
    let done = store
        .write_one(
            sqlx::query(
                "INSERT INTO challenges (challenge, expires_at, used_at) VALUES ($1, $2, $3) ON CONFLICT (challenge) DO NOTHING",
            )
            .bind(challenge.as_str())
            .bind(expires_at)
            .bind(now),
        )
        .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(refused())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Store;

    const NOW: i64 = 1_800_000_000_000;

    fn key() -> Key {
        Key::from_secret(&[7u8; 32])
    }

    async fn store(dir: &tempfile::TempDir) -> Store {
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        store
    }

    fn is_refused(result: Result<(), AppError>) -> bool {
        matches!(
            result,
            Err(AppError::Refused {
                code: ErrorCode::ChallengeInvalid,
                ..
            })
        )
    }

    #[test]
    fn a_challenge_is_32_bytes_of_standard_base64_and_says_its_expiry() {
        let key = key();
        let c = key.mint(NOW + 300_000);
        assert_eq!(c.as_str().len(), 44);
        assert_eq!(STANDARD.decode(c.as_str()).unwrap().len(), 32);
        assert_eq!(key.expiry(&c), Some(NOW + 300_000));
        assert_ne!(
            key.mint(NOW).as_str(),
            key.mint(NOW).as_str(),
            "random part"
        );
    }

    #[test]
    fn a_changed_byte_or_another_key_is_refused() {
        let key = key();
        let c = key.mint(NOW + 300_000);
        let raw = STANDARD.decode(c.as_str()).unwrap();
        for i in 0..LEN {
            let mut forged = raw.clone();
            forged[i] ^= 1;
            let forged = Challenge::parse(&STANDARD.encode(&forged)).unwrap();
            assert_eq!(key.expiry(&forged), None, "byte {i} changed");
        }
        assert_eq!(Key::from_secret(&[8u8; 32]).expiry(&c), None);
        for text in [
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
            "q83vEjRWeJASNFZ4kBI0Vng-",
        ] {
            assert_eq!(key.expiry(&Challenge::parse(text).unwrap()), None);
        }
    }

    #[test]
    fn the_key_follows_the_master_key_and_nothing_else() {
        let a = MasterKey::from_bytes(&[1u8; 32]).unwrap();
        let b = MasterKey::from_bytes(&[2u8; 32]).unwrap();
        let c = Key::derive(&a).unwrap().mint(NOW);
        assert_eq!(Key::derive(&a).unwrap().expiry(&c), Some(NOW));
        assert_eq!(Key::derive(&b).unwrap().expiry(&c), None);
        assert_ne!(*a.derive(KEY_LABEL).unwrap(), *a.derive("other").unwrap());
    }

    #[tokio::test]
    async fn forged_expired_and_replayed_challenges_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let pool = store.pool();
        let key = key();
        let fresh = key.mint(NOW + 300_000);
        consume_with(&store, &key, &fresh, NOW).await.unwrap();
        assert!(is_refused(consume_with(&store, &key, &fresh, NOW).await));
        let other = Key::from_secret(&[9u8; 32]).mint(NOW + 300_000);
        assert!(is_refused(consume_with(&store, &key, &other, NOW).await));
        let old = key.mint(NOW + 300_000);
        assert!(is_refused(
            consume_with(&store, &key, &old, NOW + 300_000).await
        ));
        assert!(is_refused(
            consume_with(&store, &key, &key.mint(NOW + 3_600_000), NOW).await
        ));
        // The refused attempts wrote nothing: the one use is the only row.
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM challenges")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(rows, 1);
    }

    /// Two pools on one database stand for two instances: a challenge used on one is
    /// refused on the other, and the sweep keeps a used challenge until it is stale.
    #[tokio::test]
    async fn a_replay_on_another_instance_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = store(&dir).await;
        let b = store(&dir).await;
        let key = key();
        let c = key.mint(NOW + 300_000);
        consume_with(&a, &key, &c, NOW).await.unwrap();
        assert!(is_refused(consume_with(&b, &key, &c, NOW + 1).await));
        let d = key.mint(NOW + 300_000);
        consume_with(&b, &key, &d, NOW + 2).await.unwrap();
        assert!(is_refused(consume_with(&a, &key, &d, NOW + 3).await));
    }
}
