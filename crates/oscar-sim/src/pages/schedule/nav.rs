//! The schedule's navigation: `tr#ivoryBar` above the grid (previous/next,
//! date, calendar, greeting, group selector) and, in classic only, the ivory
//! bar below it with `a#calendarLinkBottom` and the logout link.

use super::Page;
use crate::clinic::Variant;
use crate::pages::html::{esc, owasp_for_javascript, url_form};

impl Page<'_> {
    /// `tr#ivoryBar`: previous/next, the date, calendar and view links, the
    /// greeting and the group selector.
    pub(super) fn nav_bar(&self) -> String {
        let opts = self.opts;
        let (date, step) = (self.date, if self.is_week() { 7 } else { 1 });
        let day = i64::from(date.day);
        let nav_rest =
            format!("&view=0&displaymode=day&dboperation=searchappointmentday{}&viewall=1", self.week_param());
        let prev = self.day_link(date, day - step, &nav_rest);
        let next = self.day_link(date, day + step, &nav_rest);
        let today = self.clinic.today;
        let today_link =
            self.day_link(today, i64::from(today.day), "&view=0&displaymode=day&dboperation=searchappointmentday");
        let month_link = self.day_link(date, 1, "&view=0&displaymode=month&dboperation=searchappointmentmonth");
        let calendar = self.calendar_onclick("&view=0&displaymode=day&dboperation=searchappointmentday&viewall=1");
        let label = self.date_label();
        let user_name = format!("{} {}", self.user.first, self.user.last);
        let week_name = self.columns.first().map(|c| c.provider_name.clone()).unwrap_or_default();
        let (cell_attrs, title_attrs, group_attrs) = if self.classic() {
            (
                " BGCOLOR=\"ivory\" width=\"33%\"",
                " ALIGN=\"center\" BGCOLOR=\"ivory\" width=\"33%\"",
                " ALIGN=\"RIGHT\" BGCOLOR=\"Ivory\"",
            )
        } else {
            ("", "", "")
        };
        let title = match (self.classic(), self.is_week()) {
            (true, false) => format!("Hello {}", esc(&user_name)),
            (true, true) => format!("Week View: {}", esc(&week_name)),
            (false, false) => String::new(),
            (false, true) => esc(&week_name),
        };
        let title_class = if self.classic() { "title" } else { "title noprint" };
        format!(
            "<tr id=\"ivoryBar\">\n<td id=\"dateAndCalendar\"{cell_attrs}>\n\
             <a class=\"redArrow\" href=\"{prev}\">&nbsp;&nbsp;<img src=\"{prev_img}\" WIDTH=\"10\" HEIGHT=\"9\" BORDER=\"0\" ALT=\"View Previous DAY\" vspace=\"2\"></a>\n\
             <b><span class=\"dateAppointment\">{label}</span></b>\n\
             <a class=\"redArrow\" href=\"{next}\"><img src=\"{next_img}\" WIDTH=\"10\" HEIGHT=\"9\" BORDER=\"0\" ALT=\"View Next DAY\" vspace=\"2\">&nbsp;&nbsp;</a>\n\
             <a id=\"calendarLink\" href=\"#\" onClick=\"{calendar}\">Calendar</a>\n\
             | <span style=\"color:#333\">View All</span>\n\
             | <a class=\"rightButton top\" href=\"{today_link}\" TITLE=\"View your daily schedule\">Today</a>\n\
             | <a href=\"{month_link}\" TITLE=\"View your monthly template\">Month</a>\n\
             </td>\n<td class=\"{title_class}\"{title_attrs}>{title}</td>\n<td id=\"group\"{group_attrs}>\n{group}</td>\n</tr>\n",
            prev = esc(&prev),
            next = esc(&next),
            prev_img = esc(&opts.up("images/previous.gif")),
            next_img = esc(&opts.up("images/next.gif")),
            label = esc(&label),
            calendar = esc(&calendar),
            today_link = esc(&today_link),
            month_link = esc(&month_link),
            group = self.group_selector(),
        )
    }

    /// `Mon, 2026-03-02` in the day view, `Week 10` in the week view.
    pub(super) fn date_label(&self) -> String {
        if self.is_week() {
            format!("Week {}", self.date.week_of_year())
        } else {
            format!("{}, {}", self.date.weekday_abbrev(), self.date)
        }
    }

    /// The calendar popup's onclick; Open-O runs its URL through the OWASP
    /// JavaScript encoder.
    fn calendar_onclick(&self, param: &str) -> String {
        let param = format!("{}{}", url_form(param), url_form(&self.week_param()));
        let (y, m) = (self.date.year, self.date.month);
        match self.opts.variant {
            Variant::Classic => format!(
                "popupPage(425,430,'../share/CalendarPopup.jsp?urlfrom=../provider/providercontrol.jsp&year={y}&month={m:02}&param={param}')"
            ),
            Variant::OpenO => {
                let url = format!(
                    "{ctx}/share/CalendarPopup.jsp?urlfrom={ctx}/provider/providercontrol.jsp&year={y}&month={m:02}&param={param}",
                    ctx = self.opts.ctx()
                );
                format!("popupPage(425,430,'{}')", owasp_for_javascript(&url))
            }
        }
    }

    /// `td#group`: the find-provider form and the group (day) or doctor (week) selector.
    fn group_selector(&self) -> String {
        let (y, m, d) = (self.date.year, self.date.month, self.date.day);
        let mut out = format!(
            "<form method=\"post\" name=\"findprovider\" onSubmit=\"findProvider({y},{m},{d});return false;\" target=\"apptReception\" action=\"receptionistfindprovider.jsp\" style=\"display:inline;margin:0px;padding:0px;padding-right:10px\">\n\
             <INPUT TYPE=\"text\" NAME=\"providername\" VALUE=\"\" size=\"10\" maxlength=\"10\" title=\"Find a Provider\" placeholder=\"Enter Lastname\">\n\
             <INPUT TYPE=\"SUBMIT\" NAME=\"Go\" VALUE=\"Go\" onClick=\"findProvider({y},{m},{d});return false;\">\n</form>\n\
             <form name=\"appointmentForm\" style=\"display:inline;margin:0px;padding:0px;\">\n"
        );
        match self.week_of {
            Some(week_provider) => {
                out.push_str("Doctor:\n<select name=\"provider_select\" onChange=\"goWeekView(this.options[this.selectedIndex].value)\">\n");
                for p in self.clinic.doctors() {
                    let selected = if p.provider_no == week_provider { " selected" } else { "" };
                    out.push_str(&format!(
                        "<option value=\"{}\"{selected}>{}</option>\n",
                        esc(&p.provider_no),
                        esc(&p.full_name())
                    ));
                }
            }
            None => {
                out.push_str("<span>Group:</span>\n<select id=\"mygroup_no\" name=\"mygroup_no\" onChange=\"changeGroup(this)\">\n<option value=\".default\" selected>.default</option>\n");
                for p in self.clinic.doctors() {
                    out.push_str(&format!(
                        "<option value=\"{}\">{}</option>\n",
                        esc(&p.provider_no),
                        esc(&p.formatted_name())
                    ));
                }
            }
        }
        out.push_str("</select>\n</form>\n");
        out
    }

    /// Classic only: the ivory bar under the grid with `a#calendarLinkBottom`
    /// and the logout link.
    pub(super) fn bottom_bar(&self) -> String {
        let (date, step) = (self.date, if self.is_week() { 7 } else { 1 });
        let day = i64::from(date.day);
        let rest = format!("&view=0&displaymode=day&dboperation=searchappointmentday{}", self.week_param());
        format!(
            "<tr><td colspan=\"3\">\n<table BORDER=\"0\" CELLPADDING=\"0\" CELLSPACING=\"0\" WIDTH=\"100%\" class=\"noprint\">\n<tr>\n\
             <td BGCOLOR=\"ivory\" width=\"60%\">\n\
             <a href=\"{prev}\">&nbsp;&nbsp;<img src=\"../images/previous.gif\" WIDTH=\"10\" HEIGHT=\"9\" BORDER=\"0\" ALT=\"View Previous DAY\" vspace=\"2\"></a>\n\
             <b><span class=\"dateAppointment\">{label}</span></b>\n\
             <a href=\"{next}\"><img src=\"../images/next.gif\" WIDTH=\"10\" HEIGHT=\"9\" BORDER=\"0\" ALT=\"View Next DAY\" vspace=\"2\">&nbsp;&nbsp;</a>\n\
             <a id=\"calendarLinkBottom\" href=\"#\" onClick=\"{calendar}\">Calendar</a></td>\n\
             <td ALIGN=\"RIGHT\" BGCOLOR=\"Ivory\">\n | <a href=\"../logout.jsp\">Log Out &nbsp;</a>\n</td>\n</tr>\n</table>\n</td></tr>\n",
            prev = esc(&self.day_link(date, day - step, &rest)),
            next = esc(&self.day_link(date, day + step, &rest)),
            label = esc(&self.date_label()),
            calendar = esc(&self.calendar_onclick("&view=0&displaymode=day&dboperation=searchappointmentday")),
        )
    }
}
