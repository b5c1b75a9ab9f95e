//! Small response builders shared by the route modules: HTML pages, Oscar's
//! 302 redirects (axum's `Redirect` has 303/307/308 only) and error pages,
//! plus [`PageError`] for handlers that bail out with `?`.

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::pages::error_page;

/// A `200 OK` HTML page.
pub(super) fn html(body: String) -> Response {
    Html(body).into_response()
}

/// An HTML page with another status.
pub(super) fn html_status(status: StatusCode, body: String) -> Response {
    (status, Html(body)).into_response()
}

/// `302 Found`, what Tomcat's `sendRedirect` answers.
pub(super) fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location.to_owned())]).into_response()
}

/// A 404 page saying what was not found.
pub(super) fn not_found(message: &str) -> Response {
    html_status(StatusCode::NOT_FOUND, error_page(404, message))
}

/// A 400 page for a malformed request.
pub(super) fn bad_request(message: &str) -> Response {
    html_status(StatusCode::BAD_REQUEST, error_page(400, message))
}

/// Why a page request fails; rendered as a plain Tomcat-like error page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PageError {
    /// 400: a parameter is missing or malformed.
    BadRequest(String),
    /// 404: no such patient, provider or page.
    NotFound(String),
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            Self::BadRequest(message) => bad_request(&message),
            Self::NotFound(message) => not_found(&message),
        }
    }
}

/// Everything no route matches: Oscar pages the simulator does not have.
pub(super) async fn fallback() -> Response {
    not_found("This page is not part of the Oscar simulator.")
}
