//! `casemgmt/ChartNotes.jsp`: the HTML fragment the e-chart loads into
//! `div#notCPP`. It holds the note list `div#encMainDiv` inside
//! `form[name=caseManagementEntryForm]` (with the hidden `demographicNo`
//! input) and the new note's `textarea.txtArea[name=caseNote_note]`, whose id
//! is `caseNote_note<noteId>`.
//!
//! Notes saved through the REST API are listed after the synthetic ones
//! (see [`chart_notes_with`]).

use super::html::esc;
use super::PageOptions;
use crate::clinic::Clinic;
use crate::date::Date;

/// Synthetic past notes: (days before today, text).
const NOTES: [(i32, &str); 4] = [
    (42, "Seen for follow-up. Feeling well. BP 128/82. Continue current management. RTC 6 weeks."),
    (90, "Annual review. Labs ordered: CBC, lipids, A1C. Discussed diet and exercise."),
    (21, "Telephone call: results reviewed with patient, all within normal limits."),
    (150, "Presented with sore throat x 3 days. No fever. Supportive care advised."),
];

/// A note saved outside the seed (through the REST API), as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtraNote {
    /// `casemgmt_note.note_id`.
    pub note_id: u64,
    /// The observation date.
    pub date: Date,
    /// `Last, First` of the author.
    pub author: String,
    /// The text.
    pub text: String,
    /// Signed notes show "Signed on …", others "Unsigned".
    pub signed: bool,
}

/// Renders the chart-notes fragment for a patient; `None` when there is no
/// such patient.
pub fn chart_notes(clinic: &Clinic, opts: &PageOptions, demographic_no: u32) -> Option<String> {
    chart_notes_with(clinic, opts, demographic_no, &[])
}

/// [`chart_notes`] with saved notes listed after the seeded ones.
pub fn chart_notes_with(
    clinic: &Clinic,
    opts: &PageOptions,
    demographic_no: u32,
    extra: &[ExtraNote],
) -> Option<String> {
    let patient = clinic.patient(demographic_no)?;
    let d = patient.demographic_no;
    let author = clinic.mrp_of(d).map(|m| m.formatted_name()).unwrap_or_default();
    // Deterministic note ids, unique per patient, like database ids.
    let first_note_id = d * 10;
    let notes: String = (0..2)
        .map(|i| {
            let (days_ago, text) = NOTES[(d as usize + i) % NOTES.len()];
            let note_id = first_note_id + i as u32 + 1;
            let date = clinic.today.add_days(-days_ago - i as i32);
            format!(
                "<div id=\"nc{note_id}\" class=\"note\">\n\
                 <div id=\"n{note_id}\" class=\"noteContent\">\n<span id=\"txt{note_id}\">[{date} .: {author}]<br>{}</span>\n</div>\n\
                 <div class=\"sig\" id=\"sig{note_id}\">Signed on {date} by {author}</div>\n</div>\n",
                esc(text),
                author = esc(&author),
            )
        })
        .collect();
    let extra: String = extra
        .iter()
        .map(|n| {
            let sig = if n.signed { format!("Signed on {} by {}", n.date, esc(&n.author)) } else { "Unsigned".to_owned() };
            format!(
                "<div id=\"nc{id}\" class=\"note\">\n\
                 <div id=\"n{id}\" class=\"noteContent\">\n<span id=\"txt{id}\">[{date} .: {author}]<br>{text}</span>\n</div>\n\
                 <div class=\"sig\" id=\"sig{id}\">{sig}</div>\n</div>\n",
                id = n.note_id,
                date = n.date,
                author = esc(&n.author),
                text = esc(&n.text).replace('\n', "<br>"),
            )
        })
        .collect();
    let notes = notes + &extra;
    let new_note_id = first_note_id + 9;
    Some(format!(
        "<form name=\"caseManagementEntryForm\" id=\"caseManagementEntryForm\" action=\"{action}\" method=\"post\">\n\
         <input type=\"hidden\" name=\"demographicNo\" value=\"{d}\">\n\
         <input type=\"hidden\" name=\"providerNo\" value=\"{provider}\">\n\
         <input type=\"hidden\" name=\"method\" value=\"save\">\n\
         <input type=\"hidden\" id=\"serverDate\" value=\"{today}\">\n\
         <div id=\"encMainDiv\" style=\"height:100%; overflow:auto;\">\n{notes}\
         <div id=\"nc{new_note_id}\" class=\"newNote\">\n\
         <textarea tabindex=\"7\" cols=\"84\" rows=\"10\" class=\"txtArea\" style=\"line-height:1.1em;\" wrap=\"soft\" name=\"caseNote_note\" id=\"caseNote_note{new_note_id}\"></textarea>\n\
         <div class=\"sig\" id=\"sig{new_note_id}\">[{today} .: {user}]</div>\n</div>\n</div>\n</form>\n",
        action = esc(&opts.abs("CaseManagementEntry.do")),
        provider = esc(&opts.logged_in_provider),
        today = clinic.today,
        user = esc(&clinic.provider(&opts.logged_in_provider).map(|p| p.formatted_name()).unwrap_or_default()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragment_has_form_input_and_note_textarea() {
        let clinic = Clinic::demo(Date::new(2026, 3, 2));
        let html = chart_notes(&clinic, &PageOptions::default(), 1003).unwrap();
        assert!(html.contains("<form name=\"caseManagementEntryForm\""));
        assert!(html.contains("<input type=\"hidden\" name=\"demographicNo\" value=\"1003\">"));
        assert!(html.contains("class=\"txtArea\""));
        assert!(html.contains("name=\"caseNote_note\" id=\"caseNote_note10039\""));
        assert!(html.contains("<div id=\"encMainDiv\""));
        assert_eq!(chart_notes(&clinic, &PageOptions::default(), 4), None);
    }

    #[test]
    fn saved_notes_follow_the_seeded_ones() {
        let clinic = Clinic::demo(Date::new(2026, 3, 2));
        let saved = ExtraNote {
            note_id: 900_001,
            date: Date::new(2026, 3, 2),
            author: "Marchetti, Helen".into(),
            text: "Emailed <results>\nto patient".into(),
            signed: false,
        };
        let html = chart_notes_with(&clinic, &PageOptions::default(), 1003, &[saved]).unwrap();
        assert!(html.contains(
            "<span id=\"txt900001\">[2026-03-02 .: Marchetti, Helen]<br>Emailed &lt;results&gt;<br>to patient</span>"
        ));
        assert!(html.contains("<div class=\"sig\" id=\"sig900001\">Unsigned</div>"));
        assert!(html.find("txt900001").unwrap() < html.find("caseNote_note").unwrap());
    }
}
