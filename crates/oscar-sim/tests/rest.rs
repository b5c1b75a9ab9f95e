//! The REST API under `/oscar/ws/services/`: JSON shapes in both dialects,
//! schedule consistency with the schedule page, note saving and faults
//! (`oscar-reference.md` §4).

mod common;

use std::time::Instant;

use axum::http::StatusCode;
use common::*;
use oscar_sim::clinic::{Clinic, Variant};
use serde_json::{json, Value};

async fn sim_with_token(variant: Variant, provider_no: &str) -> (Sim, Creds) {
    let sim = Sim::new(variant);
    let client = sim.register("http://app.test", json!(-1)).await;
    let creds = sim.mint(&client, provider_no).await;
    (sim, creds)
}

/// Local midnight at UTC-05:00 (the default offset), in epoch ms.
fn midnight_ms(year: i32, month: u32, day: u32) -> i64 {
    (oscar_sim::date::Date::new(year, month, day).days_since_epoch() * 86_400 + 5 * 3600) * 1000
}

#[tokio::test]
async fn classic_demographic_is_jacksons_demographic_to1() {
    let (sim, creds) = sim_with_token(Variant::Classic, "100001").await;
    let d = sim.rest_json(&creds, "demographics/1001").await;
    assert_eq!(d["demographicNo"], 1001);
    assert_eq!(d["lastName"], "BERGSTROM");
    assert_eq!(d["firstName"], "ELIN");
    assert_eq!(d["dobYear"], "1984");
    assert_eq!(d["dobMonth"], "05");
    assert_eq!(d["dobDay"], "07");
    assert_eq!(d["dateOfBirth"], midnight_ms(1984, 5, 7));
    assert_eq!(d["sex"], "F");
    assert_eq!(d["hcType"], "ON");
    assert_eq!(d["hin"].as_str().unwrap().len(), 10);
    assert_eq!(d["ver"].as_str().unwrap().len(), 2);
    assert_eq!(d["email"], "elin.bergstrom@example.com");
    assert_eq!(d["phone"], "905-555-0101");
    assert_eq!(d["alternativePhone"], "");
    assert_eq!(d["address"]["province"], "ON");
    assert!(d["address"]["city"].is_string() && d["address"]["postal"].is_string());
    assert!(d.get("myOscarUserName").is_some_and(Value::is_null));
    assert!(d.get("middleNames").is_some_and(Value::is_null), "nulls are written");
    assert!(d.get("cellPhone").is_none() && d.get("gender").is_none());
    let cell = d["extras"].as_array().unwrap().iter().find(|e| e["key"] == "demo_cell").unwrap();
    assert_eq!(cell["value"], "416-555-0160");
    assert_eq!(d["doctors"].as_array().unwrap().len(), 2);
    assert_eq!(d["provider"]["providerNo"], "100001");
    assert_eq!(d["age"]["years"], 41);
    // The `.json` extension gives the same document.
    assert_eq!(sim.rest_json(&creds, "demographics/1001.json").await, d);
}

#[tokio::test]
async fn open_o_demographic_adds_cell_phone_gender_and_pronoun() {
    let (sim, creds) = sim_with_token(Variant::OpenO, "100001").await;
    let d = sim.rest_json(&creds, "demographics/1002").await;
    assert_eq!(d["cellPhone"], "416-555-0161");
    assert!(d.get("gender").is_some() && d.get("pronoun").is_some());
    assert!(d.get("myOscarUserName").is_none());
    assert_eq!(d["dobYear"], "1971");
}

#[tokio::test]
async fn summary_has_the_cell_as_alternative_phone_and_no_lists() {
    let (sim, creds) = sim_with_token(Variant::Classic, "100001").await;
    let d = sim.rest_json(&creds, "demographics/summary/1001").await;
    assert_eq!(d["alternativePhone"], "416-555-0160");
    assert_eq!(d["extras"], json!([]));
    assert_eq!(d["doctors"], json!([]));
    assert_eq!(d["hin"], sim.rest_json(&creds, "demographics/1001").await["hin"]);
}

#[tokio::test]
async fn unknown_demographic_is_204_without_a_body_but_classic_summary_fails_with_500() {
    let (sim, creds) = sim_with_token(Variant::Classic, "100001").await;
    let response = sim.rest_get(&creds, "demographics/4242").await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(text(response).await, "");
    let summary = sim.rest_get(&creds, "demographics/summary/4242").await;
    assert_eq!(summary.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let (open_o, creds) = sim_with_token(Variant::OpenO, "100001").await;
    assert_eq!(open_o.rest_get(&creds, "demographics/summary/4242").await.status(), StatusCode::NO_CONTENT);
    assert_eq!(open_o.rest_get(&creds, "demographics/abc").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(open_o.rest_get(&creds, "nothing/here").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn quick_search_envelope_in_both_dialects() {
    let (sim, creds) = sim_with_token(Variant::Classic, "100001").await;
    let found = sim.rest_json(&creds, "demographics/quickSearch?query=bergs").await;
    assert_eq!(
        (found["offset"].clone(), found["limit"].clone(), found["total"].clone()),
        (json!(0), json!(0), json!(1))
    );
    assert_eq!(found["query"], "bergs");
    assert!(found["timestamp"].is_i64());
    let hit = &found["content"][0];
    assert_eq!(hit["demographicNo"], 1001);
    assert_eq!(hit["formattedDOB"], "1984-05-07");
    assert_eq!(hit["dob"], midnight_ms(1984, 5, 7));
    assert_eq!(hit["providerName"], "Marchetti,Helen");
    let both = sim.rest_json(&creds, "demographics/quickSearch?query=o").await;
    let names: Vec<&str> =
        both["content"].as_array().unwrap().iter().map(|p| p["lastName"].as_str().unwrap()).collect();
    assert_eq!(names, ["O'REILLY", "OKONKWO"]);
    let first_name = sim.rest_json(&creds, "demographics/quickSearch?query=o%2Cd").await;
    assert_eq!(first_name["total"], 1);
    assert_eq!(first_name["content"][0]["firstName"], "DAVID");
    let none = sim.rest_json(&creds, "demographics/quickSearch?query=zzz").await;
    assert_eq!(
        (none["total"].clone(), none["content"].clone(), none["query"].clone()),
        (json!(0), json!([]), Value::Null)
    );
    let all = sim.rest_json(&creds, "demographics/quickSearch?query=").await;
    assert_eq!(all["total"], 15);
    assert_eq!(all["content"].as_array().unwrap().len(), 10);

    let (sim, creds) = sim_with_token(Variant::OpenO, "100001").await;
    let one = sim.rest_json(&creds, "demographics/quickSearch?query=bergs").await;
    assert!(one.get("content").is_none());
    assert!(one["Item"].is_object(), "a lone result is an object: {one}");
    assert_eq!(one["Item"]["demographicNo"], 1001);
    let two = sim.rest_json(&creds, "demographics/quickSearch?query=o").await;
    assert_eq!(two["Item"].as_array().unwrap().len(), 2);
}

/// `(appointment_no, demographic_no)` of a provider's cells on the day page.
async fn page_appointments(sim: &Sim, provider_no: &str) -> Vec<(u64, u64)> {
    let html = text(sim.get("/oscar/provider/providercontrol.jsp?year=2026&month=3&day=2&displaymode=day").await).await;
    let number = |cell: &str, key: &str| -> u64 {
        let at = cell.find(key).unwrap() + key.len();
        cell[at..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
    };
    html.split("<td class=\"appt\"")
        .skip(1)
        .filter_map(|cell| {
            let link = &cell[cell.find("appointmentcontrol.jsp?")?..];
            (number(link, "provider_no=").to_string() == provider_no)
                .then(|| (number(link, "appointment_no="), number(link, "demographic_no=")))
        })
        .collect()
}

#[tokio::test]
async fn classic_schedule_matches_the_schedule_page() {
    let (sim, creds) = sim_with_token(Variant::Classic, "100001").await;
    let day = sim.rest_json(&creds, "schedule/day/2026-03-02").await;
    assert_eq!(day["template"], "patientlist/patientList1.jsp");
    let patients = day["patients"].as_array().unwrap();
    let rest: Vec<(u64, u64)> =
        patients.iter().map(|p| (p["appointmentNo"].as_u64().unwrap(), p["demographicNo"].as_u64().unwrap())).collect();
    assert_eq!(rest.len(), 8);
    assert_eq!(rest, page_appointments(&sim, "100001").await);
    let first = &patients[0];
    assert_eq!(first["name"], "BERGSTROM, ELIN");
    assert_eq!(first["startTime"], "09:00 AM");
    assert_eq!(first["status"], "t");
    assert_eq!(first["reason"], "Follow-up");
    assert_eq!(first["date"], midnight_ms(2026, 3, 2) + 9 * 3_600_000);
    assert!(first.get("duration").is_none());
    let meeting = patients.iter().find(|p| p["demographicNo"] == 0).unwrap();
    assert_eq!(meeting["name"], "STAFF MEETING");
    assert_eq!(meeting["startTime"], "12:00 PM");

    // Another provider's day, and "today".
    let other = sim.rest_json(&creds, "schedule/100002/day/today").await;
    let rest: Vec<(u64, u64)> = other["patients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["appointmentNo"].as_u64().unwrap(), p["demographicNo"].as_u64().unwrap()))
        .collect();
    assert_eq!(rest, page_appointments(&sim, "100002").await);
    let empty = sim.rest_json(&creds, "schedule/day/2026-03-01").await;
    assert_eq!(empty["patients"], json!([]));
    assert_eq!(sim.rest_get(&creds, "schedule/day/tomorrow").await.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn open_o_schedule_is_a_bare_array_with_duration_type_notes() {
    let (sim, creds) = sim_with_token(Variant::OpenO, "100002").await;
    let day = sim.rest_json(&creds, "schedule/day/today.json").await;
    let items = day.as_array().expect("a bare array");
    let clinic = Clinic::demo(monday());
    let expected: Vec<u32> = clinic.appointments_on(monday(), "100002").iter().map(|a| a.appointment_no).collect();
    let got: Vec<u32> = items.iter().map(|i| i["appointmentNo"].as_u64().unwrap() as u32).collect();
    assert_eq!(got, expected);
    assert_eq!(items[0]["duration"], 15);
    assert!(items[0]["type"].is_string() && items[0]["notes"].is_string());
}

#[tokio::test]
async fn provider_me_and_oauth_info() {
    let (sim, creds) = sim_with_token(Variant::Classic, "100001").await;
    let me = sim.rest_json(&creds, "providerService/provider/me").await;
    assert_eq!(me["providerNo"], "100001");
    assert_eq!(me["formattedName"], "Marchetti, Helen");
    assert_eq!(me["fullName"], "Helen Marchetti");
    assert_eq!(me["lastUpdateDate"]["timezoneOffset"], 300);
    assert!(me["lastUpdateDate"]["time"].is_i64());
    let info = sim.rest_json(&creds, "oauth/info").await;
    assert_eq!(info["login"], "100001");
    assert_eq!(info["provider"]["firstName"], "Helen");
    assert_eq!(info["roles"], json!([]));
}

#[tokio::test]
async fn saving_a_note_stores_it_and_shows_it_on_the_chart() {
    let (sim, creds) = sim_with_token(Variant::Classic, "100001").await;
    let before = sim.now() * 1000;
    let body = json!({
        "note": "  Sent lab results by email.  ",
        "isSigned": false,
        "encounterType": "email encounter with client",
        "appointmentNo": 5001,
        "observationDate": 4_102_444_800_000_i64, // 2100: clamped to now
    });
    let response = sim.rest_post(&creds, "notes/1001/save", &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let saved: Value = serde_json::from_str(&text(response).await).unwrap();
    assert_eq!(saved["note"], "Sent lab results by email.");
    assert!(saved["noteId"].as_u64().unwrap() > 0);
    assert_eq!(saved["uuid"].as_str().unwrap().len(), 36);
    assert!(saved["updateDate"].as_i64().unwrap() >= before);
    assert!(saved["observationDate"].as_i64().unwrap() <= saved["updateDate"].as_i64().unwrap() + 1000);
    assert_eq!(saved["isSigned"], false);
    assert_eq!(saved["providerNo"], "100001");
    assert!(saved.get("archived").is_some_and(|v| v == false));

    let (_, stored) = sim.json("GET", "/__sim/notes/1001", Value::Null).await;
    assert_eq!(stored[0]["note"], "Sent lab results by email.");
    assert_eq!(stored[0]["isSigned"], false);
    assert_eq!(stored[0]["encounterType"], "email encounter with client");
    assert_eq!(stored[0]["appointmentNo"], 5001);
    assert_eq!(stored[0]["providerNo"], "100001");
    let chart = text(sim.get("/oscar/casemgmt/ChartNotes.jsp?demographicNo=1001").await).await;
    assert!(chart.contains("Sent lab results by email.") && chart.contains(">Unsigned</div>"), "{chart}");

    // Same uuid: a new revision.
    let again = json!({"note": "Corrected.", "isSigned": true, "uuid": saved["uuid"]});
    let response = sim.rest_post(&creds, "notes/1001/save", &again).await;
    let revised: Value = serde_json::from_str(&text(response).await).unwrap();
    assert_eq!(revised["revision"], "2");
    assert_eq!(revised["uuid"], saved["uuid"]);
}

#[tokio::test]
async fn note_save_fails_the_way_oscar_does() {
    let (sim, creds) = sim_with_token(Variant::Classic, "100001").await;
    let cases = [
        (json!({"note": "x", "isSigned": false, "color": "red"}), StatusCode::BAD_REQUEST),
        (json!({"note": "   ", "isSigned": false}), StatusCode::NO_CONTENT),
        (json!({"note": "   "}), StatusCode::NO_CONTENT),
        (json!({"note": "x"}), StatusCode::INTERNAL_SERVER_ERROR),
        (json!({"note": "x", "isSigned": false, "assignedIssues": null}), StatusCode::INTERNAL_SERVER_ERROR),
        (json!({"encounterNote": {"note": "x", "isSigned": false}}), StatusCode::BAD_REQUEST),
    ];
    for (body, status) in cases {
        assert_eq!(sim.rest_post(&creds, "notes/1001/save", &body).await.status(), status, "{body}");
    }
    let unknown = sim.rest_post(&creds, "notes/4242/save", &json!({"note": "x", "isSigned": false})).await;
    assert_eq!(unknown.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let (_, stored) = sim.json("GET", "/__sim/notes/1001", Value::Null).await;
    assert_eq!(stored, json!([]));

    // Open-O takes the wrapped form.
    let (sim, creds) = sim_with_token(Variant::OpenO, "100002").await;
    let wrapped = json!({"encounterNote": {"note": "Wrapped.", "isSigned": true}});
    assert_eq!(sim.rest_post(&creds, "notes/1002/save", &wrapped).await.status(), StatusCode::OK);
    let (_, stored) = sim.json("GET", "/__sim/notes/1002", Value::Null).await;
    assert_eq!(stored[0]["isSigned"], true);
    assert_eq!(stored[0]["signingProviderNo"], "100002");
}

#[tokio::test]
async fn faults_delay_break_and_replace_responses() {
    let (sim, creds) = sim_with_token(Variant::Classic, "100001").await;

    sim.faults(json!({"status": 503})).await;
    let response = sim.rest_get(&creds, "demographics/1001").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(content_type(&response).starts_with("text/html"));
    assert_eq!(sim.tokens().await.len(), 1, "no OAuth check behind a forced status");

    sim.faults(json!({"malformed_json": true})).await;
    let response = sim.rest_get(&creds, "demographics/1001").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = text(response).await;
    assert!(body.starts_with('{') && serde_json::from_str::<Value>(&body).is_err(), "{body}");

    sim.faults(json!({"delay_ms": 150})).await;
    let started = Instant::now();
    assert_eq!(sim.rest_get(&creds, "status/checkIfAuthed").await.status(), StatusCode::OK);
    assert!(started.elapsed().as_millis() >= 150);

    let (_, faults) = sim.json("GET", "/__sim/faults", Value::Null).await;
    assert_eq!(faults["delay_ms"], 150);
    assert_eq!((faults["hang"].clone(), faults["rest_module_off"].clone()), (json!(false), json!(false)));

    // A server clock 10 minutes ahead: our timestamps are stale, and classic
    // deletes the token.
    sim.faults(json!({"clock_offset_secs": 600})).await;
    let how = Sign { timestamp: sim.now() - 600, ..sim.sign() };
    let request = sim.signed("GET", "/oscar/ws/services/status/checkIfAuthed", Payload::None, &creds, &[], &how);
    assert_eq!(sim.send(request).await.status(), StatusCode::UNAUTHORIZED);
    assert!(sim.tokens().await.is_empty());

    sim.faults(json!({})).await;
    let (_, faults) = sim.json("GET", "/__sim/faults", Value::Null).await;
    assert_eq!(
        faults,
        json!({"delay_ms": 0, "delay_after_ms": 0, "hang": false, "rest_module_off": false,
               "malformed_json": false, "status": null, "clock_offset_secs": 0})
    );
}

#[tokio::test]
async fn the_rest_module_off_answers_cxfs_no_service_page_everywhere() {
    let (sim, creds) = sim_with_token(Variant::Classic, "100001").await;
    sim.faults(json!({"rest_module_off": true})).await;
    for path in ["demographics/summary/1001", "schedule/day/today", "providerService/provider/me"] {
        let response = sim.rest_get(&creds, path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(content_type(&response).starts_with("text/html"));
        assert_eq!(text(response).await, "<html><body>No service was found.</body></html>");
    }
    let initiate = sim.get("/oscar/ws/oauth/initiate").await;
    assert_eq!(initiate.status(), StatusCode::NOT_FOUND);
    assert!(text(initiate).await.contains("No service was found."));
    assert_eq!(sim.tokens().await.len(), 1, "the token survives (it is in Oscar's database)");
}

#[tokio::test]
async fn a_hung_oscar_never_answers_and_a_late_one_still_saves() {
    let (sim, creds) = sim_with_token(Variant::Classic, "100001").await;
    sim.faults(json!({"hang": true})).await;
    let hung =
        tokio::time::timeout(std::time::Duration::from_millis(300), sim.rest_get(&creds, "status/checkIfAuthed"));
    assert!(hung.await.is_err(), "no answer");

    sim.faults(json!({"delay_after_ms": 200})).await;
    let body = json!({"note": "Late answer.", "isSigned": false});
    let started = Instant::now();
    assert_eq!(sim.rest_post(&creds, "notes/1001/save", &body).await.status(), StatusCode::OK);
    assert!(started.elapsed().as_millis() >= 200);
}
