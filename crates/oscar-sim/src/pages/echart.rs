//! The e-chart (encounter window, `casemgmt/newEncounterLayout.jsp`).
//!
//! Classic: title `Encounter - LAST, FIRST SEX AGE`, a `div#encounterHeader`
//! whose `span.Header` link opens the master record and shows `LAST, FIRST`.
//! Open-O: title `Encounter`, a `<base href>`, and `div#patient-label` with
//! one `div.label` + value per item (sex, dob, age, HIN, MRP, phone, email).
//! Both define the page globals `ctx`, `demographicNo` and `providerNo`, and
//! fill the empty `div#notCPP` from `casemgmt/ChartNotes.jsp` after load, so
//! `input[name=demographicNo]` and the note textarea appear only then.

use super::html::{esc, js_str};
use super::PageOptions;
use crate::clinic::{Clinic, Patient, Variant};

/// Renders the e-chart of a patient, opened from `appointment_no` when given;
/// `None` when there is no such patient.
pub fn echart(clinic: &Clinic, opts: &PageOptions, demographic_no: u32, appointment_no: Option<u32>) -> Option<String> {
    let patient = clinic.patient(demographic_no)?;
    let echart = Echart { clinic, opts, patient, appointment_no };
    Some(echart.render())
}

struct Echart<'a> {
    clinic: &'a Clinic,
    opts: &'a PageOptions,
    patient: &'a Patient,
    appointment_no: Option<u32>,
}

impl Echart<'_> {
    fn classic(&self) -> bool {
        self.opts.variant == Variant::Classic
    }

    fn age(&self) -> String {
        format!("{} years", self.patient.age_on(self.clinic.today))
    }

    fn render(&self) -> String {
        let opts = self.opts;
        let p = self.patient;
        let (base, title) = if self.classic() {
            (String::new(), format!("Encounter - {} {} {}", p.echart_name(), p.sex, self.age()))
        } else {
            // Real Open-O writes scheme://host:port/ctx/; the renderer does not
            // know the host, and a path-absolute base resolves the same way.
            (format!("<base href=\"{}/\">\n", esc(opts.ctx())), "Encounter".to_owned())
        };
        format!(
            "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\">\n<html lang=\"en\">\n<head>\n{base}\
             <meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">\n\
             <title>{title}</title>\n\
             <link rel=\"stylesheet\" href=\"{css}\" type=\"text/css\">\n\
             <script type=\"text/javascript\" src=\"{jquery}\"></script>\n\
             <script type=\"text/javascript\" src=\"{prototype}\"></script>\n\
             <script type=\"text/javascript\" src=\"{oscar_js}\"></script>\n\
             <script type=\"text/javascript\">\n\
             \x20   var ctx = '{ctx}';\n\
             \x20   var demographicNo = '{demographic_no}';\n\
             \x20   var providerNo = '{provider_no}';\n\
             \x20   var caseNote = '';\n{ECHART_JS}</script>\n</head>\n\
             <body id=\"body\" style=\"margin:0px;\">\n\
             <div id=\"header\">\n{header}</div>\n\
             <div id=\"rightNavBar\" style=\"float:right; width:20%;\">\n{right}</div>\n\
             <div id=\"leftNavBar\" style=\"float:left; width:20%;\">\n{left}</div>\n\
             <div id=\"content\" style=\"float:left; width:60%;\">\n{cpp}\
             <div id=\"notCPP\" style=\"height:70%; overflow:auto;\"></div>\n</div>\n\
             <div id=\"showEditNote\" class=\"float\" style=\"display:none;\"></div>\n\
             <div id=\"printOps\" class=\"printOps\" style=\"display:none;\"></div>\n\
             <script type=\"text/javascript\">loadChartNotes();</script>\n\
             </body>\n</html>\n",
            title = esc(&title),
            css = esc(&opts.abs("css/encounter.css")),
            jquery = esc(&opts.abs("js/jquery.js")),
            prototype = esc(&opts.abs("share/javascript/prototype.js")),
            oscar_js = esc(&opts.abs("share/javascript/Oscar.js")),
            ctx = js_str(opts.ctx()),
            demographic_no = p.demographic_no,
            provider_no = js_str(&opts.logged_in_provider),
            header = if self.classic() { self.classic_header() } else { self.open_o_header() },
            right = self.right_nav(),
            left = self.left_nav(),
            cpp = self.cpp_boxes(),
        )
    }

    /// Classic `newEncounterHeader.jsp`: MRP, the master-record link with
    /// `LAST, FIRST`, then `SEX AGE` and the phone as bare text.
    fn classic_header(&self) -> String {
        let p = self.patient;
        let d = p.demographic_no;
        let mrp = self.clinic.mrp_of(d).map(|m| m.full_name()).unwrap_or_default();
        let appointment = self.appointment_no.map(|n| format!("&appointment={n}")).unwrap_or_default();
        let master = format!(
            "popupPage(700,1000,'Master{d}','{}?demographic_no={d}&displaymode=edit&dboperation=search_detail{appointment}'); return false;",
            js_str(&self.opts.abs("demographic/demographiccontrol.jsp"))
        );
        let history = format!(
            "javascript:popupPage(400,850,'ApptHist','{}?demographic_no={d}&last_name={}&first_name={}&orderby=appointment_date&displaymode=appt_history&dboperation=appt_history&limit1=0&limit2=25')",
            js_str(&self.opts.abs("demographic/demographiccontrol.jsp")),
            js_str(&p.last_name),
            js_str(&p.first_name),
        );
        let next = self.clinic.next_appointment(d).map(|a| a.date.to_string()).unwrap_or_default();
        format!(
            "<div style=\"float:left; width: 80%; padding-left:2px; text-align:left; font-size: 12px; color:#333333; background-color:#CCCCFF\" id=\"encounterHeader\">\n\
             <span style=\"border-bottom: medium solid #CCCCFF\">MRP:&nbsp;&nbsp;\n{mrp}  </span>\n\
             <span class=\"Header\" style=\"color:#333333; background-color:#CCCCFF\">\n\
             <a href=\"#\" onClick=\"{master}\" title=\"Master File\">{name}</a> {sex} {age}\n\
             &nbsp;&nbsp;{phone}\n\
             <span id=\"encounterHeaderExt\"></span>\n\
             <a href=\"{history}\" style=\"font-size: 11px;text-decoration:none;\" title=\"Next Appointment\"><span style=\"margin-left:20px;\">Next Appt: {next}</span></a>\n\
             &nbsp;&nbsp;\n<a id=\"quickChart\" href=\"#\" onclick=\"return viewFullChart(true);\">Full Chart</a>\n\
             </span>\n</div>\n\
             <div style=\"float:right; text-align:right; font-size:12px;\">\n\
             <span class=\"HelpAboutLogout\"><a href=\"javascript:void(0)\" onclick=\"popupPage(600,750,'Help','https://oscargalaxy.org/knowledge-base/')\">Help</a> | <a href=\"javascript:void(0)\">About</a></span>\n</div>\n",
            mrp = esc(&mrp),
            master = esc(&master),
            name = esc(&p.echart_name()),
            sex = esc(&p.sex),
            age = esc(&self.age()),
            phone = esc(&p.phone),
            history = esc(&history),
            next = esc(&next),
        )
    }

    /// Open-O's header: `div#header-top-row` > `div#left-column` >
    /// `div#patient-label` (`Demographic.getStandardIdentificationHTML`).
    fn open_o_header(&self) -> String {
        let p = self.patient;
        let ctx = self.opts.ctx();
        let d = p.demographic_no;
        let mrp = self.clinic.mrp_of(d).map_or_else(|| "Unknown".to_owned(), |m| m.formatted_name());
        let user = self
            .clinic
            .provider(&self.opts.logged_in_provider)
            .map_or_else(|| self.opts.logged_in_provider.clone(), |u| u.full_name());
        let next = self.clinic.next_appointment(d).map_or_else(|| "Unknown".to_owned(), |a| a.date.to_string());
        let item = |id: &str, label: &str, value: &str| {
            format!("<div id='{id}'><div class='label'>{label}</div>{}</div>", esc(value))
        };
        let mut label = format!(
            "<div id='patient-label'><div id='patient-full-name'><h1><a href='{}' target='_blank'>{}</a></h1></div>",
            esc(&format!("{ctx}/demographic/demographiccontrol.jsp?demographic_no={d}&displaymode=edit&dboperation=search_detail")),
            esc(&p.echart_name()),
        );
        label.push_str(&item("patient-sex", "sex", &p.sex));
        label.push_str(&item("patient-dob", "dob", &p.dob.to_string()));
        label.push_str(&item("patient-age", "age", &self.age()));
        if !p.hin.is_empty() {
            label.push_str(&format!(
                "<div id='patient-hin'><div class='label'>hin ({})</div>{}&nbsp;{}</div>",
                esc(&p.hc_type),
                esc(&p.hin),
                esc(&p.hin_version)
            ));
        }
        label.push_str(&item("patient-mrp", "MRP", &mrp));
        if !p.phone.is_empty() {
            label.push_str(&format!(
                "<div id='patient-phone' title='' ><div class='label'>phone</div>{}</div>",
                esc(&p.phone)
            ));
        }
        if !p.cell_phone.is_empty() {
            label.push_str(&format!(
                "<div id='patient-cell-phone' title='' ><div class='label'>cell</div>{}</div>",
                esc(&p.cell_phone)
            ));
        }
        if !p.email.is_empty() {
            label.push_str(&item("patient-email", "email", &p.email));
        }
        label.push_str(&format!(
            "<div id='patient-next-appointment'><div class='label'><a href=\"{}\" title='View Appointment History' target='_blank'>Next Appt.</a></div>{}</div>",
            esc(&format!(
                "{ctx}/demographic/demographiccontrol.jsp?demographic_no={d}&displaymode=appt_history&dboperation=appt_history&limit1=0&limit2=25"
            )),
            esc(&next),
        ));
        label.push_str("</div>");
        format!(
            "<div id=\"header-top-row\">\n<div id=\"left-column\">\n\
             <div id=\"branding-logo\"><img alt=\"OSCAR EMR\" src=\"{logo}\" width=\"19px\"></div>\n{label}\n</div>\n\
             <div id=\"right-column\">\n<div id=\"userSettings\">{user}</div>\n</div>\n</div>\n\
             <div id=\"header-bottom-row\">\n<a id=\"quickChart\" href=\"#\" onclick=\"return viewFullChart(true);\">Full Chart</a>\n</div>\n",
            logo = esc(&self.opts.abs("images/oscar_logo_small.png")),
            user = esc(&user),
        )
    }

    /// `div#leftNavBar`: the chart's module list.
    fn left_nav(&self) -> String {
        const MODULES: [&str; 9] = [
            "Preventions",
            "Tickler",
            "Disease Registry",
            "Forms",
            "eForms",
            "Documents",
            "Lab Result",
            "Messenger",
            "Consultations",
        ];
        MODULES
            .iter()
            .map(|m| format!("<div class=\"leftBox\"><h3><a href=\"#\" onclick=\"return false;\">{m}</a></h3></div>\n"))
            .collect()
    }

    /// `div#rightNavBar`: allergies and medications (synthetic).
    fn right_nav(&self) -> String {
        let n = self.patient.demographic_no as usize;
        const ALLERGIES: [&str; 4] = ["NKDA", "Penicillin", "Sulfa drugs", "Peanuts"];
        const MEDS: [&str; 5] = [
            "Ramipril 5 mg daily",
            "Metformin 500 mg BID",
            "Atorvastatin 20 mg daily",
            "Salbutamol inhaler PRN",
            "None",
        ];
        format!(
            "<div class=\"leftBox\"><h3>Allergies</h3><ul><li>{}</li></ul></div>\n\
             <div class=\"leftBox\"><h3>Medications</h3><ul><li>{}</li></ul></div>\n\
             <div class=\"leftBox\"><h3>Risk Factors</h3><ul></ul></div>\n\
             <div class=\"leftBox\"><h3>Family History</h3><ul></ul></div>\n",
            ALLERGIES[n % ALLERGIES.len()],
            MEDS[n % MEDS.len()],
        )
    }

    /// `div#cppBoxes`: social history, medical history, ongoing concerns, reminders.
    fn cpp_boxes(&self) -> String {
        let n = self.patient.demographic_no as usize;
        const SOCIAL: [&str; 3] =
            ["Non-smoker. Works as a teacher.", "Retired. Lives with spouse.", "Student. Occasional alcohol."];
        const MEDICAL: [&str; 3] = ["Hypertension", "Type 2 diabetes", "Asthma"];
        const CONCERNS: [&str; 3] = ["Weight management", "Low back pain", "Sleep"];
        let boxes = [
            ("divR1I1", "Social History", SOCIAL[n % 3]),
            ("divR1I2", "Medical History", MEDICAL[n % 3]),
            ("divR2I1", "Ongoing Concerns", CONCERNS[n % 3]),
            ("divR2I2", "Reminders", "Flu shot due in the fall"),
        ];
        let boxes: String = boxes
            .iter()
            .map(|(id, title, text)| {
                format!("<div id=\"{id}\" class=\"topBox\"><h3>{title}</h3><ul><li>{}</li></ul></div>\n", esc(text))
            })
            .collect();
        format!("<div id=\"cppBoxes\">\n{boxes}</div>\n")
    }
}

/// The page functions the notes rely on: `popupPage` (the e-chart's
/// four-argument form), `pasteToEncounterNote` (what Oscar's messenger calls
/// to write into the open note) and the loader of `div#notCPP`.
const ECHART_JS: &str = r#"    function popupPage(vheight, vwidth, name, varpage) {
        var windowprops = "height=" + vheight + ",width=" + vwidth + ",location=no,scrollbars=yes,menubars=no,toolbars=no,resizable=yes,screenX=0,screenY=0,top=0,left=0";
        var popup = window.open(varpage, name, windowprops);
        if (popup != null) { popup.focus(); }
    }
    function viewFullChart(full) { return false; }
    function pasteToEncounterNote(txt) {
        var area = document.getElementById(caseNote);
        if (!area) { return; }
        area.value = area.value ? area.value + "\n" + txt : txt;
        area.dispatchEvent(new Event('change', { bubbles: true }));
    }
    function loadChartNotes() {
        var url = ctx + '/casemgmt/ChartNotes.jsp?demographicNo=' + encodeURIComponent(demographicNo) + '&providerNo=' + encodeURIComponent(providerNo);
        fetch(url, { credentials: 'same-origin' })
            .then(function (response) { return response.text(); })
            .then(function (html) {
                document.getElementById('notCPP').innerHTML = html;
                var area = document.querySelector('textarea[name=caseNote_note]');
                if (area) { caseNote = area.id; }
            });
    }
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;

    fn clinic() -> Clinic {
        Clinic::demo(Date::new(2026, 3, 2))
    }

    #[test]
    fn unknown_patient_has_no_echart() {
        assert_eq!(echart(&clinic(), &PageOptions::default(), 999, None), None);
    }

    #[test]
    fn classic_echart_shows_stored_name_sex_age_in_title_and_header() {
        let html = echart(&clinic(), &PageOptions::default(), 1001, Some(5001)).unwrap();
        assert!(html.contains("<title>Encounter - BERGSTROM, ELIN F 41 years</title>"), "{html}");
        assert!(html.contains("id=\"encounterHeader\""));
        assert!(html.contains(
            "popupPage(700,1000,&#39;Master1001&#39;,&#39;/oscar/demographic/demographiccontrol.jsp?demographic_no=1001&amp;displaymode=edit&amp;dboperation=search_detail&amp;appointment=5001&#39;)"
        ));
        assert!(html.contains("title=\"Master File\">BERGSTROM, ELIN</a> F 41 years"));
        assert!(html.contains("<span id=\"encounterHeaderExt\"></span>"));
        assert!(html.contains("var demographicNo = '1001';"));
        assert!(html.contains("<div id=\"notCPP\" style=\"height:70%; overflow:auto;\"></div>"));
        assert!(!html.contains("name=\"demographicNo\""), "the form only comes with ChartNotes.jsp");
        assert!(!html.contains("<base"));
    }

    #[test]
    fn open_o_echart_has_patient_label_items_and_base() {
        let opts = PageOptions { context_path: "/oscar_15".into(), ..PageOptions::new(Variant::OpenO) };
        let html = echart(&clinic(), &opts, 1002, None).unwrap();
        let p = clinic().patient(1002).unwrap().clone();
        assert!(html.contains("<title>Encounter</title>"));
        assert!(html.contains("<base href=\"/oscar_15/\">"));
        assert!(html.contains(
            "<div id='patient-full-name'><h1><a href='/oscar_15/demographic/demographiccontrol.jsp?demographic_no=1002&amp;displaymode=edit&amp;dboperation=search_detail' target='_blank'>OKONKWO, DAVID</a></h1></div>"
        ));
        assert!(html.contains("<div id='patient-dob'><div class='label'>dob</div>1971-11-23</div>"));
        assert!(html.contains(&format!(
            "<div id='patient-hin'><div class='label'>hin (ON)</div>{}&nbsp;{}</div>",
            p.hin, p.hin_version
        )));
        assert!(html.contains("<div id='patient-mrp'><div class='label'>MRP</div>Marchetti, Helen</div>"));
        assert!(html.contains(&format!("<div id='patient-email'><div class='label'>email</div>{}</div>", p.email)));
        assert!(!html.contains("encounterHeader"));
    }
}
