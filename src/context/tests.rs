//! Context reading against the Oscar simulator's pages, classic OSCAR and
//! Open-O, parsed by the browser's own HTML parser.

use oscar_sim::clinic::{Clinic, Variant};
use oscar_sim::date::Date;
use oscar_sim::pages::{self, PageOptions};
use wasm_bindgen_test::wasm_bindgen_test;

use super::*;
use crate::page::{detect, PageKind};

const TODAY: Date = Date { year: 2026, month: 11, day: 23 };

fn clinic() -> Clinic {
    Clinic::demo(TODAY)
}

fn options(variant: Variant, context_path: &str) -> PageOptions {
    PageOptions { variant, context_path: context_path.to_owned(), ..PageOptions::default() }
}

fn parse(html: &str) -> Document {
    crate::parse_html(html).expect("the browser parses the page")
}

/// What the seed says the day view must yield: patient appointments only.
fn expected_day(clinic: &Clinic) -> Vec<(u32, u32, String)> {
    let mut v: Vec<_> = clinic
        .appointments
        .iter()
        .filter(|a| a.date == TODAY && a.demographic_no != 0)
        .map(|a| (a.appointment_no, a.demographic_no, a.provider_no.clone()))
        .collect();
    v.sort();
    v
}

fn read_day(variant: Variant, context_path: &str) -> ScheduleContext {
    let clinic = clinic();
    let html = pages::schedule_day(&clinic, &options(variant, context_path), TODAY);
    let url = format!("https://emr.example{context_path}/provider/providercontrol.jsp?year=2026&month=11&day=23&view=0&displaymode=day&dboperation=searchappointmentday&viewall=1");
    assert_eq!(detect(&url), Some(PageKind::Schedule));
    read_schedule(&url, &parse(&html)).expect("the schedule is readable")
}

#[wasm_bindgen_test]
fn classic_day_view_yields_every_patient_appointment_and_the_user() {
    let clinic = clinic();
    let ctx = read_day(Variant::Classic, "/oscar");
    let mut got: Vec<_> =
        ctx.appointments.iter().map(|a| (a.appointment_no, a.demographic_no, a.provider_no.clone())).collect();
    got.sort();
    assert_eq!(got, expected_day(&clinic));
    assert_eq!(ctx.provider_no.as_deref(), Some("100001"));
    assert!(!ctx.week_view);
}

#[wasm_bindgen_test]
fn open_o_day_view_under_another_context_path_reads_the_same() {
    let clinic = clinic();
    let ctx = read_day(Variant::OpenO, "/oscar_15");
    let mut got: Vec<_> =
        ctx.appointments.iter().map(|a| (a.appointment_no, a.demographic_no, a.provider_no.clone())).collect();
    got.sort();
    assert_eq!(got, expected_day(&clinic));
    assert_eq!(ctx.provider_no.as_deref(), Some("100001"));
}

#[wasm_bindgen_test]
fn names_come_whole_from_the_tooltip_although_the_link_text_is_cut() {
    let clinic = clinic();
    for variant in [Variant::Classic, Variant::OpenO] {
        let ctx = read_day(variant, "/oscar");
        for a in &ctx.appointments {
            let p = clinic.patient(a.demographic_no).expect("seeded patient");
            let name = cortico_protocol::PatientName::parse(&a.name).expect("a name");
            assert!(name.last.eq_ignore_ascii_case(&p.last_name), "{variant:?}: {} vs {}", a.name, p.last_name);
            assert!(name.first.eq_ignore_ascii_case(&p.first_name), "{variant:?}: {} vs {}", a.name, p.first_name);
        }
    }
}

#[wasm_bindgen_test]
fn the_staff_meeting_block_is_not_a_patient_appointment() {
    let ctx = read_day(Variant::Classic, "/oscar");
    assert!(ctx.appointments.iter().all(|a| a.demographic_no != 0));
    assert!(!ctx.appointments.iter().any(|a| a.name.contains("MEETING")));
}

#[wasm_bindgen_test]
fn week_view_is_flagged_and_reads_that_providers_week() {
    let clinic = clinic();
    for variant in [Variant::Classic, Variant::OpenO] {
        let week_start = TODAY.add_days(-(TODAY.weekday() as i32));
        let html = pages::schedule_week(&clinic, &options(variant, "/oscar"), week_start, "100002");
        let url = "https://x/oscar/provider/providercontrol.jsp?year=2026&month=11&day=23&view=0&displaymode=day&dboperation=searchappointmentday&viewall=1&provider_no=100002";
        let ctx = read_schedule(url, &parse(&html)).unwrap();
        assert!(ctx.week_view);
        assert!(!ctx.appointments.is_empty(), "{variant:?}");
        assert!(ctx.appointments.iter().all(|a| a.provider_no == "100002"), "{variant:?}");
    }
}

#[wasm_bindgen_test]
fn a_page_without_the_grid_is_reported_not_guessed() {
    let html = pages::master_record(&clinic(), &options(Variant::Classic, "/oscar"), 1001).unwrap();
    assert_eq!(
        read_schedule("https://x/oscar/provider/providercontrol.jsp", &parse(&html)),
        Err(ContextError::NoScheduleGrid)
    );
}

#[wasm_bindgen_test]
fn classic_echart_gives_demographic_number_and_name() {
    let clinic = clinic();
    let html = pages::echart(&clinic, &options(Variant::Classic, "/oscar"), 1002, Some(5002)).unwrap();
    let url = "https://x/oscar/casemgmt/forward.jsp?action=view&demographicNo=1002&appointmentNo=5002";
    let ctx = read_echart(url, &parse(&html)).unwrap();
    assert_eq!(ctx.patient.demographic_no, 1002);
    assert_eq!(ctx.patient.name.last, "OKONKWO");
    assert_eq!(ctx.patient.name.first, "DAVID");
    assert_eq!(ctx.appointment_no, Some(5002));
}

#[wasm_bindgen_test]
fn open_o_echart_is_read_from_its_patient_label() {
    let clinic = clinic();
    let html = pages::echart(&clinic, &options(Variant::OpenO, "/oscar"), 1003, None).unwrap();
    let url = "https://x/oscar/CaseManagementEntry.do?method=setUpMainEncounter&from=casemgmt&chain=list&demographicNo=1003&providerNo=100001";
    let ctx = read_echart(url, &parse(&html)).unwrap();
    let p = clinic.patient(1003).unwrap();
    assert_eq!(ctx.patient.demographic_no, 1003);
    assert!(ctx.patient.name.last.eq_ignore_ascii_case(&p.last_name));
    assert!(ctx.patient.name.first.eq_ignore_ascii_case(&p.first_name));
}

#[wasm_bindgen_test]
fn without_the_number_in_the_url_the_header_link_is_used() {
    let clinic = clinic();
    for variant in [Variant::Classic, Variant::OpenO] {
        let html = pages::echart(&clinic, &options(variant, "/oscar"), 1004, None).unwrap();
        let ctx = read_echart("https://x/oscar/oscarEncounter/IncomingEncounter.do?providerNo=100001", &parse(&html))
            .unwrap();
        assert_eq!(ctx.patient.demographic_no, 1004, "{variant:?}");
        assert!(ctx.patient.name.last.eq_ignore_ascii_case("O'Reilly"), "{variant:?}: {:?}", ctx.patient.name);
    }
}

#[wasm_bindgen_test]
fn the_hidden_input_is_the_last_resort() {
    let html = r#"<html><body><form name="caseManagementEntryForm"><input type="hidden" name="demographicNo" value="1009"></form></body></html>"#;
    let ctx = read_echart("https://x/oscar/oscarEncounter/IncomingEncounter.do", &parse(html)).unwrap();
    assert_eq!(ctx.patient.demographic_no, 1009);
}

#[wasm_bindgen_test]
fn an_echart_without_any_patient_number_is_an_error() {
    let html = "<html><head><title>Encounter</title></head><body><div id=\"header\"></div></body></html>";
    assert_eq!(
        read_echart("https://x/oscar/casemgmt/forward.jsp?action=view", &parse(html)),
        Err(ContextError::NoDemographicNumber)
    );
}

#[wasm_bindgen_test]
fn three_hundred_appointments_are_all_read() {
    let clinic = Clinic::with_load(TODAY, 300);
    let html = pages::schedule_day(&clinic, &options(Variant::Classic, "/oscar"), TODAY);
    let ctx = read_schedule("https://x/oscar/provider/providercontrol.jsp", &parse(&html)).unwrap();
    let expected = clinic.appointments.iter().filter(|a| a.date == TODAY && a.demographic_no != 0).count();
    assert_eq!(ctx.appointments.len(), expected);
    assert!(expected >= 290);
}
