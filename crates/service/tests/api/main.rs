//! Router-level tests of the messaging service: every route and rule, run
//! against a real SQLite file through `tower::ServiceExt::oneshot`.

mod common;
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
mod lists;
mod oscar;
mod stream;
mod unread;
