//! Routes that belong to the simulator, not to Oscar: the seed dump tests
//! compare the plug-in's readings with, and a plain page that is not Oscar.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::respond::html;
use super::SimState;
use crate::clinic::{Clinic, Variant};
use crate::date::Date;
use crate::pages::not_oscar_page;

/// `GET /__sim/seed.json`: the whole clinic plus how the simulator runs.
///
/// JSON: the [`Clinic`] fields (`name`, `today`, `providers`, `patients`,
/// `appointments`) with `variant`, `context_path` and `date` beside them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedDump {
    /// `"classic"` or `"openo"`.
    pub variant: Variant,
    /// The context path pages are served under (`""` at the root).
    pub context_path: String,
    /// The simulated today.
    pub date: Date,
    /// The seeded data.
    #[serde(flatten)]
    pub clinic: Clinic,
}

/// The simulator's own routes. `/` is the plain page even when Oscar is
/// mounted at the root.
pub(super) fn router() -> Router<SimState> {
    Router::new()
        .route("/__sim/seed.json", get(seed))
        .route("/", get(plain_page))
        .route("/not-oscar.html", get(plain_page))
}

async fn seed(State(state): State<SimState>) -> Response {
    Json(SeedDump {
        variant: state.config.variant,
        context_path: state.config.context_path.clone(),
        date: state.config.date,
        clinic: (*state.clinic).clone(),
    })
    .into_response()
}

/// `GET /` and `GET /not-oscar.html`: a page the plug-in must ignore.
async fn plain_page() -> Response {
    html(not_oscar_page())
}
