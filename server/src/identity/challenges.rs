//! Challenges: 32 bytes, standard base64, valid five minutes, usable once.
//!
//! A challenge is self-describing and authenticated, so that handing one out writes
//! nothing (an unauthenticated request that wrote a row was a cost per renewal and a
//! lever for filling the database; issue 16): its expiry (8 bytes, unix ms, big
//! endian), 8 random bytes, and the first 16 bytes of HMAC-SHA-256 over those 16 under
//! a key derived from the KMC master key, which every instance holds
//! ([`MasterKey::derive`], docs/security.md "Challenges"). Using one checks the MAC and
//! the expiry, then records the use with an `INSERT` that does nothing when the
//! challenge is there already, so a second use — on this instance or another sharing
//! the database — is refused. The `INSERT` is made in the transaction of the change the
//! challenge authorises ([`Checked`]), or in a write of its own when the request fails.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use protocol::ErrorCode;
use protocol::ids::Challenge;
use ring::hmac;
use subtle::ConstantTimeEq as _;

use crate::clock;
use crate::db::{Store, Tx};
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

/// Checks a challenge (this CA's, unexpired) without recording its use: the request
/// records it in the transaction of the change it authorises ([`Checked::record`]), so
/// that a renewal's step costs one write, not two (issue 16).
pub fn check(store: &Store, challenge: &Challenge) -> Result<Checked, AppError> {
    check_with(store, key()?, challenge, clock::now_ms())
}

/// [`check`] with a given key and time.
pub fn check_with(
    store: &Store,
    key: &Key,
    challenge: &Challenge,
    now: i64,
) -> Result<Checked, AppError> {
    Ok(Checked {
        store: store.clone(),
        challenge: challenge.as_str().to_owned(),
        expires_at: valid_until(key, challenge, now)?,
        now,
        recorded: AtomicBool::new(false),
        settled: false,
    })
}

/// Uses up a challenge on its own: checks it and records its use in a write of its
/// own (every request records it in its own transaction; the tests use this).
#[cfg(test)]
async fn consume_with(
    store: &Store,
    key: &Key,
    challenge: &Challenge,
    now: i64,
) -> Result<(), AppError> {
    let expires_at = valid_until(key, challenge, now)?;
    match burn(store, challenge.as_str(), expires_at, now).await? {
        true => Ok(()),
        false => Err(refused()),
    }
}

/// The expiry of `challenge` if it is this CA's and unexpired at `now`.
fn valid_until(key: &Key, challenge: &Challenge, now: i64) -> Result<i64, AppError> {
    let expires_at = key.expiry(challenge).ok_or_else(refused)?;
    // Further ahead than a fresh one (plus clock skew between instances): not ours.
    if expires_at <= now || expires_at > now + LIFETIME.as_millis() as i64 + 60_000 {
        return Err(refused());
    }
    Ok(expires_at)
}

fn refused() -> AppError {
    AppError::refused(
        ErrorCode::ChallengeInvalid,
        StatusCode::UNAUTHORIZED,
        "the challenge is unknown, already used or expired; ask for a new one",
    )
}

/// The statement that records a use; it does nothing when the challenge is there
/// already (used on this instance or another sharing the database).
const RECORD: &str = "INSERT INTO challenges (challenge, expires_at, used_at) VALUES ($1, $2, $3) ON CONFLICT (challenge) DO NOTHING";

/// Records a use in a write of its own; true when this was the first. Sweeps, once a
/// minute per process, the uses that expired over an hour ago: their expiry refuses
/// them already, and each sweep is a write.
async fn burn(store: &Store, challenge: &str, expires_at: i64, now: i64) -> Result<bool, AppError> {
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
            sqlx::query(RECORD)
                .bind(challenge)
                .bind(expires_at)
                .bind(now),
        )
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A challenge whose MAC and expiry passed and whose use is not yet recorded.
///
/// The request records the use in its own transaction ([`Checked::record`]), and hands
/// its outcome to [`Checked::settle`]. Unless the request succeeded with the use
/// recorded, `settle` records it in a write of its own, so a failed attempt (a wrong
/// signature, a step refused, a failed commit) uses the challenge up as well. Dropped
/// unsettled (the client went away mid-request), it is recorded by a task of its own.
#[must_use = "settle it with the request's outcome, or the use is recorded late"]
pub struct Checked {
    store: Store,
    challenge: String,
    expires_at: i64,
    now: i64,
    /// Recorded in the request's transaction.
    recorded: AtomicBool,
    settled: bool,
}

impl Checked {
    /// Records the use in `tx`; refused when the challenge was used already. Call it
    /// first in the transaction, so that a replay is refused before any other work.
    pub async fn record(&self, tx: &mut Tx) -> Result<(), AppError> {
        let done = sqlx::query(RECORD)
            .bind(&self.challenge)
            .bind(self.expires_at)
            .bind(self.now)
            .execute(&mut **tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(refused());
        }
        self.recorded.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// Ends the challenge's part in the request: `outcome` is the request's. A success
    /// whose transaction recorded the use (and so committed it) is passed on as it is;
    /// otherwise the use is recorded now, before the answer goes out.
    pub async fn settle<T>(mut self, outcome: Result<T, AppError>) -> Result<T, AppError> {
        self.settled = true;
        if outcome.is_ok() && self.recorded.load(Ordering::Relaxed) {
            return outcome;
        }
        let burnt = burn(&self.store, &self.challenge, self.expires_at, self.now).await;
        match outcome {
            // A success that never recorded the use is a handler's mistake: refuse it
            // unless this write was the first use.
            Ok(value) => match burnt? {
                true => Ok(value),
                false => Err(refused()),
            },
            Err(e) => {
                if let Err(burn_error) = burnt {
                    tracing::warn!(error = %burn_error, "a failed request's challenge could not be recorded as used");
                }
                Err(e)
            }
        }
    }
}

impl Drop for Checked {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        // Cancelled mid-request: the transaction (if any) rolled back with it.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let store = self.store.clone();
        let challenge = std::mem::take(&mut self.challenge);
        let (expires_at, now) = (self.expires_at, self.now);
        runtime.spawn(async move {
            if let Err(e) = burn(&store, &challenge, expires_at, now).await {
                tracing::warn!(error = %e, "a cancelled request's challenge could not be recorded as used");
            }
        });
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

    async fn used(store: &Store, c: &Challenge) -> bool {
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM challenges WHERE challenge = $1")
            .bind(c.as_str())
            .fetch_one(store.pool())
            .await
            .unwrap();
        rows == 1
    }

    /// The use is recorded by the request's transaction: committed with it, refused
    /// when recorded already, and recorded anyway when the request fails after it.
    #[tokio::test]
    async fn the_use_is_recorded_with_the_change_or_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let key = key();

        let ok = key.mint(NOW + 300_000);
        let checked = check_with(&store, &key, &ok, NOW).unwrap();
        let mut tx = store.begin_write().await.unwrap();
        checked.record(&mut tx).await.unwrap();
        assert!(!used(&store, &ok).await, "not before the commit");
        tx.commit().await.unwrap();
        checked.settle(Ok(())).await.unwrap();
        assert!(used(&store, &ok).await);
        // A replay is refused at its record, in a transaction of its own.
        let again = check_with(&store, &key, &ok, NOW).unwrap();
        let mut tx = store.begin_write().await.unwrap();
        assert!(is_refused(again.record(&mut tx).await));
        drop(tx);
        assert!(is_refused(again.settle(Err(refused())).await));

        // Recorded, then the step failed and rolled back: settling records it.
        let failed = key.mint(NOW + 300_000);
        let checked = check_with(&store, &key, &failed, NOW).unwrap();
        let mut tx = store.begin_write().await.unwrap();
        checked.record(&mut tx).await.unwrap();
        tx.rollback().await.unwrap();
        assert!(!used(&store, &failed).await);
        let refusal = AppError::validation("x", "x.y", "refused");
        assert!(matches!(
            checked.settle::<()>(Err(refusal)).await,
            Err(AppError::Validation { .. })
        ));
        assert!(used(&store, &failed).await);

        // A success that never recorded the use is recorded at settle, once.
        let unrecorded = key.mint(NOW + 300_000);
        let checked = check_with(&store, &key, &unrecorded, NOW).unwrap();
        checked.settle(Ok(())).await.unwrap();
        assert!(used(&store, &unrecorded).await);
        let twice = check_with(&store, &key, &unrecorded, NOW).unwrap();
        assert!(is_refused(twice.settle(Ok(())).await));
    }

    /// A request cancelled mid-way (its future dropped) still uses its challenge up.
    #[tokio::test]
    async fn a_cancelled_request_uses_its_challenge_up() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let key = key();
        let c = key.mint(NOW + 300_000);
        let checked = check_with(&store, &key, &c, NOW).unwrap();
        let mut tx = store.begin_write().await.unwrap();
        checked.record(&mut tx).await.unwrap();
        drop(tx);
        drop(checked);
        for _ in 0..200 {
            if used(&store, &c).await {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the dropped challenge was never recorded as used");
    }

    /// Two requests with one challenge at once: one records it, the other is refused.
    #[tokio::test]
    async fn of_two_concurrent_uses_one_wins() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let key = key();
        let c = key.mint(NOW + 300_000);
        let attempt = || async {
            let checked = check_with(&store, &key, &c, NOW).unwrap();
            let outcome = async {
                let mut tx = store.begin_write().await?;
                checked.record(&mut tx).await?;
                tx.commit().await?;
                Ok(())
            }
            .await;
            checked.settle(outcome).await
        };
        let (a, b) = tokio::join!(attempt(), attempt());
        assert_eq!(
            [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(),
            1,
            "{a:?} {b:?}"
        );
    }
}
