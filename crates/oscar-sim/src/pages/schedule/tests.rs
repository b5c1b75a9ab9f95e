//! Tests of the schedule renderer: the DOM details the plug-in relies on.

use super::*;
use crate::clinic::Variant;

fn monday() -> Date {
    Date::new(2026, 3, 2)
}

fn clinic() -> Clinic {
    Clinic::demo(monday())
}

fn opts(variant: Variant) -> PageOptions {
    PageOptions::new(variant)
}

/// The `td.appt` cells, as raw HTML.
fn appt_cells(html: &str) -> Vec<&str> {
    html.split("<td class=\"appt\"").skip(1).map(|c| c.split("</td>").next().unwrap_or("")).collect()
}

#[test]
fn day_view_has_one_appt_cell_per_appointment_with_its_numbers() {
    let clinic = clinic();
    for variant in [Variant::Classic, Variant::OpenO] {
        let html = schedule_day(&clinic, &opts(variant), monday());
        let cells = appt_cells(&html);
        let today: Vec<&Appointment> = clinic.appointments.iter().filter(|a| a.date == monday()).collect();
        assert_eq!(cells.len(), today.len(), "{variant}");
        for appt in today {
            let needle = format!(
                "appointmentcontrol.jsp?appointment_no={}&amp;provider_no={}&amp;",
                appt.appointment_no, appt.provider_no
            );
            let cell = cells.iter().find(|c| c.contains(&needle)).unwrap_or_else(|| panic!("{variant} {needle}"));
            assert!(cell.contains(&format!("&amp;demographic_no={}&amp;", appt.demographic_no)), "{cell}");
        }
    }
}

#[test]
fn non_patient_block_has_no_appt_link_class_and_demographic_zero() {
    for variant in [Variant::Classic, Variant::OpenO] {
        let html = schedule_day(&clinic(), &opts(variant), monday());
        let cell =
            appt_cells(&html).into_iter().find(|c| c.contains("&amp;demographic_no=0&amp;")).expect("meeting cell");
        assert!(!cell.contains("apptLink"), "{cell}");
        // The text is cut to the column width like patient names; the title keeps it whole.
        assert!(cell.contains(".STAFF MEETI"), "{cell}");
        assert!(cell.contains("title=\"12:00-12:44"), "{cell}");
        assert!(!cell.contains("encounterBtn"));
    }
}

#[test]
fn classic_patient_link_uses_case_folded_name_and_unpadded_start_time() {
    let html = schedule_day(&clinic(), &opts(Variant::Classic), monday());
    let cell = appt_cells(&html).into_iter().find(|c| c.contains("appointment_no=5001&amp;")).unwrap();
    assert!(cell.contains("<a class=\"apptLink\" href=\"#\" onClick=\"popupPage(535,860,&#39;../appointment/appointmentcontrol.jsp?appointment_no=5001&amp;provider_no=100001&amp;year=2026&amp;month=3&amp;day=2&amp;start_time=9:0&amp;demographic_no=1001&amp;displaymode=edit&amp;dboperation=search&#39;);return false;\""), "{cell}");
    assert!(cell.contains("title=\"Bergstrom,Elin\n&nbsp; reason: Follow-up"), "{cell}");
    assert!(cell.contains(">Bergstrom,E</a>"), "names are cut to 11 characters: {cell}");
    assert!(cell.contains("class=\"encounterBtn\""));
    assert!(cell.contains(
        "../oscarEncounter/IncomingEncounter.do?providerNo=100001&amp;appointmentNo=5001&amp;demographicNo=1001&amp;"
    ));
    assert!(cell.contains("encType=face+to+face+encounter+with+client"));
    assert!(cell.contains("class=\"masterBtn\""));
}

#[test]
fn open_o_patient_link_uses_absolute_urls_and_spaced_name() {
    let html = schedule_day(&clinic(), &opts(Variant::OpenO), monday());
    let cell = appt_cells(&html).into_iter().find(|c| c.contains("appointment_no=5001&amp;")).unwrap();
    assert!(cell.contains("class=\"apptLink appt-reason-tooltip appt-tooltip-provider-100001\""), "{cell}");
    assert!(cell.contains("&#39;/oscar/appointment/appointmentcontrol.jsp?appointment_no=5001&amp;"), "{cell}");
    assert!(cell.contains("title=\"Bergstrom, Elin&#13;&#10;reason: Follow-up"), "{cell}");
    assert!(
        cell.contains("\\/oscar\\/oscarEncounter\\/IncomingEncounter.do?providerNo=100001\\x26appointmentNo=5001"),
        "{cell}"
    );
}

#[test]
fn logged_in_provider_appears_in_pref_tab_and_classic_inbox_only() {
    let options = PageOptions { logged_in_provider: "100002".into(), ..opts(Variant::Classic) };
    let classic = schedule_day(&clinic(), &options, monday());
    assert!(classic.contains("providerpreference.jsp?provider_no=100002&amp;"));
    assert!(classic.contains("inboxManage.do?method=prepareForIndexPage&amp;providerNo=100002&#39;, &#39;Lab&#39;);return false;\" TITLE=\"View lab reports\">\n<span id=\"oscar_new_lab\">"));
    assert!(classic.contains("<title>Varma, R-Appointment Access</title>"));

    let options = PageOptions { logged_in_provider: "100002".into(), ..opts(Variant::OpenO) };
    let open_o = schedule_day(&clinic(), &options, monday());
    assert!(open_o.contains("providerpreference.jsp?provider_no=100002&#39;)"));
    assert!(open_o.contains("<a HREF=\"#\" id=\"inboxLink\">\n<span id=\"oscar_new_lab\">"));
    assert!(open_o.contains("<input type=\"hidden\" value=\"/oscar\" id=\"contextPath\" />"));
}

#[test]
fn classic_and_open_o_differ_in_refresh_bottom_bar_and_wrappers() {
    let classic = schedule_day(&clinic(), &opts(Variant::Classic), monday());
    assert!(classic.contains("<meta http-equiv=\"refresh\" content=\"180;\">"));
    assert!(classic.contains("id=\"calendarLinkBottom\""));
    assert!(classic.contains("<a href=\"../logout.jsp\">"));
    assert!(classic.contains("src=\"../js/jquery.js\""));
    assert!(classic.contains("src=\"../share/javascript/Oscar.js\""));
    assert!(!classic.contains("scheduleTable"));

    let open_o = schedule_day(&clinic(), &PageOptions { refresh_seconds: 60, ..opts(Variant::OpenO) }, monday());
    assert!(open_o.contains("<meta http-equiv=\"refresh\" content=\"60\">"));
    assert!(open_o.contains("<table id=\"scheduleTable\">"));
    assert!(open_o.contains("src=\"/oscar/js/jquery.js\""));
    assert!(!open_o.contains("calendarLinkBottom"));

    let no_refresh = schedule_day(&clinic(), &PageOptions { refresh_seconds: 0, ..opts(Variant::Classic) }, monday());
    assert!(!no_refresh.contains("http-equiv=\"refresh\""));
}

#[test]
fn each_doctor_column_has_header_name_ds_button_and_schedule_table() {
    let html = schedule_day(&clinic(), &opts(Variant::Classic), monday());
    assert_eq!(html.matches("<table id=\"providerSchedule\"").count(), 2);
    // Classic repeats the header at the bottom of each column.
    assert_eq!(html.matches("class=\"ds-btn noprint\" data-provider_no=\"100001\"").count(), 2);
    assert!(html.contains("title=\"Zoom View\">Helen Marchetti</a>"));
    assert!(html.contains("<tr id=\"ivoryBar\">"));
    assert!(html.contains("id=\"firstTable\" class=\"noprint\""));

    let open_o = schedule_day(&clinic(), &opts(Variant::OpenO), monday());
    assert_eq!(open_o.matches("data-provider_no=\"100002\"").count(), 1);
    assert!(open_o.contains(">Helen Marchetti (7) </a>"), "blocks are not counted");
}

#[test]
fn week_view_has_seven_date_columns_without_encounter_or_billing_links() {
    let clinic = Clinic::demo(Date::new(2026, 3, 4));
    let html = schedule_week(&clinic, &opts(Variant::Classic), Date::new(2026, 3, 1), "100001");
    assert_eq!(html.matches("<table id=\"providerSchedule\"").count(), 7);
    assert!(!html.contains("class=\"ds-btn"));
    assert!(html.contains("<b><a href=\"providercontrol.jsp?year=2026&amp;month=3&amp;day=2&amp;view=0&amp;displaymode=day&amp;dboperation=searchappointmentday\">Mon, 2026-03-02</a></b>"));
    let cells = appt_cells(&html);
    let expected = clinic
        .appointments
        .iter()
        .filter(|a| a.provider_no == "100001" && a.date.week_start() == Date::new(2026, 3, 1))
        .count();
    assert_eq!(cells.len(), expected);
    for cell in cells {
        assert!(!cell.contains("encounterBtn") && !cell.contains("billing.do") && !cell.contains("oscarRx"), "{cell}");
    }
    assert!(html.contains("Week View: Helen Marchetti"));
    assert!(html.contains("&amp;provider_no=100001&amp;viewall=1"));
}

#[test]
fn names_and_reasons_are_html_escaped() {
    let mut clinic = clinic();
    clinic.patients[0].last_name = "<SCRIPT>\"&'".into();
    clinic.appointments[0].reason = "<img src=x onerror=alert(1)>".into();
    let html = schedule_day(&clinic, &opts(Variant::Classic), monday());
    assert!(!html.contains("<script>\""));
    assert!(!html.contains("<img src=x"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

#[test]
fn a_heavy_day_renders_every_appointment() {
    let clinic = Clinic::with_load(monday(), 300);
    let html = schedule_day(&clinic, &opts(Variant::Classic), monday());
    assert_eq!(appt_cells(&html).len(), 300);
}
