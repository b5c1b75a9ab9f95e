//! Router tests: requests go through the whole app with `oneshot`, no socket.

use axum::body::{to_bytes, Body};
use axum::http::{header, Request, StatusCode};
use axum::response::Response;
use tower::ServiceExt;

use super::*;
use crate::clinic::hin::is_valid_hin;
use crate::clinic::Clinic;

fn monday() -> Date {
    Date::new(2026, 3, 2)
}

fn config(variant: Variant) -> SimConfig {
    SimConfig { variant, ..SimConfig::new(monday()) }
}

async fn get(config: SimConfig, uri: &str) -> Response {
    send(config, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn send(config: SimConfig, request: Request<Body>) -> Response {
    router(SimState::new(config)).oneshot(request).await.unwrap()
}

async fn text(response: Response) -> String {
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn location(response: &Response) -> &str {
    response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The `td.appt` cells of a schedule page.
fn appt_cells(html: &str) -> Vec<&str> {
    html.split("<td class=\"appt\"").skip(1).map(|c| c.split("</td>").next().unwrap_or("")).collect()
}

#[tokio::test]
async fn bare_providercontrol_redirects_to_todays_day_view() {
    let response = get(config(Variant::Classic), "/oscar/provider/providercontrol.jsp").await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        location(&response),
        "/oscar/provider/providercontrol.jsp?year=2026&month=3&day=2&view=0&displaymode=day&dboperation=searchappointmentday&viewall=1"
    );
}

#[tokio::test]
async fn day_page_has_one_appt_cell_per_appointment_with_its_numbers() {
    let uri = "/oscar/provider/providercontrol.jsp?year=2026&month=3&day=2&view=0&displaymode=day&dboperation=searchappointmentday&viewall=1";
    let response = get(config(Variant::Classic), uri).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = text(response).await;
    let clinic = Clinic::demo(monday());
    let today: Vec<_> = clinic.appointments.iter().filter(|a| a.date == monday()).collect();
    let cells = appt_cells(&html);
    assert_eq!(cells.len(), today.len());
    for appt in today {
        let needle = format!("appointment_no={}&amp;", appt.appointment_no);
        let cell = cells.iter().find(|c| c.contains(&needle)).expect("a cell per appointment");
        assert!(cell.contains(&format!("demographic_no={}&amp;", appt.demographic_no)), "{cell}");
    }
}

#[tokio::test]
async fn non_patient_appointment_has_demographic_zero_and_no_appt_link() {
    let html = text(
        get(config(Variant::OpenO), "/oscar/provider/providercontrol.jsp?year=2026&month=3&day=2&displaymode=day")
            .await,
    )
    .await;
    let blocks: Vec<&str> = appt_cells(&html).into_iter().filter(|c| c.contains("demographic_no=0&amp;")).collect();
    assert_eq!(blocks.len(), 1);
    assert!(!blocks[0].contains("apptLink"));
}

#[tokio::test]
async fn lenient_day_numbers_roll_into_the_previous_month() {
    let html = text(
        get(config(Variant::Classic), "/oscar/provider/providercontrol.jsp?year=2026&month=3&day=0&displaymode=day")
            .await,
    )
    .await;
    assert!(html.contains("<span class=\"dateAppointment\">Sat, 2026-02-28</span>"));
}

#[tokio::test]
async fn provider_no_selects_the_week_view_and_unknown_providers_are_404() {
    let uri = "/oscar/provider/providercontrol.jsp?year=2026&month=3&day=4&view=0&displaymode=day&dboperation=searchappointmentday&viewall=1&provider_no=100002";
    let html = text(get(config(Variant::Classic), uri).await).await;
    assert_eq!(html.matches("<table id=\"providerSchedule\"").count(), 7);
    assert!(html.contains(">Sun, 2026-03-01</a>"));
    let missing =
        get(config(Variant::Classic), "/oscar/provider/providercontrol.jsp?displaymode=day&provider_no=999").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn month_view_has_no_appointment_links() {
    let html = text(get(config(Variant::Classic), "/oscar/provider/providercontrol.jsp?year=2026&month=3&day=1&displaymode=month&dboperation=searchappointmentmonth").await).await;
    assert!(html.contains("March 2026"));
    assert!(!html.contains("appointmentcontrol.jsp"));
    assert!(!html.contains("providerSchedule"));
}

#[tokio::test]
async fn classic_forward_jsp_renders_the_echart() {
    let response =
        get(config(Variant::Classic), "/oscar/casemgmt/forward.jsp?action=view&demographicNo=1001&appointmentNo=5001")
            .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = text(response).await;
    assert!(html.contains("<title>Encounter - BERGSTROM, ELIN F 41 years</title>"));
    assert!(html.contains("id=\"encounterHeader\""));
}

#[tokio::test]
async fn openo_forward_jsp_redirects_to_case_management_entry() {
    let response =
        get(config(Variant::OpenO), "/oscar/casemgmt/forward.jsp?action=view&demographicNo=1002&appointmentNo=5002")
            .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let target = location(&response).to_owned();
    assert_eq!(
        target,
        "/oscar/CaseManagementEntry.do?method=setUpMainEncounter&from=casemgmt&chain=list&demographicNo=1002&providerNo=100001&OscarMsgTypeLink=null&msgType=null"
    );
    let html = text(get(config(Variant::OpenO), &target).await).await;
    assert!(html.contains("<title>Encounter</title>"));
    assert!(html.contains(
        "<div id='patient-full-name'><h1><a href='/oscar/demographic/demographiccontrol.jsp?demographic_no=1002&amp;"
    ));
}

#[tokio::test]
async fn incoming_encounter_redirects_to_forward_jsp() {
    let uri = "/oscar/oscarEncounter/IncomingEncounter.do?providerNo=100001&appointmentNo=5001&demographicNo=1001&curProviderNo=100001&reason=Follow-up&encType=face+to+face+encounter+with+client";
    let response = get(config(Variant::Classic), uri).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert!(
        location(&response).starts_with("/oscar/casemgmt/forward.jsp?action=view&demographicNo=1001&providerNo=100001&providerName=Helen+Marchetti&appointmentNo=5001&reason=Follow-up&"),
        "{}",
        location(&response)
    );
}

#[tokio::test]
async fn unknown_patient_is_404_everywhere() {
    for uri in [
        "/oscar/casemgmt/forward.jsp?action=view&demographicNo=4242",
        "/oscar/oscarEncounter/IncomingEncounter.do?demographicNo=4242&appointmentNo=1",
        "/oscar/CaseManagementEntry.do?method=setUpMainEncounter&demographicNo=4242",
        "/oscar/casemgmt/ChartNotes.jsp?demographicNo=4242",
        "/oscar/demographic/demographiccontrol.jsp?demographic_no=4242&displaymode=edit&dboperation=search_detail",
    ] {
        let response = get(config(Variant::Classic), uri).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{uri}");
    }
    let malformed = get(config(Variant::Classic), "/oscar/casemgmt/forward.jsp?action=view&demographicNo=abc").await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn chart_notes_fragment_carries_the_demographic_input() {
    let html = text(get(config(Variant::Classic), "/oscar/casemgmt/ChartNotes.jsp?demographicNo=1003").await).await;
    assert!(html.contains("<input type=\"hidden\" name=\"demographicNo\" value=\"1003\">"));
    assert!(html.contains("name=\"caseNote_note\""));
}

#[tokio::test]
async fn strict_csp_header_is_sent_only_when_configured() {
    let uri = "/oscar/provider/providercontrol.jsp?year=2026&month=3&day=2&displaymode=day";
    let plain = get(config(Variant::Classic), uri).await;
    assert!(plain.headers().get(header::CONTENT_SECURITY_POLICY).is_none());

    let strict = SimConfig { csp: CspMode::Strict, ..config(Variant::Classic) };
    let response = get(strict.clone(), uri).await;
    let policy = response.headers().get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok());
    assert_eq!(policy, Some(csp::STRICT_POLICY));
    assert!(!csp::STRICT_POLICY.contains("wasm-unsafe-eval"));
    // Only HTML pages carry it.
    let json = get(strict, "/__sim/seed.json").await;
    assert!(json.headers().get(header::CONTENT_SECURITY_POLICY).is_none());
}

#[tokio::test]
async fn seed_json_round_trips_to_the_served_clinic() {
    let config = SimConfig { appointments: Some(40), ..config(Variant::OpenO) };
    let expected = Clinic::with_load(monday(), 40);
    let response = get(config, "/__sim/seed.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let dump: SeedDump = serde_json::from_str(&text(response).await).unwrap();
    assert_eq!(dump.variant, Variant::OpenO);
    assert_eq!(dump.context_path, "/oscar");
    assert_eq!(dump.date, monday());
    assert_eq!(dump.clinic, expected);
    let value: serde_json::Value = serde_json::to_value(&dump).unwrap();
    assert_eq!(value["variant"], "openo");
    assert_eq!(value["date"], "2026-03-02");
    assert!(value["patients"].is_array());
}

#[tokio::test]
async fn seeded_hins_pass_luhn() {
    let dump: SeedDump =
        serde_json::from_str(&text(get(config(Variant::Classic), "/__sim/seed.json").await).await).unwrap();
    assert!(!dump.clinic.patients.is_empty());
    for patient in &dump.clinic.patients {
        assert!(is_valid_hin(&patient.hin), "{} {}", patient.demographic_no, patient.hin);
    }
}

#[tokio::test]
async fn login_sets_a_session_cookie_that_changes_the_user() {
    let state = SimState::new(config(Variant::Classic));
    let app = router(state.clone());
    let login = Request::post("/oscar/login.do")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("username=100002&password=oscar-sim&pin=1117"))
        .unwrap();
    let response = app.clone().oneshot(login).await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location(&response), "/oscar/provider/providercontrol.jsp");
    let cookie = response.headers().get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap().to_owned();
    assert!(cookie.starts_with("JSESSIONID=") && cookie.contains("; Path=/oscar; HttpOnly"), "{cookie}");
    let session = cookie.split(';').next().unwrap().to_owned();

    let page = Request::get("/oscar/provider/providercontrol.jsp?year=2026&month=3&day=2&displaymode=day")
        .header(header::COOKIE, &session)
        .body(Body::empty())
        .unwrap();
    let html = text(app.clone().oneshot(page).await.unwrap()).await;
    assert!(html.contains("providerpreference.jsp?provider_no=100002&amp;"));

    let logout = Request::get("/oscar/logout.jsp").header(header::COOKIE, &session).body(Body::empty()).unwrap();
    let response = app.oneshot(logout).await.unwrap();
    assert_eq!(location(&response), "/oscar/index.jsp");
    assert!(response.headers().get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap().contains("Max-Age=0"));
    let id = session.trim_start_matches("JSESSIONID=");
    assert_eq!(state.sessions.provider(id), None);
}

#[tokio::test]
async fn wrong_password_is_refused_without_a_cookie() {
    let request = Request::post("/oscar/login.do")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("username=100001&password=nope&pin=1117"))
        .unwrap();
    let response = send(config(Variant::Classic), request).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get(header::SET_COOKIE).is_none());
    assert!(text(response).await.contains("not correct"));
}

#[tokio::test]
async fn pages_follow_the_configured_context_path() {
    let root = SimConfig { context_path: String::new(), ..config(Variant::OpenO) };
    let response = get(root.clone(), "/provider/providercontrol.jsp").await;
    assert!(location(&response).starts_with("/provider/providercontrol.jsp?year=2026"));
    let html = text(get(root, "/provider/providercontrol.jsp?year=2026&month=3&day=2&displaymode=day").await).await;
    assert!(html.contains("<input type=\"hidden\" value=\"\" id=\"contextPath\" />"));
    assert!(html.contains("&#39;/appointment/appointmentcontrol.jsp?appointment_no="));

    let oscar15 = SimConfig { context_path: "/oscar_15".into(), ..config(Variant::Classic) };
    assert_eq!(get(oscar15.clone(), "/oscar/provider/providercontrol.jsp").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(get(oscar15, "/oscar_15/provider/providercontrol.jsp").await.status(), StatusCode::FOUND);
}

#[tokio::test]
async fn assets_and_plain_pages_are_served() {
    for (uri, content_type) in [
        ("/oscar/js/jquery.js", "text/javascript; charset=utf-8"),
        ("/oscar/share/javascript/Oscar.js", "text/javascript; charset=utf-8"),
        ("/oscar/images/todo.gif", "image/gif"),
        ("/oscar/images/oscar_small.png", "image/png"),
        ("/oscar/css/receptionistapptstyle.css", "text/css; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
        ("/not-oscar.html", "text/html; charset=utf-8"),
        ("/oscar/index.jsp", "text/html; charset=utf-8"),
        ("/favicon.ico", "image/png"),
    ] {
        let response = get(config(Variant::Classic), uri).await;
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
            Some(content_type),
            "{uri}"
        );
    }
    assert_eq!(get(config(Variant::Classic), "/oscar/images/x.bmp").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        get(config(Variant::Classic), "/oscar/appointment/appointmentcontrol.jsp").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[test]
fn context_paths_are_normalized_and_checked() {
    assert_eq!(normalize_context_path("/oscar/").as_deref(), Ok("/oscar"));
    assert_eq!(normalize_context_path("oscar_15").as_deref(), Ok("/oscar_15"));
    assert_eq!(normalize_context_path("/").as_deref(), Ok(""));
    assert_eq!(normalize_context_path("").as_deref(), Ok(""));
    assert!(normalize_context_path("/osc'ar").is_err());
    assert!(normalize_context_path("/a//b").is_err());
}
