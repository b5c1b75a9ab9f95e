//! The schedule page: who is signed in to Oscar, and the patient appointments shown.

use serde::Serialize;
use web_sys::{Document, Element};

use super::params::{number_param, param};
use super::{select, select_all, text_of, ContextError};
use crate::page::PageUrl;

/// One appointment with a patient, as the schedule shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScheduleAppointment {
    /// Oscar's `appointment_no`.
    pub appointment_no: u32,
    /// Oscar's `demographic_no` of the patient (never 0 here).
    pub demographic_no: u32,
    /// The provider whose column holds the appointment.
    pub provider_no: String,
    /// The patient's name as displayed (`Last,First`).
    pub name: String,
}

/// What the schedule page tells us.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScheduleContext {
    /// The provider signed in to Oscar, when the page shows it.
    pub provider_no: Option<String>,
    /// True for the one-provider week view.
    pub week_view: bool,
    /// Appointments with patients, in page order; blocks without a patient
    /// (`demographic_no=0`) are skipped.
    pub appointments: Vec<ScheduleAppointment>,
}

/// Reads the schedule. The grid must be there; an empty day is fine.
pub fn read_schedule(url: &str, doc: &Document) -> Result<ScheduleContext, ContextError> {
    // Oscar repeats id="providerSchedule" once per column, so match by attribute.
    if select(doc, "[id=providerSchedule]").is_none() {
        return Err(ContextError::NoScheduleGrid);
    }
    let mut appointments: Vec<ScheduleAppointment> = Vec::new();
    for cell in select_all(doc, "td.appt") {
        let Some(appt) = read_cell(&cell) else {
            continue;
        };
        if !appointments.iter().any(|a| a.appointment_no == appt.appointment_no) {
            appointments.push(appt);
        }
    }
    Ok(ScheduleContext {
        provider_no: signed_in_provider(doc),
        week_view: PageUrl::parse(url).param("provider_no").is_some_and(|p| !p.is_empty()),
        appointments,
    })
}

/// One `td.appt` cell: its patient link is `a.apptLink`, or (older skins) any
/// link whose onclick opens `appointmentcontrol.jsp`.
fn read_cell(cell: &Element) -> Option<ScheduleAppointment> {
    let link = cell
        .query_selector("a.apptLink")
        .ok()
        .flatten()
        .or_else(|| cell.query_selector("a[onclick*='appointmentcontrol.jsp']").ok().flatten())?;
    let onclick = link.get_attribute("onclick")?;
    let demographic_no = number_param(&onclick, "demographic_no")?;
    if demographic_no == 0 {
        return None;
    }
    Some(ScheduleAppointment {
        appointment_no: number_param(&onclick, "appointment_no")?,
        demographic_no,
        provider_no: param(&onclick, "provider_no").unwrap_or_default().to_owned(),
        name: display_name(&link),
    })
}

/// The link text may be cut to the column width ("Smith,Jo"); the tooltip's
/// first line, when present, carries the whole name.
fn display_name(link: &Element) -> String {
    let text = text_of(link);
    let from_title = link
        .get_attribute("title")
        .and_then(|t| t.lines().next().map(|l| l.trim().to_owned()))
        .filter(|t| !t.is_empty() && t.contains(','));
    clean_name(&from_title.unwrap_or(text))
}

/// Open-O appends ` (alias)` and `; pronoun` to names; keep the name itself.
fn clean_name(name: &str) -> String {
    let name = name.split(';').next().unwrap_or(name);
    let name = match name.find(" (") {
        Some(i) => &name[..i],
        None => name,
    };
    name.trim().to_owned()
}

/// The Oscar user: the "Pref" tab links to their preferences; classic Oscar's
/// inbox tab also carries `providerNo`.
fn signed_in_provider(doc: &Document) -> Option<String> {
    let from = |selector: &str, key: &str| {
        select(doc, selector)
            .and_then(|a| a.get_attribute("onclick"))
            .and_then(|onclick| param(&onclick, key).map(str::to_owned))
            .filter(|p| !p.is_empty())
    };
    from("a[onclick*='providerpreference.jsp?provider_no=']", "provider_no").or_else(|| {
        select(doc, "#oscar_new_lab")
            .and_then(|span| span.closest("a[onclick]").ok().flatten())
            .and_then(|a| a.get_attribute("onclick"))
            .and_then(|onclick| param(&onclick, "providerNo").map(str::to_owned))
    })
}

#[cfg(test)]
mod tests {
    use super::clean_name;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn open_o_alias_and_pronoun_are_dropped() {
        assert_eq!(clean_name("Smith, Jonathan (Jon); he/him"), "Smith, Jonathan");
        assert_eq!(clean_name(" Smith,John "), "Smith,John");
    }
}
