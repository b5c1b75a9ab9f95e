//! Request extractors: JSON and path parameters whose rejections are
//! [`ApiError`]s, the signed-in staff member, and (from [`super::client_ip`])
//! the client's address.

use axum::extract::{FromRequest, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use cortico_protocol::api::Role;

use super::error::ApiError;
use super::AppState;
use crate::store::sessions::{self, SessionStaff};
use crate::store::Actor;

/// `Json` whose rejections are JSON errors too.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct AppJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `Path` whose rejections are JSON 404s.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct AppPath<T>(pub T);

/// `Query` whose rejections are JSON 400s.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct AppQuery<T>(pub T);

/// The staff member behind the request's bearer token.
#[derive(Clone, Debug)]
pub struct StaffAuth(pub SessionStaff);

impl StaffAuth {
    /// As an actor for the store.
    pub fn actor(&self) -> Actor {
        Actor::Staff { id: self.0.staff_id, clinic_id: self.0.clinic_id }
    }

    /// The role.
    pub fn role(&self) -> Role {
        Role::parse(&self.0.role).unwrap_or(Role::Moa)
    }

    /// Fails with 403 unless the user is a clinic admin.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.role() == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::Forbidden("Only clinic administrators can do this.".into()))
        }
    }
}

/// The bearer token of a request, if it has one.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty() && t.len() <= 100)
}

impl FromRequestParts<AppState> for StaffAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(|| ApiError::Unauthorized("Sign in first.".into()))?;
        let session = sessions::authenticate(&state.db, &state.sessions, token, state.clock.now()).await?;
        session.map(StaffAuth).ok_or_else(ApiError::session_expired)
    }
}

pub use super::client_ip::ClientIp;
