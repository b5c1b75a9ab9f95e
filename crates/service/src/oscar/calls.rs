//! The calls staff requests make to a connected Oscar (a patient's record, a
//! day's appointments, a note saved to the chart), and what their failures
//! do to the connection: a refused token breaks it, the REST module being
//! off is shown on it until a call works again.

use serde_json::json;

use super::client::{Endpoint, OscarError, Token};
use super::oauth1::{self, SignatureMethod};
use super::{address, json, Connector, ConnectorError, DAY_CACHE_MS};
use crate::store::oscar::{self as conn_store, Connection, State};

impl Connector {
    /// A patient's demographic record (`/demographics/summary/{n}`);
    /// `Ok(None)` when Oscar has no such patient.
    pub async fn demographic(
        &self,
        clinic_id: i64,
        demographic_no: u32,
    ) -> Result<Option<json::Demographic>, ConnectorError> {
        let (body, summary) = match self.get(clinic_id, &format!("demographics/summary/{demographic_no}")).await {
            // Classic's summary fails with 500 for an unknown number, where
            // the full record answers 204: ask that one which it was.
            Err(ConnectorError::Oscar(OscarError::Status { status: 500, .. })) => {
                (self.get(clinic_id, &format!("demographics/{demographic_no}")).await?, false)
            }
            other => (other?, true),
        };
        match body {
            None => Ok(None),
            Some(v) => match json::demographic(&v, summary) {
                Some(d) if d.demographic_no == demographic_no => Ok(Some(d)),
                Some(_) => Err(OscarError::Malformed("a different patient's record came back".into()).into()),
                None => Err(OscarError::Malformed("no demographic record in the answer".into()).into()),
            },
        }
    }

    /// A provider's appointments on `date` (`yyyy-mm-dd`); the connected
    /// provider's own when `provider_no` is `None`. Only days Oscar answered
    /// are cached: a failure is never remembered as an empty day.
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
        match self.settle(&conn, result).await? {
            Some(v) => Ok(json::saved_note_id(&v)),
            // 204: Oscar saved nothing (it does so for a blank note).
            None => Err(OscarError::Status { status: 204, detail: "nothing was saved".into() }.into()),
        }
    }

    async fn get(&self, clinic_id: i64, path: &str) -> Result<Option<serde_json::Value>, ConnectorError> {
        let (conn, ep, access) = self.live(clinic_id).await?;
        match self.client.get_json(&ep, &access, path).await {
            Err(OscarError::NotFound) => Ok(None),
            result => self.settle(&conn, result).await,
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
        let ep = self.endpoint(&conn)?;
        Ok((conn, ep, access))
    }

    /// What a call's outcome does to the connection. A refused token is
    /// gone for good in classic Oscar: the connection is marked broken so
    /// admins see it, instead of retrying. The REST module being off is
    /// shown on the connection (the token still works once it is back on)
    /// and cleared by the next call that works.
    async fn settle<T>(&self, conn: &Connection, result: Result<T, OscarError>) -> Result<T, ConnectorError> {
        let now = self.clock.now();
        let err = match result {
            Ok(v) => {
                if conn.problem.is_some() {
                    conn_store::set_problem(&self.db, conn.clinic_id, None, now).await?;
                }
                return Ok(v);
            }
            Err(err) => err,
        };
        if err.breaks_connection() {
            self.forget_days(conn.clinic_id);
            let why = "Oscar refused the service's access token (revoked, expired, or a clock difference of more \
                       than five minutes). Check the clocks, then connect Oscar again.";
            conn_store::mark_broken(&self.db, conn.clinic_id, why, now).await?;
            tracing::warn!(clinic_id = conn.clinic_id, "Oscar refused the access token; connection marked broken");
        } else if matches!(err, OscarError::RestModuleOff) {
            self.forget_days(conn.clinic_id);
            let why = err.to_string();
            if conn.problem.as_deref() != Some(why.as_str()) {
                conn_store::set_problem(&self.db, conn.clinic_id, Some(&why), now).await?;
            }
            tracing::warn!(clinic_id = conn.clinic_id, "Oscar's REST module is off");
        }
        Err(err.into())
    }

    /// Drops a clinic's cached days (its connection changed).
    pub(super) fn forget_days(&self, clinic_id: i64) {
        self.days.lock().unwrap_or_else(std::sync::PoisonError::into_inner).retain(|(c, _, _), _| *c != clinic_id);
    }

    /// Where and how to call; the address rules are checked on every call,
    /// so an operator withdrawing `--oscar-private-network` takes effect.
    pub(super) fn endpoint(&self, conn: &Connection) -> Result<Endpoint, ConnectorError> {
        address::check(&conn.base_url, self.private_network)?;
        Ok(Endpoint {
            base_url: conn.base_url.clone(),
            client_key: conn.client_key.clone(),
            client_secret: conn.client_secret.clone(),
            method: SignatureMethod::parse(&conn.signature_method).unwrap_or(SignatureMethod::HmacSha1),
        })
    }
}
