//! Wire types shared by the plug-in core (compiled to wasm32) and the messaging
//! service, so both sides compile against the same JSON shapes.
//!
//! This crate has no server dependencies on purpose: it must build for
//! `wasm32-unknown-unknown`.
#![warn(missing_docs)]

pub mod api;
pub mod origins;
pub mod oscar;

pub use oscar::{OscarPatientRef, PatientName};
