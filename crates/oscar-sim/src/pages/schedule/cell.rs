//! One appointment cell, `td.appt`.
//!
//! A patient appointment has the status link `a.apptStatus`, the patient link
//! `a.apptLink` (its `onclick` opens `appointmentcontrol.jsp?appointment_no=…
//! &demographic_no=…`, its `title` starts with the full name), then in the day
//! view the encounter `a.encounterBtn` "E", billing "B", master record
//! `a.masterBtn` "M" and "Rx" links; the week view keeps only "M". A block
//! without a patient has a plain link (no `apptLink` class) with
//! `demographic_no=0` and the text `.NAME`.

use super::{Column, Page, NAME_LENGTH, SLOT_MINUTES};
use crate::clinic::{to_upper_lower_case, Appointment, Patient};
use crate::pages::html::{esc, js_str, owasp_for_javascript, truncate, url_form};

/// Renders the `td.appt` of `appt`, which starts in the row at `slot`.
pub(super) fn appointment(page: &Page<'_>, col: &Column<'_>, appt: &Appointment, slot: u32) -> String {
    let status = Status::of(&appt.status);
    let rowspan = appt.end_minutes().saturating_sub(slot) / SLOT_MINUTES + 1;
    let body = match page.clinic.patient(appt.demographic_no).filter(|_| appt.is_patient()) {
        Some(patient) => patient_links(page, col, appt, patient),
        None => block_link(page, col, appt),
    };
    format!(
        "<td class=\"appt\" bgcolor='{}' rowspan=\"{rowspan}\" nowrap>\n{}{body}</td>\n",
        status.color,
        status_link(page, col, appt, &status),
    )
}

/// Oscar's appointment status (`ApptStatusData`): cell colour, icon, title
/// and the status a click moves to. `S`/`V` suffixes (signed, verified) keep
/// the base status's look.
struct Status {
    color: &'static str,
    image: &'static str,
    title: &'static str,
    next: &'static str,
}

impl Status {
    fn of(code: &str) -> Self {
        let (color, image, title, next) = match code.chars().next() {
            Some('T') => ("#FDFEC7", "todo.gif", "Daysheet Printed", "H"),
            Some('H') => ("#00ee00", "here.gif", "Here", "P"),
            Some('P') => ("#FFBBFF", "picked.gif", "Picked", "E"),
            Some('E') => ("#FFFF33", "empty.gif", "Empty Room", "N"),
            Some('N') => ("#cccccc", "noshow.gif", "No Show", "C"),
            Some('C') => ("#999999", "cancel.gif", "Cancelled", "t"),
            Some('B') => ("#3ea4e1", "billed.gif", "Billed", ""),
            _ => ("#FDFEC7", "todo.gif", "To Do", "T"),
        };
        Self { color, image, title, next }
    }
}

/// `a.apptStatus`, which moves the appointment to its next status; a billed
/// appointment shows only its icon.
fn status_link(page: &Page<'_>, col: &Column<'_>, appt: &Appointment, status: &Status) -> String {
    let d = col.date;
    let img = page.opts.up(&format!("images/{}", status.image));
    if page.classic() {
        let icon = format!("<img src=\"{}\" border=\"0\" height=\"10\" title=\"{}\">", esc(&img), status.title);
        if status.next.is_empty() {
            return format!("{icon}\n");
        }
        let url = format!(
            "providercontrol.jsp?appointment_no={}&provider_no={}&status=&statusch={}&year={}&month={}&day={}&view=0&displaymode=addstatus&dboperation=updateapptstatus&viewall=1{}",
            appt.appointment_no,
            js_str(&col.provider_no),
            status.next,
            d.year,
            d.month,
            d.day,
            if page.is_week() { "&viewWeek=1" } else { "" },
        );
        format!(
            "<a class=\"apptStatus\" href=\"#\" onclick=\"{}\" title=\"{} \" >\n{icon}</a>\n",
            esc(&format!("refreshSameLoc('{url}');")),
            status.title
        )
    } else {
        let icon = format!("<img src=\"{}\" border=\"0\" height=\"10\" alt=\"{} \">", esc(&img), status.title);
        if status.next.is_empty() {
            return format!("{icon}\n");
        }
        // Open-O's template joins "&" and its "&view=0" string, hence "&&view=0".
        let url = format!(
            "providercontrol.jsp?appointment_no={}&provider_no={}&status=&statusch={}&year={}&month={}&day={}&&view=0&displaymode=addstatus&dboperation=updateapptstatus&viewall=1{}",
            appt.appointment_no,
            js_str(&col.provider_no),
            status.next,
            d.year,
            d.month,
            d.day,
            if page.is_week() { "&viewWeek=1" } else { "" },
        );
        format!(
            "<a class=\"apptStatus\" href=\"javascript:void(0)\" onclick=\"{}\" title='{}'>\n{icon}\n</a>\n",
            esc(&format!("refreshSameLoc('{url}');")),
            status.title
        )
    }
}

/// The `appointmentcontrol.jsp` URL both link kinds open; `start_time` is
/// unpadded (`9:0`), as Oscar prints it.
fn appointment_control_url(page: &Page<'_>, col: &Column<'_>, appt: &Appointment) -> String {
    let d = col.date;
    format!(
        "{}?appointment_no={}&provider_no={}&year={}&month={}&day={}&start_time={}:{}&demographic_no={}&displaymode=edit&dboperation=search",
        page.opts.up("appointment/appointmentcontrol.jsp"),
        appt.appointment_no,
        js_str(&col.provider_no),
        d.year,
        d.month,
        d.day,
        appt.start_hour,
        appt.start_minute,
        appt.demographic_no,
    )
}

/// The link of a block without a patient: no `apptLink` class,
/// `demographic_no=0`, text `.NAME`, title starting with the time range.
fn block_link(page: &Page<'_>, col: &Column<'_>, appt: &Appointment) -> String {
    let url = appointment_control_url(page, col, appt);
    let (start, end) = (appt.start_minutes(), appt.end_minutes());
    // Oscar's own formatting, quirks included: "9:00" but "9:010" for ten past.
    let range =
        format!("{}:{}{}-{}:{}", start / 60, if start % 60 > 10 { "" } else { "0" }, start % 60, end / 60, end % 60);
    let reason = &appt.reason;
    if page.classic() {
        let name = to_upper_lower_case(&appt.name);
        let text = truncate(&name, NAME_LENGTH).to_uppercase();
        format!(
            "<a href=\"#\" onClick=\"{}\" title=\"{}\" >\n.{}\n</a><span class=\"reason\">Reason:{}</span>\n",
            esc(&format!("popupPage(535,860,'{url}');return false;")),
            esc(&format!("{range}\n{name}\nReason: {reason}\nNotes: ")),
            esc(&text),
            esc(reason),
        )
    } else {
        let name = &appt.name;
        let text = name.to_uppercase();
        let p = &col.provider_no;
        format!(
            "<a href=\"javascript:void(0)\" class=\"appt-reason-tooltip appt-tooltip-provider-{}\" onClick=\"{}\" title=\"{}\">\n<span>\n.{}\n</span>\n</a><!--Inline display of reason -->\n\
             <span class=\"reason reason_{} hideReason\">\n{}\n</span>\n",
            esc(p),
            esc(&format!("popupPage(600,780,'{url}');return false;")),
            esc(&format!("{range} {name}\r\nreason: {reason}\r\nnotes: ")),
            esc(&text),
            esc(p),
            esc(reason),
        )
    }
}

/// The patient link and the links after it.
fn patient_links(page: &Page<'_>, col: &Column<'_>, appt: &Appointment, patient: &Patient) -> String {
    let name = patient.display_name_schedule_for(page.opts.variant);
    let text = truncate(&name, NAME_LENGTH);
    let url = appointment_control_url(page, col, appt);
    let onclick = esc(&format!("popupPage(535,860,'{url}');return false;"));
    let reason = &appt.reason;
    let mut out = if page.classic() {
        format!(
            "<a class=\"apptLink\" href=\"#\" onClick=\"{onclick}\" title=\"{}\n&nbsp; reason: {}\n&nbsp; notes: \">{}</a>\n",
            esc(&name),
            esc(reason),
            esc(&text),
        )
    } else {
        format!(
            "<a class=\"apptLink appt-reason-tooltip appt-tooltip-provider-{}\" href=\"javascript:void(0)\" onClick=\"{onclick}\" title=\"{}&#13;&#10;reason: {}&#13;&#10;notes: \" >\n{}\n</a>\n",
            esc(&col.provider_no),
            esc(&name),
            esc(reason),
            esc(&text),
        )
    };
    if !page.is_week() {
        out.push_str(&encounter_link(page, col, appt));
        out.push_str(&billing_link(page, col, appt, &name));
    }
    out.push_str(&master_link(page, col, appt));
    if !page.is_week() {
        out.push_str(&rx_link(page, appt));
        if (patient.dob.month, patient.dob.day) == (col.date.month, col.date.day) {
            out.push_str(&birthday(page, patient));
        }
        out.push_str(&if page.classic() {
            format!("<span class=\"reason\">Reason:{}</span>\n", esc(reason))
        } else {
            format!("<span class=\"reason reason_{} hideReason\">\n{}\n</span>\n", esc(&col.provider_no), esc(reason))
        });
    }
    out
}

/// `a.encounterBtn`: opens `IncomingEncounter.do` in the `encounter` popup.
fn encounter_link(page: &Page<'_>, col: &Column<'_>, appt: &Appointment) -> String {
    let d = col.date;
    let today = page.clinic.today;
    let user = &page.user;
    let start_time = format!("{:02}:{:02}:00", appt.start_hour, appt.start_minute);
    let reason_code = if page.classic() { "" } else { "&reasonCode=" };
    let url = format!(
        "{}?providerNo={}&appointmentNo={}&demographicNo={}&curProviderNo={p}&reason={}{reason_code}&encType={}&userName={}&curDate={}-{}-{}&appointmentDate={}-{}-{}&startTime={start_time}&status={}&apptProvider_no={p}&providerview={p}",
        page.opts.up("oscarEncounter/IncomingEncounter.do"),
        user.no,
        appt.appointment_no,
        appt.demographic_no,
        url_form(&appt.reason),
        url_form("face to face encounter with client"),
        url_form(&format!("{} {}", user.first, user.last)),
        today.year,
        today.month,
        today.day,
        d.year,
        d.month,
        d.day,
        url_form(&appt.status),
        p = col.provider_no,
    );
    let n = appt.appointment_no;
    if page.classic() {
        format!(
            "<a href=\"#\" class=\"encounterBtn\" onClick=\"{}\" title=\"Encounter\">\n|E</a>\n",
            esc(&format!("popupWithApptNo(710, 1024,'{}','encounter',{n});return false;", js_str(&url)))
        )
    } else {
        format!(
            "&#124; <a href=\"javascript:void(0)\" class=\"encounterBtn\" onClick=\"{}\" title=\"Encounter\">\nE</a>\n",
            esc(&format!("popupWithApptNo(710, 1024,'{}','encounter',{n});return false;", owasp_for_javascript(&url)))
        )
    }
}

/// The billing "B" link; a billed appointment offers "-B" (unbill) instead.
/// Its onclick also carries `appointment_no` and `demographic_no`.
fn billing_link(page: &Page<'_>, col: &Column<'_>, appt: &Appointment, name: &str) -> String {
    let d = col.date;
    let n = appt.appointment_no;
    let (bar, sep) = if page.classic() { ("", "|") } else { ("&#124; ", "") };
    if appt.status.contains('B') {
        let url = format!(
            "{}?status={}&appointment_no={n}",
            page.opts.up("billing/CA/ON/billingDeleteWithoutNo.jsp"),
            url_form(&appt.status)
        );
        return format!(
            "{bar}<a href=\"#\" onClick=\"{}\" title=\"Billing\">{sep}-B</a>\n",
            esc(&format!("onUnbilled(\"{}\");return false;", js_str(&url)))
        );
    }
    let start_time = format!("{:02}:{:02}:00", appt.start_hour, appt.start_minute);
    let url = format!(
        "{}?billRegion=ON&billForm=MFP&hotclick=&appointment_no={n}&demographic_name={}&status={}&demographic_no={}&providerview={p}&user_no={}&apptProvider_no={p}&appointment_date={}-{}-{}&start_time={start_time}&bNewForm=1",
        page.opts.up("billing.do"),
        url_form(name),
        url_form(&appt.status),
        appt.demographic_no,
        page.user.no,
        d.year,
        d.month,
        d.day,
        p = col.provider_no,
    );
    format!(
        "{bar}<a href=\"#\" onClick=\"{}\" title=\"Billing\">{sep}B</a>\n",
        esc(&format!("popupPage(755,1200, \"{}\");return false;", js_str(&url)))
    )
}

/// `a.masterBtn`: the patient's master record (`demographiccontrol.jsp`).
fn master_link(page: &Page<'_>, col: &Column<'_>, appt: &Appointment) -> String {
    let n = appt.appointment_no;
    let url = format!(
        "{}?demographic_no={}&apptProvider={}&appointment={n}&displaymode=edit&dboperation=search_detail",
        page.opts.up("demographic/demographiccontrol.jsp"),
        appt.demographic_no,
        col.provider_no,
    );
    if page.classic() {
        format!(
            "<a class=\"masterBtn\" href=\"javascript: function myFunction() {{return false; }}\" onClick=\"{}\"\ntitle=\"Master File\">|M</a>\n",
            esc(&format!("popupWithApptNo(700,1024,'{}','master',{n})", js_str(&url)))
        )
    } else {
        format!(
            "&#124; <a class=\"masterBtn\" href=\"javascript:void(0)\" onClick=\"{}\" title=\"Master File\">M</a>\n",
            esc(&format!("popupWithApptNo(700,1024, '{}','master',{n})", js_str(&url)))
        )
    }
}

/// The prescriptions "Rx" link (day view only).
fn rx_link(page: &Page<'_>, appt: &Appointment) -> String {
    let n = appt.appointment_no;
    let url = format!(
        "{}?providerNo={}&demographicNo={}",
        page.opts.up("oscarRx/choosePatient.do"),
        page.user.no,
        appt.demographic_no
    );
    let onclick = esc(&format!("popupWithApptNo(700,1027,'{}','rx',{n})", js_str(&url)));
    if page.classic() {
        format!("<a href=\"#\" onClick=\"{onclick}\" title=\"Prescriptions\">|Rx\n</a>\n")
    } else {
        format!("&#124; <a href=\"javascript:void(0)\" onClick=\"{onclick}\" title=\"Prescriptions\">Rx</a>\n")
    }
}

/// The birthday cake shown on the patient's birthday.
fn birthday(page: &Page<'_>, patient: &Patient) -> String {
    let img = esc(&page.opts.up("images/cake.gif"));
    if page.classic() {
        format!("| <img src=\"{img}\" height=\"20\" alt=\"Happy Birthday\"/>\n")
    } else {
        format!(
            "&#124; <span class=\"birthday-cake\" data-month=\"{:02}-{:02}\"><img src=\"{img}\" height=\"20\" alt=\"Happy Birthday\"/></span>\n",
            patient.dob.month, patient.dob.day
        )
    }
}
