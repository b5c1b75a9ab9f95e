//! Clinics: the tenants.

use crate::args;
use sqlx::AnyPool;

use super::{Db, Result, StoreError};

/// A clinic as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Clinic {
    /// Id.
    pub id: i64,
    /// Short name used at sign-in.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// 1 when patients may start conversations.
    pub patient_initiated: i64,
    /// IANA zone the portal shows times in.
    pub time_zone: String,
}

crate::row_struct!(Clinic { id, slug, name, patient_initiated, time_zone });

impl Clinic {
    /// The clinic's time zone.
    pub fn zone(&self) -> crate::timezone::Zone {
        crate::timezone::zone(&self.time_zone)
    }
}

/// A slug is what staff type as "clinic name": lower-case letters, digits and dashes.
pub fn valid_slug(slug: &str) -> bool {
    (2..=63).contains(&slug.len())
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}

/// Creates a clinic; the slug must be new.
pub async fn create(db: &Db, slug: &str, name: &str, now: i64) -> Result<Clinic> {
    let slug = slug.trim().to_ascii_lowercase();
    let name = name.trim().to_owned();
    if !valid_slug(&slug) {
        return Err(StoreError::Rejected("A clinic name is 2 to 63 lower-case letters, digits or dashes.".into()));
    }
    if name.is_empty() || name.len() > 200 {
        return Err(StoreError::Rejected("The clinic's display name must be 1 to 200 characters.".into()));
    }
    db.write(move |w| {
        Box::pin(async move {
            // language=SQL
            let row: Option<Clinic> = w
                .optional(
                    "INSERT INTO clinics (slug, name, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (slug) DO NOTHING
                 RETURNING id, slug, name, patient_initiated, time_zone",
                    args![&slug, &name, now],
                )
                .await?;
            row.ok_or_else(|| StoreError::Conflict(format!("A clinic named '{slug}' already exists.")))
        })
    })
    .await
}

/// Finds a clinic by slug.
pub async fn by_slug(pool: &AnyPool, slug: &str) -> Result<Option<Clinic>> {
    Ok(sqlx::query_as("SELECT id, slug, name, patient_initiated, time_zone FROM clinics WHERE slug = $1")
        .bind(slug.trim().to_ascii_lowercase())
        .fetch_optional(pool)
        .await?)
}

/// Finds a clinic by id.
pub async fn by_id(pool: &AnyPool, id: i64) -> Result<Clinic> {
    sqlx::query_as("SELECT id, slug, name, patient_initiated, time_zone FROM clinics WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("No such clinic."))
}

/// Turns patient-initiated conversations on or off.
pub async fn set_patient_initiated(db: &Db, clinic_id: i64, on: bool) -> Result<()> {
    db.write(move |w| {
        Box::pin(async move {
            w.execute("UPDATE clinics SET patient_initiated = $1 WHERE id = $2", args![super::flag(on), clinic_id])
                .await?;
            Ok(())
        })
    })
    .await
}

/// Sets the time zone patients see times in (one of [`crate::timezone::ZONES`]).
pub async fn set_time_zone(db: &Db, clinic_id: i64, zone: &str) -> Result<()> {
    if !crate::timezone::ZONES.iter().any(|z| z.name == zone) {
        let names: Vec<&str> = crate::timezone::ZONES.iter().map(|z| z.name).collect();
        return Err(StoreError::Rejected(format!("Unknown time zone; use one of {}.", names.join(", "))));
    }
    let zone = zone.to_owned();
    db.write(move |w| {
        Box::pin(async move {
            w.execute("UPDATE clinics SET time_zone = $1 WHERE id = $2", args![&zone, clinic_id]).await?;
            Ok(())
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::valid_slug;

    #[test]
    fn slugs_are_what_a_subdomain_allows() {
        assert!(valid_slug("medicalclinic"));
        assert!(valid_slug("lakeshore-fht"));
        assert!(!valid_slug("Medical Clinic"));
        assert!(!valid_slug("-x"));
        assert!(!valid_slug("a"));
    }
}
