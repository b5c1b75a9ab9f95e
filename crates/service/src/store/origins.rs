//! The web origins where a clinic's staff use Oscar. The browser plug-in asks
//! for them after sign-in and is active on these and nowhere else: the
//! origin of the Oscar connection, plus the ones an administrator added.

use cortico_protocol::origins::{OriginSource, OscarOrigin};
use sqlx::AnyPool;
use url::Url;

use super::audit::{self, Record};
use super::{Actor, Db, Result, StoreError};
use crate::args;
use crate::oscar::address::is_loopback_host;

/// A clinic lists at most this many origins of its own.
const MAX_ADDED: i64 = 20;

/// The origin of `input` as browsers write it (`https://host[:port]`, lower
/// case, default port dropped), or why it cannot be one. Plain http only on
/// loopback: anywhere else a network path could read Oscar pages anyway.
pub fn normalize(input: &str) -> Result<String> {
    let bad = |why: &str| StoreError::Rejected(format!("'{}' is not an Oscar address: {why}", input.trim()));
    let url = Url::parse(input.trim()).map_err(|_| bad("write it as https://host or https://host:port"))?;
    let host = url.host().ok_or_else(|| bad("it has no host"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&host) => {}
        "http" => return Err(bad("it must start with https:// (plain http only for this computer)")),
        _ => return Err(bad("it must start with https://")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it must not hold a user name or password"));
    }
    if url.query().is_some() || url.fragment().is_some() || !matches!(url.path(), "" | "/") {
        return Err(bad("give only the scheme, host and port, without a path"));
    }
    Ok(url.origin().ascii_serialization())
}

/// The origin of an Oscar address with its context path
/// (`https://emr.clinic.ca/oscar` gives `https://emr.clinic.ca`).
pub fn of_address(address: &str) -> Option<String> {
    let origin = Url::parse(address).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// Every origin of the clinic: the connection's first, then the added ones.
pub async fn list(pool: &AnyPool, connection_address: Option<&str>, clinic_id: i64) -> Result<Vec<OscarOrigin>> {
    let mut all: Vec<OscarOrigin> = connection_address
        .and_then(of_address)
        .map(|origin| OscarOrigin { origin, source: OriginSource::OscarConnection })
        .into_iter()
        .collect();
    let added: Vec<(String,)> =
        sqlx::query_as("SELECT origin FROM clinic_origins WHERE clinic_id = $1 ORDER BY origin")
            .bind(clinic_id)
            .fetch_all(pool)
            .await?;
    for (origin,) in added {
        if !all.iter().any(|o| o.origin == origin) {
            all.push(OscarOrigin { origin, source: OriginSource::Added });
        }
    }
    Ok(all)
}

/// Adds an origin (administrators); adding one already there changes nothing.
pub async fn add(db: &Db, actor: Actor, input: &str, now: i64) -> Result<()> {
    let origin = normalize(input)?;
    db.write(move |w| {
        Box::pin(async move {
            let clinic_id = actor.clinic_id();
            let count: i64 =
                w.scalar("SELECT COUNT(*) FROM clinic_origins WHERE clinic_id = $1", args![clinic_id]).await?;
            if count >= MAX_ADDED {
                return Err(StoreError::Rejected(format!("A clinic lists at most {MAX_ADDED} Oscar addresses.")));
            }
            let added = w
                .execute(
                    "INSERT INTO clinic_origins (clinic_id, origin, added_by, added_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (clinic_id, origin) DO NOTHING",
                    args![clinic_id, &origin, actor.id(), now],
                )
                .await?;
            if added > 0 {
                audit::append(w, now, &[Record::new(actor, "clinic.origin_added", None, None)]).await?;
            }
            Ok(())
        })
    })
    .await
}

/// Removes an added origin (administrators); the connection's stays while connected.
pub async fn remove(db: &Db, actor: Actor, input: &str, now: i64) -> Result<()> {
    let origin = normalize(input)?;
    db.write(move |w| {
        Box::pin(async move {
            let removed = w
                .execute(
                    "DELETE FROM clinic_origins WHERE clinic_id = $1 AND origin = $2",
                    args![actor.clinic_id(), &origin],
                )
                .await?;
            if removed == 0 {
                return Err(StoreError::NotFound("That address is not among the clinic's added Oscar addresses."));
            }
            audit::append(w, now, &[Record::new(actor, "clinic.origin_removed", None, None)]).await
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn origins_are_https_or_loopback_and_nothing_else() {
        assert_eq!(normalize("https://EMR.Clinic.ca/").unwrap(), "https://emr.clinic.ca");
        assert_eq!(normalize("https://emr.clinic.ca:443").unwrap(), "https://emr.clinic.ca");
        assert_eq!(normalize("https://emr.clinic.ca:8443").unwrap(), "https://emr.clinic.ca:8443");
        assert_eq!(normalize("http://127.0.0.1:8480").unwrap(), "http://127.0.0.1:8480");
        assert_eq!(normalize("http://localhost:8480").unwrap(), "http://localhost:8480");
        assert_eq!(normalize("http://[::1]:8480").unwrap(), "http://[::1]:8480");
        for bad in [
            "http://emr.clinic.ca",
            "http://localhost.evil.test",
            "http://127.0.0.1.evil.test",
            "https://emr.clinic.ca/oscar",
            "https://user:pw@emr.clinic.ca",
            "https://emr.clinic.ca/?x=1",
            "javascript:alert(1)",
            "emr.clinic.ca",
            "",
        ] {
            assert!(normalize(bad).is_err(), "{bad} must be refused");
        }
    }
}
