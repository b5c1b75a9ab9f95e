//! The month view (`providercontrol.jsp?displaymode=month`, rendered by
//! `appointmentprovideradminmonth.jsp`): a calendar with, per day, the doctors
//! on the schedule and a link to that day. It has no appointment or patient
//! links, so the plug-in must not treat it as a schedule.

use super::html::esc;
use super::PageOptions;
use crate::clinic::Clinic;
use crate::date::Date;

/// Renders the month holding `year`-`month`; `None` for a month outside 1–12.
pub fn schedule_month(clinic: &Clinic, opts: &PageOptions, year: i32, month: u32) -> Option<String> {
    let first = Date::from_ymd(year, month, 1)?;
    let mut weeks = String::new();
    let mut day = first.week_start();
    while day.month == month || day < first {
        weeks.push_str("<tr>\n");
        for _ in 0..7 {
            weeks.push_str(&day_cell(clinic, day, month));
            day = day.add_days(1);
        }
        weeks.push_str("</tr>\n");
    }
    let prev = Date::from_lenient(i64::from(year), i64::from(month) - 1, 1).unwrap_or(first);
    let next = Date::from_lenient(i64::from(year), i64::from(month) + 1, 1).unwrap_or(first);
    let month_link = |d: Date| {
        format!(
            "providercontrol.jsp?year={}&month={}&day=1&view=0&displaymode=month&dboperation=searchappointmentmonth",
            d.year, d.month
        )
    };
    Some(format!(
        "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\">\n<html lang=\"en\">\n<head>\n\
         <title>MONTH VIEW</title>\n<link rel=\"stylesheet\" href=\"{css}\" type=\"text/css\">\n\
         <script type=\"text/javascript\" src=\"{oscar_js}\"></script>\n</head>\n<body bgcolor=\"#EEEEFF\">\n\
         <table id=\"monthNavigation\" width=\"100%\" BGCOLOR=\"ivory\"><tr><td>\n\
         <a href=\"{prev}\">&lt;&lt;</a> <b>{title}</b> <a href=\"{next}\">&gt;&gt;</a>\n</td></tr></table>\n\
         <table id=\"monthCalendar\" width=\"100%\" border=\"1\" cellspacing=\"0\">\n\
         <tr><th>Sun</th><th>Mon</th><th>Tue</th><th>Wed</th><th>Thu</th><th>Fri</th><th>Sat</th></tr>\n{weeks}</table>\n\
         </body>\n</html>\n",
        css = esc(&opts.up("css/receptionistapptstyle.css")),
        oscar_js = esc(&opts.up("share/javascript/Oscar.js")),
        prev = esc(&month_link(prev)),
        next = esc(&month_link(next)),
        title = esc(&format!("{} {year}", first.month_name())),
    ))
}

/// One calendar day: the day number linking to the day view, and the doctors
/// available that day (weekdays in the seeded template).
fn day_cell(clinic: &Clinic, day: Date, month: u32) -> String {
    if day.month != month {
        return "<td class=\"otherMonth\">&nbsp;</td>\n".to_owned();
    }
    let link = format!(
        "providercontrol.jsp?year={}&month={}&day={}&view=0&displaymode=day&dboperation=searchappointmentday&viewall=1",
        day.year, day.month, day.day
    );
    let available: String = if (1..=5).contains(&day.weekday()) {
        clinic.doctors().map(|d| format!("<div class=\"provAvail\">{}</div>", esc(&d.formatted_name()))).collect()
    } else {
        String::new()
    };
    let class = if day == clinic.today { "today" } else { "day" };
    format!("<td class=\"{class}\" valign=\"top\"><a href=\"{}\">{}</a>{available}</td>\n", esc(&link), day.day)
}
