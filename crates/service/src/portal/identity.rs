//! The link from a notification email: identity check (health card number
//! and date of birth), then the emailed one-time code, then a session.
//!
//! The details step answers the same whatever it found (right details,
//! wrong ones, no email on file, locked out): a cookie for this link and a
//! redirect to the code form, which says a code was sent *if* the details
//! match. Only the browser holding that cookie can use the code.

use std::time::Duration;

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use maud::html;
use serde::Deserialize;

use super::i18n::{Lang, T};
use super::layout::{error_page, message_page, page};
use super::{cookie, guard, set_cookie, set_cookie_at, SESSION_COOKIE};
use crate::clock::MINUTE;
use crate::http::extract::ClientIp;
use crate::http::AppState;
use crate::store::patient_auth::{self, Check, Link, LinkProblem, CODE_LIFETIME, LONG_SESSION};
use crate::store::{audit, rate_limit, Actor, StoreError};

/// Identity checks and codes allowed per client address in [`IP_WINDOW`].
const IP_LIMIT: i64 = 30;
const IP_WINDOW: i64 = 15 * MINUTE;
/// Every identity answer takes at least this long, so timing tells nothing
/// about which check failed.
const MIN_ANSWER: Duration = Duration::from_millis(300);
/// The cookie that binds a pending code to the browser that asked for it.
const BROWSER_COOKIE: &str = "cortico_verify";

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/p/{token}", get(open_link).post(check_identity))
        .route("/p/{token}/code", get(code_form).post(check_code))
        .layer(axum::extract::DefaultBodyLimit::max(guard::SMALL_FORM_LIMIT))
}

/// Only this link's pages receive its browser cookie.
fn link_path(token: &str) -> String {
    format!("/p/{token}")
}

/// A form that could not be read (too large: 413), as a page; nothing changed.
fn form_refused(lang: Lang, rejection: &FormRejection) -> Response {
    let status = rejection.status();
    let text = if status == StatusCode::PAYLOAD_TOO_LARGE { lang.t(T::FormTooLarge) } else { lang.t(T::ErrorText) };
    message_page(lang, status, lang.t(T::VerifyTitle), text)
}

/// What the identity form posts.
#[derive(Debug, Default, Deserialize)]
struct IdentityForm {
    #[serde(default)]
    health_card: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    keep: Option<String>,
}

/// What the code form posts.
#[derive(Debug, Default, Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    keep: Option<String>,
}

/// `?keep=1` carried from the identity form to the code form.
#[derive(Debug, Deserialize)]
struct KeepQuery {
    keep: Option<String>,
}

async fn find_link(state: &AppState, lang: Lang, token: &str) -> Result<Link, Response> {
    match patient_auth::link(state.db.read(), token, state.clock.now()).await {
        Ok(Ok(link)) => Ok(link),
        Ok(Err(LinkProblem::Unknown)) => {
            Err(message_page(lang, StatusCode::NOT_FOUND, lang.t(T::LinkUnknown), lang.t(T::LinkHelp)))
        }
        Ok(Err(LinkProblem::Expired)) => {
            Err(message_page(lang, StatusCode::GONE, lang.t(T::LinkExpired), lang.t(T::LinkHelp)))
        }
        Err(err) => {
            tracing::error!(error = %err, "reading a patient link");
            Err(error_page(lang))
        }
    }
}

fn locked_page(lang: Lang) -> Response {
    message_page(lang, StatusCode::LOCKED, lang.t(T::VerifyTitle), lang.t(T::Locked))
}

/// Where a signed-in patient goes from this link.
fn destination(link: &Link) -> String {
    match link.conversation_id {
        Some(id) => format!("/portal/c/{id}"),
        None => "/portal".into(),
    }
}

/// `GET /p/{token}`: straight to the conversation for a patient already
/// signed in on this device, otherwise the identity check.
async fn open_link(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let link = match find_link(&state, lang, &token).await {
        Ok(l) => l,
        Err(page) => return page,
    };
    if let Some(session) = cookie(&headers, SESSION_COOKIE) {
        if let Ok(Some(s)) = patient_auth::session(&state.db, &session, state.clock.now()).await {
            if s.patient_id == link.patient_id {
                return Redirect::to(&destination(&link)).into_response();
            }
        }
    }
    identity_page(lang)
}

fn identity_page(lang: Lang) -> Response {
    let months: Vec<&str> = lang.t(T::Months).split(',').collect();
    let content = html! {
        p { (lang.t(T::VerifyIntro)) }
        form method="post" class="stack" autocomplete="off" {
            div class="field" {
                label for="health_card" { (lang.t(T::HealthCard)) }
                input id="health_card" name="health_card" type="text" inputmode="text" required maxlength="24" autocapitalize="characters" spellcheck="false" aria-describedby="hc-hint";
                small id="hc-hint" { (lang.t(T::HealthCardHint)) }
            }
            fieldset class="field" {
                legend { (lang.t(T::DateOfBirth)) }
                div class="dob" {
                    div {
                        label for="year" { (lang.t(T::Year)) }
                        input id="year" name="year" type="text" inputmode="numeric" pattern="[0-9]{4}" maxlength="4" required autocomplete="bday-year";
                    }
                    div {
                        label for="month" { (lang.t(T::Month)) }
                        select id="month" name="month" required autocomplete="bday-month" {
                            option value="" { "" }
                            @for (i, name) in months.iter().enumerate() { option value=(i + 1) { (name) } }
                        }
                    }
                    div {
                        label for="day" { (lang.t(T::Day)) }
                        input id="day" name="day" type="text" inputmode="numeric" pattern="[0-9]{1,2}" maxlength="2" required autocomplete="bday-day";
                    }
                }
            }
            div class="check" {
                input id="keep" name="keep" type="checkbox" value="1";
                label for="keep" { (lang.t(T::KeepSignedIn)) }
            }
            button type="submit" class="primary" { (lang.t(T::Continue)) }
        }
    };
    page(lang, StatusCode::OK, lang.t(T::VerifyTitle), false, content)
}

async fn allowed(state: &AppState, ip: std::net::IpAddr) -> Result<bool, StoreError> {
    let key = format!("portal:ip:{ip}");
    let now = state.clock.now();
    state.db.write(move |w| Box::pin(async move { rate_limit::hit(w, &key, now, IP_WINDOW, IP_LIMIT).await })).await
}

fn too_many(lang: Lang) -> Response {
    message_page(lang, StatusCode::TOO_MANY_REQUESTS, lang.t(T::VerifyTitle), lang.t(T::TooManyTries))
}

/// `POST /p/{token}`: checks the health card number and date of birth.
async fn check_identity(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    form: Result<Form<IdentityForm>, FormRejection>,
) -> Response {
    let form = match form {
        Ok(Form(form)) => form,
        Err(rejection) => return form_refused(lang, &rejection),
    };
    let started = tokio::time::Instant::now();
    let answer = identity_answer(&state, lang, ip, &token, form).await;
    tokio::time::sleep_until(started + MIN_ANSWER).await;
    answer
}

async fn identity_answer(
    state: &AppState,
    lang: Lang,
    ip: std::net::IpAddr,
    token: &str,
    form: IdentityForm,
) -> Response {
    let link = match find_link(state, lang, token).await {
        Ok(l) => l,
        Err(page) => return page,
    };
    match allowed(state, ip).await {
        Ok(true) => {}
        Ok(false) => return too_many(lang),
        Err(_) => return error_page(lang),
    }
    let keep = form.keep.is_some();
    let key = &state.settings.secret_key;
    // Malformed answers are wrong answers: they count, and hash to nothing on file.
    let hin = patient_auth::normalize_hin(&form.health_card).unwrap_or_default();
    let dob = patient_auth::normalize_dob(&form.year, &form.month, &form.day).unwrap_or_default();
    let browser = crate::crypto::new_token();
    let outcome = patient_auth::check_identity(
        &state.db,
        &link,
        patient_auth::hin_hash(key, &hin),
        patient_auth::dob_hash(key, &dob),
        crate::crypto::token_hash(&browser),
        state.clock.now(),
    )
    .await;
    let actor = Actor::Patient { id: link.patient_id, clinic_id: link.clinic_id };
    match outcome {
        Ok(Check::Passed) => {
            audit_later(state, actor, "patient.identity_passed");
            state.notifier.wake();
        }
        Ok(Check::Failed { .. }) => audit_later(state, actor, "patient.identity_failed"),
        Ok(Check::Locked) => audit_later(state, actor, "patient.locked_out"),
        Err(err) => {
            tracing::error!(error = %err, "identity check failed");
            return error_page(lang);
        }
    }
    // The same answer for every outcome: nothing here tells right details from wrong.
    let mut res = Redirect::to(&format!("/p/{token}/code{}", if keep { "?keep=1" } else { "" })).into_response();
    let cookie = set_cookie_at(state, BROWSER_COOKIE, &browser, &link_path(token), Some(3 * CODE_LIFETIME / 1000));
    res.headers_mut().insert(header::SET_COOKIE, cookie);
    res
}

fn audit_later(state: &AppState, actor: Actor, action: &'static str) {
    let now = state.clock.now();
    let Actor::Patient { id, .. } = actor else { return };
    let record = audit::Record::new(actor, action, Some(id), None);
    state.db.write_later(move |w| Box::pin(async move { audit::append(w, now, &[record]).await }));
}

fn code_page(lang: Lang, status: StatusCode, problem: Option<&str>, keep: bool) -> Response {
    let content = html! {
        p { (lang.t(T::CodeIntro)) }
        @if let Some(problem) = problem { div class="problem" role="alert" { p { (problem) } } }
        form method="post" class="stack" autocomplete="off" {
            div class="field" {
                label for="code" { (lang.t(T::Code)) }
                input id="code" name="code" type="text" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" required autocomplete="one-time-code" class="code";
                small { (lang.t(T::CodeHint)) }
            }
            @if keep { input type="hidden" name="keep" value="1"; }
            button type="submit" class="primary" { (lang.t(T::Continue)) }
        }
    };
    page(lang, status, lang.t(T::CodeTitle), false, content)
}

/// `GET /p/{token}/code`: the code form.
async fn code_form(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
    Query(q): Query<KeepQuery>,
) -> Response {
    match find_link(&state, lang, &token).await {
        Ok(_) => code_page(lang, StatusCode::OK, None, q.keep.is_some()),
        Err(page) => page,
    }
}

/// `POST /p/{token}/code`: the emailed code, in the browser that asked for
/// it; a match starts a session.
async fn check_code(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    headers: HeaderMap,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Response {
    let form = match form {
        Ok(Form(form)) => form,
        Err(rejection) => return form_refused(lang, &rejection),
    };
    let link = match find_link(&state, lang, &token).await {
        Ok(l) => l,
        Err(page) => return page,
    };
    match allowed(&state, ip).await {
        Ok(true) => {}
        Ok(false) => return too_many(lang),
        Err(_) => return error_page(lang),
    }
    let keep = form.keep.is_some();
    let now = state.clock.now();
    let actor = Actor::Patient { id: link.patient_id, clinic_id: link.clinic_id };
    let browser = cookie(&headers, BROWSER_COOKIE);
    match patient_auth::check_code(&state.db, &link, browser, form.code.trim().to_owned(), now).await {
        Ok(Check::Passed) => match patient_auth::create_session(&state.db, link.patient_id, keep, now).await {
            Ok(session) => {
                audit_later(&state, actor, "patient.sign_in");
                let max_age = keep.then_some(LONG_SESSION / 1000);
                let mut res = Redirect::to(&destination(&link)).into_response();
                let h = res.headers_mut();
                h.insert(header::SET_COOKIE, set_cookie(&state, SESSION_COOKIE, &session, max_age));
                h.append(header::SET_COOKIE, set_cookie_at(&state, BROWSER_COOKIE, "", &link_path(&token), Some(0)));
                res
            }
            Err(_) => error_page(lang),
        },
        Ok(Check::Failed { .. }) => {
            audit_later(&state, actor, "patient.code_failed");
            code_page(lang, StatusCode::UNAUTHORIZED, Some(lang.t(T::WrongCode)), keep)
        }
        Ok(Check::Locked) => locked_page(lang),
        Err(err) => {
            tracing::error!(error = %err, "code check failed");
            error_page(lang)
        }
    }
}
