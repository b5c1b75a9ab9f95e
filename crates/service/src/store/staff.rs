//! Staff accounts: creation, sign-in checks with lockout, disabling, password resets.

use crate::args;
use cortico_protocol::api::Role;
use sqlx::AnyPool;

use super::{rate_limit, Db, Result, StoreError};
use crate::clock::MINUTE;
use crate::crypto;

/// Failed sign-ins within [`FAILURE_WINDOW`] that lock the account.
pub const MAX_FAILURES: i64 = 10;
/// The window failures are counted in, and how long the lock lasts.
pub const FAILURE_WINDOW: i64 = 15 * MINUTE;
/// Shortest password accepted for staff.
pub const MIN_PASSWORD_LEN: usize = 10;

/// A staff member as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Staff {
    /// Id.
    pub id: i64,
    /// Clinic.
    pub clinic_id: i64,
    /// Email (lower-case).
    pub email: String,
    /// Name.
    pub name: String,
    /// `doctor`, `moa` or `admin`.
    pub role: String,
    /// Oscar provider number.
    pub provider_no: Option<String>,
    /// PHC string.
    pub password_hash: String,
    /// 1 when disabled.
    pub disabled: i64,
    /// Locked until this time.
    pub locked_until: i64,
}

crate::row_struct!(Staff { id, clinic_id, email, name, role, provider_no, password_hash, disabled, locked_until });

impl Staff {
    /// The role, parsed.
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Moa)
    }
}

const COLUMNS: &str = "id, clinic_id, email, name, role, provider_no, password_hash, disabled, locked_until";

/// What an admin gives to create a staff account.
#[derive(Clone, Debug)]
pub struct NewStaff {
    /// Clinic.
    pub clinic_id: i64,
    /// Email.
    pub email: String,
    /// Full name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Oscar provider number, if any.
    pub provider_no: Option<String>,
    /// Initial password.
    pub password: String,
}

fn check_password(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_LEN || password.len() > 1024 {
        return Err(StoreError::Rejected(format!("A password needs at least {MIN_PASSWORD_LEN} characters.")));
    }
    Ok(())
}

fn check_email(email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    let ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.contains(char::is_whitespace);
    ok.then_some(email).ok_or_else(|| StoreError::Rejected("That is not an email address.".into()))
}

/// Creates an account. The email must be new in the clinic.
pub async fn create(db: &Db, new: NewStaff, now: i64) -> Result<Staff> {
    let email = check_email(&new.email)?;
    check_password(&new.password)?;
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.len() > 200 {
        return Err(StoreError::Rejected("A name must be 1 to 200 characters.".into()));
    }
    let hash =
        crypto::hash_password_limited(new.password).await.map_err(|_| StoreError::Rejected("internal error".into()))?;
    let role = new.role.as_str();
    let provider_no = new.provider_no.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty());
    let clinic_id = new.clinic_id;
    db.write(move |w| {
        Box::pin(async move {
            // language=SQL
            let row: Option<Staff> = w
                .optional(
                    &format!(
                        "INSERT INTO staff (clinic_id, email, name, role, provider_no, password_hash, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (clinic_id, email) DO NOTHING
                 RETURNING {COLUMNS}"
                    ),
                    args![clinic_id, &email, &name, role, provider_no, &hash, now],
                )
                .await?;
            let staff =
                row.ok_or_else(|| StoreError::Conflict(format!("{email} already has an account in this clinic.")))?;
            super::unread::new_staff(w, clinic_id, staff.id).await?;
            Ok(staff)
        })
    })
    .await
}

/// Finds an account by clinic and email.
pub async fn by_email(pool: &AnyPool, clinic_id: i64, email: &str) -> Result<Option<Staff>> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM staff WHERE clinic_id = $1 AND email = $2"))
        .bind(clinic_id)
        .bind(email.trim().to_lowercase())
        .fetch_optional(pool)
        .await?)
}

/// Finds an account by id within a clinic.
pub async fn by_id(pool: &AnyPool, clinic_id: i64, id: i64) -> Result<Staff> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM staff WHERE clinic_id = $1 AND id = $2"))
        .bind(clinic_id)
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("No such staff member."))
}

/// The rate-event key of an account's failed sign-ins.
pub fn failure_key(staff_id: i64) -> String {
    format!("sign-in-failure:{staff_id}")
}

/// Records a failed sign-in; when it is the tenth within any fifteen
/// minutes, locks the account for fifteen minutes and returns until when.
pub async fn record_failure(db: &Db, staff_id: i64, now: i64) -> Result<Option<i64>> {
    db.write(move |w| {
        Box::pin(async move {
            let key = failure_key(staff_id);
            rate_limit::record(w, &key, now).await?;
            if rate_limit::count(w, &key, now, FAILURE_WINDOW).await? < MAX_FAILURES {
                return Ok(None);
            }
            let until = now + FAILURE_WINDOW;
            w.execute("UPDATE staff SET locked_until = $2 WHERE id = $1", args![staff_id, until]).await?;
            // The lock is the penalty; counting starts afresh after it.
            rate_limit::reset(w, &key).await?;
            Ok(Some(until))
        })
    })
    .await
}

/// Sets a new password and ends every session of the account.
pub async fn reset_password(db: &Db, clinic_id: i64, email: &str, password: String, now: i64) -> Result<()> {
    check_password(&password)?;
    let email = email.trim().to_lowercase();
    let hash =
        crypto::hash_password_limited(password).await.map_err(|_| StoreError::Rejected("internal error".into()))?;
    db.write(move |w| {
        Box::pin(async move {
            let id: Option<i64> = w
                .scalar_optional(
                    "UPDATE staff SET password_hash = $3, locked_until = 0
                 WHERE clinic_id = $1 AND email = $2 RETURNING id",
                    args![clinic_id, &email, &hash],
                )
                .await?;
            let id = id.ok_or(StoreError::NotFound("No such staff member."))?;
            rate_limit::reset(w, &failure_key(id)).await?;
            super::sessions::revoke_all(w, id, now).await
        })
    })
    .await
}

/// Disables (or re-enables) an account; disabling ends its sessions.
pub async fn set_disabled(db: &Db, clinic_id: i64, email: &str, disabled: bool, now: i64) -> Result<()> {
    let email = email.trim().to_lowercase();
    db.write(move |w| {
        Box::pin(async move {
            let id: Option<i64> = w
                .scalar_optional(
                    "UPDATE staff SET disabled = $3 WHERE clinic_id = $1 AND email = $2 RETURNING id",
                    args![clinic_id, &email, super::flag(disabled)],
                )
                .await?;
            let id = id.ok_or(StoreError::NotFound("No such staff member."))?;
            if disabled {
                super::sessions::revoke_all(w, id, now).await?;
            }
            Ok(())
        })
    })
    .await
}
