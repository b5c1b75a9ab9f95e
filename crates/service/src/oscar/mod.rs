//! The connector to each clinic's Oscar: the OAuth 1.0a three-legged flow,
//! then demographics, the day's appointments and notes saved to the chart,
//! all as the Oscar provider who authorised the service.

pub mod address;
pub mod callback_page;
mod calls;
pub mod client;
pub mod json;
pub mod oauth1;
pub mod patients;

use std::sync::Arc;

use crate::clock::Clock;
use crate::store::oscar::{self as conn_store, Start, State};
use crate::store::{Actor, Db, StoreError};
use client::{Endpoint, OscarClient, OscarError, Token};
use cortico_protocol::api::{OscarConnection, OscarConnectionState};
use oauth1::SignatureMethod;

/// Why an Oscar operation failed: the connection, or Oscar itself.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// The clinic has no working connection to Oscar.
    #[error("{0}")]
    NotConnected(String),
    /// What the admin typed cannot work.
    #[error("{0}")]
    Invalid(String),
    /// Oscar failed or refused.
    #[error(transparent)]
    Oscar(#[from] OscarError),
    /// The service's own storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ConnectorError {
    /// A short label for logs: never Oscar's words, which could quote a record.
    pub fn label(&self) -> &'static str {
        match self {
            ConnectorError::NotConnected(_) => "not connected",
            ConnectorError::Invalid(_) => "invalid settings",
            ConnectorError::Store(_) => "storage error",
            ConnectorError::Oscar(OscarError::Unreachable { .. }) => "Oscar unreachable",
            ConnectorError::Oscar(OscarError::RestModuleOff) => "Oscar's REST module is off",
            ConnectorError::Oscar(OscarError::Refused(_)) => "Oscar refused the credentials",
            ConnectorError::Oscar(OscarError::CallbackRejected(_)) => "callback rejected",
            ConnectorError::Oscar(OscarError::Status { .. }) => "Oscar error status",
            ConnectorError::Oscar(OscarError::NotFound) => "not in Oscar",
            ConnectorError::Oscar(OscarError::Malformed(_)) => "unreadable answer from Oscar",
        }
    }
}

/// Everything Oscar calls need: the HTTP client, the database, the key the
/// credentials are sealed with and the address Oscar calls back.
#[derive(Clone)]
pub struct Connector {
    client: OscarClient,
    /// Days of appointments recently read from Oscar, so every open schedule
    /// tab refreshing its envelopes on each change does not call Oscar each time.
    days: Arc<std::sync::Mutex<std::collections::HashMap<DayKey, CachedDay>>>,
    db: Db,
    key: Arc<Vec<u8>>,
    clock: Clock,
    /// `<public url>/oscar/callback`.
    callback: String,
    /// The operator allows Oscar addresses on private networks.
    private_network: bool,
}

/// (clinic, date, provider): one cached day of appointments.
type DayKey = (i64, String, String);
/// When it was read, and its appointments.
type CachedDay = (i64, Vec<json::Appointment>);

/// How long a day of appointments read from Oscar is reused.
const DAY_CACHE_MS: i64 = 60 * 1000;

/// How old a patient's copy of their Oscar record may get before it is fetched again.
pub const REFRESH_AFTER_MS: i64 = 24 * 3600 * 1000;

impl Connector {
    /// A connector for the service at `public_url`; `private_network` lets
    /// admins name an Oscar on a private network (see `address`).
    pub fn new(
        db: Db,
        key: Vec<u8>,
        clock: Clock,
        public_url: &str,
        timeout: std::time::Duration,
        private_network: bool,
    ) -> Connector {
        Connector {
            days: Arc::default(),
            client: OscarClient::new(clock.clone(), timeout, private_network),
            private_network,
            db,
            key: Arc::new(key),
            clock,
            callback: format!("{}/oscar/callback", public_url.trim_end_matches('/')),
        }
    }

    /// The URI admins register for the REST client in Oscar.
    pub fn callback_uri(&self) -> &str {
        &self.callback
    }

    /// The connection as admins see it.
    pub async fn status(&self, clinic_id: i64) -> Result<OscarConnection, ConnectorError> {
        let conn = conn_store::get(&self.db, &self.key, clinic_id).await?;
        Ok(match conn {
            None => OscarConnection {
                state: OscarConnectionState::NotConnected,
                base_url: None,
                client_key: None,
                provider_name: None,
                problem: None,
                callback_uri: self.callback.clone(),
                updated_at: None,
            },
            Some(c) => OscarConnection {
                state: match c.state {
                    State::Authorizing => OscarConnectionState::Authorizing,
                    State::Connected => OscarConnectionState::Connected,
                    State::Broken => OscarConnectionState::Broken,
                },
                base_url: Some(c.base_url),
                client_key: Some(c.client_key),
                provider_name: c.provider_name,
                problem: c.problem,
                callback_uri: self.callback.clone(),
                updated_at: Some(c.updated_at),
            },
        })
    }

    /// First leg: checks what the admin gave, gets a temporary token from
    /// Oscar and returns the address where the admin authorises it.
    pub async fn connect(
        &self,
        actor: Actor,
        base_url: &str,
        client_key: &str,
        client_secret: Option<&str>,
        method: Option<&str>,
    ) -> Result<String, ConnectorError> {
        let base_url = address::normalize_base_url(base_url)?;
        address::check(&base_url, self.private_network)?;
        let client_key = client_key.trim();
        if client_key.is_empty() || client_key.len() > 200 {
            return Err(ConnectorError::Invalid("Enter the REST client's key from Oscar.".into()));
        }
        let secret = match client_secret.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) if s.len() <= 200 => s.to_owned(),
            Some(_) => return Err(ConnectorError::Invalid("That client secret is too long.".into())),
            // Re-authorising keeps the saved secret of the same client.
            None => match conn_store::get(&self.db, &self.key, actor.clinic_id()).await? {
                Some(c) if c.client_key == client_key => c.client_secret,
                _ => return Err(ConnectorError::Invalid("Enter the REST client's secret from Oscar.".into())),
            },
        };
        let method = match method.map(str::trim).filter(|m| !m.is_empty()) {
            None => SignatureMethod::HmacSha1,
            Some(m) => SignatureMethod::parse(m)
                .ok_or_else(|| ConnectorError::Invalid("The signature method is HMAC-SHA1 or PLAINTEXT.".into()))?,
        };
        let ep =
            Endpoint { base_url: base_url.clone(), client_key: client_key.to_owned(), client_secret: secret, method };
        let temporary = self.client.initiate(&ep, &self.callback).await?;
        let authorize_url = OscarClient::authorize_url(&ep, &temporary);
        let start = Start {
            base_url,
            client_key: ep.client_key.clone(),
            client_secret: ep.client_secret.clone(),
            signature_method: method.as_str().to_owned(),
            request_token: temporary.token,
            request_secret: temporary.secret,
        };
        self.forget_days(actor.clinic_id());
        conn_store::start(&self.db, &self.key, actor, start, self.clock.now()).await?;
        Ok(authorize_url)
    }

    /// Last leg, from Oscar's redirect: exchanges the verifier for an access
    /// token and asks Oscar who it acts as. Returns the provider's name.
    pub async fn complete(
        &self,
        request_token: &str,
        verifier: Option<&str>,
        problem: Option<&str>,
    ) -> Result<String, ConnectorError> {
        let conn = conn_store::by_request_token(&self.db, &self.key, request_token).await?.ok_or_else(|| {
            ConnectorError::NotConnected(
                "This authorisation is unknown or was already used. Start connecting Oscar again.".into(),
            )
        })?;
        let now = self.clock.now();
        let Some(verifier) = verifier.filter(|v| !v.is_empty()) else {
            let why = match problem {
                Some("user_refused") | None => "Authorisation was denied in Oscar. Connect again and choose Allow.",
                Some(_) => "Oscar did not authorise the connection. Connect again.",
            };
            conn_store::mark_broken(&self.db, conn.clinic_id, why, now).await?;
            return Err(ConnectorError::NotConnected(why.into()));
        };
        let ep = self.endpoint(&conn)?;
        let (token, secret) = conn.request.clone().ok_or_else(|| ConnectorError::NotConnected("No request".into()))?;
        let access = match self.client.exchange(&ep, &Token { token, secret }, verifier).await {
            Ok(t) => t,
            Err(err) => {
                let why = format!("Oscar did not issue an access token: {err} Connect again.");
                conn_store::mark_broken(&self.db, conn.clinic_id, &why, now).await?;
                return Err(err.into());
            }
        };
        let me = self.client.get_json(&ep, &access, "providerService/provider/me").await;
        let provider = match me {
            Ok(Some(body)) => json::provider(&body),
            _ => None,
        }
        .unwrap_or(json::Provider { provider_no: String::new(), name: "the authorising provider".into() });
        conn_store::complete(
            &self.db,
            &self.key,
            conn.clinic_id,
            request_token,
            (access.token, access.secret),
            (provider.provider_no, provider.name.clone()),
            self.clock.now(),
        )
        .await?;
        Ok(provider.name)
    }

    /// Forgets the clinic's connection.
    pub async fn disconnect(&self, actor: Actor) -> Result<(), ConnectorError> {
        self.forget_days(actor.clinic_id());
        conn_store::disconnect(&self.db, actor, self.clock.now()).await?;
        Ok(())
    }

    /// Whether the clinic has a working connection.
    pub async fn is_connected(&self, clinic_id: i64) -> Result<bool, ConnectorError> {
        Ok(conn_store::get(&self.db, &self.key, clinic_id).await?.is_some_and(|c| c.state == State::Connected))
    }
}
