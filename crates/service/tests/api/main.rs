//! Router-level tests of the messaging service: every route and rule, run
//! against a real SQLite file through `tower::ServiceExt::oneshot`.

mod common;

mod attachments;
mod auth;
mod conversations;
