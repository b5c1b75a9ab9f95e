//! A simulator of the OSCAR EMR for the Cortico plug-in's demo and tests.
//!
//! A real Oscar (a Java web app) cannot run here, so this crate serves pages
//! whose DOM follows real Oscar's schedule and e-chart pages, for both classic
//! OSCAR 19 and the Open-O fork (see `shared/docs/oscar-reference.md`):
//!
//! - [`date`] and [`clinic`]: the seeded, synthetic clinic;
//! - [`pages`]: pure functions rendering Oscar's pages as HTML strings (they
//!   build for wasm32, so the plug-in's browser tests can render them too);
//! - `server` (feature `server`): an axum app serving those pages under
//!   Oscar's URLs, with Oscar's redirects, sessions and a seed dump for tests.

pub mod clinic;
pub mod date;
pub mod pages;
#[cfg(feature = "server")]
pub mod server;
