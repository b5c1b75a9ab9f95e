//! Oscar's OAuth 1.0a provider under `<ctx>/ws/oauth/`, with the rules of the
//! running variant (`oscar-reference.md` §3):
//!
//! | Route | classic | Open-O |
//! |---|---|---|
//! | `initiate` | GET, POST | POST |
//! | `authorize` | GET | GET, POST (the decision) |
//! | `authorize/decision` | POST | — |
//! | `token` | GET, POST | POST |
//!
//! Modules: `signature` (RFC 5849), `request` (the parameters of a request),
//! `validate` (each variant's checks), `store` (clients and tokens),
//! `endpoints` (`initiate`, `token`), `provider_pages` (`authorize`) and
//! `admin` (the REST Clients page). The protected resources' check lives in
//! `rest::auth`.

mod admin;
mod endpoints;
mod provider_pages;
pub(crate) mod request;
pub mod signature;
mod store;
pub(crate) mod validate;

use axum::routing::{get, post};
use axum::Router;

pub(crate) use admin::parse_lifetime;
pub(crate) use provider_pages::third_party_login_page;
pub(crate) use store::random_uuid;
pub use store::{
    AccessToken, NewRestClient, NonceKey, OAuthStore, RequestToken, RestClient, REQUEST_TOKEN_LIFETIME_SECS,
};

use super::SimState;
use crate::clinic::Variant;

/// The OAuth and REST-client admin routes.
pub(super) fn router(ctx: &str, variant: Variant) -> Router<SimState> {
    let oauth = |path: &str| format!("{ctx}/ws/oauth/{path}");
    let router =
        Router::new().route(&format!("{ctx}/admin/api/clients.jsp"), get(admin::clients_page).post(admin::add_client));
    match variant {
        Variant::Classic => router
            .route(&oauth("initiate"), get(endpoints::initiate).post(endpoints::initiate))
            .route(&oauth("authorize"), get(provider_pages::authorize))
            .route(&oauth("authorize/decision"), post(provider_pages::decision))
            .route(&oauth("token"), get(endpoints::token).post(endpoints::token)),
        Variant::OpenO => router
            .route(&oauth("initiate"), post(endpoints::initiate))
            .route(&oauth("authorize"), get(provider_pages::authorize).post(provider_pages::authorize_post))
            .route(&oauth("token"), post(endpoints::token)),
    }
}
