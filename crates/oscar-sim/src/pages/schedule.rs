//! The schedule (`providercontrol.jsp` forwarding to
//! `appointmentprovideradminday.jsp`): the day view with one column per doctor,
//! and the week view (`provider_no` set) with one column per day.
//!
//! This file holds the page skeleton (head, body layout, trailing script);
//! the top menu, the navigation bars, the columns and the appointment cells
//! have their own modules.

mod cell;
mod grid;
mod menu;
mod nav;

use super::html::{capitalize_words, esc};
use super::PageOptions;
use crate::clinic::{Appointment, Clinic, Variant};
use crate::date::Date;

/// Oscar's default `every_min` preference: one row per quarter hour.
const SLOT_MINUTES: u32 = 15;
/// Oscar cuts names to this many characters in multi-column views
/// (`lenLimitedL`); the link's `title` keeps the whole name.
const NAME_LENGTH: usize = 11;

/// Renders the day view: one column per doctor for `date`.
pub fn schedule_day(clinic: &Clinic, opts: &PageOptions, date: Date) -> String {
    let columns = clinic
        .doctors()
        .map(|d| Column {
            provider_no: d.provider_no.clone(),
            provider_name: d.full_name(),
            date,
            appointments: clinic.appointments_on(date, &d.provider_no),
        })
        .collect();
    Page::new(clinic, opts, date, None, columns).render()
}

/// Renders the week view of one provider: seven columns, one per day from
/// `week_start` (Oscar starts weeks on Sunday; see [`Date::week_start`]).
pub fn schedule_week(clinic: &Clinic, opts: &PageOptions, week_start: Date, provider_no: &str) -> String {
    let provider_name = clinic.provider(provider_no).map_or_else(|| provider_no.to_owned(), |p| p.full_name());
    let columns = (0..7)
        .map(|offset| {
            let date = week_start.add_days(offset);
            Column {
                provider_no: provider_no.to_owned(),
                provider_name: provider_name.clone(),
                date,
                appointments: clinic.appointments_on(date, provider_no),
            }
        })
        .collect();
    Page::new(clinic, opts, week_start, Some(provider_no), columns).render()
}

/// Everything one schedule page needs while rendering.
struct Page<'a> {
    clinic: &'a Clinic,
    opts: &'a PageOptions,
    user: User,
    /// The day shown, or the Sunday starting the week.
    date: Date,
    /// The provider whose week is shown; `None` in the day view.
    week_of: Option<&'a str>,
    columns: Vec<Column<'a>>,
    /// First and last hour rows; widened when appointments fall outside 8–18.
    start_hour: u32,
    end_hour: u32,
}

/// The signed-in user, as the page prints them.
struct User {
    no: String,
    first: String,
    last: String,
}

/// One schedule column: a doctor's day, or one day of the week view.
struct Column<'a> {
    provider_no: String,
    /// `First Last`.
    provider_name: String,
    date: Date,
    appointments: Vec<&'a Appointment>,
}

impl<'a> Page<'a> {
    fn new(
        clinic: &'a Clinic,
        opts: &'a PageOptions,
        date: Date,
        week_of: Option<&'a str>,
        columns: Vec<Column<'a>>,
    ) -> Self {
        let user = match clinic.provider(&opts.logged_in_provider) {
            Some(p) => User { no: p.provider_no.clone(), first: p.first_name.clone(), last: p.last_name.clone() },
            None => User {
                no: opts.logged_in_provider.clone(),
                first: String::new(),
                last: opts.logged_in_provider.clone(),
            },
        };
        let all = columns.iter().flat_map(|c| c.appointments.iter());
        let start_hour = all.clone().map(|a| a.start_hour).min().unwrap_or(8).min(8);
        let end_hour = all.map(|a| a.start_hour).max().unwrap_or(18).clamp(18, 23);
        Self { clinic, opts, user, date, week_of, columns, start_hour, end_hour }
    }

    fn classic(&self) -> bool {
        self.opts.variant == Variant::Classic
    }

    fn is_week(&self) -> bool {
        self.week_of.is_some()
    }

    /// `providercontrol.jsp?year=…&month=…&day=…` with Oscar's unpadded
    /// numbers; `day` may be out of range (Oscar relies on lenient dates).
    fn day_link(&self, date: Date, day: i64, rest: &str) -> String {
        format!("providercontrol.jsp?year={}&month={}&day={day}{rest}", date.year, date.month)
    }

    /// The `&provider_no=P` that keeps links in the week view.
    fn week_param(&self) -> String {
        self.week_of.map(|p| format!("&provider_no={p}")).unwrap_or_default()
    }

    fn render(&self) -> String {
        let mut out = String::with_capacity(32 * 1024 + 3 * 1024 * self.columns.len());
        out.push_str(&self.head());
        out.push_str("<body bgcolor=\"#EEEEFF\" onLoad=\"refreshAllTabAlerts();scrollOnLoad();\" topmargin=\"0\" leftmargin=\"0\" rightmargin=\"0\">\n");
        out.push_str(&menu::top_menu(self));
        out.push_str("<div id=\"system_message\"></div>\n<div id=\"facility_message\"></div>\n");
        let columns: String = self.columns.iter().enumerate().map(|(i, c)| grid::column(self, c, i)).collect();
        if self.classic() {
            out.push_str(
                "<table BORDER=\"0\" CELLPADDING=\"1\" CELLSPACING=\"0\" WIDTH=\"100%\" BGCOLOR=\"#C0C0C0\">\n",
            );
            out.push_str(&self.nav_bar());
            out.push_str("<tr><td colspan=\"3\">\n<table border=\"0\" cellpadding=\"0\" bgcolor=\"#486ebd\" cellspacing=\"0\" width=\"100%\">\n<tr>\n");
            out.push_str(&columns);
            out.push_str("</tr>\n</table>\n</td></tr>\n");
            out.push_str(&self.bottom_bar());
            out.push_str("</table>\n</body>\n");
            out.push_str(&self.trailing_script());
        } else {
            out.push_str("<table id=\"scheduleNavigation\">\n");
            out.push_str(&self.nav_bar());
            out.push_str("</table>\n<table id=\"scheduleTable\">\n<tr>\n");
            out.push_str(&columns);
            out.push_str("</tr>\n</table>\n");
            out.push_str(&self.trailing_script());
            out.push_str("</body>\n");
        }
        out.push_str("</html>\n");
        out
    }

    fn head(&self) -> String {
        let opts = self.opts;
        let first_initial: String = self.user.first.chars().take(1).collect();
        let title = capitalize_words(&format!("{}, {}", self.user.last, first_initial));
        let refresh = match (opts.refresh_seconds, opts.variant) {
            (0, _) => String::new(),
            (s, Variant::Classic) => format!("<meta http-equiv=\"refresh\" content=\"{s};\">\n"),
            (s, Variant::OpenO) => format!("<meta http-equiv=\"refresh\" content=\"{s}\">\n"),
        };
        let (y, m, d) = (self.date.year, self.date.month, self.date.day);
        format!(
            "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\">\n<html lang=\"en\">\n<head>\n\
             <script type=\"text/javascript\" src=\"{global_js}\"></script>\n\
             <title>{title}-Appointment Access</title>\n\
             <link rel=\"stylesheet\" href=\"{css}\" type=\"text/css\">\n\
             {refresh}\
             <script language=\"javascript\" type=\"text/javascript\" src=\"{oscar_js}\"></script>\n\
             <script type=\"text/javascript\" src=\"{prototype_js}\"></script>\n\
             <script type=\"text/javascript\" src=\"{phr_js}\"></script>\n\
             <script src=\"{jquery}\"></script>\n<script>\n\tjQuery.noConflict();\n</script>\n\
             <script>\n{SCHEDULE_JS}\
             function goWeekView(s) {{\n  self.location.href = \"providercontrol.jsp?year={y}&month={m}&day={d}&view=0&displaymode=day&dboperation=searchappointmentday&viewall=1&provider_no=\" + s;\n}}\n\
             function goZoomView(s, n) {{\n  self.location.href = \"providercontrol.jsp?year={y}&month={m:02}&day={d:02}&view=1&curProvider=\" + s + \"&curProviderName=\" + encodeURIComponent(n) + \"&displaymode=day&dboperation=searchappointmentday\";\n}}\n\
             </script>\n<style type=\"text/css\">\n.reason {{ display: none; }}\n.hideReason {{ display: none; }}\n</style>\n</head>\n",
            global_js = esc(&opts.abs("js/global.js")),
            title = esc(&title),
            css = esc(&opts.up("css/receptionistapptstyle.css")),
            oscar_js = esc(&opts.up("share/javascript/Oscar.js")),
            prototype_js = esc(&opts.up("share/javascript/prototype.js")),
            phr_js = esc(&opts.up("phr/phr.js")),
            jquery = esc(&opts.up("js/jquery.js")),
        )
    }

    /// The day-sheet buttons' handler (after `</body>` in classic, as in Oscar).
    fn trailing_script(&self) -> String {
        let date = self.date;
        format!(
            "<script type=\"text/javascript\">\n\
             document.querySelectorAll('.ds-btn').forEach(function (btn) {{\n\
             \x20 btn.addEventListener('click', function () {{\n\
             \x20   popupPage(700, 1024, '{report}?dsmode=all&provider_no=' + encodeURIComponent(btn.getAttribute('data-provider_no')) + '&sdate={date}&edate={date}');\n\
             \x20 }});\n}});\n</script>\n",
            report = self.opts.up("report/reportdaysheet.jsp"),
        )
    }
}

/// The page's own functions, as `appointmentprovideradminday.jsp` defines
/// them inline (`popup()` and `newWindow()` come from `Oscar.js`).
const SCHEDULE_JS: &str = include_str!("schedule/schedule.js");

#[cfg(test)]
mod tests;
