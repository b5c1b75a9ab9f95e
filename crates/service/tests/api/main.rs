//! Router-level tests of the messaging service: every route and rule, run
//! through `tower::ServiceExt::oneshot` against a real SQLite file, or a real
//! Postgres database when `CORTICO_TEST_POSTGRES` is set.

mod common;
#[path = "../support/postgres.rs"]
mod pg;
mod portal_common;
#[path = "../support/oscar_sim.rs"]
mod sim;

mod attachments;
mod audit;
mod auth;
mod backup;
mod bad_input;
mod conversations;
mod health;
mod isolation;
mod limits;
mod lists;
mod logs;
mod origins;
mod oscar;
mod oscar_answers;
mod patient_details;
mod portal;
mod stream;
mod unread;
mod uploads;
