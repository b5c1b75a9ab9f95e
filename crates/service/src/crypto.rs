//! Passwords, bearer tokens and keyed hashes.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Argon2id with OWASP's recommended minimum: 19 MiB, 2 passes, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (salt and parameters included).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 hashing cannot fail with valid parameters")
        .to_string()
}

/// Checks a password against a stored PHC string. A malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| argon2().verify_password(password.as_bytes(), &hash).is_ok())
}

/// Argon2 never runs more than this many at once (2 to 4, by cores): a flood
/// of sign-ins waits its turn instead of taking every core, and 19 MiB
/// each, from the rest of the service.
fn argon2_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        tokio::sync::Semaphore::new(cores.clamp(2, 4))
    })
}

/// Argon2 work that could not finish (its thread panicked).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed")]
pub struct HashingFailed;

/// Runs Argon2 work on a blocking thread, under the service-wide limit.
async fn limited<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, HashingFailed> {
    let _permit = argon2_permits().acquire().await.map_err(|_| HashingFailed)?;
    tokio::task::spawn_blocking(work).await.map_err(|_| HashingFailed)
}

/// [`hash_password`] for async code: off the async threads, under the limit.
pub async fn hash_password_limited(password: String) -> Result<String, HashingFailed> {
    limited(move || hash_password(&password)).await
}

/// [`verify_password`] for async code: off the async threads, under the limit.
pub async fn verify_password_limited(password: String, phc: String) -> Result<bool, HashingFailed> {
    limited(move || verify_password(&password, &phc)).await
}

/// A hash to verify against when the account does not exist, so a wrong
/// email takes as long as a wrong password.
pub fn dummy_password_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("no such account"))
}

/// A new random 256-bit bearer token, URL-safe base64.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a token, as stored. Tokens are random, so no salt is needed.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// HMAC-SHA256 under the service's secret key, with a purpose label so one
/// key serves several uses without the hashes being comparable.
pub fn keyed_hash(key: &[u8], purpose: &str, value: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(purpose.as_bytes());
    mac.update(&[0]);
    mac.update(value.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Equality that takes as long whatever the bytes, so timing tells nothing.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A uniformly random six-digit code.
pub fn six_digit_code() -> String {
    use rand::Rng;
    format!("{:06}", OsRng.gen_range(0..1_000_000u32))
}

/// Hex SHA-256 of bytes (attachment names).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Encrypts a secret for storage (AES-256-GCM under a key derived from the
/// service's secret key). `context` names what it is and whose (for example
/// `oscar.access_token:clinic=3`): a sealed value only opens in its own place.
pub fn seal(key: &[u8], context: &str, plaintext: &str) -> Vec<u8> {
    use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
    let sealing = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &storage_key(key)).expect("32-byte key"));
    let mut nonce = [0u8; 12];
    OsRng.fill_bytes(&mut nonce);
    let mut data = plaintext.as_bytes().to_vec();
    sealing
        .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context.as_bytes()), &mut data)
        .expect("AES-GCM seals any length this service stores");
    let mut out = Vec::with_capacity(1 + 12 + data.len());
    out.push(SEAL_VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&data);
    out
}

/// Decrypts what [`seal`] made for the same `context`; `None` if it was
/// altered, moved, or sealed under another key.
pub fn open(key: &[u8], context: &str, sealed: &[u8]) -> Option<String> {
    use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
    let (&version, rest) = sealed.split_first()?;
    if version != SEAL_VERSION || rest.len() < 12 + 16 {
        return None;
    }
    let opening = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &storage_key(key)).ok()?);
    let nonce = Nonce::try_assume_unique_for_key(&rest[..12]).ok()?;
    let mut data = rest[12..].to_vec();
    let plain = opening.open_in_place(nonce, Aad::from(context.as_bytes()), &mut data).ok()?;
    String::from_utf8(plain.to_vec()).ok()
}

/// The first byte of sealed values, so the scheme can change later.
const SEAL_VERSION: u8 = 1;

/// The encryption key, derived so it is never the key of the keyed hashes.
fn storage_key(key: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(b"stored-secrets/v1");
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_context() {
        let key = [7u8; 32];
        let sealed = seal(&key, "oscar.access_token:clinic=1", "tok-123");
        assert!(!sealed.windows(7).any(|w| w == b"tok-123"), "the value is not stored in clear");
        assert_eq!(open(&key, "oscar.access_token:clinic=1", &sealed).as_deref(), Some("tok-123"));
        assert_eq!(open(&key, "oscar.access_token:clinic=2", &sealed), None, "another clinic's row");
        assert_eq!(open(&[8u8; 32], "oscar.access_token:clinic=1", &sealed), None, "another key");
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(open(&key, "oscar.access_token:clinic=1", &tampered), None);
        assert_ne!(seal(&key, "c", "same"), seal(&key, "c", "same"), "a fresh nonce each time");
    }

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let hash = hash_password("correct horse battery staple");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse battery staple", &hash));
        assert!(!verify_password("Correct horse battery staple", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_256_bits() {
        let a = new_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_ne!(a, new_token());
        assert_eq!(token_hash(&a), token_hash(&a));
    }

    #[test]
    fn keyed_hashes_depend_on_key_and_purpose() {
        let h = keyed_hash(b"k1", "hin", "1234567890");
        assert_eq!(h, keyed_hash(b"k1", "hin", "1234567890"));
        assert_ne!(h, keyed_hash(b"k2", "hin", "1234567890"));
        assert_ne!(h, keyed_hash(b"k1", "dob", "1234567890"));
    }
}
