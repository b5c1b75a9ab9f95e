//! Each clinic's connection to its Oscar: where it is, the REST client's
//! credentials and the access token, sealed at rest.

use crate::args;
use crate::crypto;

use super::audit::{self, Record};
use super::{Actor, Db, Result, StoreError};

/// Where a connection stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Waiting for an admin to authorise in Oscar.
    Authorizing,
    /// Calls to Oscar work.
    Connected,
    /// Oscar refused the token; an admin must authorise again.
    Broken,
}

impl State {
    fn parse(s: &str) -> State {
        match s {
            "connected" => State::Connected,
            "broken" => State::Broken,
            _ => State::Authorizing,
        }
    }
}

/// A clinic's connection with its secrets opened.
#[derive(Clone, Debug)]
pub struct Connection {
    /// The clinic.
    pub clinic_id: i64,
    /// Oscar's address with its context path.
    pub base_url: String,
    /// REST client key.
    pub client_key: String,
    /// REST client secret.
    pub client_secret: String,
    /// `HMAC-SHA1` or `PLAINTEXT`.
    pub signature_method: String,
    /// Where it stands.
    pub state: State,
    /// The temporary token and secret while authorising.
    pub request: Option<(String, String)>,
    /// The access token and secret once connected.
    pub access: Option<(String, String)>,
    /// The Oscar provider the service acts as.
    pub provider_no: Option<String>,
    /// That provider's name.
    pub provider_name: Option<String>,
    /// What went wrong, in words for the admin.
    pub problem: Option<String>,
    /// When it last changed.
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    clinic_id: i64,
    base_url: String,
    client_key: String,
    client_secret: Vec<u8>,
    signature_method: String,
    state: String,
    request_token: Option<String>,
    request_secret: Option<Vec<u8>>,
    access_token: Option<Vec<u8>>,
    access_secret: Option<Vec<u8>>,
    provider_no: Option<String>,
    provider_name: Option<String>,
    problem: Option<String>,
    updated_at: i64,
}

const COLUMNS: &str = "clinic_id, base_url, client_key, client_secret, signature_method, state, request_token,
     request_secret, access_token, access_secret, provider_no, provider_name, problem, updated_at";

/// Seal contexts bind each secret to its field and clinic.
fn context(field: &str, clinic_id: i64) -> String {
    format!("oscar.{field}:clinic={clinic_id}")
}

impl Row {
    fn open(self, key: &[u8]) -> Result<Connection> {
        let id = self.clinic_id;
        let unseal = |field: &str, bytes: &[u8]| {
            crypto::open(key, &context(field, id), bytes).ok_or_else(|| {
                StoreError::Rejected(
                    "The stored Oscar credentials cannot be read with this service's secret key. Connect Oscar again."
                        .into(),
                )
            })
        };
        let pair = |token: Option<String>, secret: Option<Vec<u8>>, field: &str| -> Result<Option<(String, String)>> {
            match (token, secret) {
                (Some(t), Some(s)) => Ok(Some((t, unseal(field, &s)?))),
                _ => Ok(None),
            }
        };
        let access_token = match &self.access_token {
            Some(t) => Some(unseal("access_token", t)?),
            None => None,
        };
        Ok(Connection {
            clinic_id: id,
            client_secret: unseal("client_secret", &self.client_secret)?,
            request: pair(self.request_token, self.request_secret, "request_secret")?,
            access: pair(access_token, self.access_secret, "access_secret")?,
            base_url: self.base_url,
            client_key: self.client_key,
            signature_method: self.signature_method,
            state: State::parse(&self.state),
            provider_no: self.provider_no,
            provider_name: self.provider_name,
            problem: self.problem,
            updated_at: self.updated_at,
        })
    }
}

/// The clinic's connection, if it has one.
pub async fn get(db: &Db, key: &[u8], clinic_id: i64) -> Result<Option<Connection>> {
    let sql = format!("SELECT {COLUMNS} FROM oscar_connections WHERE clinic_id = $1");
    let row: Option<Row> = sqlx::query_as(&sql).bind(clinic_id).fetch_optional(db.read()).await?;
    row.map(|r| r.open(key)).transpose()
}

/// The connection waiting for this temporary token (the callback's lookup).
pub async fn by_request_token(db: &Db, key: &[u8], token: &str) -> Result<Option<Connection>> {
    let sql = format!("SELECT {COLUMNS} FROM oscar_connections WHERE request_token = $1 AND state = 'authorizing'");
    let row: Option<Row> = sqlx::query_as(&sql).bind(token).fetch_optional(db.read()).await?;
    row.map(|r| r.open(key)).transpose()
}

/// What an admin gave to start connecting.
#[derive(Clone, Debug)]
pub struct Start {
    /// Oscar's address.
    pub base_url: String,
    /// REST client key.
    pub client_key: String,
    /// REST client secret.
    pub client_secret: String,
    /// Signature method.
    pub signature_method: String,
    /// The temporary token Oscar issued.
    pub request_token: String,
    /// Its secret.
    pub request_secret: String,
}

/// Records a started authorisation (replacing any earlier connection: the
/// old access token stays usable in Oscar until the admin revokes it there,
/// but the service forgets it).
pub async fn start(db: &Db, key: &[u8], actor: Actor, s: Start, now: i64) -> Result<()> {
    let clinic_id = actor.clinic_id();
    let secret = crypto::seal(key, &context("client_secret", clinic_id), &s.client_secret);
    let request_secret = crypto::seal(key, &context("request_secret", clinic_id), &s.request_secret);
    db.write(move |w| {
        Box::pin(async move {
            // language=SQL
            w.execute(
                "INSERT INTO oscar_connections (clinic_id, base_url, client_key, client_secret, signature_method,
                     state, request_token, request_secret, started_by, updated_at)
                 VALUES ($1, $2, $3, $4, $5, 'authorizing', $6, $7, $8, $9)
                 ON CONFLICT (clinic_id) DO UPDATE SET base_url = $2, client_key = $3, client_secret = $4,
                     signature_method = $5, state = 'authorizing', request_token = $6, request_secret = $7,
                     access_token = NULL, access_secret = NULL, provider_no = NULL, provider_name = NULL,
                     problem = NULL, started_by = $8, updated_at = $9",
                args![
                    clinic_id,
                    &s.base_url,
                    &s.client_key,
                    secret,
                    &s.signature_method,
                    &s.request_token,
                    request_secret,
                    actor.id(),
                    now
                ],
            )
            .await?;
            audit::append(w, now, &[Record::new(actor, "oscar.connect_started", None, None)]).await
        })
    })
    .await
}

/// Stores the access token once Oscar issued it; the connection is live.
pub async fn complete(
    db: &Db,
    key: &[u8],
    clinic_id: i64,
    request_token: &str,
    access: (String, String),
    provider: (String, String),
    now: i64,
) -> Result<()> {
    let token = crypto::seal(key, &context("access_token", clinic_id), &access.0);
    let secret = crypto::seal(key, &context("access_secret", clinic_id), &access.1);
    let request_token = request_token.to_owned();
    db.write(move |w| {
        Box::pin(async move {
            // language=SQL
            let changed = w
                .execute(
                    "UPDATE oscar_connections SET state = 'connected', request_token = NULL, request_secret = NULL,
                         access_token = $3, access_secret = $4, provider_no = $5, provider_name = $6,
                         problem = NULL, updated_at = $7
                     WHERE clinic_id = $1 AND request_token = $2 AND state = 'authorizing'",
                    args![clinic_id, &request_token, token, secret, &provider.0, &provider.1, now],
                )
                .await?;
            if changed == 0 {
                return Err(StoreError::Conflict("This authorisation was replaced by a newer one.".into()));
            }
            let started_by: Option<i64> = w
                .scalar_optional("SELECT started_by FROM oscar_connections WHERE clinic_id = $1", args![clinic_id])
                .await?
                .flatten();
            if let Some(staff_id) = started_by {
                let actor = Actor::Staff { id: staff_id, clinic_id };
                audit::append(w, now, &[Record::new(actor, "oscar.connected", None, None)]).await?;
            }
            w.changed(clinic_id, None, None);
            Ok(())
        })
    })
    .await
}

/// Marks the connection broken with what the admin should do (an
/// authorisation denied or failed, or Oscar refusing the token).
pub async fn mark_broken(db: &Db, clinic_id: i64, problem: &str, now: i64) -> Result<()> {
    let problem = problem.to_owned();
    db.write(move |w| {
        Box::pin(async move {
            // language=SQL
            w.execute(
                "UPDATE oscar_connections SET state = 'broken', request_token = NULL, request_secret = NULL,
                     access_token = NULL, access_secret = NULL, problem = $2, updated_at = $3
                 WHERE clinic_id = $1",
                args![clinic_id, &problem, now],
            )
            .await?;
            Ok(())
        })
    })
    .await
}

/// Shows a problem on a working connection, or clears it (`None`); the
/// connection stays usable (Oscar's REST module off, say).
pub async fn set_problem(db: &Db, clinic_id: i64, problem: Option<&str>, now: i64) -> Result<()> {
    let problem = problem.map(str::to_owned);
    db.write(move |w| {
        Box::pin(async move {
            // language=SQL
            w.execute(
                "UPDATE oscar_connections SET problem = $2, updated_at = $3 WHERE clinic_id = $1 AND state = 'connected'",
                args![clinic_id, problem, now],
            )
            .await?;
            Ok(())
        })
    })
    .await
}

/// Forgets the clinic's connection.
pub async fn disconnect(db: &Db, actor: Actor, now: i64) -> Result<()> {
    let clinic_id = actor.clinic_id();
    db.write(move |w| {
        Box::pin(async move {
            w.execute("DELETE FROM oscar_connections WHERE clinic_id = $1", args![clinic_id]).await?;
            audit::append(w, now, &[Record::new(actor, "oscar.disconnected", None, None)]).await
        })
    })
    .await
}
