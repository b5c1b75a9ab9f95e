//! Oscar's page routes: the schedule controller, the e-chart and the URLs
//! that lead to it, the chart-notes fragment and the master record.
//!
//! The URL behaviour follows `oscar-reference.md` §1.1 and §2.1:
//! bare `providercontrol.jsp` redirects to today's day view;
//! `IncomingEncounter.do` redirects to `casemgmt/forward.jsp` (as `Index2.jsp`
//! does); classic renders the e-chart at `forward.jsp`, Open-O redirects it
//! to `CaseManagementEntry.do?method=setUpMainEncounter…`.

use std::collections::HashMap;
use std::str::FromStr;

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::respond::{found, html, PageError};
use super::{CurrentUser, SimState};
use crate::clinic::Variant;
use crate::date::Date;
use crate::pages::{self, html::url_form};

type Params = Query<HashMap<String, String>>;
type PageResult = Result<Response, PageError>;

/// The page routes under the context path.
pub(super) fn router(ctx: &str) -> Router<SimState> {
    Router::new()
        .route(&format!("{ctx}/provider/providercontrol.jsp"), get(provider_control))
        .route(&format!("{ctx}/casemgmt/forward.jsp"), get(forward))
        .route(&format!("{ctx}/CaseManagementEntry.do"), get(case_management_entry))
        .route(&format!("{ctx}/oscarEncounter/IncomingEncounter.do"), get(incoming_encounter))
        .route(&format!("{ctx}/casemgmt/ChartNotes.jsp"), get(chart_notes))
        .route(&format!("{ctx}/demographic/demographiccontrol.jsp"), get(master_record))
}

/// A non-empty query parameter.
fn param<'a>(params: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    params.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// A numeric parameter: `Ok(None)` when absent, 400 when malformed.
fn number<T: FromStr>(params: &HashMap<String, String>, key: &str) -> Result<Option<T>, PageError> {
    match param(params, key) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| PageError::BadRequest(format!("{key} must be a number"))),
    }
}

/// The patient a request names under `key`: 400 when the number is missing
/// or malformed, 404 when there is no such patient.
fn patient(state: &SimState, params: &HashMap<String, String>, key: &str) -> Result<u32, PageError> {
    let demographic_no =
        number::<u32>(params, key)?.ok_or_else(|| PageError::BadRequest(format!("{key} is required")))?;
    match state.clinic.patient(demographic_no) {
        Some(_) => Ok(demographic_no),
        None => Err(PageError::NotFound(format!("No patient with demographic number {demographic_no}."))),
    }
}

/// The `year`/`month`/`day` of a schedule URL, read leniently like Java's
/// calendar (`day=0` is the last day of the previous month); today when absent.
fn schedule_date(state: &SimState, params: &HashMap<String, String>) -> Result<Date, PageError> {
    let (year, month, day) =
        (number::<i64>(params, "year")?, number::<i64>(params, "month")?, number::<i64>(params, "day")?);
    match (year, month, day) {
        (Some(y), Some(m), Some(d)) => {
            Date::from_lenient(y, m, d).ok_or_else(|| PageError::BadRequest("no such date".to_owned()))
        }
        _ => Ok(state.config.date),
    }
}

/// `providercontrol.jsp?year=…&month=…&day=…&view=0&displaymode=day&dboperation=searchappointmentday&viewall=1`.
fn day_view_url(state: &SimState, date: Date) -> String {
    state.url(&format!(
        "/provider/providercontrol.jsp?year={}&month={}&day={}&view=0&displaymode=day&dboperation=searchappointmentday&viewall=1",
        date.year, date.month, date.day
    ))
}

/// `GET <ctx>/provider/providercontrol.jsp`: without parameters, a redirect
/// to today's day view; `displaymode=day` renders the day view, or the week
/// view of `provider_no` when given; `displaymode=month` the month page.
/// Status clicks (`displaymode=addstatus`) return to the day view unchanged:
/// the simulated clinic is read-only.
async fn provider_control(State(state): State<SimState>, user: CurrentUser, Query(params): Params) -> PageResult {
    if params.is_empty() {
        return Ok(found(&day_view_url(&state, state.config.date)));
    }
    let date = schedule_date(&state, &params)?;
    let opts = state.page_options(&user.0);
    match param(&params, "displaymode").unwrap_or("day") {
        "day" => match param(&params, "provider_no") {
            Some(provider_no) if state.clinic.provider(provider_no).is_none() => {
                Err(PageError::NotFound(format!("No provider with number {provider_no}.")))
            }
            Some(provider_no) => Ok(html(pages::schedule_week(&state.clinic, &opts, date.week_start(), provider_no))),
            None => Ok(html(pages::schedule_day(&state.clinic, &opts, date))),
        },
        "month" => pages::schedule_month(&state.clinic, &opts, date.year, date.month)
            .map(html)
            .ok_or_else(|| PageError::BadRequest("no such month".to_owned())),
        "addstatus" => Ok(found(&day_view_url(&state, date))),
        other => Err(PageError::NotFound(format!("displaymode={other} is not simulated."))),
    }
}

/// `GET <ctx>/casemgmt/forward.jsp?action=view&demographicNo=N[&appointmentNo=A]`:
/// classic renders the e-chart here; Open-O redirects to
/// `CaseManagementEntry.do`, dropping the appointment number as Open-O does.
async fn forward(State(state): State<SimState>, user: CurrentUser, Query(params): Params) -> PageResult {
    if param(&params, "action") != Some("view") {
        return Err(PageError::NotFound("Only action=view is simulated.".to_owned()));
    }
    let demographic_no = patient(&state, &params, "demographicNo")?;
    match state.config.variant {
        Variant::Classic => render_echart(&state, &user, demographic_no, &params),
        Variant::OpenO => Ok(found(&state.url(&format!(
            "/CaseManagementEntry.do?method=setUpMainEncounter&from=casemgmt&chain=list&demographicNo={demographic_no}&providerNo={}&OscarMsgTypeLink=null&msgType=null",
            url_form(&user.0)
        )))),
    }
}

/// `GET <ctx>/CaseManagementEntry.do?method=setUpMainEncounter&demographicNo=N`:
/// the e-chart (where Open-O's `forward.jsp` sends the browser).
async fn case_management_entry(State(state): State<SimState>, user: CurrentUser, Query(params): Params) -> PageResult {
    if param(&params, "method") != Some("setUpMainEncounter") {
        return Err(PageError::NotFound("Only method=setUpMainEncounter is simulated.".to_owned()));
    }
    let demographic_no = patient(&state, &params, "demographicNo")?;
    render_echart(&state, &user, demographic_no, &params)
}

fn render_echart(
    state: &SimState,
    user: &CurrentUser,
    demographic_no: u32,
    params: &HashMap<String, String>,
) -> PageResult {
    // A malformed appointment number is ignored, as Oscar's encounter does.
    let appointment_no = number::<u32>(params, "appointmentNo").ok().flatten();
    pages::echart(&state.clinic, &state.page_options(&user.0), demographic_no, appointment_no)
        .map(html)
        .ok_or_else(|| PageError::NotFound(format!("No patient with demographic number {demographic_no}.")))
}

/// `GET <ctx>/oscarEncounter/IncomingEncounter.do?…&demographicNo=N…`: the
/// schedule's "E" link; redirects to `forward.jsp` like `Index2.jsp`.
async fn incoming_encounter(State(state): State<SimState>, user: CurrentUser, Query(params): Params) -> PageResult {
    let demographic_no = patient(&state, &params, "demographicNo")?;
    let get = |key: &str| url_form(param(&params, key).unwrap_or(""));
    let provider_name = state.clinic.provider(&user.0).map(|p| p.full_name()).unwrap_or_default();
    Ok(found(&state.url(&format!(
        "/casemgmt/forward.jsp?action=view&demographicNo={demographic_no}&providerNo={}&providerName={}&appointmentNo={}&reason={}&appointmentDate={}&start_time={}&apptProvider={}&providerview={}&msgType=&OscarMsgTypeLink=&noteId=",
        url_form(&user.0),
        url_form(&provider_name),
        get("appointmentNo"),
        get("reason"),
        get("appointmentDate"),
        get("startTime"),
        get("apptProvider_no"),
        get("providerview"),
    ))))
}

/// `GET <ctx>/casemgmt/ChartNotes.jsp?demographicNo=N`: the notes fragment
/// the e-chart loads into `div#notCPP`, with notes saved through the REST API.
async fn chart_notes(State(state): State<SimState>, user: CurrentUser, Query(params): Params) -> PageResult {
    let demographic_no = patient(&state, &params, "demographicNo")?;
    let offset_secs = i64::from(state.config.utc_offset_minutes) * 60;
    let saved: Vec<pages::ExtraNote> = state
        .notes
        .latest_for_patient(demographic_no)
        .into_iter()
        .map(|n| pages::ExtraNote {
            note_id: n.note_id,
            // The observation instant's local calendar day.
            date: Date::from_days_since_epoch((n.observation_date.div_euclid(1000) + offset_secs).div_euclid(86_400))
                .unwrap_or(state.config.date),
            author: n.provider_name,
            text: n.note,
            signed: n.is_signed,
        })
        .collect();
    pages::chart_notes_with(&state.clinic, &state.page_options(&user.0), demographic_no, &saved)
        .map(html)
        .ok_or_else(|| PageError::NotFound("No such patient.".to_owned()))
}

/// `GET <ctx>/demographic/demographiccontrol.jsp?demographic_no=N&…`: the
/// master record (read-only view).
async fn master_record(State(state): State<SimState>, user: CurrentUser, Query(params): Params) -> PageResult {
    let demographic_no = patient(&state, &params, "demographic_no")?;
    pages::master_record(&state.clinic, &state.page_options(&user.0), demographic_no)
        .map(html)
        .ok_or_else(|| PageError::NotFound("No such patient.".to_owned()))
}
