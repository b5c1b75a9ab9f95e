//! Postgres: the writer's connection and the feed of changes between
//! instances.
//!
//! Several instances may share one database. Each keeps one writing
//! connection and commits in groups like the SQLite writer; the change
//! counter's row lock makes their transactions run one at a time, so the
//! rules checked inside a write hold across instances exactly as on SQLite.
//!
//! Live streams: a transaction that changed something sends a `NOTIFY` on
//! [`CHANNEL`] before it commits. Postgres delivers it to every listening
//! instance if and only if the transaction commits, in commit order. We use
//! this rather than NATS because it needs nothing beside the database the
//! deployment already runs, and a notification can never announce a write
//! that was rolled back. Each instance listens on its own connection; when
//! that connection drops, it reconnects and tells its streams to resync, so
//! an update missed meanwhile is reloaded, not lost.

use std::time::Duration;

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::types::Oid;
use sqlx::postgres::{PgArgumentBuffer, PgArguments, PgConnectOptions, PgConnection, PgListener, PgTypeInfo, Postgres};
use sqlx::{Arguments, ConnectOptions, Encode, Executor, Row, Type, TypeInfo, ValueRef};

use super::value::Value;
use super::writer::Change;
use super::{Result, StoreError};
use crate::events::Hub;

/// The notification channel of committed changes.
pub const CHANNEL: &str = "cortico_changes";
/// Postgres refuses notification payloads of 8000 bytes or more.
const MAX_PAYLOAD: usize = 7900;

impl Type<Postgres> for Value {
    fn type_info() -> PgTypeInfo {
        // Unspecified: each value says what it is (see `produces`).
        PgTypeInfo::with_oid(Oid(0))
    }

    fn compatible(_: &PgTypeInfo) -> bool {
        true
    }
}

impl Encode<'_, Postgres> for Value {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => <i64 as Encode<Postgres>>::encode_by_ref(i, buf),
            Value::Text(s) => <&str as Encode<Postgres>>::encode_by_ref(&s.as_str(), buf),
            Value::Blob(b) => <&[u8] as Encode<Postgres>>::encode_by_ref(&b.as_slice(), buf),
        }
    }

    fn produces(&self) -> Option<PgTypeInfo> {
        Some(match self {
            // A NULL of unspecified type: Postgres takes the type the
            // statement implies (a text column's NULL is text).
            Value::Null => PgTypeInfo::with_oid(Oid(0)),
            Value::Int(_) => <i64 as Type<Postgres>>::type_info(),
            Value::Text(_) => <String as Type<Postgres>>::type_info(),
            Value::Blob(_) => <Vec<u8> as Type<Postgres>>::type_info(),
        })
    }
}

fn arguments(args: Vec<Value>) -> Result<PgArguments> {
    let mut out = PgArguments::default();
    for v in args {
        out.add(v).map_err(|e| StoreError::Db(sqlx::Error::Encode(e)))?;
    }
    Ok(out)
}

/// A column as a [`Value`]: integers (and booleans) as `Int`, bytes as
/// `Blob`, everything else as text.
fn column(row: &sqlx::postgres::PgRow, i: usize) -> Result<Value> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let kind = raw.type_info().name().to_owned();
    Ok(match kind.as_str() {
        "INT8" => Value::Int(row.try_get::<i64, _>(i)?),
        "INT4" => Value::Int(i64::from(row.try_get::<i32, _>(i)?)),
        "INT2" => Value::Int(i64::from(row.try_get::<i16, _>(i)?)),
        "BOOL" => Value::Int(i64::from(row.try_get::<bool, _>(i)?)),
        "FLOAT8" => Value::Int(row.try_get::<f64, _>(i)? as i64),
        "BYTEA" => Value::Blob(row.try_get::<Vec<u8>, _>(i)?),
        _ => Value::Text(row.try_get::<String, _>(i)?),
    })
}

/// Constraint violations read as conflicts, as on SQLite.
fn store_error(err: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &err {
        if db.is_unique_violation() || db.is_foreign_key_violation() || db.is_check_violation() {
            return StoreError::Conflict("That conflicts with what is stored.".into());
        }
    }
    StoreError::Db(err)
}

/// Connects with the service's session settings.
pub async fn connect(options: &PgConnectOptions, role: &str) -> sqlx::Result<PgConnection> {
    let mut conn = options.clone().application_name(role).connect().await?;
    // A write that waits this long for the counter lock is stuck behind a
    // broken peer: fail it (unacknowledged) rather than hang the instance.
    conn.execute("SET lock_timeout = '30s'").await?;
    Ok(conn)
}

/// The writing connection of one instance.
pub struct PgWriter {
    options: PgConnectOptions,
    conn: Option<PgConnection>,
    /// Tags this instance's notifications, so its listener skips them
    /// (the writer has already published them locally).
    instance: String,
}

impl PgWriter {
    /// Opens the writing connection.
    pub async fn open(options: PgConnectOptions, instance: String) -> sqlx::Result<PgWriter> {
        let conn = connect(&options, "cortico-writer").await?;
        Ok(PgWriter { options, conn: Some(conn), instance })
    }

    fn conn(&mut self) -> Result<&mut PgConnection> {
        self.conn.as_mut().ok_or_else(|| StoreError::CommitFailed("the database connection was lost".into()))
    }

    /// Forgets a connection that failed; the next transaction opens a new one.
    pub fn mark_broken(&mut self) {
        self.conn = None;
    }

    /// Starts a transaction, reconnecting first (for up to 10 s) if the
    /// connection was lost. Nothing of the batch has run yet, so waiting
    /// here loses nothing.
    pub async fn begin(&mut self) -> Result<()> {
        let mut delay = Duration::from_millis(50);
        let mut waited = Duration::ZERO;
        loop {
            if self.conn.is_none() {
                match connect(&self.options, "cortico-writer").await {
                    Ok(conn) => {
                        tracing::info!("database writer reconnected");
                        self.conn = Some(conn);
                    }
                    Err(err) if waited < Duration::from_secs(10) => {
                        tracing::warn!(error = %err, "database writer reconnecting");
                    }
                    Err(err) => return Err(StoreError::CommitFailed(format!("the database is unreachable: {err}"))),
                }
            }
            if let Some(conn) = self.conn.as_mut() {
                match conn.execute("BEGIN").await {
                    Ok(_) => return Ok(()),
                    Err(err) if waited < Duration::from_secs(10) => {
                        tracing::warn!(error = %err, "database writer connection failed; reconnecting");
                        self.conn = None;
                    }
                    Err(err) => return Err(store_error(err)),
                }
            }
            tokio::time::sleep(delay).await;
            waited += delay;
            delay = (delay * 2).min(Duration::from_secs(1));
        }
    }

    /// Transaction control and other statements without values.
    pub async fn control(&mut self, sql: &str) -> Result<()> {
        let result = self.conn()?.execute(sql).await;
        result.map(|_| ()).map_err(store_error)
    }

    /// Runs a statement; returns the rows it changed.
    pub async fn execute(&mut self, sql: &str, args: Vec<Value>) -> Result<u64> {
        let args = arguments(args)?;
        let done = sqlx::query_with(sql, args).execute(self.conn()?).await.map_err(store_error)?;
        Ok(done.rows_affected())
    }

    /// The rows of a query (only the first when `first_only`).
    pub async fn rows(&mut self, sql: &str, args: Vec<Value>, first_only: bool) -> Result<Vec<Vec<Value>>> {
        let args = arguments(args)?;
        let query = sqlx::query_with(sql, args);
        let rows = if first_only {
            query.fetch_optional(self.conn()?).await.map_err(store_error)?.into_iter().collect()
        } else {
            query.fetch_all(self.conn()?).await.map_err(store_error)?
        };
        rows.iter().map(|row| (0..row.len()).map(|i| column(row, i)).collect()).collect()
    }

    /// Sends the transaction's changes to the other instances.
    pub async fn announce(&mut self, changes: &[Change]) -> Result<()> {
        for payload in encode_changes(&self.instance, changes) {
            self.execute("SELECT pg_notify($1, $2)", vec![Value::from(CHANNEL), Value::Text(payload)]).await?;
        }
        Ok(())
    }
}

/// `instance seq clinic:conversation:staff ...`, split so that no payload
/// is over [`MAX_PAYLOAD`]. Missing ids are empty.
fn encode_changes(instance: &str, changes: &[Change]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in changes {
        let item = format!(
            " {}:{}:{}",
            c.clinic_id,
            c.conversation_id.map(|i| i.to_string()).unwrap_or_default(),
            c.staff_id.map(|i| i.to_string()).unwrap_or_default()
        );
        if current.is_empty() || current.len() + item.len() > MAX_PAYLOAD {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            current = format!("{instance} {}", c.seq);
        }
        current.push_str(&item);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The changes of a payload, unless it came from `own` instance or is not
/// one of ours.
fn decode_changes(own: &str, payload: &str) -> Option<Vec<Change>> {
    let mut parts = payload.split(' ');
    let instance = parts.next()?;
    if instance == own {
        return None;
    }
    let seq: i64 = parts.next()?.parse().ok()?;
    let id = |s: &str| -> Option<Option<i64>> {
        if s.is_empty() {
            Some(None)
        } else {
            s.parse().ok().map(Some)
        }
    };
    parts
        .map(|item| {
            let mut ids = item.split(':');
            let clinic_id = ids.next()?.parse().ok()?;
            let conversation_id = id(ids.next()?)?;
            let staff_id = id(ids.next()?)?;
            Some(Change { clinic_id, seq, conversation_id, staff_id })
        })
        .collect()
}

/// Listens for the other instances' changes and publishes them to this
/// instance's streams, for as long as the process runs.
pub fn follow_other_instances(options: PgConnectOptions, instance: String, hub: Hub, first: PgListener) {
    tokio::spawn(async move {
        let mut listener = Some(first);
        let mut delay = Duration::from_millis(100);
        loop {
            let Some(active) = listener.as_mut() else {
                match listen(&options).await {
                    Ok(fresh) => {
                        tracing::info!("change feed reconnected; streams resync");
                        listener = Some(fresh);
                        delay = Duration::from_millis(100);
                        // Whatever was committed while we were away is reloaded.
                        hub.resync();
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "change feed reconnecting");
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(Duration::from_secs(5));
                    }
                }
                continue;
            };
            match active.try_recv().await {
                Ok(Some(note)) => {
                    if let Some(changes) = decode_changes(&instance, note.payload()) {
                        hub.publish(changes);
                    }
                }
                // The connection dropped (sqlx would reconnect silently and
                // lose what came meanwhile): reconnect ourselves and resync.
                Ok(None) | Err(_) => {
                    tracing::warn!("change feed connection lost");
                    listener = None;
                }
            }
        }
    });
}

/// A listener on [`CHANNEL`].
pub async fn listen(options: &PgConnectOptions) -> sqlx::Result<PgListener> {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone().application_name("cortico-listener"))
        .await?;
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.ignore_pool_close_event(true);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_payloads_round_trip_and_skip_their_own_instance() {
        let changes = vec![
            Change { clinic_id: 1, seq: 9, conversation_id: Some(5), staff_id: None },
            Change { clinic_id: 1, seq: 9, conversation_id: None, staff_id: Some(3) },
        ];
        let payloads = encode_changes("a1", &changes);
        assert_eq!(payloads, vec!["a1 9 1:5: 1::3".to_owned()]);
        assert_eq!(decode_changes("b2", &payloads[0]), Some(changes));
        assert_eq!(decode_changes("a1", &payloads[0]), None);
        assert_eq!(decode_changes("b2", "garbage"), None);
    }

    #[test]
    fn large_batches_are_split_under_the_payload_limit() {
        let changes: Vec<Change> = (0..2000)
            .map(|i| Change { clinic_id: 12345, seq: 77, conversation_id: Some(1_000_000 + i), staff_id: Some(i) })
            .collect();
        let payloads = encode_changes("instance", &changes);
        assert!(payloads.len() > 1);
        assert!(payloads.iter().all(|p| p.len() < 8000));
        let back: Vec<Change> = payloads.iter().flat_map(|p| decode_changes("other", p).unwrap()).collect();
        assert_eq!(back, changes);
    }
}
