//! The OAuth provider's data, in memory: REST clients (`ServiceClient`),
//! request tokens (`ServiceRequestToken`), access tokens
//! (`ServiceAccessToken`), used nonces and the authorize page's
//! authenticity tokens.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use rand::Rng;
use serde::{Deserialize, Serialize};

/// A request token lives one hour (`OscarOAuthDataProvider.getRequestToken`).
pub const REQUEST_TOKEN_LIFETIME_SECS: i64 = 3600;

/// A registered REST client (Oscar's `ServiceClient`).
///
/// JSON: `{"name","key","secret","uri","lifetime"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestClient {
    /// Display name, shown on the authorize page.
    pub name: String,
    /// The consumer key (`clientKey`).
    pub key: String,
    /// The consumer secret (`clientSecret`).
    pub secret: String,
    /// The application URI; callbacks must start with it (classic).
    pub uri: String,
    /// Access-token lifetime in seconds; -1 = never expires.
    pub lifetime: i64,
}

/// What registering a client takes; a missing key or secret is generated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewRestClient {
    /// Display name.
    pub name: String,
    /// Application URI.
    pub uri: String,
    /// Token lifetime in seconds (-1 = forever).
    pub lifetime: i64,
    /// A fixed consumer key, else 16 random `[0-9a-z]`.
    pub key: Option<String>,
    /// A fixed consumer secret, else 16 random `[0-9a-z]`.
    pub secret: Option<String>,
}

/// A temporary credential between `initiate` and `token`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestToken {
    /// `oauth_token`.
    pub token: String,
    /// `oauth_token_secret`.
    pub secret: String,
    /// The consumer key of the client that asked for it.
    pub client_key: String,
    /// `oauth_callback` as sent.
    pub callback: String,
    /// Set when the user allows access.
    pub verifier: Option<String>,
    /// Set when a user signs in on the authorize page.
    pub provider_no: Option<String>,
    /// Issued at, epoch seconds.
    pub created: i64,
}

/// A token credential (Oscar's `ServiceAccessToken`).
///
/// JSON (`GET /__sim/access-tokens`): `{"token","provider_no","client_key","lifetime","issued"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessToken {
    /// `oauth_token`.
    pub token: String,
    /// `oauth_token_secret` (not listed by the control API).
    #[serde(skip_serializing, default)]
    pub secret: String,
    /// The provider every call with this token runs as.
    pub provider_no: String,
    /// The client's consumer key.
    pub client_key: String,
    /// Seconds; -1 = never expires.
    pub lifetime: i64,
    /// Issued at, epoch seconds.
    pub issued: i64,
}

impl AccessToken {
    /// CXF's rule: `lifetime != -1 && issued + lifetime < now`, whole seconds.
    pub fn is_expired(&self, now_secs: i64) -> bool {
        self.lifetime != -1 && self.issued.saturating_add(self.lifetime) < now_secs
    }
}

/// The used-nonce key of net.oauth's `SimpleOAuthValidator`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NonceKey {
    /// `oauth_timestamp` as sent.
    pub timestamp: String,
    /// `oauth_nonce`.
    pub nonce: String,
    /// `oauth_consumer_key`.
    pub consumer_key: String,
    /// `oauth_token`, empty when absent.
    pub token: String,
}

/// All OAuth state, behind one lock (the simulator's traffic is light).
#[derive(Debug, Default)]
pub struct OAuthStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    clients: Vec<RestClient>,
    request_tokens: HashMap<String, RequestToken>,
    access_tokens: HashMap<String, AccessToken>,
    /// Nonce key → its timestamp (seconds), to forget old ones.
    nonces: HashMap<NonceKey, i64>,
    /// Authenticity token → (session id, oauth_token) it was issued for.
    authenticity: HashMap<String, (String, String)>,
}

impl OAuthStore {
    /// Registers a client, generating what is not given.
    pub fn add_client(&self, new: NewRestClient) -> RestClient {
        let client = RestClient {
            name: new.name,
            key: new.key.unwrap_or_else(|| random_key(16)),
            secret: new.secret.unwrap_or_else(|| random_key(16)),
            uri: new.uri,
            lifetime: new.lifetime,
        };
        let mut inner = self.lock();
        // A re-registered key replaces the old client.
        inner.clients.retain(|c| c.key != client.key);
        inner.clients.push(client.clone());
        client
    }

    /// The clients, in registration order.
    pub fn clients(&self) -> Vec<RestClient> {
        self.lock().clients.clone()
    }

    /// The client with this consumer key.
    pub fn client(&self, key: &str) -> Option<RestClient> {
        self.lock().clients.iter().find(|c| c.key == key).cloned()
    }

    /// Issues a request token for a client.
    pub fn create_request_token(&self, client_key: &str, callback: &str, now_secs: i64) -> RequestToken {
        let token = RequestToken {
            token: random_uuid(),
            secret: random_uuid(),
            client_key: client_key.to_owned(),
            callback: callback.to_owned(),
            verifier: None,
            provider_no: None,
            created: now_secs,
        };
        self.lock().request_tokens.insert(token.token.clone(), token.clone());
        token
    }

    /// A live request token; one older than an hour is dropped and `None`.
    pub fn request_token(&self, token: &str, now_secs: i64) -> Option<RequestToken> {
        let mut inner = self.lock();
        let found = inner.request_tokens.get(token)?.clone();
        if found.created + REQUEST_TOKEN_LIFETIME_SECS < now_secs {
            inner.request_tokens.remove(token);
            return None;
        }
        Some(found)
    }

    /// Records who signed in for a request token, unless someone already did.
    pub fn set_request_token_provider(&self, token: &str, provider_no: &str) {
        if let Some(t) = self.lock().request_tokens.get_mut(token) {
            t.provider_no.get_or_insert_with(|| provider_no.to_owned());
        }
    }

    /// Marks a request token allowed: sets its provider if unset and a
    /// verifier; returns the updated token.
    pub fn authorize_request_token(&self, token: &str, provider_no: &str) -> Option<RequestToken> {
        let mut inner = self.lock();
        let t = inner.request_tokens.get_mut(token)?;
        t.provider_no.get_or_insert_with(|| provider_no.to_owned());
        t.verifier = Some(random_key(20));
        Some(t.clone())
    }

    /// Forgets a request token.
    pub fn remove_request_token(&self, token: &str) {
        self.lock().request_tokens.remove(token);
    }

    /// Swaps an authorized request token for an access token with the given
    /// lifetime; the request token is deleted.
    pub fn exchange(&self, request: &RequestToken, provider_no: &str, lifetime: i64, now_secs: i64) -> AccessToken {
        let mut inner = self.lock();
        inner.request_tokens.remove(&request.token);
        let access = AccessToken {
            token: random_uuid(),
            secret: random_uuid(),
            provider_no: provider_no.to_owned(),
            client_key: request.client_key.clone(),
            lifetime,
            issued: now_secs,
        };
        inner.access_tokens.insert(access.token.clone(), access.clone());
        access
    }

    /// Issues an access token directly (the `/__sim` shortcut past the
    /// three-legged flow).
    pub fn mint_access_token(&self, client_key: &str, provider_no: &str, lifetime: i64, now_secs: i64) -> AccessToken {
        let access = AccessToken {
            token: random_uuid(),
            secret: random_uuid(),
            provider_no: provider_no.to_owned(),
            client_key: client_key.to_owned(),
            lifetime,
            issued: now_secs,
        };
        self.lock().access_tokens.insert(access.token.clone(), access.clone());
        access
    }

    /// The access token with this id.
    pub fn access_token(&self, token: &str) -> Option<AccessToken> {
        self.lock().access_tokens.get(token).cloned()
    }

    /// Deletes an access token; false when there was none.
    pub fn remove_access_token(&self, token: &str) -> bool {
        self.lock().access_tokens.remove(token).is_some()
    }

    /// All access tokens, oldest first.
    pub fn access_tokens(&self) -> Vec<AccessToken> {
        let mut tokens: Vec<AccessToken> = self.lock().access_tokens.values().cloned().collect();
        tokens.sort_by(|a, b| (a.issued, &a.token).cmp(&(b.issued, &b.token)));
        tokens
    }

    /// Records a nonce; false when the same key was used before. Keys whose
    /// timestamp left the window are forgotten first (they would be refused
    /// as stale anyway).
    pub fn use_nonce(&self, key: NonceKey, timestamp_secs: i64, now_secs: i64, window_secs: i64) -> bool {
        let mut inner = self.lock();
        inner.nonces.retain(|_, ts| *ts >= now_secs - window_secs);
        inner.nonces.insert(key, timestamp_secs).is_none()
    }

    /// A one-time token for the authorize page's form.
    pub fn issue_authenticity_token(&self, session_id: &str, oauth_token: &str) -> String {
        let value = random_key(24);
        self.lock().authenticity.insert(value.clone(), (session_id.to_owned(), oauth_token.to_owned()));
        value
    }

    /// Uses up an authenticity token; true when it was issued to this session
    /// for this request token.
    pub fn take_authenticity_token(&self, value: &str, session_id: &str, oauth_token: &str) -> bool {
        match self.lock().authenticity.remove(value) {
            Some((session, token)) => session == session_id && token == oauth_token,
            None => false,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps inconsistent.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// `len` random characters from `[0-9a-z]`, like Oscar's client keys.
pub fn random_key(len: usize) -> String {
    const CHARS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::thread_rng();
    (0..len).map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char).collect()
}

/// A random version-4 UUID string, as `UUID.randomUUID().toString()`.
pub fn random_uuid() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_uuids_have_oscars_shapes() {
        let key = random_key(16);
        assert_eq!(key.len(), 16);
        assert!(key.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()));
        let uuid = random_uuid();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
        assert_ne!(random_uuid(), uuid);
    }

    #[test]
    fn request_tokens_expire_after_an_hour() {
        let store = OAuthStore::default();
        let t = store.create_request_token("k", "http://cb", 1000);
        assert!(store.request_token(&t.token, 1000 + 3600).is_some());
        assert!(store.request_token(&t.token, 1000 + 3601).is_none());
        assert!(store.request_token(&t.token, 1000).is_none(), "dropped once expired");
    }

    #[test]
    fn nonces_are_single_use_within_the_window() {
        let store = OAuthStore::default();
        let key = NonceKey { timestamp: "100".into(), nonce: "n".into(), consumer_key: "k".into(), token: "".into() };
        assert!(store.use_nonce(key.clone(), 100, 100, 300));
        assert!(!store.use_nonce(key.clone(), 100, 200, 300));
        assert!(store.use_nonce(key, 100, 401, 300), "forgotten after the window");
    }

    #[test]
    fn lifetime_minus_one_never_expires_and_zero_expires_next_second() {
        let token = |lifetime| AccessToken {
            token: "t".into(),
            secret: "s".into(),
            provider_no: "p".into(),
            client_key: "k".into(),
            lifetime,
            issued: 50,
        };
        assert!(!token(-1).is_expired(i64::MAX));
        assert!(!token(0).is_expired(50));
        assert!(token(0).is_expired(51));
    }
}
