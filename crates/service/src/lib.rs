//! The Cortico messaging service: clinics, staff, conversations with
//! patients, attachments, read state and live unread counts.
//!
//! `main.rs` parses the command line; [`app`] opens everything; [`http`]
//! is the API; [`store`] holds the rules and queries over [`db`].

pub mod app;
pub mod backup;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod events;
pub mod file_names;
pub mod files;
pub mod http;
pub mod notify;
pub mod oscar;
pub mod portal;
pub mod private;
pub mod sniff;
pub mod store;
pub mod timezone;
