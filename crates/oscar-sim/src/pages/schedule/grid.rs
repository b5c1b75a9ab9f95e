//! One schedule column: its `td.infirmaryView` header and the
//! `table#providerSchedule` of time-slot rows.
//!
//! Oscar repeats `id="providerSchedule"` in every column (invalid HTML, but
//! that is what readers must cope with). Each row is one slot: the
//! `td.scheduleTime00`/`td.scheduleTimeNot00` time link, the `td.hourmin`
//! template code, one `td.appt` per appointment starting in the slot (several
//! when they overlap) and a trailing `td.noGrid`.

use super::{cell, Column, Page, SLOT_MINUTES};
use crate::clinic::Appointment;
use crate::date::Date;
use crate::pages::html::{esc, js_str};

/// Renders the column's outer `<td>`; `index` decides the header colour,
/// alternating like Oscar's `bColor`.
pub(super) fn column(page: &Page<'_>, col: &Column<'_>, index: usize) -> String {
    let width = if page.is_week() { 100 / 7 } else { 100 / page.columns.len().max(1) };
    let bgcolor = if index % 2 == 1 { "#bfefff" } else { "silver" };
    let header = header(page, col);
    let schedule_bg = "#486ebd";
    let bottom = if page.classic() {
        format!("<tr><td class=\"infirmaryView\" ALIGN=\"center\" BGCOLOR=\"{bgcolor}\">\n{header}</td></tr>\n")
    } else {
        String::new()
    };
    let table_attrs = if page.classic() {
        " border=\"0\" cellpadding=\"0\" bgcolor=\"#486ebd\" cellspacing=\"0\" width=\"100%\""
    } else {
        " bgcolor=\"#486ebd\""
    };
    let schedule_attrs = if page.classic() {
        format!(" border=\"0\" cellpadding=\"0\" bgcolor=\"{schedule_bg}\" cellspacing=\"0\" width=\"100%\"")
    } else {
        format!(" bgcolor=\"{schedule_bg}\"")
    };
    format!(
        "<td valign=\"top\" width=\"{width}%\"> <!-- for the first provider's schedule -->\n\
         <table{table_attrs}><!-- for the first provider's name -->\n\
         <tr><td class=\"infirmaryView\" NOWRAP ALIGN=\"center\" BGCOLOR=\"{bgcolor}\">\n{header}</td></tr>\n\
         <tr><td valign=\"top\">\n\
         <table id=\"providerSchedule\"{schedule_attrs}>\n{rows}</table> <!-- end table for each provider schedule display -->\n\
         </td></tr>\n{bottom}</table><!-- end table for each provider name -->\n</td>\n",
        rows = rows(page, col),
    )
}

/// The column header: in the day view the W/S buttons, the provider's full
/// name (zoom link) and the day-sheet button; in the week view a link to
/// that day.
fn header(page: &Page<'_>, col: &Column<'_>) -> String {
    let d = col.date;
    if page.is_week() {
        let link = format!(
            "providercontrol.jsp?year={}&month={}&day={}&view=0&displaymode=day&dboperation=searchappointmentday",
            d.year, d.month, d.day
        );
        return format!("<b><a href=\"{}\">{}, {}</a></b>\n", esc(&link), d.weekday_abbrev(), d);
    }
    let p = esc(&js_str(&col.provider_no));
    let zoom = esc(&format!("goZoomView('{}','{}')", js_str(&col.provider_no), js_str(&col.provider_name)));
    let ds = format!(
        "<button type=\"button\" class=\"ds-btn noprint\" data-provider_no=\"{}\" title=\"Print Day Sheet\">DS</button>\n",
        esc(&col.provider_no)
    );
    if page.classic() {
        format!(
            "<b><input type='button' value=\"W\" name='weekview' onClick=\"goWeekView('{p}')\" title=\"View Weekly Schedule\" style=\"color:black\">\n\
             <input type='button' value=\"S\" name='searchview' onClick=\"goSearchView('{p}')\" title=\"Search for available appointment\" style=\"color:black\">\n\
             <b><input type='radio' name='flipview' onClick=\"goFilpView('{p}')\" title=\"Flip view\">\n\
             <a href=\"#\" onClick=\"{zoom}\" onDblClick=\"goFilpView('{p}')\" title=\"Zoom View\">{name}</a>\n\
             <a id=\"expandReason\" href=\"#\" onclick=\"return showPersonal();\" title=\"Expand Reason\">*</a>\n{ds}</b></b>\n",
            name = esc(&col.provider_name),
        )
    } else {
        let count = col.appointments.iter().filter(|a| counts_for_open_o(a)).count();
        format!(
            "<input type='button' value=\"W\" name='weekview' onClick=\"goWeekView('{p}')\" title=\"View Weekly Schedule\" style=\"color:black\" class=\"noprint\">\n\
             <input type='button' value=\"S\" name='searchview' onClick=\"goSearchView('{p}')\" title=\"Search for available appointment\" style=\"color:black\" class=\"noprint\">\n\
             <input type='radio' name='flipview' class=\"noprint\" onClick=\"goFilpView('{p}')\" title=\"Flip view\">\n\
             <a href=\"#\" onClick=\"{zoom}\" onDblClick=\"goFilpView('{p}')\" title='Zoom View'>{name}</a>\n\
             <a href=\"#\" class=\"expand-reason-btn\" data-provider=\"{provider}\" onclick=\"{toggle}\" title=\"Expand Reason\">*</a>\n{ds}",
            name = esc(&format!("{} ({count}) ", col.provider_name)),
            provider = esc(&col.provider_no),
            toggle = esc(&format!("toggleReason(event, '{}');", js_str(&col.provider_no))),
        )
    }
}

/// Open-O's header count skips blocks without a patient and cancelled or
/// no-show appointments.
fn counts_for_open_o(a: &Appointment) -> bool {
    a.is_patient() && !matches!(a.status.chars().next(), Some('C' | 'N'))
}

/// The slot rows from the page's first to last hour.
fn rows(page: &Page<'_>, col: &Column<'_>) -> String {
    let first = page.start_hour * 60;
    let last = page.end_hour * 60 + 60 - SLOT_MINUTES;
    let mut out = String::new();
    let mut slot = first;
    while slot <= last {
        out.push_str(&time_cells(page, col, slot));
        let starting = col.appointments.iter().filter(|a| {
            let start = a.start_minutes();
            // Appointments before the first row still show in it, as in Oscar.
            (start >= slot || slot == first) && start < slot + SLOT_MINUTES
        });
        for appt in starting {
            out.push_str(&cell::appointment(page, col, appt, slot));
        }
        out.push_str("<td class='noGrid' width='1'></td></tr>\n");
        slot += SLOT_MINUTES;
    }
    out
}

/// `<tr>`, the time link and the template-code cell of one slot.
fn time_cells(page: &Page<'_>, col: &Column<'_>, slot: u32) -> String {
    let (hour, minute) = (slot / 60, slot % 60);
    let d = col.date;
    let class = if minute == 0 { "scheduleTime00" } else { "scheduleTimeNot00" };
    let (code, color, description) = template_code(d, slot);
    let add = format!(
        "confirmPopupPage(400,780,'{}?provider_no={}&bFirstDisp=true&year={}&month={:02}&day={:02}&start_time={hour:02}:{minute:02}&end_time={hour:02}:{}&duration=15','','Yes','Yes');return false;",
        page.opts.up("appointment/addappointment.jsp"),
        js_str(&col.provider_no),
        d.year,
        d.month,
        d.day,
        minute + SLOT_MINUTES - 1,
    );
    let title = format!("{} - {}", am_pm(slot), am_pm(slot + SLOT_MINUTES - 1));
    let hourmin_color = color.map(|c| format!(" bgcolor={c}")).unwrap_or_default();
    let font = if color.is_some() { "black" } else { "white" };
    format!(
        "<tr>\n<td align=\"RIGHT\" class=\"{class}\" NOWRAP>\n<a href=\"#\" onClick=\"{add}\" title='{title}' class=\"adhour\">\n{hour:02}:{minute:02}&nbsp;</a></td>\n\
         <td class=\"hourmin\" width='1%'{hourmin_color} title='{description}'><font color='{font}'>{code}</font></td>\n",
        add = esc(&add),
    )
}

/// The schedule template: weekdays have 15-minute office visits 9–12 and
/// 13–17 and lunch at noon; other slots have no template (`null` in Oscar).
fn template_code(date: Date, slot: u32) -> (&'static str, Option<&'static str>, &'static str) {
    let weekday = (1..=5).contains(&date.weekday());
    match slot / 60 {
        9..=11 | 13..=16 if weekday => ("1", Some("#BFEFFF"), "Office visit 15 min"),
        12 if weekday => ("L", Some("#FFCC99"), "Lunch"),
        _ => ("", None, "null"),
    }
}

/// `9:00 AM`, as Oscar's `MyDateFormat.getTimeXX_XXampm` prints slot titles.
fn am_pm(minutes: u32) -> String {
    let (hour, minute) = (minutes / 60, minutes % 60);
    let suffix = if hour < 12 { "AM" } else { "PM" };
    let hour12 = match hour % 12 {
        0 => 12,
        h => h,
    };
    format!("{hour12}:{minute:02} {suffix}")
}
