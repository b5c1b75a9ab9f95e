//! The connector to each clinic's Oscar: the OAuth 1.0a three-legged flow,
//! then demographics, the day's appointments and notes saved to the chart,
//! all as the Oscar provider who authorised the service.

pub mod callback_page;
pub mod client;
pub mod json;
pub mod oauth1;
pub mod patients;

use std::sync::Arc;

use cortico_protocol::api::{OscarConnection, OscarConnectionState};
use serde_json::json;

use crate::clock::Clock;
use crate::store::oscar::{self as conn_store, Connection, Start, State};
use crate::store::{Actor, Db, StoreError};
use client::{Endpoint, OscarClient, OscarError, Token};
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
            ConnectorError::Oscar(OscarError::Unreachable(_)) => "Oscar unreachable",
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
    /// A connector for the service at `public_url`.
    pub fn new(db: Db, key: Vec<u8>, clock: Clock, public_url: &str, timeout: std::time::Duration) -> Connector {
        Connector {
            days: Arc::default(),
            client: OscarClient::new(clock.clone(), timeout),
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
        let base_url = normalize_base_url(base_url)?;
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
        if method == SignatureMethod::Plaintext && !base_url.starts_with("https://") && !is_loopback(&base_url) {
            return Err(ConnectorError::Invalid("PLAINTEXT sends the secret itself: use it only with https.".into()));
        }
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
        let ep = endpoint(&conn)?;
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

    /// A patient's demographic record (`/demographics/summary/{n}`);
    /// `Ok(None)` when Oscar has no such patient.
    pub async fn demographic(
        &self,
        clinic_id: i64,
        demographic_no: u32,
    ) -> Result<Option<json::Demographic>, ConnectorError> {
        let body = self.get(clinic_id, &format!("demographics/summary/{demographic_no}")).await?;
        match body {
            None => Ok(None),
            Some(v) => match json::demographic(&v, true) {
                Some(d) if d.demographic_no == demographic_no => Ok(Some(d)),
                Some(_) => Err(OscarError::Malformed("a different patient's record came back".into()).into()),
                None => Err(OscarError::Malformed("no demographic record in the answer".into()).into()),
            },
        }
    }

    /// A provider's appointments on `date` (`yyyy-mm-dd`); the connected
    /// provider's own when `provider_no` is `None`.
    pub async fn appointments(
        &self,
        clinic_id: i64,
        date: &str,
        provider_no: Option<&str>,
    ) -> Result<Vec<json::Appointment>, ConnectorError> {
        let now = self.clock.now();
        let key = (clinic_id, date.to_owned(), provider_no.unwrap_or_default().to_owned());
        let cached = self.days.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&key).cloned();
        if let Some((_, day)) = cached.filter(|(at, _)| now - at < DAY_CACHE_MS) {
            return Ok(day);
        }
        let day = self.fetch_appointments(clinic_id, date, provider_no).await?;
        let mut days = self.days.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        days.retain(|_, (at, _)| now - *at < DAY_CACHE_MS);
        days.insert(key, (now, day.clone()));
        Ok(day)
    }

    async fn fetch_appointments(
        &self,
        clinic_id: i64,
        date: &str,
        provider_no: Option<&str>,
    ) -> Result<Vec<json::Appointment>, ConnectorError> {
        let path = match provider_no {
            Some(p) => format!("schedule/{}/day/{date}", oauth1::encode(p)),
            None => format!("schedule/day/{date}"),
        };
        let body = self.get(clinic_id, &path).await?.unwrap_or(serde_json::Value::Null);
        if body.is_null() {
            return Ok(Vec::new());
        }
        json::appointments(&body)
            .ok_or_else(|| OscarError::Malformed("no appointment list in the answer".into()).into())
    }

    /// Saves `text` to the patient's chart as an unsigned email-encounter note.
    pub async fn save_note(
        &self,
        clinic_id: i64,
        demographic_no: u32,
        text: &str,
    ) -> Result<Option<String>, ConnectorError> {
        let (conn, ep, access) = self.live(clinic_id).await?;
        let body = json!({ "note": text, "isSigned": false, "encounterType": "email encounter with client" });
        let result = self.client.post_json(&ep, &access, &format!("notes/{demographic_no}/save"), &body).await;
        match result {
            Ok(Some(v)) => Ok(json::saved_note_id(&v)),
            Ok(None) => Err(OscarError::Malformed("Oscar saved nothing (an empty note?)".into()).into()),
            Err(err) => Err(self.broken_if(&conn, err).await),
        }
    }

    async fn get(&self, clinic_id: i64, path: &str) -> Result<Option<serde_json::Value>, ConnectorError> {
        let (conn, ep, access) = self.live(clinic_id).await?;
        match self.client.get_json(&ep, &access, path).await {
            Ok(v) => Ok(v),
            Err(OscarError::NotFound) => Ok(None),
            Err(err) => Err(self.broken_if(&conn, err).await),
        }
    }

    async fn live(&self, clinic_id: i64) -> Result<(Connection, Endpoint, Token), ConnectorError> {
        let conn = conn_store::get(&self.db, &self.key, clinic_id).await?.ok_or_else(|| {
            ConnectorError::NotConnected(
                "Oscar is not connected. An administrator can connect it from the menu.".into(),
            )
        })?;
        let access = match (&conn.state, &conn.access) {
            (State::Connected, Some((token, secret))) => Token { token: token.clone(), secret: secret.clone() },
            (State::Broken, _) => {
                return Err(ConnectorError::NotConnected(format!(
                    "The connection to Oscar is broken: {} An administrator must connect it again.",
                    conn.problem.as_deref().unwrap_or("Oscar refused the service's token.")
                )))
            }
            _ => {
                return Err(ConnectorError::NotConnected(
                    "Oscar is not connected yet: an administrator must finish authorising it in Oscar.".into(),
                ))
            }
        };
        let ep = endpoint(&conn)?;
        Ok((conn, ep, access))
    }

    /// A refused token is gone for good in classic Oscar: mark the connection
    /// broken so admins see it, instead of retrying.
    async fn broken_if(&self, conn: &Connection, err: OscarError) -> ConnectorError {
        if err.breaks_connection() {
            self.forget_days(conn.clinic_id);
            let why = "Oscar refused the service's access token (revoked, expired, or a clock difference of more \
                       than five minutes). Check the clocks, then connect Oscar again.";
            if let Err(store) = conn_store::mark_broken(&self.db, conn.clinic_id, why, self.clock.now()).await {
                return store.into();
            }
            tracing::warn!(clinic_id = conn.clinic_id, "Oscar refused the access token; connection marked broken");
        }
        err.into()
    }
}

impl Connector {
    /// Drops a clinic's cached days (its connection changed).
    fn forget_days(&self, clinic_id: i64) {
        self.days.lock().unwrap_or_else(std::sync::PoisonError::into_inner).retain(|(c, _, _), _| *c != clinic_id);
    }
}

fn endpoint(conn: &Connection) -> Result<Endpoint, ConnectorError> {
    Ok(Endpoint {
        base_url: conn.base_url.clone(),
        client_key: conn.client_key.clone(),
        client_secret: conn.client_secret.clone(),
        method: SignatureMethod::parse(&conn.signature_method).unwrap_or(SignatureMethod::HmacSha1),
    })
}

/// `https://emr.clinic.ca/oscar/` or `…/oscar/provider/providercontrol.jsp`
/// → `https://emr.clinic.ca/oscar`: admins paste what their address bar shows.
pub fn normalize_base_url(input: &str) -> Result<String, ConnectorError> {
    let bad = || ConnectorError::Invalid("Enter Oscar's address, like https://emr.clinic.ca/oscar".into());
    let mut url = url::Url::parse(input.trim()).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() || !url.username().is_empty() {
        return Err(bad());
    }
    url.set_query(None);
    url.set_fragment(None);
    let path = url.path().to_owned();
    // Keep the context path: everything before a known Oscar page.
    let context = ["/provider/", "/casemgmt/", "/oscarEncounter/", "/ws/", "/index.jsp", "/login.do", "/admin/"]
        .iter()
        .filter_map(|marker| path.find(marker))
        .min()
        .map_or(path.as_str(), |i| &path[..i]);
    let context = context.trim_end_matches('/').to_owned();
    url.set_path(&context);
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn is_loopback(base_url: &str) -> bool {
    ["http://127.0.0.1", "http://localhost", "http://[::1]"].iter().any(|p| base_url.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_keep_the_context_path_only() {
        let n = |s| normalize_base_url(s).unwrap();
        assert_eq!(n("https://emr.clinic.ca/oscar/"), "https://emr.clinic.ca/oscar");
        assert_eq!(
            n("https://emr.clinic.ca/oscar_15/provider/providercontrol.jsp?x=1"),
            "https://emr.clinic.ca/oscar_15"
        );
        assert_eq!(n("http://127.0.0.1:8080/oscar"), "http://127.0.0.1:8080/oscar");
        assert_eq!(n("https://emr.clinic.ca/"), "https://emr.clinic.ca");
        assert!(normalize_base_url("ftp://x/oscar").is_err());
        assert!(normalize_base_url("emr.clinic.ca").is_err());
        assert!(normalize_base_url("https://user:pw@emr/oscar").is_err());
    }
}
