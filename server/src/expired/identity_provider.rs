//! What the expired path needs from an identity provider (实名认证): a verdict on the
//! operator's ID card photos and liveness check, and the page where the check is taken.
//! Chosen once at start-up (`crate::providers`); the sandbox's verifier lets
//! development and tests choose the outcome.

/// What the verifier is given.
#[derive(Debug, Clone)]
pub struct Person<'a> {
    /// The name on the card.
    pub name: &'a str,
    /// The ID number.
    pub id_number: &'a str,
    /// The card's front photo.
    pub front: &'a [u8],
    /// The card's back photo.
    pub back: &'a [u8],
    /// The liveness session's token from the provider's flow on the phone.
    pub liveness_token: &'a str,
}

/// The verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The person is who the card says and was there.
    Passed {
        /// The provider's reference.
        reference: String,
    },
    /// Not confirmed.
    Failed {
        /// Why, for the applicant.
        reason: String,
        /// The provider's reference.
        reference: String,
    },
}

/// Why no verdict was reached.
#[derive(Debug, thiserror::Error)]
pub enum VerifierError {
    /// No identity provider is configured.
    #[error("no identity verification provider is configured")]
    Unconfigured,
    /// The provider failed.
    #[error("the identity provider failed: {0}")]
    Provider(String),
}

/// An identity provider (ID photos and liveness).
#[async_trait::async_trait]
pub trait Verifier: Send + Sync {
    /// The provider's name, stored with each check.
    fn name(&self) -> &'static str;
    /// Judges `person`.
    async fn verify(&self, person: &Person<'_>) -> Result<Verdict, VerifierError>;
    /// Where the applicant takes the liveness check of application `business_no` (the
    /// provider's page), which sends them back to `/expired/{business_no}` with
    /// `?liveness_token=…`.
    fn liveness_url(&self, business_no: &str) -> Result<String, VerifierError>;
}

/// Production without a provider: 502.
pub struct Unconfigured;

#[async_trait::async_trait]
impl Verifier for Unconfigured {
    fn name(&self) -> &'static str {
        "none"
    }
    async fn verify(&self, _: &Person<'_>) -> Result<Verdict, VerifierError> {
        Err(VerifierError::Unconfigured)
    }
    fn liveness_url(&self, _: &str) -> Result<String, VerifierError> {
        Err(VerifierError::Unconfigured)
    }
}
