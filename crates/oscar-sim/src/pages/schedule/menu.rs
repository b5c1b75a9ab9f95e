//! The schedule's top menu, `table#firstTable` with the `ul#navlist` tabs.
//!
//! The signed-in provider shows only in these links: the "Pref" tab's
//! `providerpreference.jsp?provider_no=` (both variants) and, in classic only,
//! the Inbox tab around `span#oscar_new_lab` (`providerNo=` in its onclick).
//! Open-O's `a#inboxLink` carries no URL; a script wires it up from
//! `input#contextPath`.

use super::Page;
use crate::pages::html::{esc, url_form};

/// Renders `table#firstTable` (and Open-O's hidden inputs before it).
pub(super) fn top_menu(page: &Page<'_>) -> String {
    if page.classic() {
        classic(page)
    } else {
        open_o(page)
    }
}

fn classic(page: &Page<'_>) -> String {
    let opts = page.opts;
    let u = &page.user.no;
    let user_name = url_form(&format!("{} {}", page.user.first, page.user.last));
    let today = page.clinic.today;
    let tabs = [
        "<li>\n<a href=\"#\" onClick=\"review('0')\" title=\"View Provider Availability\">Schedule</a>\n</li>".to_owned(),
        format!(
            "<li>\n<a href=\"{}\">Caseload</a>\n</li>",
            esc(&format!(
                "providercontrol.jsp?year={}&month={}&day={}&view=0&displaymode=day&dboperation=searchappointmentday&caseload=1&clProv={u}",
                today.year, today.month, today.day
            ))
        ),
        "<li id=\"search\">\n<a HREF=\"#\" ONCLICK=\"popupPage2('../demographic/search.jsp');return false;\" TITLE=\"Search for patient records\">Search</a>\n</li>".to_owned(),
        "<li>\n<a HREF=\"#\" ONCLICK=\"popupPage2('../report/reportindex.jsp','reportPage');return false;\" TITLE=\"Generate a report\">Report</a>\n</li>".to_owned(),
        format!(
            "<li>\n<a HREF=\"#\" ONCLICK=\"{}\" TITLE=\"Generate a billing report\">Billing</a>\n</li>",
            esc(&format!("popupPage2('../billing/CA/ON/billingReportCenter.jsp?displaymode=billreport&providerview={u}');return false;"))
        ),
        format!(
            "<li>\n<a HREF=\"#\" ONCLICK=\"{}\" TITLE=\"View lab reports\">\n<span id=\"oscar_new_lab\">Inbox</span>\n</a>\n</li>",
            esc(&format!("popupInboxManager('../dms/inboxManage.do?method=prepareForIndexPage&providerNo={u}', 'Lab');return false;"))
        ),
        format!(
            "<li>\n<a HREF=\"#\" ONCLICK=\"{}\" title=\"Messenger\">\n<span id=\"oscar_new_msg\">Msg</span></a>\n</li>",
            esc(&format!("popupOscarRx(600,1024,'../oscarMessenger/DisplayMessages.do?providerNo={u}&userName={user_name}')"))
        ),
        format!(
            "<li id=\"con\">\n<a HREF=\"#\" ONCLICK=\"{}\" title=\"View Consultation Requests\">\n<span id=\"oscar_aged_consults\">Consultations</span></a>\n</li>",
            esc(&format!("popupOscarRx(625,1024,'../oscarEncounter/IncomingConsultation.do?providerNo={u}&userName={user_name}')"))
        ),
        format!(
            "<li>\n<a href=\"#\" onClick=\"{}\" TITLE=\"Set your preferences\">Preferences</a>\n</li>",
            esc(&format!(
                "popupPage(715,680,'providerpreference.jsp?provider_no={u}&start_hour=8&end_hour=18&every_min=15&mygroup_no=.default');return false;"
            ))
        ),
        format!(
            "<li>\n<a HREF=\"#\" onclick=\"{}\" TITLE=\"View eDocuments\">eDoc</a>\n</li>",
            esc(&format!("popup('700', '1024', '../dms/documentReport.jsp?function=provider&functionid={u}&curUser={u}', 'edocView');"))
        ),
        "<li>\n<a HREF=\"#\" ONCLICK=\"popupPage2('../tickler/ticklerMain.jsp','Tickler');return false;\" TITLE=\"Tickler\">\n<span id=\"oscar_new_tickler\">Tickler</span></a>\n</li>".to_owned(),
        format!(
            "<li id=\"admin2\">\n<a href=\"javascript:void(0)\" id=\"admin-panel\" TITLE=\"Administration Panel\" onclick=\"{}\">Administration</a>\n</li>",
            esc(&format!("newWindow('{}','admin')", opts.abs("administration/")))
        ),
    ];
    format!(
        "<table BORDER=\"0\" CELLPADDING=\"0\" CELLSPACING=\"0\" WIDTH=\"100%\" id=\"firstTable\" class=\"noprint\">\n<tr>\n\
         <td align=\"center\">\n<a href=\"../web/\" title=\"OSCAR EMR\"><img src=\"{logo}\" border=\"0\" alt=\"OSCAR\"></a>\n</td>\n\
         <td id=\"firstMenu\">\n<ul id=\"navlist\">\n{tabs}\n</ul>\n</td>\n\
         <td align=\"right\" valign=\"bottom\">\n\
         <a href=\"javascript: function myFunction() {{return false; }}\" onClick=\"popup(700,1024,'../scratch/index.jsp','scratch')\"><span id=\"oscar_scratch\"></span></a>&nbsp;\n\
         <a href=\"javascript:void(0)\" onClick=\"popupPage(600,750,'https://oscargalaxy.org/knowledge-base/')\">Help</a>\n\
         | <a href=\"../logout.jsp\">Log Out&nbsp;</a>\n</td>\n</tr>\n</table>\n",
        logo = esc(&opts.abs("images/oscar_small.png")),
        tabs = tabs.join("\n"),
    )
}

fn open_o(page: &Page<'_>) -> String {
    let opts = page.opts;
    let ctx = opts.ctx();
    let u = &page.user.no;
    let today = page.clinic.today;
    let user_name = format!("{} {}", page.user.first, page.user.last);
    let tabs = [
        "<li>\n<a href=\"#\" onClick=\"review('0')\" title=\"View Provider Availability\">Schedule</a>\n</li>".to_owned(),
        format!(
            "<li>\n<a href=\"{}\">Caseload</a>\n</li>",
            esc(&format!(
                "providercontrol.jsp?year={}&month={}&day={}&view=0&displaymode=day&dboperation=searchappointmentday&caseload=1&clProv={u}",
                today.year, today.month, today.day
            ))
        ),
        format!(
            "<li id=\"search\">\n<a HREF=\"#\" ONCLICK=\"{}\" TITLE=\"Search for patient records\">Search</a>\n</li>",
            esc(&format!("popupPage2('{ctx}/demographic/search.jsp');return false;"))
        ),
        format!(
            "<li>\n<a HREF=\"#\" ONCLICK=\"{}\" TITLE=\"Generate a report\">Report</a>\n</li>",
            esc(&format!("popupPage2('{ctx}/report/reportindex.jsp','reportPage');return false;"))
        ),
        format!(
            "<li>\n<a HREF=\"#\" ONCLICK=\"{}\" TITLE=\"Generate a billing report\">Billing</a>\n</li>",
            esc(&format!("popupPage2('{ctx}/billing/CA/ON/billingReportCenter.jsp?displaymode=billreport&providerview={u}');return false;"))
        ),
        "<li>\n<a HREF=\"#\" id=\"inboxLink\">\n<span id=\"oscar_new_lab\">Inbox</span>\n</a>\n</li>".to_owned(),
        format!(
            "<li>\n<a HREF=\"#\" ONCLICK=\"{}\" title=\"Messenger\">\n<span id=\"oscar_new_msg\">Msg</span></a>\n</li>",
            esc(&format!(
                "popupOscarRx(600,1024,'{ctx}/messenger/DisplayMessages.do?providerNo={u}&userName={}')",
                url_form(&user_name)
            ))
        ),
        format!(
            "<li id=\"con\">\n<a HREF=\"#\" ONCLICK=\"{}\" title=\"View Consultation Requests\">\n<span id=\"oscar_aged_consults\">Consultations</span></a>\n</li>",
            esc(&format!(
                "popupOscarRx(625,1024,'{ctx}/oscarEncounter/IncomingConsultation.do?providerNo={u}&userName={}')",
                url_form(&user_name)
            ))
        ),
        format!(
            "<li id=\"econ\">\n<a href=\"#\" onclick=\"{}\" title=\"eConsult\">\n<span>eConsult</span></a>\n</li>",
            esc(&format!("popupOscarRx(625, 1024, '{ctx}/oscarEncounter/econsult.do')"))
        ),
        format!(
            "<li>\n<a HREF=\"#\" ONCLICK=\"{}\" TITLE=\"Tickler\">\n<span id=\"oscar_new_tickler\">Tickler</span></a>\n</li>",
            esc(&format!("popupPage2('{ctx}/tickler/ticklerMain.jsp','Tickler');return false;"))
        ),
        format!(
            "<li id=\"admin2\">\n<a href=\"javascript:void(0)\" id=\"admin-panel\" TITLE=\"Administration Panel\" onclick=\"{}\">Administration</a>\n</li>",
            esc(&format!("newWindow('{ctx}/administration/','admin')"))
        ),
        "<li id=\"helpLink\">\n<a href=\"javascript:void(0)\" onClick=\"popupPage(600,750,'https://openosp.ca/')\">Help</a>\n</li>".to_owned(),
    ];
    format!(
        "<input type=\"hidden\" value=\"false\" id=\"hideReason\"/>\n<input type=\"hidden\" value=\"{ctx_attr}\" id=\"contextPath\" />\n\
         <table id=\"firstTable\" class=\"noprint\">\n<tr>\n<td id=\"firstMenu\">\n\
         <div class=\"icon-container\">\n<img alt=\"OSCAR EMR\" src=\"{logo}\" width=\"19px\">\n</div>\n\
         <ul id=\"navlist\">\n{tabs}\n</ul>\n</td>\n\
         <td id=\"userSettings\">\n<ul id=\"userSettingsMenu\" style=\"display: flex; gap:5px;\">\n\
         <li>\n<a title=\"Scratch Pad\" href=\"javascript: function myFunction() {{return false; }}\" onClick=\"{scratch}\"><span class=\"glyphicon\">&#9776;</span></a>\n</li>\n\
         <li>\n<a href=\"javascript:void(0)\" style=\"display: flex; align-items: flex-end;\" onClick=\"{pref}\" title=\"Set your preferences\">\n\
         <span class=\"glyphicon\">&#9787;</span>\n<div>{user_name}</div>\n</a>\n</li>\n</ul>\n\
         <div>\n<a id=\"logoutButton\" title=\"Log Out\" href=\"{logout}\"><span class=\"glyphicon glyphicon-off\">&#9211;</span></a>\n</div>\n</td>\n\
         </tr>\n</table>\n\
         <script>\ndocument.getElementById('inboxLink').addEventListener('click', function (e) {{\n\
         \x20 e.preventDefault();\n\
         \x20 popupInboxManager(document.getElementById('contextPath').value + '/documentManager/inboxManage.do?method=prepareForIndexPage');\n}});\n</script>\n",
        ctx_attr = esc(ctx),
        logo = esc(&opts.abs("images/oscar_logo_small.png")),
        tabs = tabs.join("\n"),
        scratch = esc(&format!("popup(700,1024,'{ctx}/scratch/index.jsp','scratch')")),
        pref = esc(&format!("popupPage(715,680,'providerpreference.jsp?provider_no={u}')")),
        user_name = esc(&user_name),
        logout = esc(&opts.abs("logout.jsp")),
    )
}
