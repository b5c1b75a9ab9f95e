//! `/schedule/day/{date}` (the token's provider) and
//! `/schedule/{providerNo}/day/{date}` (`oscar-reference.md` §4.5): the same
//! seeded appointments, in the same order, as that provider's column on the
//! schedule page.
//!
//! Classic: `PatientListApptBean`, `{"template":"patientlist/patientList1.jsp",
//! "patients":[…]}`. Open-O: a bare array whose items add `duration`, `type`
//! and `notes`.

use axum::response::Response;
use serde_json::{json, Value};

use super::time::{hh_mm_am_pm, local_ms};
use super::{json, server_error, Call};
use crate::clinic::{Appointment, Variant};
use crate::date::Date;

/// The template name classic's bean carries.
const TEMPLATE: &str = "patientlist/patientList1.jsp";

/// `date` is `yyyy-MM-dd` or `today` (the simulated today). A malformed date
/// makes Oscar's date parsing throw: 500. `me` is not special (as in Oscar),
/// so it and unknown providers give an empty day.
pub(super) fn day(call: &Call<'_>, provider_no: &str, date: &str) -> Response {
    let date = if date == "today" { Some(call.state.config.date) } else { Date::parse(date) };
    let Some(date) = date else {
        return server_error("java.text.ParseException: Unparseable date");
    };
    let items: Vec<Value> =
        call.state.clinic.appointments_on(date, provider_no).into_iter().map(|a| item(call, a)).collect();
    match call.variant() {
        Variant::Classic => json(&json!({ "template": TEMPLATE, "patients": items })),
        Variant::OpenO => json(&Value::Array(items)),
    }
}

/// `PatientListApptItemBean`.
fn item(call: &Call<'_>, appt: &Appointment) -> Value {
    // getDemographicFormattedName: "LAST, FIRST" as stored; else the appointment's name.
    let name = match call.state.clinic.patient(appt.demographic_no).filter(|_| appt.is_patient()) {
        Some(p) => p.echart_name(),
        None => appt.name.clone(),
    };
    let mut item = json!({
        "demographicNo": appt.demographic_no,
        "appointmentNo": appt.appointment_no,
        "name": name,
        "status": appt.status,
        "startTime": hh_mm_am_pm(appt.start_hour, appt.start_minute),
        "reason": appt.reason,
        "date": local_ms(call.state, appt.date, appt.start_minutes()),
    });
    if call.variant() == Variant::OpenO {
        item["duration"] = json!(appt.duration_min);
        item["type"] = json!("");
        item["notes"] = json!("");
    }
    item
}
