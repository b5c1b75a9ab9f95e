//! What the service stores and the rules it enforces, as functions over the
//! database. HTTP handlers call these; they never write SQL themselves.
//!
//! Every function that takes ids also takes the caller's clinic and checks
//! it in the query, so another clinic's ids are simply "not found".

pub mod attachments;
pub mod audit;
pub mod chart_notes;
pub mod clinics;
pub mod conversations;
pub mod deployment;
pub mod lists;
pub mod notifications;
pub mod origins;
pub mod oscar;
pub mod patient_auth;
pub mod patients;
pub mod rate_limit;
pub mod sessions;
pub mod staff;
pub mod transcript;
pub mod unread;

pub use crate::db::{Db, Result, StoreError, WriteCtx};

/// Who is acting: a staff member or a patient, always within one clinic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in staff member.
    Staff {
        /// Staff id.
        id: i64,
        /// Their clinic.
        clinic_id: i64,
    },
    /// A patient signed in to the portal.
    Patient {
        /// Patient id.
        id: i64,
        /// Their clinic.
        clinic_id: i64,
    },
}

impl Actor {
    /// The actor's clinic.
    pub fn clinic_id(self) -> i64 {
        match self {
            Actor::Staff { clinic_id, .. } | Actor::Patient { clinic_id, .. } => clinic_id,
        }
    }

    /// `s:<id>` or `p:<id>`: the key of idempotency records and uploads.
    pub fn key(self) -> String {
        match self {
            Actor::Staff { id, .. } => format!("s:{id}"),
            Actor::Patient { id, .. } => format!("p:{id}"),
        }
    }

    /// `staff` or `patient`, as in the audit log.
    pub fn kind(self) -> &'static str {
        match self {
            Actor::Staff { .. } => "staff",
            Actor::Patient { .. } => "patient",
        }
    }

    /// The actor's own id.
    pub fn id(self) -> i64 {
        match self {
            Actor::Staff { id, .. } | Actor::Patient { id, .. } => id,
        }
    }
}

/// Integers stored as 0/1.
pub(crate) fn flag(b: bool) -> i64 {
    i64::from(b)
}
