//! Staff sign-in, sign-out and "who am I".

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use cortico_protocol::api::{ClinicInfo, Me, SignInRequest, SignInResponse};

use super::error::{ApiError, ApiResult};
use super::extract::{AppJson, ClientIp, StaffAuth};
use super::AppState;
use crate::clock::MINUTE;
use crate::crypto;
use crate::store::{audit, clinics, rate_limit, sessions, staff, Actor};

/// Sign-in attempts allowed per client address in [`IP_WINDOW`]. Generous,
/// because a whole clinic often shares one address.
const IP_LIMIT: i64 = 30;
const IP_WINDOW: i64 = 5 * MINUTE;

const WRONG: &str = "The clinic name, email or password is not right.";

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/sign-in", post(sign_in))
        .route("/api/auth/sign-out", post(sign_out))
        .route("/api/me", get(me))
}

/// `POST /api/auth/sign-in`: clinic slug, email and password for a bearer token.
async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    AppJson(req): AppJson<SignInRequest>,
) -> ApiResult<AppJson<SignInResponse>> {
    if req.clinic.len() > 100 || req.email.len() > 254 || req.password.len() > 1024 {
        return Err(ApiError::BadRequest(WRONG.into()));
    }
    let now = state.clock.now();
    let key = format!("sign-in:ip:{ip}");
    let allowed = state
        .db
        .write(move |w| Box::pin(async move { rate_limit::hit(w, &key, now, IP_WINDOW, IP_LIMIT).await }))
        .await?;
    if !allowed {
        return Err(ApiError::RateLimited(
            "Too many sign-in attempts from this network. Wait a few minutes and try again.".into(),
        ));
    }

    let clinic = clinics::by_slug(state.db.read(), &req.clinic).await?;
    let account = match &clinic {
        Some(c) => staff::by_email(state.db.read(), c.id, &req.email).await?,
        None => None,
    };
    // Verify even when there is no account, so both answers take as long.
    let hash = account.as_ref().map_or_else(|| crypto::dummy_password_hash().to_owned(), |a| a.password_hash.clone());
    let password = req.password.clone();
    let matches =
        crypto::verify_password_limited(password, hash).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    let (Some(clinic), Some(account)) = (clinic, account) else {
        return Err(ApiError::Unauthorized(WRONG.into()));
    };
    // A locked account answers like a wrong password, so the answer never
    // tells that an account exists; even the right password is refused.
    if account.locked_until > now {
        return Err(ApiError::Unauthorized(WRONG.into()));
    }
    if !matches {
        if let Some(until) = staff::record_failure(&state.db, account.id, now).await? {
            tracing::warn!(staff_id = account.id, until, "staff account locked after failed sign-ins");
        }
        return Err(ApiError::Unauthorized(WRONG.into()));
    }
    if account.disabled != 0 {
        return Err(ApiError::Unauthorized("This account is disabled. Ask your clinic administrator.".into()));
    }

    let actor = Actor::Staff { id: account.id, clinic_id: clinic.id };
    let staff_id = account.id;
    let token = state
        .db
        .write(move |w| {
            Box::pin(async move {
                rate_limit::reset(w, &staff::failure_key(staff_id)).await?;
                audit::append(w, now, &[audit::Record::new(actor, "staff.sign_in", None, None)]).await?;
                sessions::create(w, staff_id, now).await
            })
        })
        .await?;
    let role = account.role();
    Ok(AppJson(SignInResponse {
        token,
        expires_at: now + sessions::ABSOLUTE_EXPIRY,
        me: Me {
            id: account.id,
            name: account.name,
            email: account.email,
            role,
            clinic: ClinicInfo { slug: clinic.slug, name: clinic.name },
            default_tab: role.default_tab(),
        },
    }))
}

/// `POST /api/auth/sign-out`: ends this session.
async fn sign_out(State(state): State<AppState>, auth: StaffAuth) -> ApiResult<StatusCode> {
    sessions::revoke(&state.db, auth.0.session_id, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/me`: the signed-in staff member.
async fn me(State(state): State<AppState>, auth: StaffAuth) -> ApiResult<AppJson<Me>> {
    let clinic = clinics::by_id(state.db.read(), auth.0.clinic_id).await?;
    let role = auth.role();
    Ok(AppJson(Me {
        id: auth.0.staff_id,
        name: auth.0.name.clone(),
        email: auth.0.email.clone(),
        role,
        clinic: ClinicInfo { slug: clinic.slug, name: clinic.name },
        default_tab: role.default_tab(),
    }))
}
