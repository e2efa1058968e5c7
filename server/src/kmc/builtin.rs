//! The built-in KMC: keys made in this process, escrowed under the [`MasterKey`]
//! (a file in development, the HSM in production), enveloped here. The private key is
//! in memory only between generation and sealing, and between unsealing and
//! enveloping; it is wiped when dropped.

use async_trait::async_trait;
use protocol::envelope::Envelope;
use protocol::host::KeyAlgorithm;

use super::master::MasterKey;
use super::{Escrow, Generated, Kmc, KmcError, envelope, keygen};

/// The name the built-in KMC gives itself in the escrow rows.
pub const NAME: &str = "built-in";

/// The built-in KMC.
pub struct Builtin {
    master: MasterKey,
}

impl Builtin {
    /// A KMC sealing under `master`.
    pub fn new(master: MasterKey) -> Self {
        Self { master }
    }

    /// The master key's id.
    pub fn master_id(&self) -> &str {
        self.master.id()
    }
}

#[async_trait]
impl Kmc for Builtin {
    fn name(&self) -> String {
        NAME.to_owned()
    }

    async fn generate(&self, algorithm: KeyAlgorithm) -> Result<Generated, KmcError> {
        let pair = keygen::generate(algorithm)?;
        let key_id = super::key_id(&pair.spki_der);
        let sealed = self.master.seal(&pair.pkcs8, key_id.as_bytes())?;
        Ok(Generated {
            spki_der: pair.spki_der,
            escrow: Escrow {
                key_id,
                algorithm,
                kmc: NAME.to_owned(),
                master_key: self.master.id().to_owned(),
                sealed,
            },
        })
    }

    async fn envelope(
        &self,
        escrow: &Escrow,
        recipient_spki_der: &[u8],
    ) -> Result<Envelope, KmcError> {
        if escrow.kmc != NAME || escrow.master_key != self.master.id() {
            return Err(KmcError::Foreign {
                key_id: escrow.key_id.clone(),
                found: format!("{} / {}", escrow.kmc, escrow.master_key),
                ours: format!("{NAME} / {}", self.master.id()),
            });
        }
        let pkcs8 = self.master.open(&escrow.sealed, escrow.key_id.as_bytes())?;
        envelope::seal(&pkcs8, recipient_spki_der)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn generated_keys_are_escrowed_and_enveloped_to_the_signing_key() {
        let kmc = Builtin::new(MasterKey::from_bytes(&[1u8; 32]).unwrap());
        let signing = keygen::generate(KeyAlgorithm::EcP256).unwrap();
        for algorithm in [KeyAlgorithm::EcP256, KeyAlgorithm::Rsa2048] {
            let generated = kmc.generate(algorithm).await.unwrap();
            assert_eq!(keygen::algorithm_of(&generated.spki_der), Some(algorithm));
            let envelope = kmc
                .envelope(&generated.escrow, &signing.spki_der)
                .await
                .unwrap();
            let pkcs8 = envelope::open(&envelope, &signing.pkcs8).unwrap();
            // The enveloped key is the certified one's private half.
            let again = match algorithm {
                KeyAlgorithm::EcP256 => {
                    use p256::pkcs8::{DecodePrivateKey as _, EncodePublicKey as _};
                    p256::SecretKey::from_pkcs8_der(&pkcs8)
                        .unwrap()
                        .public_key()
                        .to_public_key_der()
                        .unwrap()
                        .as_bytes()
                        .to_vec()
                }
                KeyAlgorithm::Rsa2048 => {
                    use rsa::pkcs8::{DecodePrivateKey as _, EncodePublicKey as _};
                    rsa::RsaPrivateKey::from_pkcs8_der(&pkcs8)
                        .unwrap()
                        .to_public_key()
                        .to_public_key_der()
                        .unwrap()
                        .as_bytes()
                        .to_vec()
                }
                // The SM2 envelope is tested in kmc::sm2.
                KeyAlgorithm::Sm2 => unreachable!("not in this loop"),
            };
            assert_eq!(again, generated.spki_der);
        }
        // Another master key cannot open the escrow.
        let generated = kmc.generate(KeyAlgorithm::EcP256).await.unwrap();
        let other = Builtin::new(MasterKey::from_bytes(&[2u8; 32]).unwrap());
        assert!(matches!(
            other.envelope(&generated.escrow, &signing.spki_der).await,
            Err(KmcError::Foreign { .. })
        ));
        let mut forged = generated.escrow.clone();
        forged.master_key = other.master_id().to_owned();
        assert!(matches!(
            other.envelope(&forged, &signing.spki_der).await,
            Err(KmcError::Master { .. })
        ));
    }
}
