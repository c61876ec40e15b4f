//! Protection of personal data at rest (密评, GB/T 39786-2021): ID numbers and phones are
//! stored as SM4-GCM ciphertext, with an HMAC-SM3 keyed hash beside them for lookups and
//! uniqueness, and a masked form for lists. Plain values never reach the database.
//!
//! One 32-byte master key, kept in a key file outside the database (see docs/SECURITY.md),
//! derives the encryption and the hashing keys; a database stolen without its key file
//! reveals neither the numbers nor, by brute force over the small ID space, their hashes.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{AesGcm, Nonce};
use hmac::{Hmac, Mac};
use sm3::Sm3;
use sm4::Sm4;
use xianfeng_domain::i18n::Message;

use crate::StoreError;

type Sm4Gcm = AesGcm<Sm4, aes_gcm::aead::consts::U12>;
type HmacSm3 = Hmac<Sm3>;

#[derive(Clone)]
pub struct Vault {
    cipher: Sm4Gcm,
    /// HMAC keyed once; cloned per value, which saves hashing the key pads every time.
    mac: HmacSm3,
    nonces: std::sync::Arc<NonceSource>,
    chain: xianfeng_domain::audit::ChainKey,
}

/// GCM nonces: a random 64-bit prefix and a 32-bit counter, so that encrypting a million
/// values costs no million system calls. The prefix is drawn afresh from the operating
/// system when the counter wraps and in every process, so a nonce never repeats under a key
/// (two processes share a prefix with odds of 2^-64).
struct NonceSource {
    state: std::sync::Mutex<([u8; 8], u32)>,
}

impl NonceSource {
    fn new() -> NonceSource {
        NonceSource {
            state: std::sync::Mutex::new((random_prefix(), 0)),
        }
    }

    fn next(&self) -> [u8; 12] {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if st.1 == u32::MAX {
            *st = (random_prefix(), 0);
        }
        st.1 += 1;
        let mut n = [0u8; 12];
        n[..8].copy_from_slice(&st.0);
        n[8..].copy_from_slice(&st.1.to_be_bytes());
        n
    }
}

fn random_prefix() -> [u8; 8] {
    let mut p = [0u8; 8];
    getrandom::fill(&mut p).expect("the operating system provides randomness");
    p
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(..)")
    }
}

fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac = <HmacSm3 as hmac::digest::KeyInit>::new_from_slice(master)
        .expect("HMAC takes any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl Vault {
    pub fn new(master: [u8; 32]) -> Vault {
        let enc = derive(&master, b"xianfeng/sm4-gcm/v1");
        let cipher = Sm4Gcm::new_from_slice(&enc[..16]).expect("SM4 takes a 16-byte key");
        Vault {
            cipher,
            mac: <HmacSm3 as hmac::digest::KeyInit>::new_from_slice(&derive(
                &master,
                b"xianfeng/hmac-sm3/v1",
            ))
            .expect("HMAC takes any key length"),
            nonces: std::sync::Arc::new(NonceSource::new()),
            chain: xianfeng_domain::audit::ChainKey::new(&derive(
                &master,
                b"xianfeng/audit-chain/v1",
            )),
        }
    }

    /// The key of the audit chain's HMAC.
    pub fn chain_key(&self) -> &xianfeng_domain::audit::ChainKey {
        &self.chain
    }

    /// A fresh random master key.
    pub fn generate_key() -> [u8; 32] {
        let mut k = [0u8; 32];
        getrandom::fill(&mut k).expect("the operating system provides randomness");
        k
    }

    /// Reads a key file: 64 hex characters (white space ignored).
    pub fn parse_key(text: &str) -> Result<[u8; 32], StoreError> {
        let hex_text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = hex::decode(&hex_text).map_err(|_| {
            StoreError::Key(Message::verbatim(
                "the key file must hold 64 hexadecimal characters",
            ))
        })?;
        bytes.try_into().map_err(|_| {
            StoreError::Key(Message::verbatim(
                "the key file must hold 64 hexadecimal characters",
            ))
        })
    }

    /// Keyed hash for equality lookups: HMAC-SM3 truncated to 128 bits (32 hex characters),
    /// which keeps the unique index small; a collision among a billion records has odds
    /// below 10^-20.
    pub fn hash(&self, plain: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(plain.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// Hex of nonce ‖ ciphertext ‖ tag, with a fresh nonce each time.
    pub fn encrypt(&self, plain: &str) -> String {
        let nonce = self.nonces.next();
        let ct = self
            .cipher
            .encrypt(&Nonce::from(nonce), plain.as_bytes())
            .expect("SM4-GCM encryption of a short value cannot fail");
        let mut out = nonce.to_vec();
        out.extend(ct);
        hex::encode(out)
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, StoreError> {
        let bad = || {
            StoreError::Key(Message::verbatim(
                "a protected value could not be decrypted with this key",
            ))
        };
        let bytes = hex::decode(stored).map_err(|_| bad())?;
        if bytes.len() < 12 + 16 {
            return Err(bad());
        }
        let (nonce, ct) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| bad())?;
        let plain = self
            .cipher
            .decrypt(&Nonce::from(nonce), ct)
            .map_err(|_| bad())?;
        String::from_utf8(plain).map_err(|_| bad())
    }

    /// What the database keeps to recognise its key without storing it.
    pub fn check_value(&self) -> String {
        self.hash("xianfeng key check")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper_detection() {
        let v = Vault::new([7; 32]);
        let c1 = v.encrypt("11010519491231002X");
        let c2 = v.encrypt("11010519491231002X");
        assert_ne!(c1, c2, "a fresh nonce each time");
        assert!(!c1.contains("11010519491231002X"));
        assert_eq!(v.decrypt(&c1).unwrap(), "11010519491231002X");
        let mut tampered = c1.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
        assert!(v.decrypt(&String::from_utf8(tampered).unwrap()).is_err());
        let other = Vault::new([8; 32]);
        assert!(other.decrypt(&c1).is_err());
        assert_eq!(v.hash("a"), v.hash("a"));
        assert_ne!(v.hash("a"), other.hash("a"));
    }

    #[test]
    fn key_files() {
        let k = Vault::generate_key();
        assert_eq!(
            Vault::parse_key(&format!("{}\n", hex::encode(k))).unwrap(),
            k
        );
        assert!(Vault::parse_key("abc").is_err());
    }
}
