//! Oscar pages the plug-in does not work on, served so that tests can check
//! nothing is injected there: the master record, the login page, a plain
//! non-Oscar page and error pages.

use super::html::esc;
use super::PageOptions;
use crate::clinic::Clinic;

/// A simplified `demographiccontrol.jsp?…&dboperation=search_detail`
/// (`demographiceditdemographic.jsp`): the read-only view as
/// `span.label` + `span.info` pairs, then the hidden edit form. `None` when
/// there is no such patient.
pub fn master_record(clinic: &Clinic, opts: &PageOptions, demographic_no: u32) -> Option<String> {
    let p = clinic.patient(demographic_no)?;
    let age = p.age_on(clinic.today);
    let mrp = clinic.mrp_of(demographic_no).map(|m| m.formatted_name()).unwrap_or_default();
    let items = [
        ("Last Name", p.last_name.clone()),
        ("First Name", p.first_name.clone()),
        ("Sex", p.sex.clone()),
        ("Age", format!("{age} (DOB: {})", p.dob)),
        ("Health Ins. #", format!("{}  {}", p.hin, p.hin_version)),
        ("HC Type", p.hc_type.clone()),
        ("Phone(H)", p.phone.clone()),
        ("Cell Phone", p.cell_phone.clone()),
        ("Email", p.email.clone()),
        ("Doctor", mrp),
    ];
    let items: String = items
        .iter()
        .map(|(label, info)| {
            format!("<li><span class=\"label\">{}:</span><span class=\"info\">{}</span></li>\n", esc(label), esc(info))
        })
        .collect();
    let hidden = [
        ("demographic_no", p.demographic_no.to_string()),
        ("last_name", p.last_name.clone()),
        ("first_name", p.first_name.clone()),
        ("year_of_birth", p.dob.year.to_string()),
        ("month_of_birth", format!("{:02}", p.dob.month)),
        ("date_of_birth", format!("{:02}", p.dob.day)),
        ("sex", p.sex.clone()),
        ("hin", p.hin.clone()),
        ("ver", p.hin_version.clone()),
        ("hc_type", p.hc_type.clone()),
        ("email", p.email.clone()),
        ("phone", p.phone.clone()),
        ("demo_cell", p.cell_phone.clone()),
    ];
    let inputs: String = hidden
        .iter()
        .map(|(name, value)| {
            let id = if *name == "hin" { " id=\"hinBox\"" } else { "" };
            format!("<input type=\"text\" name=\"{name}\"{id} value=\"{}\">\n", esc(value))
        })
        .collect();
    Some(format!(
        "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\">\n<html lang=\"en\">\n<head>\n\
         <title>PATIENT DETAIL INFO</title>\n<script type=\"text/javascript\" src=\"{jquery}\"></script>\n</head>\n\
         <body>\n<table class=\"MainTable\" id=\"scrollNumber1\">\n<tr class=\"MainTableTopRow\"><td class=\"MainTableTopRowLeftColumn\">Master Record</td>\n\
         <td class=\"MainTableTopRowRightColumn\">{name}</td></tr>\n<tr><td colspan=\"2\">\n\
         <div class=\"demographicSection\" id=\"demographic\">\n<h3>&nbsp;Demographic</h3>\n<ul>\n{items}</ul>\n</div>\n\
         <form method=\"post\" name=\"updatedelete\" id=\"updatedelete\" action=\"{action}\" style=\"display:none\">\n{inputs}</form>\n\
         </td></tr>\n</table>\n</body>\n</html>\n",
        jquery = esc(&opts.abs("js/jquery.js")),
        name = esc(&p.echart_name()),
        action = esc(&opts.abs("demographic/demographiccontrol.jsp")),
    ))
}

/// Oscar's login page (`index.jsp`): a form posting `username`, `password`
/// and `pin` to `<ctx>/login.do`, with an optional error message.
pub fn login_page(opts: &PageOptions, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<div class=\"login-error\" style=\"color:#b00;\">{}</div>\n", esc(e)))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"UTF-8\">\n<title>OSCAR EMR Login</title>\n\
         <style>body{{font-family:Arial,sans-serif;background:#f4f6f9}} .box{{width:320px;margin:80px auto;padding:24px;background:#fff;border:1px solid #ccd}} label{{display:block;margin-top:10px}} input{{width:100%}}</style>\n\
         </head>\n<body>\n<div class=\"box\">\n<h2>OSCAR EMR</h2>\n{error}\
         <form name=\"loginForm\" method=\"post\" action=\"{action}\">\n\
         <label for=\"username\">Username</label><input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"off\">\n\
         <label for=\"password\">Password</label><input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"off\">\n\
         <label for=\"pin\">2nd Level Passcode</label><input type=\"password\" id=\"pin\" name=\"pin\" autocomplete=\"off\">\n\
         <p><input type=\"submit\" value=\"Sign in\" name=\"submit\"></p>\n</form>\n\
         <p style=\"font-size:11px;color:#666\">Simulator: username is a provider number (e.g. 100001), password <code>oscar-sim</code>, passcode <code>1117</code>.</p>\n\
         </div>\n</body>\n</html>\n",
        action = esc(&opts.abs("login.do")),
    )
}

/// A page that is not Oscar at all (no Oscar scripts, no Oscar ids).
pub fn not_oscar_page() -> String {
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"UTF-8\">\n<title>Not Oscar</title>\n</head>\n<body>\n\
     <h1>An ordinary web page</h1>\n<p>This page is not part of Oscar. The plug-in must leave it alone.</p>\n\
</body>\n</html>\n"
        .to_owned()
}

/// A plain error page with a title and a message, like Tomcat's.
pub fn error_page(status: u16, message: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"UTF-8\">\n<title>HTTP Status {status}</title>\n</head>\n<body>\n\
         <h1>HTTP Status {status}</h1>\n<p>{}</p>\n</body>\n</html>\n",
        esc(message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;

    #[test]
    fn master_record_lists_label_info_pairs() {
        let clinic = Clinic::demo(Date::new(2026, 3, 2));
        let html = master_record(&clinic, &PageOptions::default(), 1004).unwrap();
        assert!(html.contains("<span class=\"label\">Last Name:</span><span class=\"info\">O&#39;REILLY</span>"));
        assert!(html.contains("<span class=\"label\">Age:</span><span class=\"info\">67 (DOB: 1958-08-30)</span>"));
        assert!(html.contains("id=\"hinBox\""));
        assert_eq!(master_record(&clinic, &PageOptions::default(), 1), None);
    }

    #[test]
    fn login_page_posts_to_login_do_and_escapes_the_error() {
        let html = login_page(&PageOptions::default(), Some("<bad>"));
        assert!(html.contains("action=\"/oscar/login.do\""));
        assert!(html.contains("name=\"pin\""));
        assert!(html.contains("&lt;bad&gt;"));
    }
}
