//! The simulator's shared state: the seeded clinic, the configuration, the
//! login sessions, the OAuth provider's data, saved notes and injected
//! faults. Cloned into every handler (all `Arc`s).

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::faults::Faults;
use super::oauth::OAuthStore;
use super::rest::NoteStore;
use super::SimConfig;
use crate::clinic::Clinic;
use crate::pages::PageOptions;

/// What every handler gets through `State<SimState>`.
#[derive(Clone, Debug)]
pub struct SimState {
    /// The seeded clinic; read-only for the life of the server.
    pub clinic: Arc<Clinic>,
    /// How the simulator was started.
    pub config: Arc<SimConfig>,
    /// `JSESSIONID` → provider number.
    pub sessions: Arc<Sessions>,
    /// REST clients, request and access tokens, used nonces.
    pub oauth: Arc<OAuthStore>,
    /// Notes saved through the REST API.
    pub notes: Arc<NoteStore>,
    /// Injected faults, including the clock offset.
    pub faults: Arc<Faults>,
}

impl SimState {
    /// Seeds the clinic for `config.date`: the demo clinic, or the load
    /// variant when `config.appointments` is set.
    pub fn new(config: SimConfig) -> Self {
        let clinic = match config.appointments {
            Some(n) => Clinic::with_load(config.date, n),
            None => Clinic::demo(config.date),
        };
        Self::with_clinic(config, clinic)
    }

    /// A state around a given clinic (tests seed their own). Registers
    /// `config.rest_client` when set.
    pub fn with_clinic(config: SimConfig, clinic: Clinic) -> Self {
        let oauth = OAuthStore::default();
        if let Some(client) = &config.rest_client {
            let client = oauth.add_client(client.clone());
            tracing::info!(name = %client.name, key = %client.key, secret = %client.secret, uri = %client.uri, lifetime = client.lifetime, "registered a REST client");
        }
        Self {
            clinic: Arc::new(clinic),
            config: Arc::new(config),
            sessions: Arc::new(Sessions::default()),
            oauth: Arc::new(oauth),
            notes: Arc::new(NoteStore::default()),
            faults: Arc::new(Faults::default()),
        }
    }

    /// Epoch milliseconds on the simulator's clock (the system clock plus
    /// the injected `clock_offset_secs`).
    pub fn now_ms(&self) -> i64 {
        self.faults.now_ms()
    }

    /// Epoch seconds on the simulator's clock.
    pub fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Page options for a request made by `provider_no`.
    pub fn page_options(&self, provider_no: &str) -> PageOptions {
        PageOptions {
            variant: self.config.variant,
            context_path: self.config.context_path.clone(),
            logged_in_provider: provider_no.to_owned(),
            refresh_seconds: self.config.refresh_seconds,
        }
    }

    /// `<ctx><path>`, for redirects; `path` starts with `/`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.context_path)
    }
}

/// Signed-in users by session id, in memory like Tomcat's default manager.
#[derive(Debug, Default)]
pub struct Sessions {
    by_id: Mutex<HashMap<String, String>>,
    counter: AtomicU64,
    keys: RandomState,
}

impl Sessions {
    /// Starts a session for `provider_no` and returns its id (32 upper-case
    /// hex digits, like Tomcat's).
    pub fn create(&self, provider_no: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        // RandomState is seeded randomly per process: ids are unguessable
        // enough for a simulator without a random-number crate.
        let part = |salt: u64| {
            let mut h = self.keys.build_hasher();
            h.write_u64(n);
            h.write_u64(salt);
            h.finish()
        };
        let id = format!("{:016X}{:016X}", part(1), part(2));
        self.lock().insert(id.clone(), provider_no.to_owned());
        id
    }

    /// The provider signed in with this session id.
    pub fn provider(&self, id: &str) -> Option<String> {
        self.lock().get(id).cloned()
    }

    /// Ends a session; unknown ids are ignored.
    pub fn remove(&self, id: &str) {
        self.lock().remove(id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        // A panic while holding the lock cannot leave the map inconsistent.
        self.by_id.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_map_ids_to_providers_until_removed() {
        let sessions = Sessions::default();
        let a = sessions.create("100001");
        let b = sessions.create("100002");
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert_eq!(sessions.provider(&a).as_deref(), Some("100001"));
        sessions.remove(&a);
        assert_eq!(sessions.provider(&a), None);
        assert_eq!(sessions.provider(&b).as_deref(), Some("100002"));
    }
}
