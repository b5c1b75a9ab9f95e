//! Patients, created on first use from what the plug-in read in Oscar.

use crate::args;
use cortico_protocol::api::{PatientDetails, PatientDetailsRequest};
use cortico_protocol::OscarPatientRef;
use sqlx::AnyPool;

use super::audit::{self, Record};
use super::notifications;
use super::patient_auth::{self, normalize_dob_text, normalize_hin};
use super::{Actor, Db, Result, StoreError, WriteCtx};

/// A patient as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Patient {
    /// Id.
    pub id: i64,
    /// Clinic.
    pub clinic_id: i64,
    /// Oscar demographic number.
    pub demographic_no: i64,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Email for notifications.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

const COLUMNS: &str = "id, clinic_id, demographic_no, first_name, last_name, email, phone";

/// Names arrive as Oscar shows them, often upper case ("SMITH, JOHN"):
/// store them as people write them.
pub fn tidy_name(name: &str) -> String {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let shouting = name.chars().any(char::is_alphabetic) && !name.chars().any(char::is_lowercase);
    if !shouting {
        return name;
    }
    let mut out = String::with_capacity(name.len());
    let mut start = true;
    for c in name.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = !c.is_alphanumeric();
    }
    out
}

/// The patient with this demographic number, created or renamed from the
/// page; a name Oscar gave is never replaced by the page's (which can be cut
/// short, like "SINGH, H").
pub async fn upsert(w: &mut WriteCtx, clinic_id: i64, patient: &OscarPatientRef, now: i64) -> Result<i64> {
    let first = tidy_name(&patient.name.first);
    let last = tidy_name(&patient.name.last);
    if patient.demographic_no == 0 {
        return Err(StoreError::Rejected("The patient's Oscar demographic number is missing.".into()));
    }
    if last.is_empty() || last.len() > 200 || first.len() > 200 {
        return Err(StoreError::Rejected("The patient's name could not be read from the e-chart.".into()));
    }
    // language=SQL
    let id: i64 = w
        .scalar(
            "INSERT INTO patients (clinic_id, demographic_no, first_name, last_name, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (clinic_id, demographic_no) DO UPDATE SET
             first_name = CASE WHEN patients.oscar_synced_at IS NULL THEN $3 ELSE patients.first_name END,
             last_name = CASE WHEN patients.oscar_synced_at IS NULL THEN $4 ELSE patients.last_name END
         RETURNING id",
            args![clinic_id, i64::from(patient.demographic_no), &first, &last, now],
        )
        .await?;
    Ok(id)
}

/// Finds a patient of the clinic by demographic number.
pub async fn by_demographic_no(pool: &AnyPool, clinic_id: i64, demographic_no: i64) -> Result<Option<Patient>> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM patients WHERE clinic_id = $1 AND demographic_no = $2"))
        .bind(clinic_id)
        .bind(demographic_no)
        .fetch_optional(pool)
        .await?)
}

/// Finds a patient by id.
pub async fn by_id(pool: &AnyPool, clinic_id: i64, id: i64) -> Result<Patient> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM patients WHERE clinic_id = $1 AND id = $2"))
        .bind(clinic_id)
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("No such patient."))
}

/// What the service holds about a patient, for staff.
pub async fn details(pool: &AnyPool, clinic_id: i64, demographic_no: i64) -> Result<PatientDetails> {
    #[derive(sqlx::FromRow)]
    struct Row {
        demographic_no: i64,
        first_name: String,
        last_name: String,
        email: Option<String>,
        phone: Option<String>,
        has_hin: i64,
        has_dob: i64,
        failed_checks: i64,
        locked_at: Option<i64>,
    }
    // language=SQL
    let row: Row = sqlx::query_as(
        "SELECT demographic_no, first_name, last_name, email, phone,
                CASE WHEN hin_hash IS NULL THEN 0 ELSE 1 END AS has_hin,
                CASE WHEN dob_hash IS NULL THEN 0 ELSE 1 END AS has_dob,
                failed_checks, locked_at
         FROM patients WHERE clinic_id = $1 AND demographic_no = $2",
    )
    .bind(clinic_id)
    .bind(demographic_no)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("No such patient."))?;
    Ok(PatientDetails {
        demographic_no: row.demographic_no as u32,
        first_name: row.first_name,
        last_name: row.last_name,
        email: row.email,
        phone: row.phone,
        can_verify_identity: row.has_hin != 0 && row.has_dob != 0,
        locked: row.locked_at.is_some(),
        failed_checks: row.failed_checks,
    })
}

/// Whether a health card number from elsewhere (Oscar) can be stored.
pub fn valid_hin(hin: &str) -> bool {
    normalize_hin(hin).is_some()
}

fn clean_email(email: &str) -> Result<Option<String>> {
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return Ok(None);
    }
    let ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
        && !email.contains(char::is_whitespace);
    if ok {
        Ok(Some(email))
    } else {
        Err(StoreError::Rejected("That is not an email address.".into()))
    }
}

/// A value the patient had, replaced by another (`None` leaves it as it is).
fn differs<T: PartialEq>(old: &Option<T>, new: &Option<T>) -> bool {
    old.is_some() && new.is_some() && old != new
}

/// Where patient details come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Typed by staff.
    Staff,
    /// Read from the clinic's Oscar (records when, for the daily refresh).
    Oscar,
}

/// When the patient's details were last read from Oscar: `None` for an
/// unknown patient, `Some(None)` if never.
pub async fn oscar_synced_at(pool: &AnyPool, clinic_id: i64, demographic_no: i64) -> Result<Option<Option<i64>>> {
    let row: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT oscar_synced_at FROM patients WHERE clinic_id = $1 AND demographic_no = $2")
            .bind(clinic_id)
            .bind(demographic_no)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(at,)| at))
}

/// Sets a patient's contact and identity details (from Oscar, or typed by
/// staff); creates the patient when new (names required then). The health
/// card number and date of birth are stored only as keyed hashes. A change
/// of a value the patient had (email, phone, health card, birth date) is
/// audited, tells the previous email address, and ends the patient's portal
/// sessions: whoever changed it may not be the patient.
pub async fn update_details(
    db: &Db,
    actor: Actor,
    demographic_no: i64,
    req: PatientDetailsRequest,
    key: &[u8],
    now: i64,
    source: Source,
) -> Result<bool> {
    if demographic_no <= 0 || demographic_no > i64::from(u32::MAX) {
        return Err(StoreError::NotFound("No such patient."));
    }
    let email = match &req.email {
        Some(e) => Some(clean_email(e)?),
        None => None,
    };
    let phone = req.phone.as_ref().map(|p| p.trim().chars().take(40).collect::<String>());
    let hin = match &req.health_card_number {
        Some(h) => {
            Some(normalize_hin(h).ok_or_else(|| StoreError::Rejected("That is not a health card number.".into()))?)
        }
        None => None,
    };
    let dob = match &req.date_of_birth {
        Some(d) => Some(
            normalize_dob_text(d)
                .ok_or_else(|| StoreError::Rejected("The date of birth must be YYYY-MM-DD.".into()))?,
        ),
        None => None,
    };
    let hin_hash = hin.map(|h| patient_auth::hin_hash(key, &h));
    let dob_hash = dob.map(|d| patient_auth::dob_hash(key, &d));
    let first = req.first_name.as_deref().map(tidy_name);
    let last = req.last_name.as_deref().map(tidy_name);
    let clinic_id = actor.clinic_id();
    db.write(move |w| {
        Box::pin(async move {
            let existing: Option<i64> = w
                .scalar_optional(
                    "SELECT id FROM patients WHERE clinic_id = $1 AND demographic_no = $2",
                    args![clinic_id, demographic_no],
                )
                .await?;
            let id = match existing {
                Some(id) => id,
                None => {
                    let (Some(first), Some(last)) = (&first, &last) else {
                        return Err(StoreError::Rejected("A new patient needs a first and last name.".into()));
                    };
                    if last.is_empty() {
                        return Err(StoreError::Rejected("A new patient needs a last name.".into()));
                    }
                    upsert(
                        w,
                        clinic_id,
                        &OscarPatientRef {
                            demographic_no: demographic_no as u32,
                            name: cortico_protocol::PatientName { last: last.clone(), first: first.clone() },
                        },
                        now,
                    )
                    .await?
                }
            };
            struct Before {
                email: Option<String>,
                phone: Option<String>,
                hin_hash: Option<Vec<u8>>,
                dob_hash: Option<Vec<u8>>,
            }
            crate::row_struct!(Before { email, phone, hin_hash, dob_hash });
            let before: Before =
                w.one("SELECT email, phone, hin_hash, dob_hash FROM patients WHERE id = $1", args![id]).await?;
            let changed = (email.is_some() && before.email.is_some() && email.as_ref() != Some(&before.email))
                || differs(&before.phone, &phone)
                || differs(&before.hin_hash, &hin_hash)
                || differs(&before.dob_hash, &dob_hash);
            // language=SQL
            w.execute(
                "UPDATE patients SET
                     first_name = COALESCE($2, first_name), last_name = COALESCE($3, last_name),
                     email = CASE WHEN $4 = 1 THEN $5 ELSE email END,
                     phone = COALESCE($6, phone),
                     hin_hash = COALESCE($7, hin_hash), dob_hash = COALESCE($8, dob_hash),
                     oscar_synced_at = COALESCE($9, oscar_synced_at)
                 WHERE id = $1",
                args![
                    id,
                    first.filter(|f| !f.is_empty()),
                    last.filter(|l| !l.is_empty()),
                    i64::from(email.is_some()),
                    email.flatten(),
                    phone,
                    hin_hash,
                    dob_hash,
                    (source == Source::Oscar).then_some(now)
                ],
            )
            .await?;
            let action = if source == Source::Oscar { "patient.read_from_oscar" } else { "patient.update" };
            let mut records = vec![Record::new(actor, action, Some(id), None)];
            if changed {
                records.push(Record::new(actor, "patient.details_changed", Some(id), None));
                if let Some(previous) = before.email.filter(|e| !e.is_empty()) {
                    notifications::insert(
                        w,
                        (clinic_id, id, None),
                        notifications::Kind::DetailsChanged,
                        "email",
                        &previous,
                        now,
                    )
                    .await?;
                }
                // language=SQL
                w.execute(
                    "UPDATE patient_sessions SET revoked_at = $2 WHERE patient_id = $1 AND revoked_at IS NULL",
                    args![id, now],
                )
                .await?;
            }
            audit::append(w, now, &records).await?;
            Ok(changed)
        })
    })
    .await
}

/// Staff unlock a patient locked out by failed identity checks.
pub async fn unlock(db: &Db, actor: Actor, demographic_no: i64, now: i64) -> Result<()> {
    let clinic_id = actor.clinic_id();
    db.write(move |w| {
        Box::pin(async move {
            let id: i64 = w
                .scalar_optional(
                    "SELECT id FROM patients WHERE clinic_id = $1 AND demographic_no = $2",
                    args![clinic_id, demographic_no],
                )
                .await?
                .ok_or(StoreError::NotFound("No such patient."))?;
            patient_auth::unlock(w, id).await?;
            audit::append(w, now, &[Record::new(actor, "patient.unlock", Some(id), None)]).await
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::tidy_name;

    #[test]
    fn upper_case_names_are_put_in_title_case() {
        assert_eq!(tidy_name("O'REILLY"), "O'Reilly");
        assert_eq!(tidy_name("ABERNATHY-LOPEZ"), "Abernathy-Lopez");
        assert_eq!(tidy_name("  MARIE   CLAIRE "), "Marie Claire");
        assert_eq!(tidy_name("McDonald"), "McDonald");
    }
}
