//! Patients, created on first use from what the plug-in read in Oscar.

use cortico_protocol::OscarPatientRef;
use sqlx::AnyPool;

use super::{Result, StoreError, WriteCtx};

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

/// The patient with this demographic number, created or renamed from the page.
pub async fn upsert(
    w: &mut WriteCtx,
    clinic_id: i64,
    patient: &OscarPatientRef,
    now: i64,
) -> Result<i64> {
    let first = tidy_name(&patient.name.first);
    let last = tidy_name(&patient.name.last);
    if patient.demographic_no == 0 {
        return Err(StoreError::Rejected(
            "The patient's Oscar demographic number is missing.".into(),
        ));
    }
    if last.is_empty() || last.len() > 200 || first.len() > 200 {
        return Err(StoreError::Rejected(
            "The patient's name could not be read from the e-chart.".into(),
        ));
    }
    // language=SQL
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO patients (clinic_id, demographic_no, first_name, last_name, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (clinic_id, demographic_no) DO UPDATE SET first_name = $3, last_name = $4
         RETURNING id",
    )
    .bind(clinic_id)
    .bind(i64::from(patient.demographic_no))
    .bind(&first)
    .bind(&last)
    .bind(now)
    .fetch_one(&mut w.conn)
    .await?;
    Ok(id)
}

/// Finds a patient of the clinic by demographic number.
pub async fn by_demographic_no(
    pool: &AnyPool,
    clinic_id: i64,
    demographic_no: i64,
) -> Result<Option<Patient>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM patients WHERE clinic_id = $1 AND demographic_no = $2"
    ))
    .bind(clinic_id)
    .bind(demographic_no)
    .fetch_optional(pool)
    .await?)
}

/// Finds a patient by id.
pub async fn by_id(pool: &AnyPool, clinic_id: i64, id: i64) -> Result<Patient> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM patients WHERE clinic_id = $1 AND id = $2"
    ))
    .bind(clinic_id)
    .bind(id)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("No such patient."))
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
